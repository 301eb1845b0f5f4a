#!/usr/bin/env python3
"""Export a torchvision backbone as TorchScript plus the metadata JSON tl reads.

usage: export_backbone.py ARCH --out DIR [--weights imagenet|random | --weights-file STATE_DICT.pth] [--cut pool5|fc7|gap]

ARCH: vgg11 vgg13 vgg16 vgg19 (and _bn), resnet18 resnet34 resnet50 resnet101 resnet152,
      mobilenet_v2, mobilenet_v3_small, mobilenet_v3_large.
Writes DIR/backbone.pt (images [N,3,224,224] normalised with ImageNet mean/std -> features [N,D])
and DIR/backbone.json (input_size, mean, std, color, feature_dim, resize_shorter, interpolation, ...).

Where the network is cut: ResNet and MobileNet after global average pooling; VGG by default after
pool5, flattened (25088 features), or `--cut fc7` (4096, after the second fully connected layer and
its ReLU) or `--cut gap` (512, global average of the last convolution block).

Weights: `imagenet` downloads torchvision's pretrained weights (needs a network; offline it fails
with a clear message), `--weights-file` loads a state_dict you already have, `random` keeps the
architecture's random initialisation (offline; what tl's tests use).

The model is put in eval mode before scripting; the saved file is reloaded and its output checked
against the in-memory model.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
import torchvision
from torch import nn

VGG = ["vgg11", "vgg13", "vgg16", "vgg19"]
ARCHITECTURES = VGG + [name + "_bn" for name in VGG] + [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class Backbone(nn.Module):
    """A classifier's feature part followed by a pooling/flattening head, as one module."""

    def __init__(self, body: nn.Module, tail: nn.Module):
        super().__init__()
        self.body = body
        self.tail = tail

    def forward(self, x):
        return self.tail(self.body(x))


def build(arch, weights):
    constructor = getattr(torchvision.models, arch)
    if weights != "imagenet":
        return constructor(weights=None)
    try:
        return constructor(weights="DEFAULT")
    except Exception as error:  # torchvision raises URLError, HTTPError or RuntimeError offline
        sys.exit(f"export_backbone.py: could not download the ImageNet weights for {arch} ({error}). "
                 "This needs a network; offline, use --weights-file with a state_dict you have, "
                 "or --weights random.")


def cut(arch, model, where):
    if arch.startswith("resnet"):
        body = nn.Sequential(*list(model.children())[:-1])  # everything up to and including avgpool
        return Backbone(body, nn.Flatten(1))
    if arch.startswith("mobilenet"):
        return Backbone(model.features, nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1)))
    if where == "gap":
        return Backbone(model.features, nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1)))
    pool5 = nn.Sequential(model.avgpool, nn.Flatten(1))
    if where == "fc7":
        return Backbone(model.features, nn.Sequential(pool5, *list(model.classifier.children())[:5]))
    return Backbone(model.features, pool5)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("arch", choices=ARCHITECTURES)
    parser.add_argument("--out", required=True, type=Path)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", choices=["imagenet", "random"], default="imagenet")
    source.add_argument("--weights-file", type=Path)
    parser.add_argument("--cut", choices=["pool5", "fc7", "gap"], default="pool5", help="VGG only")
    args = parser.parse_args()
    if args.cut != "pool5" and not args.arch.startswith("vgg"):
        parser.error("--cut applies to VGG only")

    torch.manual_seed(0)
    model = build(args.arch, "random" if args.weights_file else args.weights)
    if args.weights_file:
        try:
            model.load_state_dict(torch.load(args.weights_file, map_location="cpu"))
        except (RuntimeError, OSError) as error:
            sys.exit(f"export_backbone.py: {args.weights_file}: not a {args.arch} state_dict ({error})")
    model.eval()
    backbone = cut(args.arch, model, args.cut).eval()
    for parameter in backbone.parameters():
        parameter.requires_grad_(False)

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "backbone.pt"
    scripted = torch.jit.script(backbone)
    torch.jit.save(scripted, str(path))

    probe = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        expected = backbone(probe)
        reloaded = torch.jit.load(str(path)).eval()(probe)
    if expected.dim() != 2 or not torch.allclose(reloaded, expected, rtol=1e-4, atol=1e-5):
        sys.exit(f"export_backbone.py: {path} does not reproduce the model (max difference "
                 f"{(reloaded - expected).abs().max().item():.3g})")

    weights = str(args.weights_file) if args.weights_file else args.weights
    metadata = {
        "name": args.arch if args.cut == "pool5" else f"{args.arch}_{args.cut}",
        "family": next(family for family in ("vgg", "resnet", "mobilenet_v2", "mobilenet_v3")
                       if args.arch.startswith(family)),
        "architecture": args.arch,
        "cut": args.cut if args.arch.startswith("vgg") else "global_average_pool",
        "weights": weights,
        "input_size": [224, 224],
        "mean": IMAGENET_MEAN,
        "std": IMAGENET_STD,
        "color": "RGB",
        "feature_dim": int(expected.shape[1]),
        "resize_shorter": 256,
        "interpolation": "antialias",
        "preprocessing": "torchvision ImageNet evaluation: Resize(256) with PIL bilinear (antialiased), "
                         "CenterCrop(224), ToTensor, Normalize(mean, std)",
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
    }
    (args.out / "backbone.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print(f"{path}: {args.arch}, {metadata['feature_dim']} features, weights {weights}")


if __name__ == "__main__":
    main()
