#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target into tests/fuzz/corpus/<target>/: small valid inputs
the fuzzer mutates from. Rerun after a format change; inputs a fuzzer found are added by hand."""
import hashlib
import io
import pathlib
import struct
import zipfile
import zlib

import cv2
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CONFIGS = HERE.parent.parent / "configs"


def write(target, name, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def configs():
    for path in sorted(CONFIGS.glob("*.yaml")):
        write("config", path.stem + ".yaml", b"\0" + path.read_bytes())
    write("config", "minimal.json", b"\1" + b'{"data": {"layout": "image_folder", "root": "d"}, '
          b'"model": {"backbone": "b.pt", "head": {"type": "mlp", "hidden": [64]}}, "train": {"epochs": 2}}')
    write("config", "aliases.yaml", b"\0a: &a [1, 2]\nb: *a\nc: {<<: {x: 1}}\n")


def overrides():
    write("set_override", "basic", b"train.epochs=3\ntrain.optimizer.lr=1e-3\nmodel.head.hidden=[64, 32]\n")
    write("set_override", "section", b"data={layout: oxford_pets, root: pets, target: species}\n")
    write("set_override", "augmentation", b"train.augmentation={flip: true, views: 2}\nseed=7\n")


def label_lists():
    # The first byte picks the format: 0 CSV, 1 TSV, 2 JSON Lines.
    write("label_list", "csv", b'\0path,label,split\nimages/a.jpg,cat,train\n"b, c.jpg",dog,test\n')
    write("label_list", "tsv", b"\1a.jpg\tcat\nb.jpg\tdog\n")
    write("label_list", "jsonl", b'\2{"path": "a.jpg", "label": "cat", "split": "val"}\n{"path": "b.jpg", "label": 2}\n')


def tars():
    # The header forms tar readers meet: POSIX ustar, GNU long names, pax paths and sizes.
    import tarfile
    for name, form in (("ustar", tarfile.USTAR_FORMAT), ("gnu", tarfile.GNU_FORMAT), ("pax", tarfile.PAX_FORMAT)):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=form) as archive:
            for member, data in ((("n" * 120 if form != tarfile.USTAR_FORMAT else "k") + ".jpg", b"\xff\xd8img"),
                                 ("k.cls", b"1"), ("d/", None)):
                info = tarfile.TarInfo(member)
                if data is None:
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
                else:
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
        write("tar", name, buffer.getvalue())


def images():
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    for extension, flags in [(".jpg", []), (".png", []), (".bmp", []), (".webp", []), (".tiff", []),
                             (".ppm", []), (".pgm", []), (".sr", []), (".hdr", [])]:
        image = picture if extension != ".pgm" else cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
        ok, encoded = cv2.imencode(extension, image.astype(np.float32) / 255 if extension == ".hdr" else image, flags)
        if ok:
            write("image", "picture" + extension, encoded.tobytes())
    ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    write("image", "progressive.jpg", encoded.tobytes())
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))
    write("image", "gray.jpg", encoded.tobytes())


def checkpoints():
    for name, method in [("stored.zip", zipfile.ZIP_STORED), ("deflated.zip", zipfile.ZIP_DEFLATED)]:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            archive.writestr("archive/data.pkl", b"\x80\x02}q\x00." * 4)
            archive.writestr("archive/data/0", struct.pack("<8f", *range(8)))
            archive.writestr("archive/version", b"3\n")
        write("checkpoint", name, buffer.getvalue())


def cache_entries():
    # As tests/fuzz/cache_entry_fuzzer.cpp's cache keys it: backbone "backbone", preprocessing
    # "preprocessing", image hash "a" * 64, 8 features.
    magic = b"TLFEAT02"
    namespace = hashlib.sha256(magic + b"\nbackbone\npreprocessing").hexdigest()[:32]
    values = struct.pack("<8f", *[0.5 * i for i in range(8)])
    checksum = zlib.crc32(values, zlib.crc32((namespace + "/" + "a" * 64).encode()))
    write("cache_entry", "intact.feat", magic + struct.pack("<II", 8, checksum) + values)


def rendezvous():
    # As src/dist/rendezvous.cpp speaks: byte 0 even for what a peer sends the server, odd for what
    # a "rank 0" sends a client.
    magic = b"tl-rendezvous/1\n"
    write("rendezvous", "client_greeting", b"\0" + magic + b"n" * 16 + struct.pack(">II", 1, 2) + b"p" * 32)
    write("rendezvous", "http_request", b"\0GET / HTTP/1.1\r\nHost: x\r\n\r\n")

    def message(status, *fields):
        body = status + b"".join(struct.pack(">I", len(field)) + field for field in fields)
        return struct.pack(">I", len(body)) + body

    server = b"\1" + magic + b"s" * 16
    write("rendezvous", "refusal", server + message(b"N", b"its TL_DIST_TOKEN differs"))
    write("rendezvous", "forged_proof", server + message(b"Y", b"p" * 32) + message(b"Y", b"value"))


if __name__ == "__main__":
    configs()
    overrides()
    label_lists()
    tars()
    images()
    checkpoints()
    cache_entries()
    rendezvous()
