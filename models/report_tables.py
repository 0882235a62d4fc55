#!/usr/bin/env python3
"""Prints the metric tables of models/README.md (Markdown) from the evaluation JSON files that
models/make_model.sh writes into its work folder. Standard library only.

    models/report_tables.py WORK_DIR
"""
import json
import os
import sys

PARAMS = [("teff", "Teff [K]", "{:.1f}"), ("logg", "log g [dex]", "{:.3f}"), ("feh", "[Fe/H] [dex]", "{:.3f}")]


def load(work, name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def metric_rows(work, rows):
    """rows: (label, file name). One line per model and parameter."""
    out = ["| set / model | parameter | n | bias | std | MAD | RMSE | 68 % coverage |",
           "|---|---|---|---|---|---|---|---|"]
    for label, name in rows:
        e = load(work, name)
        if e is None:
            out.append(f"| {label} | (missing: {name}) | | | | | | |")
            continue
        for key, title, fmt in PARAMS:
            m = e["metrics"][key]
            cells = [fmt.format(m[k]) if m[k] is not None else "-" for k in ("bias", "std", "mad", "rmse")]
            cov = "-" if m["coverage68"] is None else f"{100 * m['coverage68']:.1f} %"
            out.append(f"| {label} | {title} | {m['n']} | " + " | ".join(cells) + f" | {cov} |")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    print("### 30 calibration stars\n")
    print(metric_rows(work, [("pretrained", "eval-calibration-pretrained.json"),
                             ("fine-tuned, before temperature", "eval-calibration-finetuned-uncalibrated.json"),
                             ("fine-tuned + temperature (shipped)", "eval-calibration-finetuned.json")]))
    print("\n### 1000 held-out synthetic observed dwarfs (interval coverage)\n")
    print(metric_rows(work, [("fine-tuned, before temperature", "eval-holdout-uncalibrated.json"),
                             ("fine-tuned + temperature (shipped)", "eval-holdout.json")]))
    print("\n### 732 giant candidates against the truth file\n")
    print(metric_rows(work, [("all 732, shipped", "eval-giants.json"),
                             ("all 732, pretrained", "eval-giants-pretrained.json"),
                             ("true giants, shipped", "eval-candidates-giants.json"),
                             ("true giants, pretrained", "eval-candidates-giants-pretrained.json"),
                             ("true dwarfs, shipped", "eval-candidates-dwarfs.json"),
                             ("true dwarfs, pretrained", "eval-candidates-dwarfs-pretrained.json")]))
    crlb = load(work, "crlb-calibration.json")
    if crlb:
        print("\n### Cramer-Rao bound, calibration stars at their own S/N\n")
        print("| parameter | RMS bound | median bound | achieved RMSE | ratio |")
        print("|---|---|---|---|---|")
        for key, title, fmt in PARAMS:
            c = crlb[key]
            print(f"| {title} | {fmt.format(c['crlb_rms'])} | {fmt.format(c['crlb_median'])} | "
                  f"{fmt.format(c['achieved_rmse'])} | {c['ratio']:.2f} |")


if __name__ == "__main__":
    main()
