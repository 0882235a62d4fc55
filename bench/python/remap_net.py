#!/usr/bin/env python3
"""The deep-REMAP network in Python PyTorch: the reference for the C++ (LibTorch) implementation.

Same architecture and parameter names as core/ml/Network.{h,cpp}; weights travel in the raw format
written by ModelBundle::exportRawWeights (no pickles):

    FOLDER/weights.json  {"format": "remap-raw-weights", "format_version": 1, "byte_order": "little",
                          "card": {model card: "network", "bins", ...},
                          "tensors": [{"name", "dtype": "float32"|"int64", "shape", "offset", "bytes"}, ...]}
    FOLDER/weights.bin   the tensors' values, little-endian, concatenated at the given byte offsets

Commands:
    predict  --weights DIR --input X.bin --output OUT.json
             X.bin: float32 network input [B, 2, P] (flux, mask), B from the file size.
             OUT.json: {"probabilities": {"teff": [[...]], "logg": ..., "feh": ...}, "embedding": [[...]]}
    export   --checkpoint STATE.pt --card CARD.json --weights DIR
             writes a state dict saved with torch.save (a model trained in Python) in the raw format,
             for ModelBundle::importRawWeights.
    bench    --weights DIR --batch B --iterations N [--threads T] [--device cpu|cuda]
             batched inference throughput as JSON (used by bench/bench_inference).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

HEADS = ("teff", "logg", "feh")


class ResidualBlock(nn.Module):
    """V1 (identity shortcut) or V2 (strided 1x1 projection shortcut), as ResidualBlockImpl."""

    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        pad = kernel // 2
        self.conv1 = nn.Conv1d(cin, cout, kernel, stride=stride, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm1d(cout)
        self.conv2 = nn.Conv1d(cout, cout, kernel, stride=1, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm1d(cout)
        self.projects = stride != 1 or cin != cout
        if self.projects:
            self.shortcut_conv = nn.Conv1d(cin, cout, 1, stride=stride, bias=False)
            self.shortcut_bn = nn.BatchNorm1d(cout)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        shortcut = self.shortcut_bn(self.shortcut_conv(x)) if self.projects else x
        return F.relu(y + shortcut)


class RemapNet(nn.Module):
    """network: the model card's "network" object; bin_counts: (Teff, log g, [Fe/H]) bins."""

    def __init__(self, network, bin_counts):
        super().__init__()
        self.input_length = network["input_length"]
        stem = [("conv", nn.Conv1d(2, network["stem_width"], network["stem_kernel"], stride=network["stem_stride"],
                                   padding=network["stem_kernel"] // 2, bias=False)),
                ("bn", nn.BatchNorm1d(network["stem_width"])),
                ("relu", nn.ReLU())]
        if network["stem_pool"]:
            stem.append(("pool", nn.MaxPool1d(3, stride=2, padding=1)))
        from collections import OrderedDict
        self.stem = nn.Sequential(OrderedDict(stem))
        stages = []
        width = network["stem_width"]
        for s, (w, blocks, kernel) in enumerate(zip(network["stage_widths"], network["blocks_per_stage"],
                                                     network["stage_kernels"])):
            modules = []
            for b in range(blocks):
                modules.append(ResidualBlock(width, w, kernel, 2 if (b == 0 and s > 0) else 1))
                width = w
            stages.append(nn.ModuleList(modules))
        self.stages = nn.ModuleList(stages)
        self.dropout = nn.Dropout(network["dropout"])
        self.embedding = nn.Linear(width, network["embedding_size"])
        self.head_teff = nn.Linear(width, bin_counts[0])
        self.head_logg = nn.Linear(width, bin_counts[1])
        self.head_feh = nn.Linear(width, bin_counts[2])

    def forward(self, x):
        """x: [B, 2, P] (continuum-normalized flux, mask). Returns ([logits Teff, log g, [Fe/H]], embedding)."""
        h = torch.cat([x[:, 0:1] - 1.0, x[:, 1:2]], dim=1)
        h = self.stem(h)
        for stage in self.stages:
            for block in stage:
                h = block(h)
        features = h.mean(dim=2)
        embedding = F.normalize(self.embedding(features), p=2.0, dim=1, eps=1e-12)
        d = self.dropout(features)
        return [self.head_teff(d), self.head_logg(d), self.head_feh(d)], embedding


def make_input(flux, mask):
    """[B, P] flux and mask arrays -> [B, 2, P] float32 network input; masked pixels get flux 1."""
    flux = np.asarray(flux, dtype=np.float32)
    mask = np.asarray(mask) != 0
    x = np.empty((flux.shape[0], 2, flux.shape[1]), dtype=np.float32)
    x[:, 0] = np.where(mask, 1.0, flux)
    x[:, 1] = mask.astype(np.float32)
    return torch.from_numpy(x)


def bin_counts(card):
    return [card["bins"][h]["count"] for h in HEADS]


def load_raw(folder):
    """(card, state dict of torch tensors) from a raw weight folder."""
    with open(os.path.join(folder, "weights.json")) as f:
        index = json.load(f)
    if index.get("format") != "remap-raw-weights":
        raise ValueError(f"{folder}: not a REMAP raw weight index")
    blob = np.fromfile(os.path.join(folder, "weights.bin"), dtype=np.uint8)
    state = {}
    for t in index["tensors"]:
        dtype = {"float32": "<f4", "int64": "<i8"}[t["dtype"]]
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        values = np.frombuffer(blob, dtype=dtype, count=count, offset=t["offset"])
        state[t["name"]] = torch.from_numpy(values.copy()).reshape(t["shape"])
    return index["card"], state


def load_model(folder, device="cpu"):
    card, state = load_raw(folder)
    model = RemapNet(card["network"], bin_counts(card))
    model.load_state_dict(state, strict=True)
    return card, model.to(device).eval()


def export_raw(model, card, folder):
    """Writes a Python model's weights in the raw format (parameters first, then buffers, like C++)."""
    os.makedirs(folder, exist_ok=True)
    tensors, offset = [], 0
    with open(os.path.join(folder, "weights.bin"), "wb") as out:
        named = list(model.named_parameters()) + list(model.named_buffers())
        for name, t in named:
            a = t.detach().cpu().numpy()
            a = a.astype("<f4") if np.issubdtype(a.dtype, np.floating) else a.astype("<i8")
            data = a.tobytes()
            tensors.append({"name": name, "dtype": "float32" if a.dtype.kind == "f" else "int64",
                            "shape": list(a.shape), "offset": offset, "bytes": len(data)})
            out.write(data)
            offset += len(data)
    with open(os.path.join(folder, "weights.json"), "w") as f:
        json.dump({"format": "remap-raw-weights", "format_version": 1, "byte_order": "little", "card": card,
                   "tensors": tensors}, f, indent=1)


def cmd_predict(args):
    card, model = load_model(args.weights)
    p = card["network"]["input_length"]
    x = np.fromfile(args.input, dtype="<f4")
    if x.size % (2 * p):
        raise ValueError(f"{args.input}: {x.size} values are not a whole number of [2, {p}] inputs")
    x = torch.from_numpy(x.reshape(-1, 2, p).copy())
    with torch.inference_mode():
        logits, embedding = model(x)
    out = {"probabilities": {h: torch.softmax(l.double(), dim=1).tolist() for h, l in zip(HEADS, logits)},
           "embedding": embedding.double().tolist()}
    with open(args.output, "w") as f:
        json.dump(out, f)


def cmd_export(args):
    with open(args.card) as f:
        card = json.load(f)
    model = RemapNet(card["network"], bin_counts(card))
    model.load_state_dict(torch.load(args.checkpoint, map_location="cpu"), strict=True)
    export_raw(model, card, args.weights)


def cmd_bench(args):
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = args.device
    card, model = load_model(args.weights, device)
    p = card["network"]["input_length"]
    g = torch.Generator().manual_seed(1)
    x = (1.0 - 0.2 * torch.rand(args.batch, 2, p, generator=g))
    x[:, 1] = 0.0
    x = x.to(device)
    with torch.inference_mode():
        for _ in range(max(1, args.warmup)):
            model(x)
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        cpu_start = time.process_time()
        for _ in range(args.iterations):
            logits, _ = model(x)
            probs = [torch.softmax(l, dim=1).cpu() for l in logits]
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
    del probs
    print(json.dumps({"implementation": "python", "torch": torch.__version__, "device": device,
                      "threads": torch.get_num_threads(), "batch": args.batch, "iterations": args.iterations,
                      "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "spectra_per_second": args.batch * args.iterations / seconds,
                      "spectra_per_cpu_second": args.batch * args.iterations / cpu_seconds}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict")
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.set_defaults(run=cmd_predict)
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--card", required=True)
    e.add_argument("--weights", required=True)
    e.set_defaults(run=cmd_export)
    b = sub.add_parser("bench")
    b.add_argument("--weights", required=True)
    b.add_argument("--batch", type=int, default=64)
    b.add_argument("--iterations", type=int, default=20)
    b.add_argument("--warmup", type=int, default=2)
    b.add_argument("--threads", type=int, default=0)
    b.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    b.set_defaults(run=cmd_bench)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
