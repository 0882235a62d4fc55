#!/usr/bin/env python3
"""Training throughput of the deep-REMAP network in Python PyTorch: the reference for bench/bench_train.cpp.

The network is remap_net.RemapNet (same architecture and parameter names as core/ml/Network.cpp); the
losses mirror core/ml/Losses.cpp (asymmetric loss per head, triplet loss on the embedding, fixed task
weights); the optimizer is AdamW with gradient-norm clipping, as in the C++ benchmark.

    train_reference.py --weights RAW_DIR --data DATA_DIR [--steps 30] [--warmup 3] [--threads 1] [--device cpu]

DATA_DIR holds data.json (rows, batch, pixels, bins, loss configuration, optimizer) and data.bin
(float32, little-endian, concatenated: input [N, 2, P], targets [N, K] for Teff, log g and [Fe/H],
normalized labels [N, 3]); bench_train writes both. Prints one JSON object.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from remap_net import load_model  # noqa: E402


def asymmetric_loss(logits, targets, asl):
    """core/ml/Losses.cpp asymmetricLoss."""
    k = logits.shape[1]
    log_p = F.log_softmax(logits, dim=1)
    p = log_p.exp()
    q = targets.to(logits.dtype)
    eps = asl["label_smoothing"]
    t = q * (1.0 - eps) + eps / k if eps > 0 else q
    positive = t * log_p
    if asl["gamma_pos"] != 0:
        positive = positive * (1.0 - p).clamp_min(1e-12).pow(asl["gamma_pos"])
    negativeness = 1.0 - q / q.max(dim=1, keepdim=True).values.clamp_min(1e-12)
    shifted = (p - asl["clip"]).clamp_min(0.0) if asl["clip"] > 0 else p
    negative = negativeness * torch.log((1.0 - shifted).clamp_min(1e-12))
    if asl["gamma_neg"] != 0:
        negative = negative * shifted.pow(asl["gamma_neg"])
    return -(positive + negative).sum(1).mean()


def triplet_loss(embeddings, labels, triplet):
    """core/ml/Losses.cpp tripletLoss (batch-hard or semi-hard mining in label space)."""
    n = embeddings.shape[0]
    diff = embeddings.unsqueeze(1) - embeddings.unsqueeze(0)
    d_emb = (diff * diff).sum(2).add(1e-12).sqrt()
    with torch.no_grad():
        lab = labels.to(embeddings.dtype)
        d_lab = (lab.unsqueeze(1) - lab.unsqueeze(0)).pow(2).sum(2).sqrt()
    self_mask = torch.eye(n, dtype=torch.bool, device=embeddings.device)
    pos = (d_lab < triplet["positive_radius"]) & ~self_mask
    neg = d_lab > triplet["negative_radius"]
    big = 1e6
    d_ap = d_emb.masked_fill(~pos, -big).max(1).values
    hardest = d_emb.masked_fill(~neg, big).min(1).values
    d_an = hardest
    if triplet["mining"] == "semi_hard":
        candidates = neg & (d_emb > d_ap.detach().unsqueeze(1))
        semi = d_emb.masked_fill(~candidates, big).min(1).values
        d_an = torch.where(candidates.any(1), semi, hardest)
    valid = pos.any(1) & neg.any(1)
    if int(valid.sum()) == 0:
        return embeddings.sum() * 0.0
    return F.relu(d_ap - d_an + triplet["margin"]).masked_select(valid).mean()


def total_loss(model, x, targets, normalized, loss):
    logits, embedding = model(x)
    tasks = [asymmetric_loss(l, t, loss["asl"]) for l, t in zip(logits, targets)]
    tasks.append(triplet_loss(embedding, normalized, loss["triplet"]))
    if loss["weighting"] != "fixed":
        raise ValueError("the benchmark uses fixed task weights")
    w = loss["head_weights"]
    total = tasks[0] * w[0] + tasks[1] * w[1] + tasks[2] * w[2] + tasks[3] * loss["embedding_weight"]
    return total, [float(t) for t in tasks]


def load_data(folder, device):
    with open(os.path.join(folder, "data.json")) as f:
        meta = json.load(f)
    n, p, bins = meta["rows"], meta["pixels"], meta["bins"]
    blob = np.fromfile(os.path.join(folder, "data.bin"), dtype="<f4")
    shapes = [(n, 2, p)] + [(n, k) for k in bins] + [(n, 3)]
    arrays, offset = [], 0
    for shape in shapes:
        count = int(np.prod(shape))
        arrays.append(torch.from_numpy(blob[offset:offset + count].reshape(shape).copy()).to(device))
        offset += count
    if offset != blob.size:
        raise ValueError(f"{folder}/data.bin: {blob.size} values, expected {offset}")
    return meta, arrays[0], arrays[1:4], arrays[4]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = args.device

    _, model = load_model(args.weights, device)  # in eval mode
    meta, x, targets, normalized = load_data(args.data, device)
    batch, loss, opt = meta["batch"], meta["loss"], meta["optimizer"]
    distinct = meta["rows"] // batch

    def batch_of(step):
        s = slice((step % distinct) * batch, (step % distinct + 1) * batch)
        return x[s], [t[s] for t in targets], normalized[s]

    with torch.no_grad():
        eval_loss, eval_tasks = total_loss(model, *batch_of(0), loss)

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=opt["lr"], betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=opt["weight_decay"])
    losses = []

    def step(s):
        optimizer.zero_grad()
        total, _ = total_loss(model, *batch_of(s), loss)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), opt["clip"])
        optimizer.step()
        losses.append(float(total))

    for s in range(args.warmup):
        step(s)
    if device == "cuda":
        torch.cuda.synchronize()
    start, cpu_start = time.perf_counter(), time.process_time()
    for s in range(args.warmup, args.warmup + args.steps):
        step(s)
    if device == "cuda":
        torch.cuda.synchronize()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"implementation": "python", "torch": torch.__version__, "device": device,
                      "threads": torch.get_num_threads(), "batch": batch, "steps": args.steps,
                      "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "spectra_per_second": batch * args.steps / seconds,
                      "spectra_per_cpu_second": batch * args.steps / cpu_seconds,
                      "eval_loss": float(eval_loss), "eval_task_losses": eval_tasks,
                      "first_loss": losses[0], "last_loss": losses[-1]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
