"""Reference preprocessing for the golden test: the same steps as tl's C++ pipeline, written the
way a Python user would (cv2 for OpenCV interpolations, torchvision's PIL transforms for
'antialias'). Writes the CHW float32 tensor as raw bytes.

usage: preprocess_reference.py OUT_DIR HEIGHT WIDTH RESIZE_SHORTER INTERPOLATION REDUCED MEAN(3) STD(3) IMAGE...
REDUCED 1: a JPEG at least twice the needed size is decoded by OpenCV at 1/2, 1/4 or 1/8 scale.
Writes OUT_DIR/<i>.bin for the i-th image.
"""
import sys

import cv2
import numpy as np
from PIL import Image
import torchvision.transforms as T


def resized_size(height, width, shorter):
    # torchvision.transforms.Resize(int): shorter side -> `shorter`, longer side truncated.
    if height <= width:
        return shorter, int(shorter * width / height)
    return int(shorter * height / width), shorter


def decode_flag(image, needed):
    with Image.open(image) as header:
        if header.format != "JPEG":
            return cv2.IMREAD_COLOR
        shorter_side = min(header.size)
    for factor, flag in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                         (2, cv2.IMREAD_REDUCED_COLOR_2)):
        if shorter_side >= factor * needed:
            return flag
    return cv2.IMREAD_COLOR


def preprocess(image, height, width, shorter, interpolation, reduced, mean, std):
    flag = decode_flag(image, max(shorter, height, width)) if reduced else cv2.IMREAD_COLOR
    bgr = cv2.imdecode(np.fromfile(image, dtype=np.uint8), flag)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if interpolation == "antialias":
        transform = T.Compose([
            T.Resize(shorter, interpolation=T.InterpolationMode.BILINEAR),
            T.CenterCrop((height, width)),
            T.ToTensor(),
            T.Normalize(mean, std),
        ])
        tensor = transform(Image.fromarray(rgb)).numpy()
    else:
        flag = {"linear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA, "cubic": cv2.INTER_CUBIC}[interpolation]
        new_h, new_w = resized_size(rgb.shape[0], rgb.shape[1], shorter)
        resized = cv2.resize(rgb, (new_w, new_h), interpolation=flag)
        top = int(round((new_h - height) / 2.0))
        left = int(round((new_w - width) / 2.0))
        crop = resized[top:top + height, left:left + width].astype(np.float32) / 255.0
        tensor = ((crop - np.array(mean, np.float32)) / np.array(std, np.float32)).transpose(2, 0, 1)
    return np.ascontiguousarray(tensor, dtype=np.float32)


def main():
    out_dir, height, width, shorter, interpolation, reduced = sys.argv[1:7]
    mean = [float(v) for v in sys.argv[7:10]]
    std = [float(v) for v in sys.argv[10:13]]
    for index, image in enumerate(sys.argv[13:]):
        tensor = preprocess(image, int(height), int(width), int(shorter), interpolation, reduced == "1", mean, std)
        tensor.tofile(f"{out_dir}/{index}.bin")


if __name__ == "__main__":
    main()
