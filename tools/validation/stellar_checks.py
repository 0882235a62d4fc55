#!/usr/bin/python3
"""Physical checks beyond the Sun, where no real spectra are at hand (docs/synthesizer.md "Giants and F stars"):

1. Atmosphere choice: spectra synthesized on the interpolated ATLAS9 model and on the MARCS models shipped in
   resources/physics/atmospheres/marcs (Sun, Arcturus, spherical 5000 K/log g 2 and 6000 K/log g 1), compared at
   R = 11000 (RMS of the normalized difference): the size of the atmosphere and sphericity systematics.
2. Curves of growth: equivalent widths of one Fe I and one Fe II line (the line list holds only that line) against
   log gf for the Sun, an Arcturus-like giant and a Procyon-like F star: linear, flat and damped parts, and the
   ionization balance (Fe II gains on Fe I at low gravity). Written as docs/images/curves_of_growth.png.

Usage: tools/validation/stellar_checks.py REMAP_EXE [OUT_DIR]
Needs numpy, scipy, astropy, matplotlib (Debian packages)."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from astropy.io import fits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from solar_residuals import compare, degrade, normalize, read_real, synthesize  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MARCS = os.path.join(HERE, '..', '..', 'resources', 'physics', 'atmospheres', 'marcs')
SPECTRA = os.path.join(HERE, '..', '..', '..', 'shared', 'physics', 'solar_spectra')


def atmosphere_checks(exe):
    cases = [('Sun', 5777, 4.44, 0.0, 'sun.mod'),
             ('Arcturus (APOGEE DR15 MARCS)', 4286, 1.66, -0.52, 'arcturus_dr15_4286g1.66m0.73z-0.52.mod'),
             ('spherical 5000 K, log g 2.0', 5000, 2.0, 0.0, 's5000_g+2.0_m1.0_t02_st_z+0.00.mod'),
             ('spherical 6000 K, log g 1.0', 6000, 1.0, 0.0, 's6000_g+1.0_m0.5_t05_st_z+0.00.mod')]
    out = []
    for name, teff, logg, feh, mod in cases:
        atlas = normalize(degrade(*synthesize(exe, teff, logg, feh)))
        marcs_model = synthesize(exe, teff, logg, feh, ['--atmosphere', os.path.join(MARCS, mod)])
        marcs = normalize(degrade(*marcs_model))
        d = marcs - atlas
        line = f'{name:30s} MARCS - ATLAS9 at R = 11000: RMS {np.sqrt(np.mean(d ** 2)):.4f}, mean {np.mean(d):+.4f}'
        if name == 'Sun' and os.path.isdir(SPECTRA):
            r = compare(marcs_model, read_real(os.path.join(SPECTRA, 'sun_HARPS_Ganymede_2007_3783-6913A.fits')))
            line += f'; MARCS Sun vs HARPS Ganymede RMS {r["rms"]:.4f}'
        print(line)
        out.append(line)
    return out


def line_spectrum(exe, teff, logg, feh, species, stage, air, ep, loggf, half):
    tmp = tempfile.mkdtemp()
    lines = os.path.join(tmp, 'one.lines')
    with open(lines, 'w') as f:
        f.write(f'{species} {stage} {air:.3f} {ep:.3f} {loggf:.3f}\n')
    vac = air * 1.000278
    out = os.path.join(tmp, 's.fits')
    cmd = [exe, 'synth', 'star', '--teff', str(teff), '--logg', str(logg), '--feh', str(feh), '--linelist', lines,
           '--window', f'{vac - half:.2f}:{vac + half:.2f}', '-o', out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    with fits.open(out) as h:
        hd = h[0].header
        return np.exp(hd['CRVAL1'] + hd['CDELT1'] * np.arange(hd['NAXIS1'])), h[0].data.astype(float)


def equivalent_width(exe, teff, logg, feh, species, stage, air, ep, loggf, continuum_cache):
    """EW in mA: the spectrum with only this line against the same synthesis with the line 15 dex weaker."""
    half = 4.0 if loggf < -1 else 12.0
    key = (teff, logg, feh, species, stage, air, half)
    if key not in continuum_cache:
        continuum_cache[key] = line_spectrum(exe, teff, logg, feh, species, stage, air, ep, -14.9, half)[1]
    w, f = line_spectrum(exe, teff, logg, feh, species, stage, air, ep, loggf, half)
    return 1000.0 * np.trapz(1 - f / continuum_cache[key], w)


def curves_of_growth(exe, out_dir):
    stars = [('Sun 5772/4.44/0.00', 5772, 4.438, 0.0), ('Arcturus-like 4286/1.66/-0.52', 4286, 1.66, -0.52),
             ('Procyon-like 6550/4.00/0.00', 6550, 4.0, 0.0)]
    gfs = np.arange(-6.0, 0.51, 0.5)
    results = {}
    cache = {}
    for name, t, g, z in stars:
        fe1 = [equivalent_width(exe, t, g, z, 'Fe', 1, 5500.0, 3.0, gf, cache) for gf in gfs]
        fe2 = [equivalent_width(exe, t, g, z, 'Fe', 2, 5510.0, 3.2, gf, cache) for gf in gfs]
        results[name] = (np.array(fe1), np.array(fe2))
        weak = (np.log10(fe1[1]) - np.log10(fe1[0])) / 0.5
        print(f'{name:30s} Fe I: weak-line slope d log W / d log gf = {weak:.2f}; W(log gf -2) {fe1[8]:.1f} mA, '
              f'W(log gf 0) {fe1[12]:.1f} mA; Fe II / Fe I at log gf -3: {fe2[6] / fe1[6]:.2f}')
    if out_dir:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 2, figsize=(12, 4.5))
        for name, (fe1, fe2) in results.items():
            ax[0].plot(gfs, np.log10(fe1 / 5500e3), 'o-', label=name)
            ax[1].plot(gfs, np.log10(fe2 / 5510e3), 'o-', label=name)
        for a, title in zip(ax, ('Fe I 5500 A, 3.0 eV', 'Fe II 5510 A, 3.2 eV')):
            a.set_xlabel('log gf')
            a.set_ylabel('log (W / lambda)')
            a.set_title(title)
            a.grid(alpha=0.3)
            a.legend(fontsize=8)
        fig.tight_layout()
        path = os.path.join(out_dir, 'curves_of_growth.png')
        fig.savefig(path, dpi=110)
        print('wrote', path)


def main():
    exe = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else ''
    atmosphere_checks(exe)
    curves_of_growth(exe, out_dir)


if __name__ == '__main__':
    main()
