"""The backbone's feature pass in float32 and bfloat16: tl against PyTorch from Python on the same file,
against the machine's limit, and what the precision does to the features and to accuracy.

usage: /usr/bin/python3 bench/feature_precision.py [--backbone ../shared/models/mobilenet_v2_1.0_224_ptq/backbone.pt]
                                                  [--configs configs/oxford_pets_breeds.yaml,...] [--seconds 3]
                                                  [--images 200] [--build build]

Measured side by side in one run, every figure with the processor it comes from:
1. images/s of the backbone: Python (the module as loaded and frozen, channels-last, batches 8 and 16,
   best case per precision: what a careful Python user gets) against tl's own feature pass
   (tl-bench-backbone --variants tl: what tl-train runs), and the ratios;
2. the backbone's multiply-adds per image (its convolutions and linear layers, counted on the ONNX
   graph tools/export_onnx.py makes of it) and the GFLOP/s each pass achieves, next to the machine's
   own measured limit: large matrix products (2048 x 2048) in each precision;
3. the cosine similarity of each image's bfloat16 features with its float32 ones over --images photos
   of each config's data set (lowest, 1st percentile, mean);
4. each config trained and evaluated by tl with model.precision float32 and bfloat16: the validation
   accuracy tl chooses on and the test top-1 (figures to read, not to choose by).
Nothing here is a test.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from run_benchmark import ROOT, build_targets, processor, run

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "reference"))
import export_onnx  # noqa: E402  (tools/, for its graph specialisation)
from preprocess_reference import preprocess  # noqa: E402

PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def rate(forward, images, seconds):
    with torch.inference_mode():
        forward(images)
        forward(images)
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            forward(images)
            done += images.shape[0]
        return done / (time.perf_counter() - start)


def python_rates(path, size, seconds):
    """Best images/s per precision of PyTorch from Python: as loaded or frozen, channels-last, batch 8 or 16."""
    best = {}
    for name, dtype in PRECISIONS.items():
        for frozen in (False, True):
            module = torch.jit.load(str(path)).eval().to(dtype)
            if frozen:
                module = torch.jit.freeze(module)
            for batch in (8, 16):
                images = torch.randn(batch, 3, size, size).to(dtype).contiguous(memory_format=torch.channels_last)
                figure = rate(module, images, seconds)
                if figure > best.get(name, (0,))[0]:
                    best[name] = (figure, f"{'frozen' if frozen else 'as loaded'}, channels-last, batch {batch}")
    return best


def tl_rates(build, path, size, seconds):
    printed = run([str(build / "bench/tl-bench-backbone"), str(path), "--size", str(size), "--seconds", str(seconds),
                   "--batches", "8,16", "--variants", "tl", "--threads", str(torch.get_num_threads())]).stdout
    best = {}
    for line in printed.splitlines():
        fields = line.split()
        if len(fields) == 6 and fields[0] == "tl":
            figure = float(fields[5])
            if figure > best.get(fields[1], (0,))[0]:
                best[fields[1]] = (figure, f"batch {fields[4]}")
    return best


def multiply_adds(path, size):
    """Multiply-adds per image of the backbone's Conv and Gemm/MatMul nodes, from its ONNX graph's shapes."""
    import onnx
    from onnx import shape_inference

    with tempfile.TemporaryDirectory() as work:
        graph_file = Path(work) / "backbone.onnx"
        function = export_onnx.specialise(torch.jit.load(str(path)).eval(), size, size)
        torch.onnx.export(function, (torch.zeros(1, 3, size, size),), str(graph_file), opset_version=10,
                          do_constant_folding=True, input_names=["images"], output_names=["features"])
        model = shape_inference.infer_shapes(onnx.load(str(graph_file)))
    shapes = {value.name: [d.dim_value for d in value.type.tensor_type.shape.dim]
              for value in list(model.graph.value_info) + list(model.graph.output) + list(model.graph.input)}
    shapes.update({tensor.name: list(tensor.dims) for tensor in model.graph.initializer})
    total = 0
    for node in model.graph.node:
        if node.op_type == "Conv":
            weight, out = shapes[node.input[1]], shapes[node.output[0]]
            total += int(np.prod(out[1:])) * int(np.prod(weight[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            weight, out = shapes[node.input[1]], shapes[node.output[0]]
            total += int(np.prod(out[1:])) * int(weight[0] if node.op_type == "MatMul" else np.prod(weight) // out[-1])
    return total


def matrix_product_limit(seconds):
    """GFLOP/s of 2048 x 2048 matrix products per precision: the most this machine's BLAS and oneDNN give."""
    limits = {}
    for name, dtype in PRECISIONS.items():
        a, b = torch.randn(2048, 2048).to(dtype), torch.randn(2048, 2048).to(dtype)
        products = rate(lambda x: torch.mm(x, b), a, seconds) / 2048  # rate() counts rows
        limits[name] = products * 2 * 2048 ** 3 / 1e9
    return limits


