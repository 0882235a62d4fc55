#!/usr/bin/python3
"""The size of the synthetic-to-observed gap of the demo survey: `remap synth star` with the grid physics and with
--observed-physics (perturbed log gf and damping, extra weak lines, the APOGEE microturbulence law, a continuum offset),
compared by the yardstick of solar_residuals.py (R = 11000, 4096 pixels 5000-5700 A, running-maximum normalization).

Usage: tools/validation/observed_gap.py REMAP_EXE
Needs numpy, scipy, astropy (Debian packages)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from solar_residuals import degrade, normalize, synthesize  # noqa: E402

STARS = [(5772, 4.438, 0.0, 'Sun'), (4800, 4.6, 0.0, 'K dwarf'), (4800, 2.5, -0.3, 'K giant'),
         (6300, 4.2, -0.2, 'F dwarf'), (5600, 4.4, -1.5, 'metal-poor dwarf'), (5200, 3.8, 0.3, 'metal-rich subgiant')]


def main():
    exe = sys.argv[1]
    rows = []
    for teff, logg, feh, name in STARS:
        grid = normalize(degrade(*synthesize(exe, teff, logg, feh)))
        observed = normalize(degrade(*synthesize(exe, teff, logg, feh, ['--observed-physics'])))
        d = observed - grid
        rms = float(np.sqrt(np.mean(d ** 2)))
        rows.append(rms)
        print(f'{name:20s} Teff {teff:5.0f} log g {logg:4.2f} [Fe/H] {feh:+.2f}: observed - grid physics RMS {rms:.4f}, '
              f'max |d| {np.max(np.abs(d)):.3f}, mean {np.mean(d):+.4f}')
    print(f'median RMS gap {np.median(rows):.4f}')


if __name__ == '__main__':
    main()
