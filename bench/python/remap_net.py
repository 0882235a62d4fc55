#!/usr/bin/env python3
"""The deep-REMAP network in Python PyTorch: the reference for the C++ (LibTorch) implementation.

Same architecture and parameter names as core/ml/Network.{h,cpp}; weights travel in the raw format
written by ModelBundle::exportRawWeights (no pickles):

    FOLDER/weights.json  {"format": "remap-raw-weights", "format_version": 1, "byte_order": "little",
                          "card": {model card: "network", "bins", ...},
                          "tensors": [{"name", "dtype": "float32"|"int64", "shape", "offset", "bytes"}, ...]}
    FOLDER/weights.bin   the tensors' values, little-endian, concatenated at the given byte offsets

The card's "network" may hold an "attention" stage and a "photometry" branch (bundle format 2; a card
of format 1 has neither, and upgrade_network() fills them in as off, like NetworkConfig.cpp).

Commands:
    predict  --weights DIR --input X.bin --output OUT.json [--photometry PHOT.bin] [--attention]
             X.bin: float32 network input [B, 2, P] (flux, mask), B from the file size.
             PHOT.bin: float32 photometric input [B, 2, E] (normalized values, missing mask).
             OUT.json: {"probabilities": {"teff": [[...]], "logg": ..., "feh": ...}, "embedding": [[...]],
                        "attention": [per block [B, heads, L, L]] with --attention}
    export   --checkpoint STATE.pt --card CARD.json --weights DIR
             writes a state dict saved with torch.save (a model trained in Python) in the raw format,
             for ModelBundle::importRawWeights.
    bench    --weights DIR --batch B --iterations N [--threads T] [--device cpu|cuda] [--precision fp32|bf16]
             [--rounds R]
             batched inference throughput as JSON (used by bench/bench_inference); bf16 runs the model
             under torch.autocast (what a PyTorch user would do); R timed rounds, reported one by one.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

HEADS = ("teff", "logg", "feh")
PHOTOMETRY_NAMES = ("phot_g_mean_mag", "bp_rp", "parallax", "parallax_error", "j_m", "h_m", "ks_m", "ebv")


def upgrade_network(network, format_version):
    """The card's "network" completed with the keys an older format lacked (NetworkConfig.cpp upgradeNetworkJson)."""
    network = dict(network)
    if format_version < 2:
        network.setdefault("attention", {"layers": 0, "heads": 4, "ff_multiplier": 2, "dropout": 0.1})
        network.setdefault("photometry", {"enabled": False, "width": 32, "inputs": []})
    return network


def photometry_names(network):
    return list(network["photometry"]["inputs"]) or list(PHOTOMETRY_NAMES)


def normalize_photometry(name, v):
    """Network.cpp normalizePhotometry."""
    if name == "phot_g_mean_mag":
        z = (v - 12.0) / 3.0
    elif name == "bp_rp":
        z = (v - 1.0) / 0.5
    elif name == "parallax":
        z = math.asinh(v / 1.0)
    elif name == "parallax_error":
        z = math.asinh(v / 0.1) / 2.0
    elif name == "ebv":
        z = (v - 0.1) / 0.3
    else:
        z = (v - 10.0) / 3.0
    return min(8.0, max(-8.0, z))


def make_photometry_input(rows, network):
    """rows: list of {name: value} (missing names absent or NaN) -> [B, 2, E] float32 (Network.cpp makePhotometryInput)."""
    names = photometry_names(network)
    x = np.zeros((len(rows), 2, len(names)), dtype=np.float32)
    for b, row in enumerate(rows):
        for k, name in enumerate(names):
            v = row.get(name, float("nan"))
            if v is None or not math.isfinite(v):
                x[b, 1, k] = 1.0
            else:
                x[b, 0, k] = normalize_photometry(name, v)
    return torch.from_numpy(x)


def wavelength_encoding(length, width):
    """Network.cpp wavelengthEncoding: sin/cos pairs with periods from 2 pixels to 4 L, geometric."""
    out = np.zeros((length, width), dtype=np.float64)
    pairs = width // 2
    i = np.arange(length, dtype=np.float64)
    for k in range(pairs):
        period = 2.0 * (2.0 * length) ** (k / (pairs - 1) if pairs > 1 else 0.0)
        phase = 2.0 * math.pi * i / period
        out[:, 2 * k] = np.sin(phase)
        out[:, 2 * k + 1] = np.cos(phase)
    return torch.from_numpy(out.astype(np.float32))


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


class AttentionBlock(nn.Module):
    """Pre-norm transformer block, as AttentionBlockImpl (qkv projection written out)."""

    def __init__(self, width, heads, ff_multiplier, dropout):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff1 = nn.Linear(width, ff_multiplier * width)
        self.ff2 = nn.Linear(ff_multiplier * width, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, keep=None):
        b, l, c = x.shape
        d = c // self.heads
        qkv = self.qkv(self.norm1(x)).view(b, l, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attention = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d), dim=-1)
        if keep is not None:
            keep.append(attention)
        mixed = torch.matmul(attention, v).transpose(1, 2).reshape(b, l, c)
        h = x + self.dropout(self.proj(mixed))
        return h + self.dropout(self.ff2(F.gelu(self.ff1(self.norm2(h)))))


