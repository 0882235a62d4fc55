"""One code path: remap_studio gives exactly the numbers `remap predict --json` and `remap saliency`
print for the same files and model (JSON floats are printed round-trip exact, so == is to the last
digit). REMAP_CLI is the `remap` program of the same build."""

import csv
import json
import math
import os
import subprocess

import numpy as np
import pytest

import remap_studio as rs
from conftest import DEMO, MODEL, fixture

CLI = os.environ.get("REMAP_CLI")
pytestmark = pytest.mark.skipif(not CLI or not os.access(CLI, os.X_OK), reason="REMAP_CLI is not set")


def remap(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("REMAP_MODEL", "REMAP_NO_SHIPPED_MODEL")}
    done = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, f"remap {' '.join(map(str, args))}: {done.stderr}"
    return done.stdout


def files():
    # Several layouts and stars: the demo stars, SDSS, PHOENIX HiRes (with its WAVE file), 1-D WCS in nm,
    # IRAF and a specutils-style table in micron.
    names = ["spec-1234-52000-0123.fits", "lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits",
             "spec_wcs1d_nm.fits", "iraf_linear.fits", "tabular_micron.fits"]
    return sorted(DEMO.glob("*.fits")) + [fixture(n) for n in names]


def test_predict_equals_the_cli_to_the_last_digit(model):
    # One CLI process per file (a single spectrum runs as a batch of one, like Model.predict).
    for path in files()[2:6]:
        cli = json.loads(remap("predict", "--json", "--histograms", "-q", "--device", "cpu", "--model", MODEL, path))
        assert len(cli) == 1
        cli = cli[0]
        r = model.predict(rs.read(str(path)))
        assert r.to_dict(histograms=True) == cli, path
        # The attributes are the same numbers as the dict.
        for name in ("teff", "logg", "feh"):
            p, c = r[name], cli[name]
            assert (p.mean, p.median, p.mode, p.p16, p.p84) == (c["mean"], c["median"], c["mode"], c["p16"], c["p84"])
            assert list(p.hdi68) == c["hdi68"] and list(p.hdi95) == c["hdi95"]
            assert (p.multimodal, p.edge_pile_up) == (c["multimodal"], c["edge_pile_up"])
            assert p.probabilities.tolist() == c["probabilities"]
        assert r.flags == cli["flags"] and r.snr == cli["snr"] and r.masked_fraction == cli["masked_fraction"]
        assert (math.isnan(r.rv) and cli["rv_kms"] is None) or r.rv == cli["rv_kms"]


def test_batch_equals_the_cli_on_many_files(model):
    paths = [str(p) for p in files()]
    cli = json.loads(remap("predict", "--json", "--histograms", "-q", "--device", "cpu", "--batch", model.batch_size,
                           "--model", MODEL, *paths))
    batch = model.predict_batch(paths)
    assert [r.to_dict(histograms=True) for r in batch] == cli


def test_neighbours_equal_the_cli(model):
    path = DEMO / "demo-k-giant.fits"
    cli = json.loads(remap("predict", "--json", "-q", "--device", "cpu", "--neighbours", 4, "--model", MODEL, path))
    assert model.neighbours(model.predict(path), 4) == cli[0]["neighbours"]


@pytest.mark.parametrize("param, method", [("teff", "ig"), ("logg", "grad")])
def test_saliency_and_prepared_input_equal_the_cli(model, tmp_path, param, method):
    path = DEMO / "demo-sun-like-dwarf.fits"
    out = tmp_path / "saliency.csv"
    remap("saliency", path, "--model", MODEL, "--device", "cpu", "--param", param, "--method", method, "-o", out)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    prepared = model.prepare(path)
    saliency = model.saliency(prepared, param, method)
    assert len(rows) == len(saliency) == len(prepared)
    # The CSV prints %.4f wavelengths and %.6g values: compare at that precision.
    assert [f"{w:.4f}" for w in prepared.wavelength] == [r["wavelength"] for r in rows]
    assert [f"{v:.6g}" for v in prepared.flux.astype(float)] == [r["flux"] for r in rows]
    assert [str(int(m)) for m in prepared.mask] == [r["mask"] for r in rows]
    assert [f"{v:.6g}" for v in saliency.astype(float)] == [r["saliency"] for r in rows]
    assert np.any(saliency != 0)
