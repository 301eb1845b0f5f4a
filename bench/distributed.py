"""tl's scale-out benchmark: one process against several on this machine, side by side in one run.

usage: /usr/bin/python3 bench/distributed.py [--ranks 2] [--build build]
                                            [--pass-config configs/cats_vs_dogs_linear.yaml]
                                            [--tune-config configs/oxford_pets_breeds_linear.yaml]

Measures, each as 1 rank with all cores against --ranks ranks splitting them (tl-train --nproc):
the first feature pass of configs/cats_vs_dogs_linear.yaml (fresh feature cache each time), and the
fine-tuning epochs of configs/oxford_pets_breeds_linear.yaml with the last 2 MobileNetV2 blocks unfrozen
(warm feature cache, so only the fine-tuning differs). Then the bytes every rank all-reduces per
training step (4 per trained value, from summary.json) and what Gloo takes to all-reduce them over
loopback (tl-bench-all-reduce), and a scaling model for each backbone family's head and top blocks:
the step's compute shrinks with the number of ranks W, its all-reduce does not, so communication
dominates beyond W = compute / communication. Nothing here is a test: the figures are for people.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from run_benchmark import build_targets, processor

ROOT = Path(__file__).resolve().parent.parent
CLASSES = 37  # Oxford-IIIT breeds: the heads below are sized for it
LINKS = {"1 Gbit/s": 1e9 / 8, "10 Gbit/s": 10e9 / 8}


def run(command, env=None):
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{completed.stdout}\n{completed.stderr}")
    return completed


def train(build, ranks, config, run_dir, cache_dir, settings):
    """tl-train with `ranks` processes; returns its summary and epoch metrics."""
    env = dict(os.environ, TL_CACHE_DIR=str(cache_dir))
    env.pop("OMP_NUM_THREADS", None)
    command = [str(build / "apps/tl-train"), "--config", str(ROOT / config), "--overwrite",
               "--set", f"output.dir={run_dir}"]
    for setting in settings:
        command += ["--set", setting]
    if ranks > 1:
        command += ["--nproc", str(ranks)]
    run(command, env)
    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    metrics = [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    return summary, metrics


def block_of(name):
    """tl's block of a parameter (include/tl/features/parameter_selection.hpp): up to the first number."""
    parts = name.split(".")
    for i, part in enumerate(parts):
        if re.fullmatch(r"\d+", part):
            return ".".join(parts[: i + 1])
    return ".".join(parts[:-1]) or name


