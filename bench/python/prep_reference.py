#!/usr/bin/python3
"""The REMAP preprocessing chain written the usual Python way (numpy/scipy), for speed and agreement
comparison with bench_prep (C++). Reads the inputs, the spec and the C++ outputs that
`bench_prep --out DIR` wrote, runs the same chain single-threaded, prints throughput, the ratio to
C++ and the largest differences between the two outputs. Times are process CPU seconds.

    /usr/bin/python3 bench/python/prep_reference.py DIR [--marvels N]

Chain (as core/prep): crop to the grid +- margins -> air wavelengths (IAU/Morton 2000) -> radial velocity
by cross-correlation (MARVELS case) -> Gaussian LSF at constant R on a uniform ln(lambda) grid
(scipy.ndimage.gaussian_filter1d) -> SpectRes-style flux-conserving resampling onto the model grid
(numpy cumulative integrals) -> iterative asymmetric sigma-clipped cubic spline continuum
(scipy.interpolate.LSQUnivariateSpline) -> masked pixels set to the masked value.
"""
import json
import os
import resource
import sys
import time

import numpy as np
from scipy.interpolate import LSQUnivariateSpline
from scipy.ndimage import gaussian_filter1d

C_KMS = 299792.458
FWHM_PER_SIGMA = 2.3548200450309493


def air_index(w):
    w = np.maximum(w, 2000.0)
    s2 = (1e4 / w) ** 2
    return 1.0 + 8.34254e-5 + 2.406147e-2 / (130.0 - s2) + 1.5998e-4 / (38.9 - s2)


def vac_to_air(w):
    return w / air_index(w)


def model_grid(spec):
    g = spec["grid"]
    f = np.arange(g["npix"]) / (g["npix"] - 1)
    if g["spacing"] == "log":
        return g["wave_min"] * np.exp(f * np.log(g["wave_max"] / g["wave_min"]))
    return g["wave_min"] + f * (g["wave_max"] - g["wave_min"])


def edges(c):
    e = np.empty(len(c) + 1)
    e[1:-1] = 0.5 * (c[1:] + c[:-1])
    e[0] = c[0] - 0.5 * (c[1] - c[0])
    e[-1] = c[-1] + 0.5 * (c[-1] - c[-2])
    return e


def bin_linear(x, y, t):
    """Integral of the piecewise-linear interpolant through (x, y) from x[0] to each t (0 before x[0])."""
    cum = np.concatenate(([0.0], np.cumsum(0.5 * np.diff(x) * (y[:-1] + y[1:]))))
    i = np.clip(np.searchsorted(x, t, side="right") - 1, 0, len(x) - 2)
    dt = t - x[i]
    yt = y[i] + dt / (x[i + 1] - x[i]) * (y[i + 1] - y[i])
    out = cum[i] + 0.5 * dt * (y[i] + yt)
    out[t <= x[0]] = 0.0
    out[t >= x[-1]] = cum[-1]
    return out


def degrade_log(wave, flux, R, R_in=None):
    """Gaussian LSF of FWHM lambda/R on a uniform ln grid of step sigma/5; returns (ln-grid wave, flux, weight)."""
    sigma = 1.0 / (R * FWHM_PER_SIGMA)
    sigma_in = 1.0 / (R_in * FWHM_PER_SIGMA) if R_in else 0.0
    h = 0.2 * sigma
    sk = np.sqrt(max(sigma**2 - sigma_in**2 - h * h / 12.0, 0.0))
    x = np.log(wave)
    n = int(np.floor((x[-1] - x[0]) / h + 1e-9)) + 1
    t = x[0] + (np.arange(n + 1) - 0.5) * h
    fb = np.diff(bin_linear(x, flux, t)) / h
    wb = np.diff(bin_linear(x, np.ones_like(flux), t)) / h
    fs = gaussian_filter1d(fb, sk / h, mode="constant", truncate=5.0)
    ws = gaussian_filter1d(wb, sk / h, mode="constant", truncate=5.0)
    good = ws > 1e-12
    out = np.zeros(n)
    out[good] = fs[good] / ws[good]
    return np.exp(x[0] + np.arange(n) * h), out, ws


def resample(wave, flux, new_wave):
    """SpectRes-style bin-overlap resampling; returns (flux, covered)."""
    ei, eo = edges(wave), edges(new_wave)
    cum = np.concatenate(([0.0], np.cumsum(flux * np.diff(ei))))
    integral = np.interp(eo, ei, cum)
    out = np.diff(integral) / np.diff(eo)
    covered = (eo[:-1] >= ei[0]) & (eo[1:] <= ei[-1])
    return out, covered


