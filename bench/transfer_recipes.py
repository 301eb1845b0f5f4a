"""Transfer recipes side by side: accuracy and wall time of each, measured in one run on this machine.

usage: /usr/bin/python3 bench/transfer_recipes.py [--build build] [--recipes oxford|cats_vs_dogs|interpolation|demo]

Each recipe is a config in configs/ (with --set overrides where the table says so), trained by
tl-train from a cold feature cache of its own and scored by tl-eval on the test split (Oxford's
official test lines, the held-out 15% of Cats-vs-Dogs). Prints one markdown row per recipe: the
validation top-1 the run chose by, test top-1 and mean per-class accuracy, and the wall time of
training and of the test evaluation (test-time flips double the backbone passes there). The
interpolation table trains the logistic probe of both data sets on each shared MobileNet with
data.interpolation linear and antialias. Nothing here is a test: README tables are read by people.
"""
import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from run_benchmark import ROOT, build_targets, processor, run

MODELS = ROOT.parent / "shared/models"

RECIPES = {
    "oxford": [
        ("linear head, 30 epochs of Adam", "oxford_pets_breeds_linear.yaml", []),
        ("logistic probe (L2 chosen on val, refit), no flips", "oxford_pets_breeds.yaml", ["eval.tta=none"]),
        ("the default: logistic probe, test-time flips", "oxford_pets_breeds.yaml", []),
        ("+ L2 chosen by 5-fold log loss", "oxford_pets_breeds.yaml", ["train.folds=5", "train.select_by=log_loss"]),
        ("logistic head, 10 augmented views, 5 epochs fine-tuning, flips", "oxford_pets_breeds_logistic_fine_tune.yaml", []),
        ("two backbones (MobileNetV2 + MobileNetV1), logistic probe, flips", "oxford_pets_breeds_two_backbones.yaml", []),
    ],
    "cats_vs_dogs": [
        ("linear head, 10 epochs of Adam", "cats_vs_dogs_linear.yaml", []),
        ("logistic probe (L2 chosen on val, refit), no flips", "cats_vs_dogs.yaml", ["eval.tta=none"]),
        ("the default: logistic probe, test-time flips", "cats_vs_dogs.yaml", []),
        ("+ L2 chosen by 5-fold log loss", "cats_vs_dogs.yaml", ["train.folds=5", "train.select_by=log_loss"]),
        ("two backbones (MobileNetV2 + MobileNetV1), logistic probe, flips", "cats_vs_dogs.yaml",
         [f"model.backbone=[{MODELS / 'mobilenet_v2_1.0_224_ptq/backbone.pt'}, "
                           f"{MODELS / 'mobilenet_v1_1.0_224_quant/backbone.pt'}]"]),
    ],
    # The demo in the repository, for a run anywhere (and the tests' smoke run of this script).
    "demo": [
        ("logistic probe (the default)", "demo.yaml", []),
        ("linear head, 10 epochs of Adam", "demo.yaml", ["model.head.type=linear", "train.epochs=10"]),
    ],
    "interpolation": [
        (f"{dataset} {model} {interpolation}", config,
         [f"model.backbone={MODELS / model / 'backbone.pt'}", f"data.interpolation={interpolation}", "eval.tta=none"])
        for dataset, config in (("oxford", "oxford_pets_breeds.yaml"), ("cats_vs_dogs", "cats_vs_dogs.yaml"))
        for model in ("mobilenet_v2_1.0_224_ptq", "mobilenet_v1_1.0_224_quant", "mobilenet_v1_0.25_128_quant")
        for interpolation in ("linear", "antialias")
    ],
}


def measure(build, config, overrides, scratch):
    env = dict(os.environ, TL_CACHE_DIR=str(scratch / "cache"))
    run_dir = scratch / "run"
    sets = [item for override in overrides for item in ("--set", override)]
    start = time.perf_counter()
    run([str(build / "apps/tl-train"), "--config", str(ROOT / "configs" / config), *sets,
         "--set", f"output.dir={run_dir}", "--overwrite", "-q"], env)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    run([str(build / "apps/tl-eval"), "--run", str(run_dir), "--split", "test", "--out", str(scratch / "test.json"),
         "-q"], env)
    eval_seconds = time.perf_counter() - start
    summary = json.loads((run_dir / "summary.json").read_text())
    report = json.loads((scratch / "test.json").read_text())
    fit = summary.get("head_fit") or {}
    chosen = [trial for trial in fit.get("l2_grid", []) if trial["l2"] == fit.get("chosen_l2")]
    validation = chosen[0]["val_accuracy"] if chosen else summary["best"]["val_accuracy"]
    return validation, report["top1"], report["mean_per_class_accuracy"], train_seconds, eval_seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--recipes", choices=sorted(RECIPES), default="oxford")
    args = parser.parse_args()
    build = Path(args.build)
    build_targets(build, "tl-train", "tl-eval")
    print(f"cpu: {processor()}\n")
    print("| recipe | val top-1 | test top-1 | test mean per-class | train (cold cache) | test eval |")
    print("|---|---|---|---|---|---|")
    for name, config, overrides in RECIPES[args.recipes]:
        with tempfile.TemporaryDirectory() as scratch:
            validation, top1, per_class, train_seconds, eval_seconds = measure(build, config, overrides, Path(scratch))
        print(f"| {name} | {100 * validation:.2f}% | {100 * top1:.2f}% | {100 * per_class:.2f}% | "
              f"{train_seconds:.1f} s | {eval_seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
