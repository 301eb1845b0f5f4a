"""Runs a module written by tl-export the way a PyTorch user would: torch.jit.load, preprocess each
image as the JSON beside the module says (the golden reference's steps), print one JSON line per
image with the top class and the module's outputs.

An ONNX graph (MODULE.onnx, exported with logits) runs in OpenCV's DNN instead, as a user of another
runtime would run it: where the JSON says the run scores with flips, the logits of the image and of
its mirror are averaged as the JSON's tta_note says, and the outputs printed are their softmax, to
compare with tl-predict's probabilities.

usage: run_exported.py MODULE.pt|MODULE.onnx IMAGE...
"""
import json
import pathlib
import sys

import numpy as np
import torch

from preprocess_reference import preprocess


def onnx_runner(module_path, metadata):
    import cv2

    network = cv2.dnn.readNetFromONNX(str(module_path))
    flips = metadata.get("tta_of_the_run") == "flip"

    def run(array):
        batch = array[np.newaxis]
        if flips:
            batch = np.concatenate([batch, batch[:, :, :, ::-1]])
        network.setInput(np.ascontiguousarray(batch))
        logits = torch.from_numpy(network.forward().copy()).mean(0)
        return torch.softmax(logits, 0)

    return run


def torchscript_runner(module_path):
    model = torch.jit.load(str(module_path))
    model.eval()

    def run(array):
        with torch.no_grad():
            return model(torch.from_numpy(array).unsqueeze(0))[0]

    return run


def main():
    module_path = pathlib.Path(sys.argv[1])
    metadata = json.loads(module_path.with_suffix(".json").read_text())
    run = onnx_runner(module_path, metadata) if module_path.suffix == ".onnx" else torchscript_runner(module_path)
    height, width = metadata["input_size"]
    for image in sys.argv[2:]:
        array = preprocess(image, height, width, metadata["resize_shorter"], metadata["interpolation"],
                           metadata["reduced_decode"], metadata["mean"], metadata["std"])
        if metadata["color"] == "BGR":
            array = array[::-1].copy()
        outputs = run(array)
        top = int(outputs.argmax())
        print(json.dumps({"image": image, "class": metadata["classes"][top], "outputs": outputs.tolist()}))


if __name__ == "__main__":
    main()
