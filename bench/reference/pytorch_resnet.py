#!/usr/bin/env python3
"""PyTorch reference for bench/engine.bench.ts: the same ResNets as the engine
(BN after every conv, 1x1 conv + BN projection shortcuts, global average pool,
FC), trained with SGD momentum 0.9 and cross-entropy, and run for inference.

Usage: pytorch_resnet.py --model r20|r18 --size S --classes K --threads T
                         --mode train|infer|latency [--batch B] [--iters I]
Prints one JSON line: {"value": ..., "unit": ..., "config": ...}.
Inference and latency try plain eval mode, channels_last and mkldnn tensors
and report the best. Run with OPENBLAS_CORETYPE set (see engine.bench.ts).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self, kind, classes):
        super().__init__()
        layers = []
        if kind == "r20":
            layers += [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
            cin = 16
            for s, width in enumerate([16, 32, 64]):
                for u in range(3):
                    layers.append(Basic(cin, width, 2 if s > 0 and u == 0 else 1))
                    cin = width
        else:
            layers += [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
            cin = 64
            for s, width in enumerate([64, 128, 256, 512]):
                for u in range(2):
                    layers.append(Basic(cin, width, 2 if s > 0 and u == 0 else 1))
                    cin = width
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def timed(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    # The machine is shared: the median of the faster half resists interference.
    return times[len(times) // 4]


def train(model, args):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.rand(args.batch, 3, args.size, args.size) * 255
    y = torch.randint(0, args.classes, (args.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x / 255), y)
        loss.backward()
        opt.step()

    t = timed(step, args.iters, 3)
    return args.batch / t, "img/s", "train, default tensors"


def infer(model, args, batch):
    model.eval()
    x = torch.rand(batch, 3, args.size, args.size)
    results = []
    with torch.no_grad():
        results.append((timed(lambda: model(x), args.iters, 3), "eval"))
        cl = model.to(memory_format=torch.channels_last)
        xc = x.contiguous(memory_format=torch.channels_last)
        results.append((timed(lambda: cl(xc), args.iters, 3), "eval channels_last"))
        model = model.to(memory_format=torch.contiguous_format)
        try:
            from torch.utils import mkldnn as mkldnn_utils

            mk = mkldnn_utils.to_mkldnn(model)
            xm = x.to_mkldnn()

            def run_mkldnn():
                out = mk.features(xm)
                return mk.fc(torch.flatten(F.adaptive_avg_pool2d(out.to_dense(), 1), 1))

            results.append((timed(run_mkldnn, args.iters, 3), "eval mkldnn tensors"))
        except Exception as err:  # mkldnn conversion is optional
            results.append((float("inf"), f"mkldnn unavailable: {err}"))
    return min(results)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["r20", "r18"], required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mode", choices=["train", "infer", "latency"], required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--iters", type=int, default=20)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ResNet(args.model, args.classes)
    if args.mode == "train":
        value, unit, config = train(model, args)
    elif args.mode == "infer":
        t, config = infer(model, args, args.batch)
        value, unit = args.batch / t, "img/s"
    else:
        t, config = infer(model, args, 1)
        value, unit = t * 1000, "ms"
    print(json.dumps({"value": value, "unit": unit, "config": f"{config}, {args.threads} threads"}))


if __name__ == "__main__":
    main()