def continuum(wave, flux, good, opts):
    lo, hi = wave[0], wave[-1]
    nint = max(1, int(round((hi - lo) / opts["knot_spacing"])))
    knots = lo + (hi - lo) / nint * np.arange(1, nint)
    keep = good.copy()
    floor = opts["min_relative_scale"] * abs(np.median(flux[good]))
    fit = None
    for _ in range(opts["iterations"]):
        spl = LSQUnivariateSpline(wave[keep], flux[keep], knots, k=3, bbox=[lo, hi])
        fit = spl(wave)
        r = flux - fit
        sigma = max(1.4826 * np.median(np.abs(r[keep])), floor)
        new = good & (r > -opts["lower_sigma"] * sigma) & (r < opts["upper_sigma"] * sigma)
        if np.array_equal(new, keep):
            break
        keep = new
    return fit


def chain(wave, flux, spec, grid, R_in=None):
    """Degrade, resample, normalize; wave already cropped, in the spec medium and rest frame."""
    lw, lf, lwt = degrade_log(wave, flux, spec["resolving_power"], R_in)
    g, covered = resample(lw, lf, grid)
    bad_w, _ = resample(lw, (1.0 - lwt > 0.2).astype(float), grid)
    good = covered & (bad_w == 0)
    c = continuum(grid, g, good, spec["continuum"])
    out = np.where(good, g / c, spec["masked_value"])
    return out.astype(np.float32)


def crop(wave, lo, hi):
    a = max(np.searchsorted(wave, lo) - 1, 0)
    b = min(np.searchsorted(wave, hi, side="right") + 1, len(wave))
    return slice(a, b)


class RvTemplate:
    """Template degraded and continuum-normalized once; depth interpolated per lag."""

    def __init__(self, wave, flux, spec, R_in):
        lw, lf, _ = degrade_log(wave, flux, spec["resolving_power"], R_in)
        # back onto the template's own sampling (as the C++ degradeResolution does)
        f = np.interp(np.log(wave), np.log(lw), lf)
        self.h = np.median(np.diff(np.log(wave)))
        self.x = np.log(wave[0]) + np.arange(int((np.log(wave[-1]) - np.log(wave[0])) / self.h) + 1) * self.h
        fg = np.interp(self.x, np.log(wave), f)
        c = continuum(self.x, fg, np.ones(len(fg), bool), spec["continuum"])
        self.depth = 1.0 - fg / c
        self.vmin, self.vmax = spec["rv"]["min_kms"], spec["rv"]["max_kms"]
        self.opts = spec["continuum"]

    def rv(self, wave, flux):
        h = max(np.median(np.diff(np.log(wave))), self.h)
        x = np.log(wave[0]) + np.arange(int((np.log(wave[-1]) - np.log(wave[0])) / h) + 1) * h
        fo = np.interp(x, np.log(wave), flux)
        c = continuum(x, fo, np.ones(len(fo), bool), self.opts)
        d = 1.0 - fo / c
        d -= d.mean()
        kmin, kmax = int(np.ceil(np.arctanh(self.vmin / C_KMS) / h)), int(np.floor(np.arctanh(self.vmax / C_KMS) / h))
        lags = np.arange(kmin, kmax + 1)
        # template at x - k h for all lags at once: one interpolation on the extended grid
        ext = x[0] + (np.arange(len(x) + kmax - kmin) - kmax) * h
        t = np.interp(ext, self.x, self.depth, left=0.0, right=0.0)
        t -= t.mean()
        ccf = np.correlate(t, d, mode="valid")[::-1]  # ccf[j] <-> lag kmin + j
        j = int(np.argmax(ccf))
        j = min(max(j, 1), len(ccf) - 2)
        y0, y1, y2 = ccf[j - 1], ccf[j], ccf[j + 1]
        delta = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
        return C_KMS * np.tanh((lags[j] + delta) * h)


