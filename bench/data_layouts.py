"""One synthetic data set as loose files, as a list file and as tar shards: the feature pass's images/s
and tl-train's peak memory for each layout, on 1 and 2 ranks, as the set grows.

usage: /usr/bin/python3 bench/data_layouts.py [--sizes 10000,50000] [--ranks 1,2] [--build build]
                                              [--backbone build/tests/tiny_backbones/tiny.pt] [--work DIR]

The bench makes its images (small JPEGs of 10 classes told apart by colour, drawn with a seeded
generator: nothing is downloaded) in --work (default: a temporary folder, removed after), once for
the largest size; each smaller set is the first images of each class (hard links). For each size it
writes the list file (CSV, path,label) and the shards (tl-shard, 64 MiB each), then runs tl-train
without a feature cache on each layout and rank count (--repeats times each: the fastest feature pass
and the largest peak memory are reported), measured side by side in one run:
- images/s of the feature pass (every image of the split decoded, preprocessed and embedded; with 2
  ranks each embeds its share and the rows are exchanged), as tl-train records it in summary.json;
- the whole run's wall time (listing the data too: a folder walk, a list parse, shard headers);
- the peak resident memory of the run (all ranks' processes: the largest of them), from
  /usr/bin/time, and how it grows from the smallest set to the largest (flat: the images stream
  through a bounded pipeline; what does grow is one path and a few numbers per image);
- the validation accuracy each run reaches: every layout must train the same model.
The tiny backbone and a linear head trained for two epochs make the data pipeline, not the network
or the head's fit, the work measured (the default logistic probe's L-BFGS on every row adds its own
memory, which grows with the rows but is no part of reading data). Nothing here is a test.
"""
import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from run_benchmark import ROOT, build_targets, processor, run

CLASSES = 10
IMAGE_SIDE = 64


