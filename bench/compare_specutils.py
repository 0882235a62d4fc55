#!/usr/bin/python3
"""specutils' readers against REMAP on the same files (issue 11).

Writes the archive-trap fixtures (tests/io/trap_fixtures.py) into a temporary folder, adds the shared
fixtures (../shared/fixtures/fits) and the real solar spectra (../shared/physics/solar_spectra), and
reads every file with specutils 1.9 (Spectrum1D.read, its own format identification) and with REMAP
(bench/io_dump, i.e. readSpectrum). Where both read a file, wavelength (in Angstrom) and flux are
compared pixel by pixel at 1e-6 relative, on the pixels REMAP did not mask (specutils keeps NaN and
zero-filled gaps as flux). Prints a Markdown table and totals.

Usage: bench/compare_specutils.py BUILD_DIR [--keep DIR]
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from astropy import units as u

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(SOURCE, "build", "ci")
DUMP = os.path.join(BUILD, "bench", "io_dump")
REL = 1e-6


def specutils_read(path):
    from specutils import Spectrum1D
    try:
        s = Spectrum1D.read(path)
    except Exception as e:  # noqa: BLE001 - the failure is the result
        return None, "%s: %s" % (type(e).__name__, str(e).split("\n")[0][:90])
    try:
        wave = s.spectral_axis.to(u.AA, equivalencies=u.spectral()).value
    except Exception as e:  # noqa: BLE001
        return None, "axis not convertible to Angstrom (%s)" % str(e)[:60]
    flux = np.asarray(s.flux.value, dtype=float)
    wave = np.asarray(wave, dtype=float)
    if flux.ndim == 1:
        return [(wave, flux)], ""
    if flux.ndim == 2:  # echelle orders as rows (specutils' iraf reader): compared order by order
        waves = wave if wave.ndim == 2 else np.broadcast_to(wave, flux.shape)
        return [(waves[k], flux[k]) for k in range(flux.shape[0])], ""
    return None, "read as a %d-D flux array %s" % (flux.ndim, flux.shape)


def remap_read(path, options):
    cmd = [DUMP, path]
    for k, v in options.items():
        cmd += ["--" + k.replace("_", "-"), ",".join(v) if isinstance(v, list) else str(v)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    j = json.loads(out)
    if "error" in j:
        return None, j["error"].split(": ", 1)[-1][:90]
    return j, ""


def compare(sp, rm):
    w, f = sp
    order = np.argsort(w)
    w, f = w[order], f[order]
    rw, rf, rmask = np.array(rm["wavelength"]), np.array(rm["flux"]), np.array(rm["mask"], dtype=bool)
    if w.size != rw.size:
        return "different length (specutils %d, REMAP %d; specutils %.4g-%.4g A)" % (w.size, rw.size, w[0], w[-1])
    dw = np.abs(w - rw) / np.abs(rw)
    good = ~rmask
    df = np.abs(f[good] - rf[good]) / np.maximum(np.abs(rf[good]), 1e-30)
    if dw.max() > REL:
        return "wavelengths differ (max %.2g relative; specutils %.6g-%.6g A, REMAP %.6g-%.6g A)" % (
            dw.max(), w[0], w[-1], rw[0], rw[-1])
    if df.size and df.max() > REL:
        return "flux differs (max %.2g relative)" % df.max()
    masked = int(rmask.sum())
    return "agree" + ("" if not masked else " (%d pixels REMAP masked not compared)" % masked)


def main():
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    work = keep or tempfile.mkdtemp(prefix="remap-specutils-")
    subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "io", "trap_fixtures.py"), work], check=True,
                   capture_output=True)
    entries = {e["file"]: e for e in json.load(open(os.path.join(work, "expected.json")))}
    files = [(os.path.join(work, name), e.get("options", {}), "refuse" if "error" in e else "read")
             for name, e in sorted(entries.items())]
    shared = os.path.join(SOURCE, "..", "shared")
    for p in sorted(glob.glob(os.path.join(shared, "fixtures", "fits", "*.fits"))):
        files.append((p, {}, "refuse" if os.path.basename(p).startswith("bad_") else "read"))
    for p in sorted(glob.glob(os.path.join(shared, "physics", "solar_spectra", "*"))):
        files.append((p, {}, "read"))

    rows, totals = [], {"files": 0, "specutils": 0, "remap": 0, "agree": 0, "both": 0, "refused_ok": 0}
    for path, options, expect in files:
        name = os.path.basename(path)
        if name == "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits":
            continue  # the PHOENIX wavelength file, not a spectrum
        totals["files"] += 1
        sp, sp_err = specutils_read(path)
        rm, rm_err = remap_read(path, options)
        totals["specutils"] += sp is not None
        totals["remap"] += rm is not None
        if expect == "refuse" and rm is None:
            totals["refused_ok"] += 1
        if sp is not None and rm is not None:
            totals["both"] += 1
            if len(sp) == 1 and rm.get("orders", 0) > 1 and len(sp[0][0]) != len(rm["wavelength"]):
                # specutils' iraf reader concatenates the orders into one 1-D array: split it by REMAP's orders.
                pieces, start = [], 0
                for k in range(rm["orders"]):
                    one, err = remap_read(path, dict(options, order=k + 1))
                    if one is None:
                        break
                    m = len(one["wavelength"])
                    seg = (sp[0][0][start:start + m], sp[0][1][start:start + m])
                    pieces.append(compare(seg, one))
                    start += m
                bad = [r for r in pieces if not r.startswith("agree")]
                result = ("agree (specutils concatenates the %d orders; each compared with --order N)" % len(pieces)
                          if pieces and not bad and start == len(sp[0][0]) else
                          "orders differ: " + (bad[0] if bad else "lengths do not add up"))
            elif len(sp) == 1:
                result = compare(sp[0], rm)
            else:  # several orders: REMAP reads each with --order k
                results = []
                for k, order in enumerate(sp):
                    one, err = remap_read(path, dict(options, order=k + 1))
                    results.append(compare(order, one) if one else "REMAP refuses order %d: %s" % (k + 1, err))
                bad = [(k + 1, r) for k, r in enumerate(results) if not r.startswith("agree")]
                result = ("agree (all %d orders, each read with --order N)" % len(sp) if not bad else
                          "%d of %d orders differ, e.g. order %d: %s" % (len(bad), len(sp), bad[0][0], bad[0][1]))
            totals["agree"] += result.startswith("agree")
        elif rm is not None:
            result = "specutils fails: " + sp_err
        elif sp is not None:
            result = "REMAP refuses: " + rm_err + ("" if expect == "refuse" else " (UNEXPECTED)")
        else:
            result = "both refuse (REMAP: %s)" % rm_err
        rows.append((name, rm["format"] if rm else "-", result))

    print("| file | REMAP format | specutils vs REMAP (wavelength and flux at 1e-6 relative) |")
    print("|---|---|---|")
    for r in rows:
        print("| `%s` | %s | %s |" % r)
    print()
    print("files %(files)d: specutils reads %(specutils)d, REMAP reads %(remap)d; both read %(both)d, of which "
          "%(agree)d agree to 1e-6; REMAP refuses %(refused_ok)d files that must be refused" % totals)
    if not keep:
        for p in glob.glob(os.path.join(work, "*")):
            os.remove(p)
        os.rmdir(work)


main()