def main():
    d = sys.argv[1]
    n_marvels = None
    if "--marvels" in sys.argv:
        n_marvels = int(sys.argv[sys.argv.index("--marvels") + 1])
    man = json.load(open(os.path.join(d, "manifest.json")))
    spec = man["spec"]
    grid = model_grid(spec)
    rd = lambda name, dt=np.float64: np.fromfile(os.path.join(d, name), dtype=dt)
    R = spec["resolving_power"]
    margin = 8.0 / (FWHM_PER_SIGMA * R) + 1e-3

    # (a) PHOENIX-length synthetic spectrum, no RV.
    pw, pf = rd("phoenix_wave.f64"), rd("phoenix_flux.f64")
    reps = 10
    t0 = time.process_time()
    for _ in range(reps):
        sl = crop(pw, grid[0] * (1 - margin), grid[-1] * (1 + margin))
        out_p = chain(vac_to_air(pw[sl]), pf[sl], spec, grid)
    t_phoenix = (time.process_time() - t0) / reps
    t0 = time.process_time()
    for _ in range(2):
        lw, lf, _ = degrade_log(pw, pf, R)
        full = np.interp(np.log(pw), np.log(lw), lf)
    t_full = (time.process_time() - t0) / 2

    # (b) MARVELS-like spectra with RV.
    mw = rd("marvels_wave.f64")
    mf = rd("marvels_flux.f64").reshape(-1, len(mw))
    n = mf.shape[0] if n_marvels is None else min(n_marvels, mf.shape[0])
    tw, tf = rd("template_wave.f64"), rd("template_flux.f64")
    r_in = man["input_resolving_power"]
    t0 = time.process_time()
    tpl = RvTemplate(tw, tf, spec, r_in)
    t_setup = time.process_time() - t0
    d_lo = np.sqrt((1 + spec["rv"]["min_kms"] / C_KMS) / (1 - spec["rv"]["min_kms"] / C_KMS))
    d_hi = np.sqrt((1 + spec["rv"]["max_kms"] / C_KMS) / (1 - spec["rv"]["max_kms"] / C_KMS))
    outs, rvs = [], []
    t0 = time.process_time()
    for k in range(n):
        sl = crop(mw, grid[0] * d_lo * (1 - margin), grid[-1] * d_hi * (1 + margin))
        w, f = mw[sl], mf[k][sl]
        rv = tpl.rv(w, f)
        dop = np.sqrt((1 + rv / C_KMS) / (1 - rv / C_KMS))
        outs.append(chain(w / dop, f, spec, grid, r_in))
        rvs.append(rv)
    t_marvels = (time.process_time() - t0) / n
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    cpp = man["cpp"]
    print(f"Python PHOENIX-length chain: {1e3 * t_phoenix:.2f} ms/spectrum = {1 / t_phoenix:.1f} spectra/s per core")
    print(f"Python PHOENIX-length full-range degrade: {1e3 * t_full:.1f} ms/spectrum")
    print(f"Python MARVELS-like chain (RV + LSF + grid + continuum): {1e3 * t_marvels:.3f} ms/spectrum = "
          f"{1 / t_marvels:.0f} spectra/s per core over {n} spectra (template setup {1e3 * t_setup:.1f} ms)")
    print(f"Python peak RSS: {rss_mib:.1f} MiB")
    print("C++ / Python throughput ratio:")
    print(f"  PHOENIX-length chain      {t_phoenix / cpp['phoenix_chain_s']:6.1f}x")
    print(f"  PHOENIX full-range degrade {t_full / cpp['phoenix_full_degrade_s']:6.1f}x")
    print(f"  MARVELS-like chain        {t_marvels / cpp['marvels_chain_s']:6.1f}x")

    # Agreement (pixels C++ calls good; masked pixels hold the masked value in both).
    cp = rd("cpp_phoenix_out.f32", np.float32)
    cm = rd("cpp_marvels_out.f32", np.float32).reshape(-1, len(grid))[:n]
    mask = rd("cpp_marvels_mask.u8", np.uint8).reshape(-1, len(grid))[:n]
    crv = rd("cpp_marvels_rv.f64")[:n]
    truth = rd("marvels_rv_true.f64")[:n]
    good = mask == 0
    pm = np.array(outs)
    # Same chain with the C++ velocities, to separate the chain from the (simpler) Python RV method.
    pm_fixed = []
    for k in range(n):
        sl = crop(mw, grid[0] * d_lo * (1 - margin), grid[-1] * d_hi * (1 + margin))
        dop = np.sqrt((1 + crv[k] / C_KMS) / (1 - crv[k] / C_KMS))
        pm_fixed.append(chain(mw[sl] / dop, mf[k][sl], spec, grid, r_in))
    pm_fixed = np.array(pm_fixed)
    rel = lambda a, b: np.abs(a - b) / np.abs(b)
    cfull = rd("cpp_phoenix_full_degrade.f32", np.float32).astype(np.float64)
    inner = slice(20000, len(pw) - 20000)  # away from the masked ends
    rel_full = rel(full[inner], cfull[inner])
    print("Agreement C++ vs Python (relative differences of the outputs):")
    print(f"  PHOENIX chain (4096 normalized pixels): max {rel(out_p, cp).max():.2e}")
    print(f"  PHOENIX full-range degrade (linear vs cubic interpolation back): max {rel_full.max():.2e}, "
          f"median {np.median(rel_full):.2e}")
    print(f"  MARVELS chain, same velocities: max {rel(pm_fixed, cm)[good].max():.2e}, "
          f"median {np.median(rel(pm_fixed, cm)[good]):.2e}")
    print(f"  MARVELS chain, each with its own RV: max {rel(pm, cm)[good].max():.2e}, "
          f"median {np.median(rel(pm, cm)[good]):.2e}")
    print(f"  radial velocities: max |C++ - Python| {np.max(np.abs(crv - np.array(rvs))):.3f} km/s; "
          f"max |C++ - truth| {np.max(np.abs(crv - truth)):.3f}, max |Python - truth| "
          f"{np.max(np.abs(np.array(rvs) - truth)):.3f} km/s")

if __name__ == "__main__":
    main()