def make_images(folder, per_class):
    """per_class JPEGs in each of CLASSES folders: a class colour plus seeded noise and a random box."""
    generator = np.random.default_rng(0)
    for label in range(CLASSES):
        directory = folder / f"class_{label:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        hue = np.array([(37 * label) % 180, 200, 200], dtype=np.uint8).reshape(1, 1, 3)
        base = cv2.cvtColor(np.broadcast_to(hue, (IMAGE_SIDE, IMAGE_SIDE, 3)).copy(), cv2.COLOR_HSV2BGR)
        for index in range(per_class):
            noise = generator.integers(-150, 150, size=(IMAGE_SIDE, IMAGE_SIDE, 3), dtype=np.int16)
            image = np.clip(base.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            x, y = generator.integers(0, IMAGE_SIDE - 16, size=2)
            image[y:y + 16, x:x + 16] = generator.integers(0, 255, size=3, dtype=np.uint8)
            cv2.imwrite(str(directory / f"{index:06d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])


def subset(full, folder, per_class):
    """The first per_class images of each class of `full`, as hard links."""
    for label in range(CLASSES):
        source, target = full / f"class_{label:02d}", folder / f"class_{label:02d}"
        target.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            os.link(source / f"{index:06d}.jpg", target / f"{index:06d}.jpg")


def write_list(folder, list_file):
    with open(list_file, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["path", "label"])
        for directory in sorted(folder.iterdir()):
            for image in sorted(directory.iterdir()):
                writer.writerow([os.path.relpath(image, list_file.parent), directory.name])


def train(build, config, layout, root, ranks, run_dir):
    command = ["/usr/bin/time", "-f", "peak_kb=%M", str(build / "apps/tl-train"), "--config", str(config),
               "--set", f"data.layout={layout}", "--set", f"data.root={root}", "--set", f"output.dir={run_dir}",
               "--nproc", str(ranks)]
    start = time.perf_counter()
    completed = run(command)
    wall = time.perf_counter() - start
    peak_kb = int(re.findall(r"peak_kb=(\d+)", completed.stderr)[-1])
    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    extraction = summary["feature_extraction"]
    return {"layout": layout, "ranks": ranks, "wall_s": wall, "pass_images": extraction["images"],
            "pass_s": extraction["seconds"], "images_per_s": extraction["images_per_second"],
            "peak_mb": peak_kb / 1024, "val_accuracy": summary["best"]["val_accuracy"], "samples": summary["samples"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="images in each data set, comma-separated")
    parser.add_argument("--ranks", default="1,2", help="rank counts to run, comma-separated")
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--backbone", type=Path, default=None, help="default: the tests' tiny backbone")
    parser.add_argument("--work", type=Path, default=None, help="folder for the images, shards and runs")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the fastest pass and the largest peak count")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rank_counts = [int(ranks) for ranks in args.ranks.split(",")]
    backbone = args.backbone or args.build / "tests/tiny_backbones/tiny.pt"
    build_targets(args.build, "tl-train", "tl-shard")
    work = args.work or Path(tempfile.mkdtemp(prefix="tl-bench-layouts-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        full = work / f"images_{sizes[-1]}"
        make_images(full, sizes[-1] // CLASSES)
        print(f"made {sizes[-1]} JPEGs of {IMAGE_SIDE} px in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        config = work / "experiment.yaml"
        config.write_text(
            f"name: layouts\nseed: 0\nthreads: {args.threads}\ncache: off\n"
            f"data: {{layout: image_folder, root: x, val_fraction: 0.1, test_fraction: 0.1, batch_size: 64}}\n"
            f"model: {{backbone: {backbone}, head: {{type: linear}}}}\n"
            f"train: {{epochs: 2, batch_size: 256, optimizer: {{name: adam, lr: 0.05}}}}\n")
        rows = []
        for size in sizes:
            folder = full if size == sizes[-1] else work / f"images_{size}"
            if folder != full:
                subset(full, folder, size // CLASSES)
            list_file = work / f"list_{size}.csv"
            write_list(folder, list_file)
            shards = work / f"shards_{size}"
            run([str(args.build / "apps/tl-shard"), str(folder), "--layout", "image_folder", "--shard-size", "64M",
                 "--out", str(shards)])
            for layout, root in (("image_folder", folder), ("list", list_file), ("shards", shards)):
                for ranks in rank_counts:
                    tries = [train(args.build, config, layout, root, ranks, work / f"run_{size}_{layout}_{ranks}_{n}")
                             for n in range(args.repeats)]
                    row = max(tries, key=lambda measured: measured["images_per_s"])
                    row["peak_mb"] = max(measured["peak_mb"] for measured in tries)
                    row["size"] = size
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr)
        print(f"processor: {processor()}; {args.threads} threads; backbone {backbone.name}; "
              f"{IMAGE_SIDE} px JPEGs, {CLASSES} classes\n")
        print("| images | layout | ranks | feature pass img/s | run wall s | peak MiB | val accuracy |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print(f"| {row['size']} | {row['layout']} | {row['ranks']} | {row['images_per_s']:.0f} | "
                  f"{row['wall_s']:.1f} | {row['peak_mb']:.0f} | {row['val_accuracy']:.4f} |")
        print("\npeak memory, largest set over smallest:")
        for layout in ("image_folder", "list", "shards"):
            for ranks in rank_counts:
                peaks = [row["peak_mb"] for row in rows if row["layout"] == layout and row["ranks"] == ranks]
                print(f"  {layout}, {ranks} rank(s): {peaks[0]:.0f} -> {peaks[-1]:.0f} MiB ({peaks[-1] / peaks[0]:.2f}x "
                      f"for {sizes[-1] / sizes[0]:.0f}x the images)")
        for size in sizes:
            accuracies = {row["val_accuracy"] for row in rows if row["size"] == size}
            samples = {json.dumps(row["samples"]) for row in rows if row["size"] == size}
            print(f"{size} images: {'the same' if len(accuracies) == 1 and len(samples) == 1 else 'DIFFERENT'} "
                  f"samples and validation accuracy in every layout and rank count")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
