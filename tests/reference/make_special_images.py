"""Writes images of every kind a loader must turn into RGB (or refuse), for the decoder test.

usage: make_special_images.py OUT_DIR
Each file's colour is (200, 100, 50) RGB where it has colour, so the test can check channel order.
"""
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

RGB = (200, 100, 50)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 24), RGB).save(out / "rgb.png")
    Image.new("L", (32, 24), 90).save(out / "gray.png")
    Image.new("LA", (32, 24), (90, 128)).save(out / "gray_alpha.png")
    Image.new("RGBA", (32, 24), RGB + (10,)).save(out / "rgba.png")
    palette = Image.new("P", (32, 24), 1)
    palette.putpalette([0, 0, 0] + list(RGB) + [0, 0, 0] * 254)
    palette.save(out / "palette.png")
    Image.new("RGB", (32, 24), RGB).convert("CMYK").save(out / "cmyk.jpg", quality=100)
    sixteen = np.full((24, 32), 257 * 90, dtype=np.uint16)
    Image.fromarray(sixteen).save(out / "gray16.png")
    Image.new("RGB", (32, 24), RGB).save(out / "rgb.gif")
    Image.new("RGB", (32, 24), RGB).save(out / "rgb.bmp")
    # A valid PNG header claiming 100000 x 100000 pixels: a decompression bomb's calling card.
    header = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
    (out / "huge.png").write_bytes(bomb + png_chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
