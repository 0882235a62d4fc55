#!/usr/bin/env python3
"""Cramer-Rao bounds of a catalog's stars at their own labels and S/N, next to the achieved scatter.

For each star of CATALOG (columns teff, logg, feh, alpha, snr) runs `remap synth crlb --json` and reports
the per-parameter RMS of the bounds and the ratio achieved RMSE / RMS bound, where the achieved RMSE is read
from the `remap evaluate --json` output given with --evaluation. Standard library only.
"""
import argparse
import csv
import json
import math
import subprocess
import sys

PARAMS = ("teff", "logg", "feh")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--remap", required=True)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--evaluation", required=True)
    args = ap.parse_args()
    with open(args.evaluation) as f:
        evaluation = json.load(f)
    bounds = {p: [] for p in PARAMS}
    with open(args.catalog, newline="") as f:
        for row in csv.DictReader(f):
            cmd = [args.remap, "synth", "crlb", "--json", "--teff", row["teff"], "--logg", row["logg"],
                   "--feh", row["feh"], "--snr", row["snr"]]
            if row.get("alpha"):
                cmd += ["--alpha", row["alpha"]]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            crlb = json.loads(out)
            for p in PARAMS:
                bounds[p].append(float(crlb[p]))
    report = {"catalog": args.catalog, "stars": len(bounds["teff"])}
    for p in PARAMS:
        values = bounds[p]
        rms = math.sqrt(sum(v * v for v in values) / len(values))
        achieved = evaluation["metrics"][p]["rmse"]
        report[p] = {"crlb_rms": rms, "crlb_median": sorted(values)[len(values) // 2],
                     "achieved_rmse": achieved, "ratio": achieved / rms if rms > 0 else None}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
