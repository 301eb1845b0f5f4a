"""Fine-tuning speed, measured side by side in one run on this machine.

usage: /usr/bin/python3 bench/fine_tune.py [--config configs/oxford_pets_breeds_linear.yaml] [--blocks 2] [--epochs 3]
                                           [--build build]

Trains the config's head for one epoch, then fine-tunes its last --blocks backbone blocks for
--epochs epochs, three ways: tl-train running the whole backbone every step
(train.fine_tune.cache_prefix=false, how tl worked before), tl-train from the cached frozen prefix
(the default), and the Python/PyTorch tutorial's way on the same TorchScript file (full forward,
autograd through the unfrozen blocks, the images decoded and resized once beforehand so that only
the network is timed). Prints images/s per fine-tuning epoch (the first epoch apart: it includes the
prefix pass), kernel (sys) time of each tl-train, and the ratios. Nothing here is a test.
"""
import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from run_benchmark import ROOT, build_targets, processor, run


def tl_fine_tune(build, config, blocks, epochs, cache_prefix, run_dir, cache_dir):
    env = dict(os.environ, TL_CACHE_DIR=str(cache_dir))
    completed = run(["/usr/bin/time", "-f", "user=%U sys=%S peak_kb=%M", str(build / "apps/tl-train"), "--config",
                     str(config), "--set", "model.head.type=linear", "--set", "train.epochs=1", "--set", f"train.fine_tune.epochs={epochs}",
                     "--set", f"train.fine_tune.unfreeze_blocks={blocks}",
                     "--set", f"train.fine_tune.cache_prefix={'true' if cache_prefix else 'false'}",
                     "--set", f"output.dir={run_dir}", "--overwrite", "-q"], env)
    times = dict(item.split("=") for item in completed.stderr.strip().splitlines()[-1].split())
    metrics = [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    tuned = [m for m in metrics if m["stage"] == "fine_tune"]
    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    return {"first_epoch_images_per_second": tuned[0]["images_per_second"],
            "later_epochs_images_per_second": sum(m["images_per_second"] for m in tuned[1:]) / max(1, len(tuned) - 1),
            "epoch_seconds": [m["seconds"] for m in tuned],
            "user_seconds": float(times["user"]), "sys_seconds": float(times["sys"]),
            "peak_mb": int(times["peak_kb"]) / 1024, "last_val_accuracy": tuned[-1].get("val_accuracy"),
            "frozen_prefix": summary["fine_tune"].get("frozen_prefix")}


def python_reference(run_dir, blocks, epochs, batch_size):
    """The tutorial's recipe on the same file, images and split (tl's train rows, from its run)."""
    import cv2
    import numpy as np
    import torch

    torch.set_num_threads(os.cpu_count())
    config = json.loads((Path(run_dir) / "config.json").read_text())
    backbone_path = config["model"]["backbone"]
    # As tl finds it: <stem>.json beside the backbone, else model.json.
    beside = Path(backbone_path).with_suffix(".json")
    metadata = json.loads((beside if beside.exists() else Path(backbone_path).with_name("model.json")).read_text())
    size = metadata["input_size"][0] if isinstance(metadata["input_size"], list) else metadata["input_size"]
    root = Path(config["data"]["root"])
    lines = (root / "annotations/trainval.txt").read_text().split("\n")
    entries = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    pixels, labels = [], []
    for name, class_id, *_ in entries:
        image = cv2.imread(str(root / "images" / f"{name}.jpg"))
        if image is None:
            continue
        image = cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), (size, size), interpolation=cv2.INTER_LINEAR)
        pixels.append(np.transpose(image.astype(np.float32) / 127.5 - 1.0, (2, 0, 1)))
        labels.append(int(class_id) - 1)
    x, y = torch.from_numpy(np.stack(pixels)), torch.tensor(labels)

    backbone = torch.jit.load(backbone_path)
    backbone.eval()
    names = [name for name, _ in backbone.named_parameters()]
    block_of = lambda name: ".".join(name.split(".")[:2])
    tuned_blocks = list(dict.fromkeys(block_of(n) for n in names))[-blocks:]
    tuned = []
    for name, parameter in backbone.named_parameters():
        parameter.requires_grad_(block_of(name) in tuned_blocks)
        if parameter.requires_grad:
            tuned.append(parameter)
    head = torch.nn.Linear(metadata["feature_dim"], max(labels) + 1)
    optimizer = torch.optim.Adam([{"params": head.parameters()}, {"params": tuned, "lr": 3e-5}], lr=1e-4)
    seconds = []
    for _ in range(epochs):
        order = torch.randperm(len(y))
        start = time.perf_counter()
        for first in range(0, len(y), batch_size):
            rows = order[first:first + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(head(backbone(x[rows])), y[rows])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    return {"images": len(y), "images_per_second": len(y) * len(seconds) / sum(seconds), "epoch_seconds": seconds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=str(ROOT / "configs/oxford_pets_breeds_linear.yaml"))
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--build", default=str(ROOT / "build"))
    args = parser.parse_args()
    build = Path(args.build)
    build_targets(build, "tl-train")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        whole = tl_fine_tune(build, args.config, args.blocks, args.epochs, False, scratch / "whole", scratch / "cache")
        prefix = tl_fine_tune(build, args.config, args.blocks, args.epochs, True, scratch / "prefix",
                              scratch / "cache")
        reference = python_reference(scratch / "prefix", args.blocks, args.epochs, 32)
    result = {"cpu": processor(), "tl_whole_backbone": whole, "tl_frozen_prefix": prefix, "python_tutorial": reference,
              "ratios": {
                  "prefix_over_whole_later_epochs": prefix["later_epochs_images_per_second"]
                  / whole["later_epochs_images_per_second"],
                  "prefix_over_whole_first_epoch": prefix["first_epoch_images_per_second"]
                  / whole["first_epoch_images_per_second"],
                  "prefix_over_python_later_epochs": prefix["later_epochs_images_per_second"]
                  / reference["images_per_second"],
                  "whole_over_python": whole["later_epochs_images_per_second"] / reference["images_per_second"]}}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
