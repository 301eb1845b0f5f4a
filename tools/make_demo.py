#!/usr/bin/env python3
"""Makes data/demo, the small dataset and backbone the README's first command trains on, from the
originals: the Oxford-IIIT Pet mini subset (CC BY-SA 4.0) and Google's MobileNet v1 0.25/128
(Apache-2.0), both in ../shared on this project's machines.

    python3 tools/make_demo.py [--shared ../shared] [--out data/demo]

Every photo is decoded (the GIF and the PNG named .jpg included), scaled to 160 px on its shorter
side and saved as a baseline JPEG; the official annotation lines are kept for the photos written,
so the demo has the official trainval/test split. The output is deterministic for a given Pillow."""
import argparse
import json
import pathlib
import shutil
import sys

from PIL import Image

SHORTER_SIDE = 160
QUALITY = 85
BACKBONE = "mobilenet_v1_0.25_128_quant"


def scaled(photo: Image.Image) -> Image.Image:
    photo = photo.convert("RGB")
    width, height = photo.size
    factor = SHORTER_SIDE / min(width, height)
    if factor >= 1:
        return photo
    return photo.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)


def make_images(oxford: pathlib.Path, out: pathlib.Path) -> set:
    (out / "images").mkdir(parents=True, exist_ok=True)
    written = set()
    for source in sorted((oxford / "images").glob("*.jpg")):
        with Image.open(source) as photo:
            scaled(photo).save(out / "images" / source.name, "JPEG", quality=QUALITY, optimize=True)
        written.add(source.stem)
    return written


def copy_annotations(oxford: pathlib.Path, out: pathlib.Path, written: set) -> None:
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    for name in ("list.txt", "trainval.txt", "test.txt"):
        lines = (oxford / "annotations" / name).read_text().splitlines()
        kept = [line for line in lines if line.startswith("#") or line.split()[0] in written]
        (out / "annotations" / name).write_text("\n".join(kept) + "\n")


def copy_backbone(models: pathlib.Path, out: pathlib.Path) -> None:
    folder = out / "backbone"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(models / BACKBONE / "backbone.pt", folder / f"{BACKBONE}.pt")
    metadata = json.loads((models / BACKBONE / "model.json").read_text())
    keep = ["name", "family", "input_size", "mean", "std", "color", "resize_shorter", "interpolation",
            "feature_dim", "license", "source_repo"]
    (folder / f"{BACKBONE}.json").write_text(json.dumps({k: metadata[k] for k in keep if k in metadata}, indent=2) + "\n")
    shutil.copyfile(models / "LICENSE-Apache-2.0.txt", folder / "LICENSE-Apache-2.0.txt")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = pathlib.Path(__file__).resolve().parent.parent
    parser.add_argument("--shared", type=pathlib.Path, default=root.parent / "shared")
    parser.add_argument("--out", type=pathlib.Path, default=root / "data" / "demo")
    args = parser.parse_args()
    oxford = args.shared / "datasets" / "oxford-iiit-pet-mini"
    if not (oxford / "images").is_dir():
        print(f"make_demo.py: {oxford}/images not found; give --shared DIR (the folder holding datasets/ and models/)",
              file=sys.stderr)
        return 1
    written = make_images(oxford, args.out)
    copy_annotations(oxford, args.out, written)
    copy_backbone(args.shared / "models", args.out)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"{args.out}: {len(written)} photos and {BACKBONE}, {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