def family_sizes():
    """Values a step all-reduces for each family: the head alone, and the head with the last 2 blocks."""
    import torch
    sys.path.insert(0, str(ROOT / "tools"))
    from export_backbone import build as build_model, cut

    sizes = []
    for arch, cut_at in (("mobilenet_v2", "gap"), ("resnet50", "gap"), ("vgg16", "pool5"), ("vgg16", "fc7")):
        backbone = cut(arch, build_model(arch, "random"), cut_at)
        names = [(name, parameter.numel()) for name, parameter in backbone.named_parameters()]
        blocks = list(dict.fromkeys(block_of(name) for name, _ in names))
        top = set(blocks[-2:])
        with torch.no_grad():
            features = backbone.eval()(torch.zeros(1, 3, 224, 224)).shape[1]
        head = features * CLASSES + CLASSES
        sizes.append({"backbone": f"{arch} ({cut_at}, {features} features)", "head": head,
                      "top_blocks": " + ".join(sorted(top)),
                      "head_and_top_blocks": head + sum(count for name, count in names if block_of(name) in top)})
    return sizes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--pass-config", default="configs/cats_vs_dogs_linear.yaml", help="the feature pass measured")
    parser.add_argument("--tune-config", default="configs/oxford_pets_breeds_linear.yaml", help="the fine-tuning measured")
    args = parser.parse_args()
    build = Path(args.build)
    build_targets(build, "tl-train", "tl-bench-all-reduce")
    cores = os.cpu_count()
    fine_tune = ["model.head.type=linear", "train.epochs=1", "train.fine_tune.epochs=2", "train.fine_tune.unfreeze_blocks=2",
                 "train.fine_tune.lr=0.0003"]
    passes, tuning = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for ranks in (1, args.ranks):
            summary, _ = train(build, ranks, args.pass_config, scratch / f"pass{ranks}",
                               scratch / f"cache{ranks}", ["model.head.type=linear", "train.epochs=1"])
            passes[ranks] = summary["feature_extraction"]
        train(build, 1, args.tune_config, scratch / "warm", scratch / "tuning-cache", fine_tune)
        for ranks in (1, args.ranks):
            summary, metrics = train(build, ranks, args.tune_config, scratch / f"tune{ranks}",
                                     scratch / "tuning-cache", fine_tune)
            epochs = [m for m in metrics if m["stage"] == "fine_tune"]
            tuning[ranks] = {"seconds": sum(m["seconds"] for m in epochs) / len(epochs),
                             "val_accuracy": epochs[-1]["val_accuracy"], "trained": summary["trained_parameters"],
                             "train_images": summary["samples"]["train"]}
    sizes = family_sizes()
    measured_values = tuning[1]["trained"] + 4  # gradients plus the step's 4 totals
    values = [measured_values] + [size[key] for size in sizes for key in ("head", "head_and_top_blocks")]
    loopback = json.loads(run([str(build / "bench/tl-bench-all-reduce"), str(args.ranks)] +
                              [str(v) for v in values]).stdout)["all_reduce"]
    loopback_seconds = {entry["values"]: entry["seconds"] for entry in loopback}

    many = args.ranks
    print(f"machine: {cores} cores, {processor()}; 1 rank x {cores} threads against "
          f"{many} ranks x {max(1, cores // many)} thread(s)")
    print()
    print(f"{'':44} {'1 rank':>10} {str(many) + ' ranks':>10} {'ratio':>7}")
    one, several = passes[1]["images_per_second"], passes[many]["images_per_second"]
    print(f"{'feature pass, ' + Path(args.pass_config).stem + ' (images/s)':44} {one:10.1f} {several:10.1f} {several / one:7.2f}")
    one, several = tuning[1]["seconds"], tuning[many]["seconds"]
    print(f"{'fine-tuning epoch, ' + Path(args.tune_config).stem + ' (s)':44} {one:10.2f} {several:10.2f} {one / several:7.2f}")
    print(f"{'val accuracy after fine-tuning':44} {tuning[1]['val_accuracy']:10.4f} "
          f"{tuning[many]['val_accuracy']:10.4f}")
    batch = 32
    steps = -(-tuning[1]["train_images"] // batch)
    step_seconds = tuning[1]["seconds"] / steps
    bytes_per_step = 4 * measured_values
    print()
    print(f"fine-tuning step: {tuning[1]['trained']:,} trained values -> {bytes_per_step / 1e6:.2f} MB all-reduced per "
          f"step, {steps} steps per epoch; compute {step_seconds:.2f} s per step on 1 rank; "
          f"all-reduce {1e3 * loopback_seconds[measured_values]:.1f} ms over loopback with {many} ranks "
          f"({100 * loopback_seconds[measured_values] / step_seconds:.1f}% of the step)")
    print()
    print("scaling model: a ring all-reduce sends 2(W-1)/W of the message per rank; compute per step shrinks as 1/W")
    print(f"{'backbone':36} {'trained':>26} {'values':>12} {'MB/step':>8} {'loopback ms':>12} " +
          " ".join(f"{'ms @ ' + name:>14}" for name in LINKS))
    for size in sizes:
        for key, label in (("head", "head"), ("head_and_top_blocks", "head + " + size["top_blocks"])):
            count = size[key]
            ring = [2 * 4 * count / rate * 1e3 for rate in LINKS.values()]  # W large: 2(W-1)/W -> 2
            print(f"{size['backbone']:36} {label:>26} {count:12,} {4 * count / 1e6:8.2f} "
                  f"{1e3 * loopback_seconds[count]:12.2f} " + " ".join(f"{ms:14.1f}" for ms in ring))
    print()
    for name, rate in LINKS.items():
        ring = 2 * bytes_per_step / rate
        print(f"measured MobileNetV2 fine-tuning step on a {name} link: all-reduce {1e3 * ring:.0f} ms against "
              f"{step_seconds:.2f}/W s of compute: communication dominates beyond W ~ {step_seconds / ring:.0f}")
    print(f"(and W <= batch size {batch}: every rank needs a row of each global batch)")

if __name__ == "__main__":
    main()
