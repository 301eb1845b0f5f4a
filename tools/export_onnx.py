#!/usr/bin/env python3
"""A TorchScript image classifier as an ONNX graph that other runtimes read, checked in OpenCV's DNN.

usage: export_onnx.py MODULE.pt OUT.onnx --height H --width W [--opset 10] [--output-name logits]

tl-export --format onnx runs this (LibTorch has no ONNX exporter; Debian's python3-torch has). It
prints one JSON line saying what it checked, and exits 1 with the reason on stderr when the graph
cannot be exported or does not give the module's outputs.

Why not torch.onnx.export of the module as it is: a scripted backbone computes things from its input's
shape at run time (TF-style "SAME" padding, `if x.dim() == 4`), which exports as If nodes over Shape
and boolean constants that OpenCV 4.6 cannot import ("Unsupported data type: BOOL"). At a fixed image
size those values are constants. So the graph is specialised first: every size or rank the graph
asks for is recorded on two probe batches of different sizes, each that is the same in both
(everything but the batch dimension) becomes a constant, and constant propagation then removes the
branches. The batch dimension stays free.

Opset 10 by default: from opset 11 on, the exporter writes Pad's amounts as a computed input, which
OpenCV 4.6 cannot import; at 10 they are an attribute.
"""
import argparse
import json
import sys

try:
    import cv2
    import numpy as np
    import onnx
    import torch
except ImportError as missing:
    sys.exit(f"export_onnx.py: {sys.executable} lacks the module {missing.name}: it needs python3-torch, python3-onnx, "
             "python3-opencv and python3-numpy (Debian's packages are for /usr/bin/python3)")

SHAPE_QUERIES = ("aten::size", "aten::dim", "aten::len")


def probe(graph, height, width, batch):
    """The values of the graph's top-level shape queries for a zero batch of `batch` images."""
    copy = graph.copy()
    queries = [node.output() for node in copy.nodes() if node.kind() in SHAPE_QUERIES]
    if not queries:
        return []
    pack = copy.create("prim::TupleConstruct", queries)
    pack.output().setType(torch._C.TupleType([value.type() for value in queries]))
    copy.appendNode(pack)
    copy.eraseOutput(0)
    copy.registerOutput(pack.output())
    function = torch._C._create_function_from_graph("probe", copy)
    values = function(torch.zeros(batch, 3, height, width))
    return list(values)


def replace_with_constant(graph, node, value):
    constant = graph.insertConstant(value)
    constant.node().moveBefore(node)
    node.output().replaceAllUsesWith(constant)


def specialise(module, height, width):
    """The module's forward as a graph without shape-dependent control flow at this image size."""
    frozen = torch.jit.freeze(module.eval())
    graph = frozen.graph.copy()
    torch._C._jit_pass_inline(graph)
    graph.eraseInput(0)  # `self`: frozen, nothing reads it
    for _ in range(1000):
        queries = [node for node in graph.nodes() if node.kind() in SHAPE_QUERIES]
        if not queries:
            break
        one, three = probe(graph, height, width, 1), probe(graph, height, width, 3)
        folded = 0
        for node, first, second in zip(queries, one, three):
            if isinstance(first, list):  # x.size(): fold the items read by a constant index
                for use in list(node.output().uses()):
                    user = use.user
                    if user.kind() != "aten::__getitem__" or user.inputsAt(1).node().kind() != "prim::Constant":
                        continue
                    index = user.inputsAt(1).toIValue()
                    if first[index] == second[index]:
                        replace_with_constant(graph, user, first[index])
                        folded += 1
            elif first == second:
                replace_with_constant(graph, node, first)
                folded += 1
        torch._C._jit_pass_constant_propagation(graph)
        torch._C._jit_pass_dce(graph)
        if folded == 0:
            break
    left = sorted({node.kind() for node in graph.nodes() if node.kind() in ("prim::If", "prim::Loop")})
    if left:
        raise SystemExit(f"control flow that depends on more than the image size is left ({', '.join(left)}); "
                         "ONNX runtimes such as OpenCV's cannot run it")
    return torch._C._create_function_from_graph("forward", graph)


def check_in_opencv(path, module, height, width):
    """Largest difference between OpenCV's DNN and the module on batches of 1 and 3 images."""
    network = cv2.dnn.readNetFromONNX(path)
    generator = torch.Generator().manual_seed(0)
    worst, scale = 0.0, 1.0
    for batch in (1, 3):
        images = torch.randn(batch, 3, height, width, generator=generator)
        with torch.no_grad():
            expected = module(images).numpy()
        network.setInput(images.numpy())
        produced = network.forward()
        if produced.shape != expected.shape:
            raise SystemExit(f"OpenCV's DNN gives outputs of shape {produced.shape} for a batch of {batch}, "
                             f"the module {expected.shape}")
        worst = max(worst, float(np.abs(produced - expected).max()))
        scale = max(scale, float(np.abs(expected).max()))
    return cv2.__version__, worst, scale


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module", help="TorchScript classifier: float32 [N, 3, H, W] -> [N, classes]")
    parser.add_argument("out", help="ONNX file to write")
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--opset", type=int, default=10)
    parser.add_argument("--output-name", default="logits")
    args = parser.parse_args()

    module = torch.jit.load(args.module, map_location="cpu").eval()
    function = specialise(module, args.height, args.width)
    example = torch.zeros(2, 3, args.height, args.width)
    torch.onnx.export(function, (example,), args.out, opset_version=args.opset, do_constant_folding=True,
                      input_names=["images"], output_names=[args.output_name],
                      dynamic_axes={"images": {0: "batch"}, args.output_name: {0: "batch"}})
    model = onnx.load(args.out)
    onnx.checker.check_model(model)
    try:
        opencv, difference, scale = check_in_opencv(args.out, module, args.height, args.width)
    except SystemExit:
        raise
    except Exception as error:  # OpenCV's own message names the operator it cannot hold
        raise SystemExit(f"OpenCV's DNN cannot run the graph: {str(error).strip()}")
    tolerance = 1e-3 * scale
    if difference > tolerance:
        raise SystemExit(f"OpenCV's DNN gives outputs up to {difference:.3g} away from the module's "
                         f"(tolerance {tolerance:.3g})")
    print(json.dumps({
        "opset": args.opset,
        "operators": sorted({node.op_type for node in model.graph.node}),
        "onnx_checker": "passed",
        "checked_in": f"OpenCV {opencv} DNN",
        "max_difference": difference,
        "tolerance": tolerance,
        "exporter": f"PyTorch {torch.__version__}, onnx {onnx.__version__}",
    }))


if __name__ == "__main__":
    try:
        main()
    except SystemExit as stop:
        if isinstance(stop.code, str):
            print(f"export_onnx.py: {stop.code}", file=sys.stderr)
            sys.exit(1)
        raise
