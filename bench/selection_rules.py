"""How stable a recipe's choice on held-out images is, and what it scores, under each selection rule:
the logistic probe's L2 strength (--choice l2: validation split or k folds, by accuracy or log loss)
or an epoch-trained head's best epoch (--choice epoch: by validation loss or validation accuracy).

usage: /usr/bin/python3 bench/selection_rules.py [--build build] [--config configs/oxford_pets_breeds.yaml]
                                                 [--choice l2|epoch] [--splits 4] [--folds 5] [--set KEY=VALUE ...]

Carves held-out splits out of the config's trainval images (an oxford_pets layout: 30% of each breed
held out, seeded per split), so that rules are compared without the official test lines. Each
split is a scratch folder holding new annotation files and a link to the images; nothing is written
beside the data. Each rule trains the config with seed = split and is scored by tl-eval on the held-out
images. Prints one markdown row per rule: held-out top-1 on each split, the mean, the mean per-class
accuracy's mean, what was chosen (L2 strengths or best epochs) and the training time. Nothing here is a test: README tables are read by people.
"""
import argparse
import json
import math
import random
import tempfile
from collections import defaultdict
from pathlib import Path

from run_benchmark import ROOT, build_targets, processor, run


def data_root(build, config):
    info = run([str(build / "apps/tl-info"), "data", "--config", str(config), "--json"])
    return Path(json.loads(info.stdout)["root"])


def carve_splits(root, splits, scratch):
    by_breed = defaultdict(list)
    for line in (root / "annotations/trainval.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            by_breed[line.split()[1]].append(line + "\n")
    folders = []
    for index in range(splits):
        generator = random.Random(100 + index)
        folder = scratch / f"split{index}"
        (folder / "annotations").mkdir(parents=True)
        (folder / "images").symlink_to(root / "images")
        fitted, held_out = [], []
        for breed in sorted(by_breed):
            lines = by_breed[breed][:]
            generator.shuffle(lines)
            count = max(1, round(0.3 * len(lines)))
            held_out += lines[:count]
            fitted += lines[count:]
        (folder / "annotations/trainval.txt").write_text("".join(sorted(fitted)))
        (folder / "annotations/test.txt").write_text("".join(sorted(held_out)))
        folders.append(folder)
    return folders


def decades(l2):
    return f"10^{math.log10(l2):g}"


def l2_rules(folds):
    """(name, overrides) of the logistic probe's four rules."""
    return [(f"{'validation split' if k == 0 else f'{k} folds'}, {metric.replace('_', ' ')}",
             ["model.head.type=logistic", f"train.folds={k}", f"train.select_by={metric}"])
            for k in (0, folds) for metric in ("accuracy", "log_loss")]


def epoch_rules():
    return [(f"best epoch by {rule.replace('_', ' ')}", [f"train.select_epoch_by={rule}"])
            for rule in ("val_loss", "val_accuracy")]


def chosen(summary):
    fit = summary.get("head_fit")
    if fit:
        return decades(fit["chosen_l2"]), fit["seconds"]
    return f"epoch {summary['best_epoch']}", summary["seconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--config", default=str(ROOT / "configs/oxford_pets_breeds.yaml"))
    parser.add_argument("--choice", choices=("l2", "epoch"), default="l2")
    parser.add_argument("--splits", type=int, default=4)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], help="a config override before the rule's own")
    args = parser.parse_args()
    build = Path(args.build)
    build_targets(build, "tl-train", "tl-eval", "tl-info")
    config = Path(args.config).resolve()
    rules = l2_rules(args.folds) if args.choice == "l2" else epoch_rules()
    print(f"cpu: {processor()}\nconfig: {config.name}, {args.splits} held-out splits of trainval\n")
    print("| rule | " + " | ".join(f"split {i}" for i in range(args.splits)) + " | mean | mean per-class | chosen | time |")
    print("|---|" + "---|" * args.splits + "---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        folders = carve_splits(data_root(build, config), args.splits, scratch)
        extra = [item for override in args.set for item in ("--set", override)]
        for rule_index, (name, overrides) in enumerate(rules):
            scores, per_class, choices, seconds = [], [], [], []
            for index, folder in enumerate(folders):
                run_dir = scratch / f"run_{rule_index}_{index}"
                rule = [item for override in overrides for item in ("--set", override)]
                run([str(build / "apps/tl-train"), "--config", str(config), *extra, "--set", f"data.root={folder}",
                     *rule, "--set", f"seed={index}", "--set", f"output.dir={run_dir}", "--overwrite", "-q"])
                run([str(build / "apps/tl-eval"), "--run", str(run_dir), "--split", "test", "-q"])
                report = json.loads((run_dir / "eval_test.json").read_text())
                scores.append(report["top1"])
                per_class.append(report["mean_per_class_accuracy"])
                choice, time = chosen(json.loads((run_dir / "summary.json").read_text()))
                choices.append(choice)
                seconds.append(time)
            print(f"| {name} | " + " | ".join(f"{100 * score:.2f}%" for score in scores) +
                  f" | {100 * sum(scores) / len(scores):.2f}% | {100 * sum(per_class) / len(per_class):.2f}% | "
                  f"{', '.join(choices)} | {min(seconds):.1f}-{max(seconds):.1f} s |", flush=True)


if __name__ == "__main__":
    main()
