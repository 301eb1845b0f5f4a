"""tl's benchmark: one command, everything measured in the same run on the same machine.

usage: /usr/bin/python3 bench/run_benchmark.py [--config configs/cats_vs_dogs_linear.yaml] [--epochs 10] [--build build]
                                               [--quick]

Prints images/s of decode+preprocess alone, of the backbone alone and of the whole first pass;
seconds per cached epoch; the wall time, test accuracy and peak memory of tl-train for N epochs
(cold feature cache and warm) against the Python reference (bench/reference_train.py) recomputing
features every epoch and caching them once; the ratios; the machine's matrix-multiply GFLOP/s and
the backbone's share of that bound. Nothing here is a test: targets are read by people.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command, env=None):
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{completed.stdout}\n{completed.stderr}")
    return completed


def build_targets(build, *targets):
    """Brings the programs a benchmark runs up to date, unless the caller built them (the tests set
    TL_BENCH_PREBUILT: a build started from inside ctest could relink a program another test runs)."""
    if not os.environ.get("TL_BENCH_PREBUILT"):
        run(["cmake", "--build", str(build), "--target", *targets])


def processor():
    """The CPU the figures come from: machine kinds change between runs."""
    model, flags = "unknown", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model == "unknown":
            model = value.strip()
        if key.strip() == "flags" and not flags:
            flags = set(value.split())
    extensions = [name for name in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if name in flags]
    return f"{model} ({os.uname().machine}; {' '.join(extensions)})"


def timed_tl_train(build, config, epochs, run_dir, cache_dir):
    env = dict(os.environ, TL_CACHE_DIR=str(cache_dir))
    start = time.perf_counter()
    completed = run(["/usr/bin/time", "-f", "peak_kb=%M", str(build / "apps/tl-train"), "--config", str(config),
                     "--set", "model.head.type=linear", "--set", f"train.epochs={epochs}", "--set", f"output.dir={run_dir}", "--overwrite"], env)
    seconds = time.perf_counter() - start
    peak_kb = int(completed.stderr.strip().splitlines()[-1].split("=")[1])
    report = Path(run_dir) / "eval.json"
    run([str(build / "apps/tl-eval"), "--run", str(run_dir), "--split", "test", "--out", str(report)], env)
    metrics = [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "test_accuracy": json.loads(report.read_text())["top1"],
            "seconds_per_epoch": sum(m["seconds"] for m in metrics) / len(metrics)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=str(ROOT / "configs/cats_vs_dogs_linear.yaml"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--quick", action="store_true", help="a second per measurement instead of 8 (a smoke run)")
    args = parser.parse_args()
    build = Path(args.build)
    build_targets(build, "tl-train", "tl-eval", "tl-bench-pipeline")
    threads = os.cpu_count()
    config = args.config
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        seconds = ["--backbone-seconds", "1", "--matmul-seconds", "1"] if args.quick else []
        parts = json.loads(run([str(build / "bench/tl-bench-pipeline"), config, str(scratch / "split"), *seconds]).stdout)
        cold = timed_tl_train(build, config, args.epochs, scratch / "cold", scratch / "cache")
        warm = timed_tl_train(build, config, args.epochs, scratch / "warm", scratch / "cache")
        backbone_file = subprocess.run([sys.executable, "-c", "import json,sys; print(json.load(open(sys.argv[1]))"
                                        "['model']['backbone'])", str(scratch / "cold" / "config.json")],
                                       capture_output=True, text=True).stdout.strip()
        python = {}
        for mode in ("recompute", "cached"):
            completed = run(["/usr/bin/time", "-f", "peak_kb=%M", sys.executable, str(ROOT / "bench/reference_train.py"),
                             str(scratch / "split"), backbone_file, mode, str(args.epochs), str(threads)])
            python[mode] = json.loads(completed.stdout.strip().splitlines()[-1])
            python[mode]["peak_mb"] = int(completed.stderr.strip().splitlines()[-1].split("=")[1]) / 1024

    gflops = python["cached"]["gflops_per_image"]
    achieved = parts["backbone_images_per_second"] * gflops
    print(f"machine: {threads} cores, {processor()}; {parts['images']} training images; "
          f"backbone batch {parts['batch_size']}, {parts['threads']} LibTorch threads")
    print(f"decode+preprocess alone   {parts['decode_preprocess_images_per_second']:8.1f} images/s")
    print(f"backbone alone            {parts['backbone_images_per_second']:8.1f} images/s  "
          f"({gflops:.2f} GFLOPs/image -> {achieved:.1f} GFLOP/s, {100 * achieved / parts['matmul_gflops']:.0f}% of "
          f"the {parts['matmul_gflops']:.1f} GFLOP/s matmul bound)")
    print(f"whole first pass          {parts['first_pass_images_per_second']:8.1f} images/s")
    print(f"cached epoch              {warm['seconds_per_epoch']:8.4f} s")
    print()
    print(f"{'run (' + str(args.epochs) + ' epochs)':34} {'wall s':>8} {'test acc':>9} {'peak MB':>8} {'tl faster by':>13}")
    rows = [("tl-train, cold feature cache", cold, None), ("tl-train, warm feature cache", warm, None),
            ("Python, features every epoch", python["recompute"], cold), ("Python, features once", python["cached"], cold)]
    for name, result, baseline in rows:
        ratio = f"{result['seconds'] / baseline['seconds']:.1f}x" if baseline else ""
        print(f"{name:34} {result['seconds']:8.1f} {100 * result['test_accuracy']:8.2f}% {result['peak_mb']:8.0f} {ratio:>13}")


if __name__ == "__main__":
    main()