class AttentionStage(nn.Module):
    def __init__(self, width, config):
        super().__init__()
        self.blocks = nn.ModuleList([AttentionBlock(width, config["heads"], config["ff_multiplier"],
                                                    config["dropout"]) for _ in range(config["layers"])])
        self.norm = nn.LayerNorm(width)

    def forward(self, fmap, keep=None):
        # float32 like the C++ inference plan (under bf16 autocast the trunk's map arrives in bf16, which
        # CPU layer_norm does not take)
        fmap = fmap.float()
        h = fmap.transpose(1, 2) + wavelength_encoding(fmap.shape[2], fmap.shape[1]).to(fmap.device)
        for block in self.blocks:
            h = block(h, keep)
        return self.norm(h).transpose(1, 2)


class PhotometryBranch(nn.Module):
    """As PhotometryBranchImpl: p = ReLU(in2(ReLU(in1(z)))), fused = f + fuse2(ReLU(fuse1([f, p])))."""

    def __init__(self, feature_width, config):
        super().__init__()
        self.inputs = len(photometry_names({"photometry": config}))
        self.in1 = nn.Linear(2 * self.inputs, config["width"])
        self.in2 = nn.Linear(config["width"], config["width"])
        self.fuse1 = nn.Linear(feature_width + config["width"], feature_width)
        self.fuse2 = nn.Linear(feature_width, feature_width)

    def forward(self, features, photometry):
        b = features.shape[0]
        if photometry is None:
            z = torch.cat([torch.zeros(b, self.inputs), torch.ones(b, self.inputs)], dim=1).to(features)
        else:
            p = photometry.to(features.dtype)
            z = torch.cat([p[:, 0] * (1.0 - p[:, 1]), p[:, 1]], dim=1)  # a missing entry's value is ignored
        p = F.relu(self.in2(F.relu(self.in1(z))))
        return features + self.fuse2(F.relu(self.fuse1(torch.cat([features, p], dim=1))))


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
        self.has_attention = network["attention"]["layers"] > 0
        if self.has_attention:
            self.attention = AttentionStage(width, network["attention"])
        self.has_photometry = network["photometry"]["enabled"]
        if self.has_photometry:
            self.photometry = PhotometryBranch(width, network["photometry"])
        self.dropout = nn.Dropout(network["dropout"])
        self.embedding = nn.Linear(width, network["embedding_size"])
        self.head_teff = nn.Linear(width, bin_counts[0])
        self.head_logg = nn.Linear(width, bin_counts[1])
        self.head_feh = nn.Linear(width, bin_counts[2])

    def forward(self, x, photometry=None, keep_attention=None):
        """x: [B, 2, P] (continuum-normalized flux, mask); photometry: [B, 2, E] or None (nothing known).
        keep_attention: a list that receives each attention block's weights [B, heads, L, L].
        Returns ([logits Teff, log g, [Fe/H]], embedding)."""
        h = torch.cat([x[:, 0:1] - 1.0, x[:, 1:2]], dim=1)
        h = self.stem(h)
        for stage in self.stages:
            for block in stage:
                h = block(h)
        if self.has_attention:
            h = self.attention(h, keep_attention)
        features = h.mean(dim=2)
        embedding = F.normalize(self.embedding(features), p=2.0, dim=1, eps=1e-12)
        fused = self.photometry(features, photometry) if self.has_photometry else features
        d = self.dropout(fused)
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


def network_of(card):
    return upgrade_network(card["network"], card.get("format_version", 1))


def load_model(folder, device="cpu"):
    card, state = load_raw(folder)
    model = RemapNet(network_of(card), bin_counts(card))
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
    photometry = None
    if args.photometry:
        e = len(photometry_names(network_of(card)))
        photometry = torch.from_numpy(np.fromfile(args.photometry, dtype="<f4").reshape(-1, 2, e).copy())
    keep = [] if args.attention else None
    with torch.inference_mode():
        logits, embedding = model(x, photometry, keep)
    out = {"probabilities": {h: torch.softmax(l.double(), dim=1).tolist() for h, l in zip(HEADS, logits)},
           "embedding": embedding.double().tolist()}
    if keep is not None:
        out["attention"] = [a.double().tolist() for a in keep]
    with open(args.output, "w") as f:
        json.dump(out, f)


def cmd_export(args):
    with open(args.card) as f:
        card = json.load(f)
    model = RemapNet(network_of(card), bin_counts(card))
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
    bf16 = args.precision == "bf16"

    def passes(n):
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            for _ in range(n):
                logits, _ = model(x)
                probs = [torch.softmax(l.float(), dim=1).cpu() for l in logits]
        return probs

    rounds = []
    with torch.inference_mode():
        passes(max(1, args.warmup))
        for _ in range(max(1, args.rounds)):
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            cpu_start = time.process_time()
            passes(args.iterations)
            if device == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start
            rounds.append({"seconds": seconds, "cpu_seconds": cpu_seconds,
                           "spectra_per_second": args.batch * args.iterations / seconds,
                           "spectra_per_cpu_second": args.batch * args.iterations / cpu_seconds})
    print(json.dumps({"implementation": "python", "torch": torch.__version__, "device": device,
                      "precision": args.precision, "threads": torch.get_num_threads(), "batch": args.batch,
                      "iterations": args.iterations, "rounds": rounds, **rounds[-1]}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict")
    p.add_argument("--weights", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--photometry")
    p.add_argument("--attention", action="store_true")
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
    b.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    b.add_argument("--rounds", type=int, default=1)
    b.set_defaults(run=cmd_bench)
    args = parser.parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
