"""Test-time crops for the logistic probe, measured by k-fold cross-validation on Oxford trainval.

usage: /usr/bin/python3 bench/five_crop.py [--root ../shared/datasets/oxford-iiit-pet-mini]
                                           [--backbone ../shared/models/mobilenet_v2_1.0_224_ptq/backbone.pt]
                                           [--folds 5] [--l2 1e-3] [--limit N]

Each trainval image is resized as tl does for the backbone (shorter side to the metadata's
resize_shorter, bilinear without antialiasing) and cut into five input-sized crops (the centre, tl's
own crop, and the four corners), each also mirrored. The backbone's features of every crop are
computed once. For each of K stratified folds a multinomial logistic probe (features standardised by
the fitted rows, the L2 strength fixed, L-BFGS as tl's) is fitted on the centre crops of the other
folds and scores the held-out fold's images four ways: the centre crop alone, centre and its mirror
(tl's eval.tta: flip), the five crops' logits averaged, and the ten crops'. Prints the pooled
out-of-fold top-1 and log loss of each: no official test line is read. Nothing here is a test.
"""
import argparse
import json
import math
import random
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch

from run_benchmark import ROOT, processor


def crops_of(path, metadata):
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    if metadata.get("color", "RGB") == "RGB":
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    height, width = image.shape[:2]
    shorter = metadata["resize_shorter"]
    scale = shorter / min(height, width)
    image = cv2.resize(image, (max(shorter, round(width * scale)), max(shorter, round(height * scale))),
                       interpolation=cv2.INTER_LINEAR)
    size_h, size_w = metadata["input_size"]
    height, width = image.shape[:2]
    top, left = (height - size_h) // 2, (width - size_w) // 2
    corners = [(top, left), (0, 0), (0, width - size_w), (height - size_h, 0), (height - size_h, width - size_w)]
    crops = [image[y:y + size_h, x:x + size_w] for y, x in corners]
    crops += [crop[:, ::-1] for crop in crops]
    mean = np.array(metadata["mean"], dtype=np.float32)
    std = np.array(metadata["std"], dtype=np.float32)
    batch = np.stack([(crop.astype(np.float32) / 255.0 - mean) / std for crop in crops])
    return torch.from_numpy(batch.transpose(0, 3, 1, 2).copy())


def stratified_folds(labels, folds, seed):
    by_class = defaultdict(list)
    for index, label in enumerate(labels):
        by_class[label].append(index)
    generator = random.Random(seed)
    assignment = [0] * len(labels)
    offset = 0
    for label in sorted(by_class):
        members = by_class[label]
        generator.shuffle(members)
        for position, index in enumerate(members):
            assignment[index] = (offset + position) % folds
        offset += len(members)
    return assignment


def fit_probe(features, labels, classes, l2):
    mean, std = features.mean(0), features.std(0).clamp_min(1e-6)
    x = (features - mean) / std
    weight = torch.zeros(classes, x.shape[1], requires_grad=True)
    bias = torch.zeros(classes, requires_grad=True)
    solver = torch.optim.LBFGS([weight, bias], max_iter=500, tolerance_grad=1e-6, line_search_fn="strong_wolfe")

    def closure():
        solver.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, labels) + 0.5 * l2 * (weight ** 2).sum()
        loss.backward()
        return loss

    solver.step(closure)
    return lambda rows: ((rows - mean) / std) @ weight.detach().T + bias.detach()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(ROOT.parent / "shared/datasets/oxford-iiit-pet-mini"),
                        help="an Oxford-IIIT Pet layout (annotations/trainval.txt, images/)")
    parser.add_argument("--backbone", default=str(ROOT.parent / "shared/models/mobilenet_v2_1.0_224_ptq/backbone.pt"),
                        help="TorchScript backbone; its metadata is <stem>.json or model.json beside it, as tl reads it")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=1e-3, help="the strength 5-fold log loss chose for this probe")
    parser.add_argument("--limit", type=int, default=0, help="N trainval images spread over the breeds (a smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    root = Path(args.root)
    backbone_file = Path(args.backbone)
    metadata_file = backbone_file.with_suffix(".json")
    if not metadata_file.exists():
        metadata_file = backbone_file.parent / "model.json"
    metadata = json.loads(metadata_file.read_text())
    backbone = torch.jit.load(str(backbone_file)).eval()

    lines = [line.split() for line in (root / "annotations/trainval.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    if args.limit:
        lines = lines[::max(1, len(lines) // args.limit)][:args.limit]
    features, labels = [], []
    with torch.no_grad():
        for name, class_id, *_ in lines:
            batch = crops_of(root / "images" / f"{name}.jpg", metadata)
            if batch is None:
                continue
            features.append(backbone(batch))
            labels.append(int(class_id) - 1)
    features = torch.stack(features)  # images x 10 crops x feature_dim
    classes = sorted(set(labels))
    index_of = {label: i for i, label in enumerate(classes)}
    targets = torch.tensor([index_of[label] for label in labels])
    folds = stratified_folds(targets.tolist(), args.folds, seed=0)

    ways = {"centre crop (tl's default)": [0], "centre + mirror (eval.tta: flip)": [0, 5],
            "five crops": [0, 1, 2, 3, 4], "ten crops (five + mirrors)": list(range(10))}
    logits = {way: torch.zeros(len(labels), len(classes)) for way in ways}
    for fold in range(args.folds):
        held_out = torch.tensor([f == fold for f in folds])
        probe = fit_probe(features[~held_out, 0], targets[~held_out], len(classes), args.l2)
        for way, crops in ways.items():
            logits[way][held_out] = torch.stack([probe(features[held_out, c]) for c in crops]).mean(0)

    print(f"cpu: {processor()}\nbackbone: {backbone_file}, {len(labels)} Oxford trainval images, {len(classes)} breeds, "
          f"{args.folds} folds, L2 {args.l2:g}\n")
    print("| test-time crops | out-of-fold top-1 | out-of-fold log loss |\n|---|---|---|")
    for way in ways:
        top1 = (logits[way].argmax(1) == targets).float().mean().item()
        loss = torch.nn.functional.cross_entropy(logits[way], targets).item()
        print(f"| {way} | {100 * top1:.2f}% | {loss:.4f} |")
    assert not math.isnan(loss)


if __name__ == "__main__":
    main()
