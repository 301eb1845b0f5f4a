"""The Python reference for the benchmark: the same job as tl-train, done the way the PyTorch
transfer-learning tutorial does it: torchvision transforms + DataLoader, the same TorchScript
backbone through torch.jit.load, a Linear head, Adam.

usage: reference_train.py SPLIT_DIR BACKBONE.pt MODE EPOCHS THREADS
  SPLIT_DIR holds train.txt and test.txt ("<label> <path>" lines) written by tl-bench-pipeline,
  so both sides train and test on exactly the same images.
  MODE recompute: backbone features recomputed every epoch (the tutorial's loop with a frozen backbone)
       cached:    features computed once, then every epoch trains the head on them
Prints one JSON line: wall seconds, test accuracy, backbone GFLOPs per image (profiler count).
"""
import json
import sys
import time

import torch
import torchvision.transforms as T
from PIL import Image
from torch.utils.data import DataLoader, Dataset


class ListDataset(Dataset):
    def __init__(self, list_file, transform):
        with open(list_file) as lines:
            self.items = [(int(label), path) for label, path in (line.rstrip("\n").split(" ", 1) for line in lines)]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        label, path = self.items[index]
        return self.transform(Image.open(path).convert("RGB")), label


def features_of(backbone, loader):
    chunks, labels = [], []
    with torch.no_grad():
        for images, batch_labels in loader:
            chunks.append(backbone(images))
            labels.append(batch_labels)
    return torch.cat(chunks), torch.cat(labels)


def features_batches(backbone, loader):
    for images, labels in loader:
        with torch.no_grad():
            features = backbone(images)
        yield features, labels


def count_gflops(backbone):
    with torch.profiler.profile(with_flops=True) as profile:
        with torch.no_grad():
            backbone(torch.zeros(1, 3, 224, 224))
    return sum(event.flops for event in profile.key_averages() if event.flops) / 1e9


def main():
    split_dir, backbone_path, mode, epochs, threads = sys.argv[1:6]
    epochs, threads = int(epochs), int(threads)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    transform = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])
    train = ListDataset(f"{split_dir}/train.txt", transform)
    test = ListDataset(f"{split_dir}/test.txt", transform)
    start = time.perf_counter()
    backbone = torch.jit.load(backbone_path).eval()
    for parameter in backbone.parameters():
        parameter.requires_grad_(False)
    train_loader = DataLoader(train, batch_size=32, shuffle=True, num_workers=threads)
    test_loader = DataLoader(test, batch_size=32, num_workers=threads)
    with torch.no_grad():
        dim = backbone(torch.zeros(1, 3, 224, 224)).shape[1]
    head = torch.nn.Linear(dim, 1 + max(label for label, _ in train.items))
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    if mode == "cached":
        train_features, train_labels = features_of(backbone, DataLoader(train, batch_size=32, num_workers=threads))
    for _ in range(epochs):
        if mode == "cached":
            order = torch.randperm(len(train_labels))
            batches = [(train_features[order[i:i + 64]], train_labels[order[i:i + 64]])
                       for i in range(0, len(order), 64)]
        else:
            batches = features_batches(backbone, train_loader)
        for features, labels in batches:
            optimizer.zero_grad()
            loss_function(head(features), labels).backward()
            optimizer.step()
    test_features, test_labels = features_of(backbone, test_loader)
    accuracy = (head(test_features).argmax(1) == test_labels).float().mean().item()
    seconds = time.perf_counter() - start
    print(json.dumps({"mode": mode, "seconds": seconds, "test_accuracy": accuracy, "gflops_per_image": count_gflops(backbone)}))


if __name__ == "__main__":
    main()
