"""Runs a module written by tl-export the way a PyTorch user would: torch.jit.load, preprocess each
image as the JSON beside the module says (the golden reference's steps), print one JSON line per
image with the top class and the module's outputs.

usage: run_exported.py MODULE.pt IMAGE...
"""
import json
import pathlib
import sys

import torch

from preprocess_reference import preprocess


def main():
    module_path = pathlib.Path(sys.argv[1])
    metadata = json.loads(module_path.with_suffix(".json").read_text())
    model = torch.jit.load(str(module_path))
    model.eval()
    height, width = metadata["input_size"]
    for image in sys.argv[2:]:
        array = preprocess(image, height, width, metadata["resize_shorter"], metadata["interpolation"],
                           metadata["reduced_decode"], metadata["mean"], metadata["std"])
        if metadata["color"] == "BGR":
            array = array[::-1].copy()
        with torch.no_grad():
            outputs = model(torch.from_numpy(array).unsqueeze(0))[0]
        top = int(outputs.argmax())
        print(json.dumps({"image": image, "class": metadata["classes"][top], "outputs": outputs.tolist()}))


if __name__ == "__main__":
    main()
