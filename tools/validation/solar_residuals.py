#!/usr/bin/python3
"""The synthetic Sun against the real Sun: RMS residual and line-depth correlation at R = 11000 over 5000-5700 A, with
residual plots (PNG) for docs/images/.

Usage: tools/validation/solar_residuals.py REMAP_EXE SOLAR_SPECTRA_DIR [OUT_DIR] [--teff 5772 --logg 4.438 --feh 0]
       e.g. tools/validation/solar_residuals.py build/ci/app/remap ../shared/physics/solar_spectra docs/images

The comparison is the yardstick of ../shared/tools/compare_with_real.py (the same steps, re-implemented here so that
the text UVES spectrum can be read as well): `remap synth star --vsini 1.9 --vmacro 3.5`, both spectra degraded to
R = 11000 on the 4096-pixel 5000-5700 A air grid, normalized by the same running-maximum envelope, the real one shifted
by its cross-correlation radial velocity, pixels near gaps left out. Needs numpy, scipy, astropy, matplotlib (Debian
python3-numpy, python3-scipy, python3-astropy, python3-matplotlib)."""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np
from astropy.io import fits
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, median_filter

GRID = np.linspace(5000, 5700, 4096)
C = 299792.458


def vac2air(w):
    s2 = (1e4 / w) ** 2
    return w / (1 + 0.0000834254 + 0.02406147 / (130 - s2) + 0.00015998 / (38.9 - s2))


def degrade(w, f, R=11000.0):
    lw = np.log(w)
    u = np.linspace(lw[0], lw[-1], len(w))
    fu = np.interp(u, lw, f)
    sigma_pix = (1.0 / R) / 2.3548 / (u[1] - u[0])
    return np.interp(np.log(GRID), u, gaussian_filter1d(fu, sigma_pix))


def normalize(f):
    env = maximum_filter1d(f, 60)
    env = median_filter(env, 175)
    return f / env


def synthesize(exe, teff, logg, feh, extra=()):
    out = os.path.join(tempfile.mkdtemp(), 'sun.fits')
    cmd = [exe, 'synth', 'star', '--teff', str(teff), '--logg', str(logg), '--feh', str(feh), '--vsini', '1.9',
           '--vmacro', '3.5', *extra, '-o', out]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    if p.returncode:
        sys.exit('synth star failed: ' + p.stderr[-400:])
    with fits.open(out) as h:
        hd = h[0].header
        x = hd['CRVAL1'] + hd['CDELT1'] * (np.arange(hd['NAXIS1']) + 1 - hd.get('CRPIX1', 1))
        w = np.exp(x) if str(hd.get('CTYPE1', '')).upper() == 'WAVE-LOG' else x
        f = h[0].data.astype(float)
        if str(hd.get('WAVEMED', 'vacuum')).strip().lower().startswith('vac'):
            w = vac2air(w)
    return w, f


def read_real(path):
    if path.endswith('.fits'):
        with fits.open(path) as h:
            hd = h[0].header
            w = hd['CRVAL1'] + hd['CDELT1'] * (np.arange(hd['NAXIS1']) + 1 - hd.get('CRPIX1', 1))
            return w, h[0].data.astype(float)
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt') as f:
        a = np.loadtxt(f)
    w, fl = a[:, 0], a[:, 1]
    # The UVES text spectrum has gaps as jumps in wavelength: fill them with zeros (treated as bad pixels).
    step = np.median(np.diff(w))
    full = np.arange(w[0], w[-1] + step / 2, step)
    ff = np.interp(full, w, fl)
    idx = np.searchsorted(w, full)
    idx = np.clip(idx, 1, len(w) - 1)
    gap = (w[idx] - w[idx - 1]) > 3 * step
    ff[gap] = 0.0
    return full, ff


def compare(model, real):
    mw, mf = model
    rw, rf = real
    good = np.isfinite(rf) & (rf > 0)
    mn = normalize(degrade(mw, mf))
    rn = normalize(degrade(rw[good], rf[good]))
    vs = np.arange(-80, 80.01, 0.25)
    ccf = [np.sum((1 - np.interp(GRID * (1 + v / C), GRID, rn)) * (1 - mn)) for v in vs]
    rv = float(vs[int(np.argmax(ccf))])
    rn = normalize(degrade(rw[good] / (1 + rv / C), rf[good]))
    valid = np.interp(GRID, rw / (1 + rv / C), good.astype(float))
    valid = np.convolve(valid, np.ones(25) / 25, mode='same') > 0.999
    ok = np.isfinite(rn) & np.isfinite(mn) & valid
    res = mn - rn
    rms = float(np.sqrt(np.mean(res[ok] ** 2)))
    corr = float(np.corrcoef(1 - mn[ok], 1 - rn[ok])[0, 1])
    return dict(rms=rms, corr=corr, rv=rv, model=mn, real=rn, ok=ok, res=res)


