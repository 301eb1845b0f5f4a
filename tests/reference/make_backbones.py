"""Writes tiny TorchScript backbones (and their metadata) for the backbone and CLI tests.

usage: make_backbones.py OUT_DIR
  tiny.pt        conv + BatchNorm (non-trivial running statistics) + ReLU, output [N, 8, h, w]
  flat.pt        the same, pooled inside: output [N, 8]
  three_d.pt     output [N, 8, k]: a shape tl must refuse
  pair.pt        returns a tuple: tl must refuse
  scaled.pt      tiny's modules, but a forward that is not their chain (output x2): no frozen-prefix cut
  stack.pt       nn.Sequential of three conv blocks: cuts between blocks, as in MobileNet's features.N
  not_torchscript.pt  bytes that are not a TorchScript archive
  stack_grad_cam.json  Grad-CAM of stack.pt under a fixed linear head, for tl's arithmetic to match
and tiny.json / flat.json / three_d.json / pair.json (feature_dim 8), wrong_dim.json (feature_dim 16).
"""
import json
import sys
from pathlib import Path

import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()

    def features(self, x):
        return self.relu(self.bn(self.conv(x)))

    def forward(self, x):
        return self.features(x)


class Flat(Tiny):
    def forward(self, x):
        return self.features(x).mean(dim=(2, 3))


class ThreeD(Tiny):
    def forward(self, x):
        return self.features(x).flatten(2)


class Scaled(Tiny):
    def forward(self, x):
        return self.features(x) * 2.0


class Block(nn.Module):
    def __init__(self, channels_in):
        super().__init__()
        self.conv = nn.Conv2d(channels_in, 8, kernel_size=3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block(3), Block(8), Block(8))

    def forward(self, x):
        return self.features(x)


class Pair(Tiny):
    def forward(self, x):
        y = self.features(x)
        return y, y


def write_grad_cam_reference(model, path):
    """Grad-CAM as Selvaraju et al. define it, with autograd at the output of a block of stack.pt."""
    torch.manual_seed(5)
    image = torch.randn(1, 3, 32, 32)
    head = nn.Linear(8, 3)
    classes = [0, 1, 2]
    maps = {}
    for block in ["features.1", "features.2"]:
        activations, x = None, image
        for index, module in enumerate(model.features):
            x = module(x)
            if f"features.{index}" == block:
                activations = x.detach().requires_grad_(True)
                x = activations
        logits = head(x.mean(dim=(2, 3)))
        per_class = []
        for c in classes:
            (gradient,) = torch.autograd.grad(logits[:, c].sum(), activations, retain_graph=True)
            weights = gradient.mean(dim=(2, 3), keepdim=True)
            per_class.append((weights * activations).sum(dim=1).relu()[0].flatten().tolist())
        maps[block] = {"rows": activations.shape[2], "cols": activations.shape[3], "maps": per_class}
    path.write_text(json.dumps({"image": image.flatten().tolist(), "head_weight": head.weight.flatten().tolist(),
                                "head_bias": head.bias.tolist(), "classes": classes, "blocks": maps}))


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    metadata = {"input_size": [32, 32], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "color": "RGB",
                "feature_dim": 8, "resize_shorter": 36, "interpolation": "linear"}
    for name, cls in {"tiny": Tiny, "flat": Flat, "three_d": ThreeD, "pair": Pair, "scaled": Scaled,
                      "stack": Stack}.items():
        torch.manual_seed(0)  # the same weights in every variant, so their outputs can be compared
        model = cls()
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.running_mean.uniform_(-0.5, 0.5)
                    module.running_var.uniform_(0.5, 2.0)
        model.eval()
        torch.jit.save(torch.jit.script(model), str(out / f"{name}.pt"))
        if name == "stack":
            write_grad_cam_reference(model, out / "stack_grad_cam.json")
        (out / f"{name}.json").write_text(json.dumps(metadata))
    (out / "wrong_dim.json").write_text(json.dumps(dict(metadata, feature_dim=16)))
    (out / "not_torchscript.pt").write_bytes(b"PK\x03\x04 this is not a TorchScript archive" * 10)


if __name__ == "__main__":
    main()