def cosines(path, config, count):
    """Cosine similarity of bfloat16 features with float32 ones over `count` photos of the config's data set."""
    root = config_value(config, "data.root")
    metadata = json.loads((path.parent / "model.json").read_text()) if (path.parent / "model.json").exists() \
        else json.loads(path.with_suffix(".json").read_text())
    size = metadata["input_size"][0]
    shorter = metadata.get("resize_shorter", round(size / 0.875))
    photos = sorted(p for p in root.rglob("*.jpg"))[:: max(1, len(list(root.rglob("*.jpg"))) // count)][:count]
    full = torch.jit.freeze(torch.jit.load(str(path)).eval())
    reduced = torch.jit.freeze(torch.jit.load(str(path)).eval().to(torch.bfloat16))
    similarities = []
    for start in range(0, len(photos), 16):
        batch = []
        for photo in photos[start:start + 16]:
            try:
                batch.append(preprocess(str(photo), size, size, shorter, metadata.get("interpolation", "linear"),
                                        False, metadata["mean"], metadata["std"]))
            except Exception:  # a photo OpenCV cannot decode: tl skips it too
                continue
        images = torch.from_numpy(np.stack(batch)).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            a = full(images)
            b = reduced(images.to(torch.bfloat16)).float()
        if a.dim() == 4:
            a, b = a.mean([2, 3]), b.mean([2, 3])
        similarities += torch.nn.functional.cosine_similarity(a, b, dim=1).tolist()
    values = np.array(similarities)
    return {"images": len(values), "lowest": float(values.min()), "percentile_1": float(np.percentile(values, 1)),
            "mean": float(values.mean())}


def config_value(config, key):
    """A path in a YAML config, relative to the config's folder as tl reads it."""
    import yaml

    value = yaml.safe_load(Path(config).read_text())
    for part in key.split("."):
        value = value[part]
    return (Path(config).parent / value).resolve()


def accuracy(build, config, precision, work):
    run_dir = Path(work) / f"{Path(config).stem}-{precision}"
    run([str(build / "apps/tl-train"), "--config", str(config), "--set", f"model.precision={precision}",
         "--set", f"output.dir={run_dir}", "--overwrite"])
    summary = json.loads((run_dir / "summary.json").read_text())
    report = run_dir / "eval_test.json"
    run([str(build / "apps/tl-eval"), "--run", str(run_dir), "--split", "test", "--out", str(report)])
    return {"val_accuracy": summary["best"].get("val_accuracy"), "test_top1": json.loads(report.read_text())["top1"],
            "feature_pass_images_per_second": summary["feature_extraction"]["images_per_second"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backbone", default=str(ROOT.parent / "shared/models/mobilenet_v2_1.0_224_ptq/backbone.pt"))
    parser.add_argument("--size", type=int, default=0, help="input size (default: the backbone's metadata)")
    parser.add_argument("--configs", default="configs/oxford_pets_breeds.yaml,configs/oxford_pets_species.yaml,"
                                             "configs/cats_vs_dogs.yaml")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--build", default=str(ROOT / "build"))
    args = parser.parse_args()
    build = Path(args.build).resolve()
    build_targets(build, "tl-bench-backbone", "tl-train", "tl-eval")
    threads = int(os.environ.get("TL_BENCH_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(threads)
    path = Path(args.backbone).resolve()
    metadata_file = path.parent / "model.json" if (path.parent / "model.json").exists() else path.with_suffix(".json")
    size = args.size or json.loads(metadata_file.read_text())["input_size"][0]

    print(f"cpu {processor()}, {threads} threads; backbone {path}, input {size}x{size}")
    python = python_rates(path, size, args.seconds)
    ours = tl_rates(build, path, size, args.seconds)
    macs = multiply_adds(path, size)
    limits = matrix_product_limit(args.seconds)
    print(f"multiply-adds per image: {macs / 1e6:.1f} M")
    print(f"{'runner':<28} {'images/s':>9} {'GFLOP/s':>8} {'of GEMM limit':>14}  best case")
    for name in PRECISIONS:
        for runner, figures in (("Python", python), ("tl", ours)):
            figure, case = figures[name]
            achieved = figure * 2 * macs / 1e9
            print(f"{runner + ' ' + name:<28} {figure:9.1f} {achieved:8.1f} {achieved / limits[name]:13.0%}  {case}")
    print(f"GEMM limit (2048^2 products): float32 {limits['float32']:.0f} GFLOP/s, "
          f"bfloat16 {limits['bfloat16']:.0f} GFLOP/s")
    print(f"tl bfloat16 / Python float32: {ours['bfloat16'][0] / python['float32'][0]:.2f}x; "
          f"tl bfloat16 / Python bfloat16: {ours['bfloat16'][0] / python['bfloat16'][0]:.2f}x; "
          f"tl float32 / Python float32: {ours['float32'][0] / python['float32'][0]:.2f}x")

    configs = [Path(c) if Path(c).is_absolute() else ROOT / c for c in args.configs.split(",") if c]
    with tempfile.TemporaryDirectory() as work:
        for config in configs:
            similarity = cosines(path, config, args.images)
            print(f"{config.name}: bfloat16 features' cosine similarity to float32 over {similarity['images']} photos: "
                  f"lowest {similarity['lowest']:.5f}, 1st percentile {similarity['percentile_1']:.5f}, "
                  f"mean {similarity['mean']:.5f}")
            for precision in PRECISIONS:
                figures = accuracy(build, config, precision, work)
                print(f"  {precision:<9} val accuracy {figures['val_accuracy']:.4f}  test top-1 {figures['test_top1']:.4f}"
                      f"  tl-train feature pass {figures['feature_pass_images_per_second']:.1f} images/s")


if __name__ == "__main__":
    main()