def plot(results, out_dir, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    names = list(results)
    fig, axes = plt.subplots(len(names) + 1, 1, figsize=(14, 2.6 * (len(names) + 1)), sharex=True)
    first = results[names[0]]
    ax = axes[0]
    ax.plot(GRID, np.where(first['ok'], first['real'], np.nan), 'k-', lw=0.7, label=f'real ({names[0]})')
    ax.plot(GRID, first['model'], 'r-', lw=0.7, alpha=0.8, label='REMAP synthesis')
    ax.set_ylabel('normalized flux')
    ax.set_title(title)
    ax.legend(loc='lower left', fontsize=8)
    for ax, name in zip(axes[1:], names):
        r = results[name]
        ax.plot(GRID, np.where(r['ok'], r['res'], np.nan), 'b-', lw=0.6)
        ax.axhline(0, color='k', lw=0.5)
        ax.set_ylim(-0.15, 0.15)
        ax.set_ylabel('model - real')
        ax.text(0.01, 0.85, f"{name}: RMS {r['rms']:.4f}, line-depth correlation {r['corr']:.3f}",
                transform=ax.transAxes, fontsize=9)
    axes[-1].set_xlabel('air wavelength (A)')
    fig.tight_layout()
    path = os.path.join(out_dir, 'solar_residuals.png')
    fig.savefig(path, dpi=110)
    plt.close(fig)
    # Zoom panels: Mg b and a crowded Fe region.
    fig, axes = plt.subplots(2, 1, figsize=(14, 6))
    for ax, (lo, hi) in zip(axes, ((5160, 5200), (5370, 5410))):
        sel = (GRID >= lo) & (GRID <= hi)
        ax.plot(GRID[sel], np.where(first['ok'], first['real'], np.nan)[sel], 'k-', lw=1, label=f'real ({names[0]})')
        ax.plot(GRID[sel], first['model'][sel], 'r-', lw=1, label='REMAP synthesis')
        ax.set_ylabel('normalized flux')
        ax.legend(loc='lower left', fontsize=8)
    axes[-1].set_xlabel('air wavelength (A)')
    fig.tight_layout()
    zoom = os.path.join(out_dir, 'solar_residuals_zoom.png')
    fig.savefig(zoom, dpi=110)
    plt.close(fig)
    return path, zoom


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('exe')
    ap.add_argument('spectra')
    ap.add_argument('out', nargs='?', default='')
    ap.add_argument('--teff', type=float, default=5772)
    ap.add_argument('--logg', type=float, default=4.438)
    ap.add_argument('--feh', type=float, default=0.0)
    ap.add_argument('--extra', default='', help='extra options for remap synth star, e.g. "--vmicro 0.9"')
    a = ap.parse_args()
    model = synthesize(a.exe, a.teff, a.logg, a.feh, a.extra.split())
    files = {'HARPS Ganymede': 'sun_HARPS_Ganymede_2007_3783-6913A.fits',
             'HARPS sky': 'sun_HARPS_sky_2005_3780-6912A.fits',
             'UVES': 'sun_UVES_Sun-1_cleaned_norm_4835-6723A.txt.gz'}
    results = {}
    for name, f in files.items():
        path = os.path.join(a.spectra, f)
        if not os.path.exists(path):
            continue
        results[name] = compare(model, read_real(path))
        r = results[name]
        print(f"{name:15s} RMS {r['rms']:.4f}  line-depth correlation {r['corr']:.3f}  RV {r['rv']:+.2f} km/s  "
              f"pixels {int(r['ok'].sum())}")
    if a.out:
        for p in plot(results, a.out, f"Teff {a.teff:.0f} K, log g {a.logg}, [Fe/H] {a.feh:+.2f}, R = 11000"):
            print('wrote', p)


if __name__ == '__main__':
    main()
