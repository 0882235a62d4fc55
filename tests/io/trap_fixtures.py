#!/usr/bin/python3
"""Writes spectrum files that reproduce what real archive files do (issue 11), with astropy, into a
folder, and expected.json with what an independent reader gives for each: astropy's reading where
astropy has one (astropy.io.fits data, astropy.wcs pixel-to-world with astropy.units), else the
archive's documented formula evaluated with numpy/scipy (IRAF DC-FLAG, the IRAF multispec functions,
LAMOST's LOGLAM).

Usage: trap_fixtures.py OUTDIR [GROUP ...]   (groups: axis multispec merge lamost tables headers
                                             names pixels text bench; default: all but bench)

Each entry of expected.json: {"file", "group", and either "error": [substrings] or
"format", "npix", "wave" (Angstrom, ascending), "flux", "masked" (indices into the ascending
arrays), "ivar" (optional), "medium", "unit" (the file's wavelength unit as REMAP should name it),
"warnings": [substrings], "options": {...}, "wave_source"}.
"""

import gzip
import json
import os
import shutil
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from numpy.polynomial import chebyshev, legendre
from scipy.interpolate import BSpline

warnings.simplefilter("ignore")
RNG = np.random.default_rng(20251204)
OUT = sys.argv[1]
GROUPS = set(sys.argv[2:]) or {"axis", "multispec", "merge", "lamost", "tables", "headers", "names", "pixels",
                               "text"}
ENTRIES = []


def path(name):
    return os.path.join(OUT, name)


def star(wave, level=1.0, slope=0.0, lines=40, depth=0.6, seed=0):
    """A star-like flux: a sloped continuum with Gaussian absorption lines, smooth in wavelength."""
    rng = np.random.default_rng(seed)
    lo, hi = float(np.min(wave)), float(np.max(wave))
    flux = level * (1.0 + slope * (wave - lo) / max(hi - lo, 1e-9))
    centres = rng.uniform(lo, hi, lines)
    depths = rng.uniform(0.05, depth, lines)
    widths = rng.uniform(0.05, 0.2, lines) * (hi - lo) / 300.0
    for c, d, w in zip(centres, depths, widths):
        flux = flux * (1.0 - d * np.exp(-0.5 * ((wave - c) / w) ** 2))
    return flux


def entry(name, group, **kw):
    e = {"file": name, "group": group}
    e.update(kw)
    for key in ("wave", "flux", "ivar"):
        if key in e and e[key] is not None:
            e[key] = [float(v) for v in np.asarray(e[key], dtype=float)]
    if "masked" in e:
        e["masked"] = [int(i) for i in e["masked"]]
    ENTRIES.append(e)


def astropy_wave(header, n):
    """astropy.wcs pixel-to-world for axis 1, in Angstrom when astropy knows the unit."""
    w = WCS(header, naxis=1)
    world = w.all_pix2world(np.arange(n, dtype=float), 0)[0]
    unit = str(w.wcs.cunit[0])
    if unit:
        world = (world * u.Unit(unit)).to(u.AA).value
    return world


def image(name, flux, header, extra=(), primary_data=True):
    hdus = [fits.PrimaryHDU(flux.astype(np.float32) if primary_data else None, header=header)]
    hdus += list(extra)
    fits.HDUList(hdus).writeto(path(name), overwrite=True)


def linear_header(**cards):
    h = fits.Header()
    for k, v in cards.items():
        h[k.replace("_", "-") if k == "DC_FLAG" else k] = v
    return h


# ---------------------------------------------------------------------------------------------------------
# Wavelength keywords outside the WCS paper, contradictions, refusals.
def group_axis():
    n = 1500
    # HARPS s1d: CTYPE1 = 'ANGSTROM', CRPIX1 = 1, INSTRUME HARPS (air), a zero gap and NaNs.
    h = linear_header(CTYPE1="ANGSTROM", CRVAL1=5000.123, CDELT1=0.01, CRPIX1=1.0, BUNIT="Relative Flux",
                      INSTRUME="HARPS", TELESCOP="ESO-3P6", OBJECT="Ganymede")
    wave = astropy_wave(h, n)
    flux = star(wave, 0.52, 0.1, seed=1)
    flux[600:900] = 0.0
    flux[1200:1205] = np.nan
    image("HARPS.2007-04-13T09:40:23.812_s1d_A.fits", flux, h)
    entry("HARPS.2007-04-13T09:40:23.812_s1d_A.fits", "axis", format="wcs1d",
          npix=n, wave=wave, flux=np.nan_to_num(flux.astype(np.float32).astype(float)),
          masked=list(range(600, 900)) + list(range(1200, 1205)), medium="air", unit="Angstrom",
          medium_source="instrument HARPS", unit_source="CTYPE1",
          warnings=["zero or negative flux", "5006.1-5009.1 A", "NaN"], wave_source="astropy.wcs")

    # 'Angstrom' written as CTYPE1, no instrument: the medium is not stated.
    h = linear_header(CTYPE1="Angstrom", CRVAL1=3780.45, CDELT1=0.01, CRPIX1=1.0)
    wave = astropy_wave(h, n)
    flux = star(wave, 0.9, seed=2)
    image("sun01_harps_sky.fits", flux, h)
    entry("sun01_harps_sky.fits", "axis", format="wcs1d", npix=n, wave=wave, flux=flux.astype(np.float32),
          masked=[], medium="unknown", unit="Angstrom", wave_source="astropy.wcs")

    # CTYPE1 'LAMBDA' with CUNIT1 '0.1 nm' (= Angstrom); astropy.units parses it.
    h = linear_header(CTYPE1="LAMBDA", CUNIT1="0.1 nm", CRVAL1=6000.0, CDELT1=0.02, CRPIX1=1.0)
    wave = (np.arange(n) * 0.02 + 6000.0) * u.Unit("0.1 nm").to(u.AA)
    image("lambda_cunit_0.1nm.fits", star(wave, seed=3), h)
    entry("lambda_cunit_0.1nm.fits", "axis", format="wcs1d", npix=n, wave=wave,
          flux=star(wave, seed=3).astype(np.float32), masked=[], medium="unknown", unit="Angstrom",
          unit_source="CUNIT1", wave_source="CRVAL1 + CDELT1 (p - CRPIX1) in astropy.units '0.1 nm'")

    # CTYPE1 'WAVELENGTH', CUNIT1 'Angstroms' (not an astropy unit; the ESO spelling).
    h = linear_header(CTYPE1="WAVELENGTH", CUNIT1="Angstroms", CRVAL1=4500.0, CDELT1=0.05, CRPIX1=1.0)
    wave = 4500.0 + 0.05 * np.arange(n)
    image("wavelength_cunit_angstroms.fits", star(wave, seed=4), h)
    entry("wavelength_cunit_angstroms.fits", "axis", format="wcs1d", npix=n, wave=wave,
          flux=star(wave, seed=4).astype(np.float32), masked=[], medium="unknown", unit="Angstrom",
          wave_source="formula CRVAL1 + CDELT1 (p - CRPIX1)")

    # IRAF: CTYPE1 'LINEAR', DC-FLAG 0, CD1_1 (no CDELT1), WAT1_001 units=angstroms, CRPIX1 = 3.
    h = linear_header(CTYPE1="LINEAR", CRVAL1=5200.0, CD1_1=0.04, CRPIX1=3.0, DC_FLAG=0,
                      WAT0_001="system=equispec", WAT1_001="wtype=linear label=Wavelength units=angstroms")
    wave = astropy_wave(h, n)
    image("iraf_linear_cd.fits", star(wave, seed=5), h)
    entry("iraf_linear_cd.fits", "axis", format="iraf-1d", npix=n, wave=wave,
          flux=star(wave, seed=5).astype(np.float32), masked=[], medium="air", unit="Angstrom",
          medium_source="IRAF convention", unit_source="WAT1_001", wave_source="astropy.wcs (CD1_1)")

    # IRAF log-linear: DC-FLAG 1 with CD1_1; astropy has no DC-FLAG, the IRAF formula is 10^(...).
    h = linear_header(CTYPE1="LINEAR", CRVAL1=3.69, CD1_1=2e-5, CRPIX1=1.0, DC_FLAG=1,
                      WAT0_001="system=equispec", WAT1_001="wtype=linear label=Wavelength units=angstroms")
    wave = 10.0 ** (3.69 + 2e-5 * (np.arange(1, n + 1) - 1.0))
    image("iraf_loglin_cd.fits", star(wave, seed=6), h)
    entry("iraf_loglin_cd.fits", "axis", format="iraf-1d", npix=n, wave=wave,
          flux=star(wave, seed=6).astype(np.float32), masked=[], medium="air", unit="Angstrom",
          wave_source="IRAF formula 10^(CRVAL1 + CD1_1 (p - CRPIX1))")

    # CUNIT1 'nm' on WAVE (vacuum) and 'micron' on AWAV (air): astropy.wcs converts both.
    h = linear_header(CTYPE1="WAVE", CUNIT1="nm", CRVAL1=500.0, CDELT1=0.002, CRPIX1=1.0)
    wave = astropy_wave(h, n)
    image("wave_cunit_nm.fits", star(wave, seed=7), h)
    entry("wave_cunit_nm.fits", "axis", format="wcs1d", npix=n, wave=wave, flux=star(wave, seed=7).astype(np.float32),
          masked=[], medium="vacuum", unit="nm", medium_source="CTYPE1", wave_source="astropy.wcs")
    # wcslib refuses 'micron' as a CUNIT; astropy.units knows it.
    h = linear_header(CTYPE1="AWAV", CUNIT1="micron", CRVAL1=1.5, CDELT1=2e-6, CRPIX1=1.0)
    wave = (1.5 + 2e-6 * np.arange(n)) * u.Unit("micron").to(u.AA)
    image("awav_cunit_micron.fits", star(wave, seed=8), h)
    entry("awav_cunit_micron.fits", "axis", format="wcs1d", npix=n, wave=wave,
          flux=star(wave, seed=8).astype(np.float32), masked=[], medium="air", unit="um",
          wave_source="formula CRVAL1 + CDELT1 (p - CRPIX1) in astropy.units 'micron'")

    # No CRPIX1: the FITS default (0), as astropy.wcs applies it.
    h = linear_header(CTYPE1="WAVE", CUNIT1="Angstrom", CRVAL1=6000.0, CDELT1=0.05)
    wave = astropy_wave(h, n)
    image("no_crpix.fits", star(wave, seed=9), h)
    entry("no_crpix.fits", "axis", format="wcs1d", npix=n, wave=wave, flux=star(wave, seed=9).astype(np.float32),
          masked=[], medium="vacuum", unit="Angstrom", warnings=["CRPIX1 is missing"],
          wave_source="astropy.wcs (CRPIX1 defaults to 0)")

    # The HARPS product: primary CUNIT1 'NM' with CRVAL1 = 4800, CDELT1 = 0.01; SIGMA says nm with 480.
    wave = 4800.0 + 0.01 * np.arange(n)
    flux = star(wave, 100.0, seed=10)
    sigma = np.full(n, 2.0, dtype=np.float32)
    h = linear_header(CTYPE1="WAVE", CUNIT1="NM", CRVAL1=4800.0, CDELT1=0.01, CRPIX1=1.0, INSTRUME="HARPS")
    hs = linear_header(EXTNAME="SIGMA", CTYPE1="WAVE", CUNIT1="nm", CRVAL1=480.0, CDELT1=0.001, CRPIX1=1.0)
    image("ADP.2014-09-16T11:03:30.940_harps_nm.fits", flux, h, [fits.ImageHDU(sigma, header=hs)])
    entry("ADP.2014-09-16T11:03:30.940_harps_nm.fits", "axis", format="wcs1d", npix=n, wave=wave,
          flux=flux.astype(np.float32), ivar=np.full(n, 0.25), masked=[], medium="vacuum", unit="Angstrom",
          warnings=["CUNIT1 = 'NM'", "read as Angstrom"], wave_source="CRVAL1 + CDELT1 (p - 1) in Angstrom, "
          "the reading the SIGMA HDU and the HARPS range both support")
    # The same without INSTRUME: the SIGMA HDU alone resolves it.
    h2 = h.copy()
    del h2["INSTRUME"]
    image("nm_contradicts_sigma.fits", flux, h2, [fits.ImageHDU(sigma, header=hs)])
    entry("nm_contradicts_sigma.fits", "axis", format="wcs1d", npix=n, wave=wave, flux=flux.astype(np.float32),
          masked=[], medium="vacuum", unit="Angstrom", warnings=["CUNIT1 = 'NM'", "HDU 1 (SIGMA)"],
          wave_source="CRVAL1 + CDELT1 (p - 1) in Angstrom")
    # Primary 'Angstrom' 4800 against SIGMA 'nm' 4800, nothing else: either could be wrong -> refused.
    h3 = linear_header(CTYPE1="WAVE", CUNIT1="Angstrom", CRVAL1=4800.0, CDELT1=0.01, CRPIX1=1.0)
    hs3 = linear_header(EXTNAME="SIGMA", CTYPE1="WAVE", CUNIT1="nm", CRVAL1=4800.0, CDELT1=0.01, CRPIX1=1.0)
    image("units_disagree_between_hdus.fits", flux, h3, [fits.ImageHDU(sigma, header=hs3)])
    entry("units_disagree_between_hdus.fits", "axis", error=["HDU 1 (SIGMA)", "--wave-unit", "[HDU 0]"],
          wave=wave, npix=n)
    # CUNIT1 'um' with CRVAL1 = 4800: Angstrom and nm would both fit -> refused, naming --wave-unit.
    h4 = linear_header(CTYPE1="WAVE", CUNIT1="um", CRVAL1=4800.0, CDELT1=0.01, CRPIX1=1.0)
    image("um_4800.fits", flux, h4)
    entry("um_4800.fits", "axis", error=["CUNIT1 = 'um'", "several units would fit", "--wave-unit"])
    # DC-FLAG = 1 on a linear CRVAL1: read as linear, with a warning.
    h5 = linear_header(CTYPE1="LINEAR", CRVAL1=5000.0, CDELT1=0.1, CRPIX1=1.0, DC_FLAG=1, WAT0_001="system=equispec")
    wave5 = 5000.0 + 0.1 * np.arange(n)
    image("dcflag1_linear_values.fits", star(wave5, seed=11), h5)
    entry("dcflag1_linear_values.fits", "axis", format="iraf-1d", npix=n, wave=wave5,
          flux=star(wave5, seed=11).astype(np.float32), masked=[], medium="air", unit="Angstrom",
          warnings=["DC-FLAG = 1"], wave_source="formula CRVAL1 + CDELT1 (p - CRPIX1)")
    # CTYPE1 'PIXEL': not wavelength calibrated.
    image("ctype_pixel.fits", flux, linear_header(CTYPE1="PIXEL", CRVAL1=1.0, CDELT1=1.0, CRPIX1=1.0))
    entry("ctype_pixel.fits", "axis", error=["CTYPE1 = 'PIXEL'", "not wavelength calibrated", "[HDU 0]"])
    # A stated unit that is no unit.
    image("cunit_bogus.fits", flux, linear_header(CTYPE1="WAVE", CUNIT1="furlong", CRVAL1=5000.0, CDELT1=0.1))
    entry("cunit_bogus.fits", "axis", error=["CUNIT1 = 'furlong'", "not a wavelength unit", "--wave-unit"])


# ---------------------------------------------------------------------------------------------------------
# IRAF multispec: the non-linear functions exactly as sys/mwcs/wfmspec.x and onedspec "specwcs" define them.
def wat2_cards(text):
    """68-character pieces; writers trim trailing blanks, so numbers get cut across cards."""
    return [text[i:i + 68] for i in range(0, len(text), 68)]


def fmt(x):
    return repr(float(x))


def iraf_cheb_or_leg(p, pmin, pmax, coeffs, kind):
    n = (p - 0.5 * (pmax + pmin)) / (0.5 * (pmax - pmin))
    return chebyshev.chebval(n, coeffs) if kind == 1 else legendre.legval(n, coeffs)


def iraf_spline3(p, pmin, pmax, npieces, coeffs):
    """IRAF's basis a^3, 1+3a(1+ab), 1+3b(1+ab), b^3 is 6 x the uniform cubic B-spline basis."""
    s = (p - pmin) / (pmax - pmin) * npieces
    knots = np.arange(-3, npieces + 4, dtype=float)
    return BSpline(knots, 6.0 * np.asarray(coeffs), 3, extrapolate=True)(s)


def iraf_spline1(p, pmin, pmax, npieces, coeffs):
    s = (p - pmin) / (pmax - pmin) * npieces
    return np.interp(s, np.arange(npieces + 1, dtype=float), coeffs)


def write_multispec(name, data, specs, extra_cards=None, wat1="wtype=multispec label=Wavelength units=angstroms",
                    bandids=None, header=None):
    h = fits.Header() if header is None else header.copy()
    h["WCSDIM"] = 2
    h["CTYPE1"] = "MULTISPE"
    h["CTYPE2"] = "MULTISPE"
    h["WAT0_001"] = "system=multispec"
    h["WAT1_001"] = wat1
    text = "wtype=multispec " + " ".join('spec%d = "%s"' % (i + 1, s) for i, s in enumerate(specs))
    for i, piece in enumerate(wat2_cards(text)):
        h["WAT2_%03d" % (i + 1)] = piece
    for k, v in (extra_cards or {}).items():
        h[k] = v
    for i, b in enumerate(bandids or []):
        h["BANDID%d" % (i + 1)] = b
    fits.PrimaryHDU(data.astype(np.float32), header=h).writeto(path(name), overwrite=True)


def group_multispec():
    n = 1024
    p = np.arange(1, n + 1, dtype=float)
    specs, waves = [], []
    # 1 Chebyshev, order 4 (coefficients c1..c4), pmin 1, pmax n.
    c = [5020.0, 25.0, -0.35, 0.02]
    specs.append("1 91 2 4995.0 0.049 %d 0. 10.5 20.5 1. 0. 1 4 1. %d. %s" % (n, n, " ".join(map(fmt, c))))
    waves.append(iraf_cheb_or_leg(p, 1.0, float(n), c, 1))
    # 2 Legendre, order 5, fitted over pmin 0.5 .. pmax n + 0.5.
    c = [5070.0, 25.5, -0.3, 0.015, -0.004]
    specs.append("2 90 2 5045.0 0.05 %d 0. 30 40 1. 0. 2 5 0.5 %s %s" % (n, fmt(n + 0.5), " ".join(map(fmt, c))))
    waves.append(iraf_cheb_or_leg(p, 0.5, n + 0.5, c, 2))
    # 3 cubic spline, 4 pieces, npieces + 3 coefficients; offset w0 = 5100.
    c = np.array([14.0, 20.0, 26.5, 33.2, 40.1, 47.3, 54.8]) * 1.0
    c = 5096.0 / 6.0 + c / 6.0  # W(p) = 6 sum c B: keep the axis monotonic and near 5100-5160
    specs.append("3 89 2 5100.0 0.05 %d 0. 50 60 1. 0. 3 4 1. %d. %s" % (n, n, " ".join(map(fmt, c))))
    waves.append(iraf_spline3(p, 1.0, float(n), 4, c))
    # 4 linear spline, 3 pieces, npieces + 1 coefficients, with an offset w0_i = 100 and z = 1e-4.
    c = [5050.0, 5068.0, 5087.0, 5107.0]
    z = 1e-4
    specs.append("4 88 2 5150.0 0.06 %d %s 70 80 1. 100. 4 3 1. %d. %s" % (n, fmt(z), n, " ".join(map(fmt, c))))
    waves.append((100.0 + iraf_spline1(p, 1.0, float(n), 3, c)) / (1.0 + z))
    # 5 pixel array (ftype 5): the wavelength at each physical pixel, order = n.
    pix = 5205.0 + 0.05 * p + 2e-6 * p ** 2
    specs.append("5 87 2 5205.0 0.05 %d 0. 90 100 1. 0. 5 %d %s" % (n, n, " ".join("%.10f" % v for v in pix)))
    waves.append(np.interp(p, p, pix))
    # 6 two Chebyshev functions weighted 0.3 / 0.7 (calibrations before and after), different offsets.
    ca, cb = [5280.0, 26.0, -0.3], [5279.0, 26.1, -0.28]
    specs.append("6 86 2 5255.0 0.05 %d 0. 110 120 0.3 1.5 1 3 1. %d. %s 0.7 2.0 1 3 1. %d. %s" %
                 (n, n, " ".join(map(fmt, ca)), n, " ".join(map(fmt, cb))))
    waves.append(0.3 * (1.5 + iraf_cheb_or_leg(p, 1.0, float(n), ca, 1)) +
                 0.7 * (2.0 + iraf_cheb_or_leg(p, 1.0, float(n), cb, 1)))
    # 7 sampled array (ftype 6): a dummy field, then `order` numbers = (pixel, wavelength) pairs.
    px = np.array([1.0, 300.0, 700.0, float(n)])
    wv = np.array([5305.0, 5320.0, 5340.1, 5356.3])
    pairs = " ".join("%s %s" % (fmt(a), fmt(b)) for a, b in zip(px, wv))
    specs.append("7 85 2 5305.0 0.05 %d 0. 130 140 1. 0. 6 %d 0 %s" % (n, 2 * len(px), pairs))
    waves.append(np.interp(p, px, wv))
    flux = np.array([star(w, 1000.0 * (k + 1), seed=20 + k) for k, w in enumerate(waves)])
    write_multispec("multispec_dtype2.fits", flux, specs, header=fits.Header({"OBJECT": "HD 122563"}))
    orders = [{"wave": [float(v) for v in w], "flux": [float(v) for v in f.astype(np.float32)]}
              for w, f in zip(waves, flux)]
    entry("multispec_dtype2.fits", "multispec", format="iraf-multispec", orders=orders, medium="air",
          unit="Angstrom", wave_source="IRAF specwcs formulas: numpy chebval/legval on n = (p - pmid)/(prange/2), "
          "scipy BSpline (6 x uniform B-spline basis), numpy interp for the linear spline and arrays")

    # Bands: IRAF apall's four (spectrum, raw, background, sigma) on axis 3; order 2 log-linear.
    n2, rows = 800, 3
    p2 = np.arange(1, n2 + 1, dtype=float)
    specs = ["1 1 0 6000. 0.05 %d 0. 1 2" % n2, "2 2 1 3.78 1.0E-5 %d 0. 3 4" % n2,
             "3 3 0 6100.5 0.05 %d 0. 5 6" % n2]
    waves = [6000.0 + 0.05 * (p2 - 1), 10 ** (3.78 + 1e-5 * (p2 - 1)), 6100.5 + 0.05 * (p2 - 1)]
    spectrum = np.array([star(w, 500.0, seed=40 + k) for k, w in enumerate(waves)])
    sigma = np.sqrt(spectrum)
    cube = np.stack([spectrum, spectrum * 1.1, 0.05 * spectrum, sigma])
    write_multispec("multispec_apall_bands.fits", cube, specs,
                    bandids=["spectrum - background fit, weights variance, clean no",
                             "raw - background fit, weights none, clean no", "background - background fit",
                             "sigma - background fit, weights variance, clean no"])
    orders = [{"wave": [float(v) for v in w], "flux": [float(v) for v in f.astype(np.float32)],
               "ivar": [float(v) for v in 1.0 / s.astype(np.float32).astype(float) ** 2]}
              for w, f, s in zip(waves, spectrum, sigma)]
    entry("multispec_apall_bands.fits", "multispec", format="iraf-multispec", orders=orders, medium="air",
          unit="Angstrom", wave_source="IRAF formulas for dtype 0 and 1")

    # Logical pixels offset from physical ones (LTV1 = -10: an image section [11:...]), dtype 2.
    n3 = 500
    l3 = np.arange(1, n3 + 1, dtype=float)
    p3 = l3 + 10.0
    c = [5600.0, 12.0, -0.1]
    specs = ["1 1 2 5588. 0.05 %d 0. 1 2 1. 0. 1 3 1. %d. %s" % (n3 + 20, n3 + 20, " ".join(map(fmt, c)))]
    wave3 = iraf_cheb_or_leg(p3, 1.0, float(n3 + 20), c, 1)
    f3 = star(wave3, 10.0, seed=50)
    write_multispec("multispec_ltv.fits", f3[None, :], specs, extra_cards={"LTV1": -10.0, "LTM1_1": 1.0})
    entry("multispec_ltv.fits", "multispec", format="iraf-multispec", npix=n3, wave=wave3,
          flux=f3.astype(np.float32), masked=[], medium="air", unit="Angstrom",
          wave_source="IRAF Chebyshev at p = (l - LTV1) / LTM1_1")

    # Multispec WAT1 in nanometres and an instrument (UVES: air).
    c = [520.0, 2.5, -0.03]
    specs = ["1 1 2 517. 0.005 %d 0. 1 2 1. 0. 1 3 1. %d. %s" % (n, n, " ".join(map(fmt, c)))]
    wave4 = 10.0 * iraf_cheb_or_leg(p, 1.0, float(n), c, 1)
    f4 = star(wave4, 3.0, seed=51)
    write_multispec("multispec_nm_uves.fits", f4[None, :], specs, wat1="wtype=multispec label=Wavelength units=nanometers",
                    header=fits.Header({"INSTRUME": "UVES"}))
    entry("multispec_nm_uves.fits", "multispec", format="iraf-multispec", npix=n, wave=wave4,
          flux=f4.astype(np.float32), masked=[], medium="air", unit="nm", medium_source="instrument UVES",
          wave_source="IRAF Chebyshev, WAT1 units=nanometers")

    # Polynomial orders only (what specutils' iraf reader implements), with a sigma band: it can be checked
    # against specutils too (bench/compare_specutils.py).
    specs, waves = [], []
    for k in range(3):
        c = [5400.0 + 50.0 * k + 25.0, 25.5, -0.2 + 0.05 * k, 0.01]
        ftype = 2 if k % 2 == 0 else 1
        specs.append("%d %d 2 %s 0.05 %d 0. 1 2 1. 0. %d 4 1. %d. %s" % (k + 1, 70 - k, fmt(5400.0 + 50 * k), n, ftype,
                                                                        n, " ".join(map(fmt, c))))
        waves.append(iraf_cheb_or_leg(p, 1.0, float(n), c, ftype))
    fl = np.array([star(w, 300.0, seed=52 + k) for k, w in enumerate(waves)])
    write_multispec("multispec_polynomials.fits", fl, specs, header=fits.Header({"INSTRUME": "TCES"}))
    orders = [{"wave": [float(v) for v in w], "flux": [float(v) for v in f.astype(np.float32)]}
              for w, f in zip(waves, fl)]
    entry("multispec_polynomials.fits", "multispec", format="iraf-multispec", orders=orders, medium="air",
          unit="Angstrom", wave_source="IRAF Legendre and Chebyshev formulas (numpy legval, chebval)")

    # Malformed: a function type IRAF does not define.
    write_multispec("multispec_bad_ftype.fits", f4[None, :], ["1 1 2 5000. 0.05 %d 0. 1 2 1. 0. 9 3 1. 10. 1 2 3" % n])
    entry("multispec_bad_ftype.fits", "multispec", error=["spec1 function 1 has type 9", "Chebyshev"])


# ---------------------------------------------------------------------------------------------------------
# Order merging: analytic cases (the C++ test computes the expected merge from the parameters written here).
def blaze(p, centre, width):
    return np.exp(-0.5 * ((p - centre) / width) ** 2)


def group_merge():
    n = 1200
    p = np.arange(1, n + 1, dtype=float)
    # Three overlapping linear orders, each flux = (F + delta_k) B_k, sigma = s_k B_k, the blaze as a 'flat' band.
    starts = [5000.0, 5050.0, 5100.0]
    dw = 0.05  # each order spans 60 A, 10 A overlaps
    deltas = [0.0, 0.02, -0.01]
    sigmas = [0.01, 0.02, 0.005]
    f0, f1 = 1.0, 1e-4
    specs, flux, noise, flat = [], [], [], []
    for k, (w0, d, s) in enumerate(zip(starts, deltas, sigmas)):
        wave = w0 + dw * (p - 1)
        b = 5000.0 * blaze(p, n / 2.0, n / 5.0)
        specs.append("%d %d 0 %s %s %d 0. 1 2" % (k + 1, 100 - k, fmt(w0), fmt(dw), n))
        flux.append((f0 + f1 * (wave - 5000.0) + d) * b)
        noise.append(s * b)
        flat.append(b)
    cube = np.stack([np.array(flux), np.array(noise), np.array(flat)])
    write_multispec("merge_overlap_ivar.fits", cube, specs, bandids=["spectrum", "sigma", "flat"])
    bl = blaze(p, n / 2.0, n / 5.0)
    trimmed = int(np.sum(bl < 0.1 * bl.max())) * 3
    entry("merge_overlap_ivar.fits", "merge", format="iraf-multispec", starts=starts, dw=dw, npix_order=n,
          deltas=deltas, sigmas=sigmas, f0=f0, f1=f1, trimmed=trimmed, medium="air", unit="Angstrom")

    # Raw counts through an (unknown) blaze, no uncertainty: merged after dividing by the estimated blaze.
    specs, flux = [], []
    for k in range(4):
        w0 = 5000.0 + 55.0 * k
        wave = w0 + dw * (p - 1)
        b = 20000.0 * (1.0 - ((p - n / 2.0) / (0.62 * n)) ** 2)
        specs.append("%d %d 0 %s %s %d 0. 1 2" % (k + 1, 60 - k, fmt(w0), fmt(dw), n))
        lines = star(wave, 1.0, 0.0, lines=25, depth=0.5, seed=60 + k)
        flux.append(b * lines + RNG.normal(0.0, np.sqrt(b * lines)))
    write_multispec("merge_raw_counts.fits", np.array(flux), specs)
    entry("merge_raw_counts.fits", "merge", format="iraf-multispec", orders_count=4, medium="air", unit="Angstrom",
          warnings=["blaze"])

    # ESPRESSO-like S2D: SCIDATA, ERRDATA, QUALDATA, WAVEDATA_VAC_BARY, WAVEDATA_AIR_BARY; 5 orders, blaze-corrected.
    rows, m = 5, 900
    q = np.arange(m, dtype=float)
    wave_vac = np.array([4500.0 + 40.0 * r + 0.05 * q + 1e-6 * q ** 2 for r in range(rows)])
    wave_air = wave_vac / 1.00028
    sci = np.array([star(w, 1.0, 0.05, seed=70 + r) for r, w in enumerate(wave_vac)])
    err = np.full_like(sci, 0.01)
    qual = np.zeros(sci.shape, dtype=np.int32)
    qual[2, 100:110] = 64
    prim = fits.PrimaryHDU(header=fits.Header({"INSTRUME": "ESPRESSO", "OBJECT": "HD 10700"}))
    hdus = [prim, fits.ImageHDU(sci.astype(np.float64), name="SCIDATA"), fits.ImageHDU(err, name="ERRDATA"),
            fits.ImageHDU(qual, name="QUALDATA"), fits.ImageHDU(wave_vac, name="WAVEDATA_VAC_BARY"),
            fits.ImageHDU(wave_air, name="WAVEDATA_AIR_BARY")]
    fits.HDUList(hdus).writeto(path("r.ESPRE.2019-03-02T02:37:42.123_S2D_A.fits"), overwrite=True)
    orders = [{"wave": [float(v) for v in wave_vac[r]], "flux": [float(v) for v in sci[r]],
               "masked": list(range(100, 110)) if r == 2 else []} for r in range(rows)]
    entry("r.ESPRE.2019-03-02T02:37:42.123_S2D_A.fits", "merge", format="echelle-image", orders=orders,
          medium="vacuum", medium_source="WAVEDATA_VAC_BARY", unit="Angstrom", wave_source="astropy image data")

    # One order as a 1-D FLUX image with a 1-D WAVE image (nm in BUNIT).
    w1 = np.linspace(600.0, 610.0, 700)
    f1d = star(w1 * 10, 2.0, seed=75)
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(f1d, name="FLUX"),
                  fits.ImageHDU(w1, name="WAVE", header=fits.Header({"BUNIT": "nm"}))]).writeto(
        path("flux_wave_images.fits"), overwrite=True)
    entry("flux_wave_images.fits", "merge", format="echelle-image", npix=700, wave=w1 * 10.0, flux=f1d, masked=[],
          medium="unknown", unit="nm", wave_source="astropy image data, BUNIT nm")

    # Multi-object multispec: apertures over the same range are not merged.
    specs = ["%d %d 0 5000. 0.1 400 0. 1 2" % (k + 1, k + 1) for k in range(3)]
    fl = np.array([star(5000.0 + 0.1 * np.arange(400), 10.0 * (k + 1), seed=80 + k) for k in range(3)])
    write_multispec("hydra_fibres.fits", fl, specs)
    entry("hydra_fibres.fits", "merge", format="iraf-multispec", npix=400, wave=5000.0 + 0.1 * np.arange(400),
          flux=fl[0].astype(np.float32), masked=[], medium="air", unit="Angstrom", warnings=["same wavelengths"])


# ---------------------------------------------------------------------------------------------------------
def group_lamost():
    nb, nr = 1200, 1300
    lb = np.log10(4950.0) + 1e-5 * np.arange(nb)
    lr = np.log10(6300.0) + 1e-5 * np.arange(nr)
    fb, fr = star(10 ** lb, 800.0, seed=90), star(10 ** lr, 1200.0, seed=91)
    ivb, ivr = np.full(nb, 0.01, dtype=np.float32), np.full(nr, 0.02, dtype=np.float32)
    ivb[50:55] = 0.0
    andb, orb = np.zeros(nb, dtype=np.int32), np.zeros(nb, dtype=np.int32)
    andb[300:310] = 2
    orb[400:420] = 8  # ORMASK alone does not mask
    andr, orr = np.zeros(nr, dtype=np.int32), np.zeros(nr, dtype=np.int32)

    def coadd(name, flux, ivar, loglam, andm, orm):
        t = Table([flux[None, :].astype(np.float32), ivar[None, :], loglam[None, :], andm[None, :], orm[None, :],
                   np.ones((1, flux.size), dtype=np.float32)],
                  names=["FLUX", "IVAR", "LOGLAM", "ANDMASK", "ORMASK", "NORMALIZATION"])
        h = fits.table_to_hdu(t)
        h.name = name
        return h

    prim = fits.PrimaryHDU(header=fits.Header({"TELESCOP": "LAMOST", "OBSID": 712345678, "OBJNAME": "TD062610N184524"}))
    hdus = [prim, coadd("COADD_B", fb, ivb, lb, andb, orb), coadd("COADD_R", fr, ivr, lr, andr, orr),
            coadd("B-84823312", fb, ivb, lb, andb, orb), coadd("R-84823312", fr, ivr, lr, andr, orr)]
    name = "med-58409-TD062610N184524B01_sp01-020.fits"
    fits.HDUList(hdus).writeto(path(name), overwrite=True)
    # Expected from astropy's table reading and the documented LOGLAM (log10 vacuum Angstrom).
    tb = Table.read(path(name), hdu="COADD_B")
    tr = Table.read(path(name), hdu="COADD_R")
    wave = np.concatenate([10 ** np.asarray(tb["LOGLAM"][0], float), 10 ** np.asarray(tr["LOGLAM"][0], float)])
    flux = np.concatenate([np.asarray(tb["FLUX"][0], float), np.asarray(tr["FLUX"][0], float)])
    masked = sorted(set(range(50, 55)) | set(range(300, 310)))
    entry(name, "lamost", format="lamost-mrs", npix=nb + nr, wave=wave, flux=flux, masked=masked, medium="vacuum",
          unit="Angstrom", nblue=nb, wave_source="10^LOGLAM from astropy.table")


# ---------------------------------------------------------------------------------------------------------
def table_file(name, columns, units=None, header=None, one_row=False):
    units = units or {}
    cols = []
    for cname, values in columns:
        values = np.asarray(values)
        if one_row:
            cols.append(fits.Column(name=cname, format="%dD" % values.size, unit=units.get(cname), array=values[None, :]))
        else:
            cols.append(fits.Column(name=cname, format="D", unit=units.get(cname), array=values))
    hdu = fits.BinTableHDU.from_columns(cols)
    fits.HDUList([fits.PrimaryHDU(header=header), hdu]).writeto(path(name), overwrite=True)


def group_tables():
    n = 900
    w = np.linspace(5000.0, 5100.0, n)
    f = star(w, 50.0, seed=100)
    e = np.full(n, 0.5)
    table_file("table_w_s_serr.fits", [("w", w), ("s", f), ("serr", e)])
    entry("table_w_s_serr.fits", "tables", format="tabular", npix=n, wave=w, flux=f, ivar=1 / e ** 2, masked=[],
          medium="vacuum", unit="Angstrom", columns=["wavelength = w", "flux = s", "sigma = serr"])
    # ESO Phase 3 SDP: one row of arrays, WAVE in nm, FLUX, ERR, QUAL, SNR, FLUX_REDUCED, UVES (air).
    wn = w / 10.0
    qual = np.zeros(n)
    qual[10:13] = 1
    table_file("ADP.2020-06-26T11:14:16.020.fits",
               [("WAVE", wn), ("FLUX", f), ("ERR", e), ("QUAL", qual), ("SNR", f / e), ("FLUX_REDUCED", f * 3),
                ("ERR_REDUCED", e * 3)],
               units={"WAVE": "nm", "FLUX": "erg cm**(-2) s**(-1) angstrom**(-1)", "ERR": "erg cm**(-2) s**(-1) angstrom**(-1)"},
               header=fits.Header({"INSTRUME": "UVES"}), one_row=True)
    entry("ADP.2020-06-26T11:14:16.020.fits", "tables", format="tabular", npix=n, wave=wn * 10.0, flux=f,
          masked=[10, 11, 12], medium="air", medium_source="instrument UVES", unit="nm",
          columns=["wavelength = WAVE", "flux = FLUX", "sigma = ERR", "mask = QUAL"])
    table_file("table_lambda_fluxnorm_sigma.fits", [("lambda", w), ("flux_norm", f / 50.0), ("sigma", e / 50.0)])
    entry("table_lambda_fluxnorm_sigma.fits", "tables", format="tabular", npix=n, wave=w, flux=f / 50.0, masked=[],
          medium="vacuum", unit="Angstrom", columns=["flux = flux_norm"])
    iv = np.full(n, 4.0)
    iv[5] = 0.0
    table_file("table_wl_flux_ivar.fits", [("wl", w), ("flux", f), ("ivar", iv)])
    entry("table_wl_flux_ivar.fits", "tables", format="tabular", npix=n, wave=w, flux=f, ivar=iv, masked=[5],
          medium="vacuum", unit="Angstrom", columns=["ivar = ivar"])
    snr = np.full(n, 100.0)
    table_file("table_wavelength_air_snr.fits", [("wavelength_air", w), ("flux", f), ("snr", snr)])
    entry("table_wavelength_air_snr.fits", "tables", format="tabular", npix=n, wave=w, flux=f,
          ivar=(snr / f) ** 2, masked=[], medium="air", medium_source="column name", unit="Angstrom",
          columns=["S/N = snr"])
    # No telling names, no units: the monotonic column is the wavelength (in nm by its range).
    table_file("table_by_content.fits", [("Y1", f), ("X1", wn)])
    entry("table_by_content.fits", "tables", format="tabular", npix=n, wave=wn * 10.0, flux=f, masked=[],
          medium="vacuum", unit="nm", warnings=["'X1' was taken because its values are strictly monotonic",
                                               "'Y1' was taken as the flux", "read as nm"])
    # Names that mean nothing: --columns picks them.
    table_file("table_abc.fits", [("A", np.sin(np.arange(n)) + 5.0), ("B", f), ("C", w), ("D", e)])
    entry("table_abc.fits", "tables", format="tabular", npix=n, wave=w, flux=f, ivar=1 / e ** 2, masked=[],
          medium="vacuum", unit="Angstrom", options={"columns": ["c", "B", "4"]}, columns=["as given by --columns"])


# ---------------------------------------------------------------------------------------------------------
def reorder_cards(raw, move, before):
    """Moves header card `move` of the primary header in front of card `before` (bytes)."""
    cards = [raw[i:i + 80] for i in range(0, 2880, 80)]
    names = [c[:8].decode().strip() for c in cards]
    c = cards.pop(names.index(move))
    names = [c2[:8].decode().strip() for c2 in cards]
    cards.insert(names.index(before), c)
    return b"".join(cards) + raw[2880:]


def group_headers():
    n = 1000
    w = 5500.0 + 0.1 * np.arange(n)
    f = star(w, 7.0, seed=110).astype(np.float32)
    h = linear_header(CTYPE1="WAVE", CUNIT1="Angstrom", CRVAL1=5500.0, CDELT1=0.1, CRPIX1=1.0, OBJECT="HD 1")
    fits.PrimaryHDU(f, header=h).writeto(path("tmp.fits"), overwrite=True)
    raw = open(path("tmp.fits"), "rb").read()
    # NAXIS1 written after other keywords: astropy opens it, CFITSIO refuses.
    bad = reorder_cards(raw, "NAXIS1", "CRPIX1")
    open(path("naxis1_late.fits"), "wb").write(bad)
    with fits.open(path("naxis1_late.fits")) as hd:
        data = hd[0].data.astype(float)
    entry("naxis1_late.fits", "headers", format="wcs1d", npix=n, wave=w, flux=data, masked=[], medium="vacuum",
          unit="Angstrom", warnings=["repaired in memory", "NAXIS1"], wave_source="astropy.wcs")
    # BITPIX after NAXIS.
    bad = reorder_cards(raw, "BITPIX", "CTYPE1")
    open(path("bitpix_late.fits"), "wb").write(bad)
    entry("bitpix_late.fits", "headers", format="wcs1d", npix=n, wave=w, flux=fits.getdata(path("bitpix_late.fits")),
          masked=[], medium="vacuum", unit="Angstrom", warnings=["BITPIX"])
    # The uncertainty extension's header is the broken one: repaired when the reader moves there.
    sig = np.full(n, 0.5, dtype=np.float32)
    fits.HDUList([fits.PrimaryHDU(f, header=h), fits.ImageHDU(sig, name="ERR")]).writeto(path("tmp2.fits"),
                                                                                         overwrite=True)
    raw2 = bytearray(open(path("tmp2.fits"), "rb").read())
    size0 = 2880 + ((n * 4 + 2879) // 2880) * 2880
    ext = bytes(raw2[size0:size0 + 2880])
    cards = [ext[i:i + 80] for i in range(0, 2880, 80)]
    names = [c[:8].decode().strip() for c in cards]
    c = cards.pop(names.index("NAXIS1"))
    names = [c2[:8].decode().strip() for c2 in cards]
    cards.insert(names.index("EXTNAME"), c)
    raw2[size0:size0 + 2880] = b"".join(cards)
    open(path("err_ext_naxis1_late.fits"), "wb").write(bytes(raw2))
    entry("err_ext_naxis1_late.fits", "headers", format="wcs1d", npix=n, wave=w, flux=f, ivar=np.full(n, 4.0),
          masked=[], medium="vacuum", unit="Angstrom", warnings=["HDU 1", "repaired in memory"])
    # NAXIS1 missing altogether: nothing to repair; the message says exactly what is missing.
    cards = [raw[i:i + 80] for i in range(0, 2880, 80)]
    cards = [c for c in cards if not c.startswith(b"NAXIS1")] + [b" " * 80]
    open(path("naxis1_missing.fits"), "wb").write(b"".join(cards) + raw[2880:])
    entry("naxis1_missing.fits", "headers", error=["NAXIS = 1 but the keyword NAXIS1 is missing"])
    # A Latin-1 byte in OBJECT (astropy refuses to write one; old headers have them): read as Latin-1.
    bad = bytearray(raw)
    i = bad.find(b"'HD 1")
    bad[i + 1:i + 5] = "Bé 1".encode("latin-1")
    open(path("object_latin1.fits"), "wb").write(bytes(bad))
    entry("object_latin1.fits", "headers", format="wcs1d", npix=n, wave=w, flux=f, masked=[], medium="vacuum",
          unit="Angstrom", object="Bé 1")
    os.remove(path("tmp.fits"))
    os.remove(path("tmp2.fits"))


# ---------------------------------------------------------------------------------------------------------
def gz(src, dst):
    with open(src, "rb") as a, gzip.open(dst, "wb") as b:
        b.write(a.read())


def group_names():
    n = 800
    h = linear_header(CTYPE1="AWAV", CUNIT1="Angstrom", CRVAL1=5100.0, CDELT1=0.05, CRPIX1=1.0)
    w = astropy_wave(h, n)
    f = star(w, 3.0, seed=120).astype(np.float32)
    fits.PrimaryHDU(f, header=h).writeto(path("plain.fits"), overwrite=True)
    for name in ("HD 10700:2019-10-01T03:04:05.fits.gz", "spec.fit.gz", "star[1]+x=2.fits.gz"):
        gz(path("plain.fits"), path(name))
        entry(name, "names", format="wcs1d", npix=n, wave=w, flux=f, masked=[], medium="air", unit="Angstrom",
              layout="gzip-compressed")
    shutil.copy(path("plain.fits"), path("ftp:star.fits"))
    entry("ftp:star.fits", "names", format="wcs1d", npix=n, wave=w, flux=f, masked=[], medium="air",
          unit="Angstrom")
    text = "".join("%.4f %.6f\n" % (a, b) for a, b in zip(w, f))
    with gzip.open(path("uves_norm.txt.gz"), "wt") as t:
        t.write(text)
    with open(path("spec:1.txt"), "w") as t:
        t.write(text)
    data = np.loadtxt(path("spec:1.txt"))
    for name in ("uves_norm.txt.gz", "spec:1.txt"):
        entry(name, "names", format="text", npix=n, wave=data[:, 0], flux=data[:, 1], masked=[], medium="unknown",
              unit="Angstrom")
    os.remove(path("plain.fits"))


# ---------------------------------------------------------------------------------------------------------
def group_pixels():
    n = 2000
    w = 5000.0 + 0.02 * np.arange(n)
    # Raw counts (ADU) with SATURATE, a negative gap and NaNs.
    counts = star(w, 20000.0, 0.3, seed=130)
    counts[700:704] = 65535.0
    counts[1000:1040] = -3.0
    counts[1500] = np.nan
    h = linear_header(CTYPE1="AWAV", CRVAL1=5000.0, CDELT1=0.02, CRPIX1=1.0, BUNIT="ADU", SATURATE=60000.0)
    fits.PrimaryHDU(counts.astype(np.float32), header=h).writeto(path("raw_counts_saturated.fits"), overwrite=True)
    entry("raw_counts_saturated.fits", "pixels", format="wcs1d", npix=n, wave=w,
          flux=np.nan_to_num(counts.astype(np.float32).astype(float)),
          masked=list(range(700, 704)) + list(range(1000, 1040)) + [1500], medium="air", unit="Angstrom",
          flux_kind="raw counts", warnings=["saturation level 60000", "zero or negative", "NaN"],
          masked_counts={"saturated": 4, "nonPositive": 40, "nonFinite": 1})
    # A flat top at the maximum without a keyword: saturation.
    c2 = star(w, 30000.0, seed=131)
    top = float(np.float32(c2.max() * 1.2))
    c2[300:306] = top
    fits.PrimaryHDU(c2.astype(np.float32), header=linear_header(CTYPE1="AWAV", CRVAL1=5000.0, CDELT1=0.02,
                                                                CRPIX1=1.0)).writeto(path("flat_top.fits"),
                                                                                     overwrite=True)
    entry("flat_top.fits", "pixels", format="wcs1d", npix=n, wave=w, flux=c2.astype(np.float32),
          masked=list(range(300, 306)), medium="air", unit="Angstrom",
          warnings=["flat tops at the maximum", "without CUNIT1 means metres by the FITS standard"],
          masked_counts={"saturated": 6})
    # A normalized spectrum clipped at 1: plateaus are not saturation; single zeros are noise.
    fn = np.minimum(star(w, 1.0, seed=132) + RNG.normal(0, 0.01, n), 1.0)
    fn[50] = 0.0
    fits.PrimaryHDU(fn.astype(np.float32), header=linear_header(CTYPE1="AWAV", CRVAL1=5000.0, CDELT1=0.02,
                                                                CRPIX1=1.0)).writeto(path("normalized_clipped.fits"),
                                                                                     overwrite=True)
    entry("normalized_clipped.fits", "pixels", format="wcs1d", npix=n, wave=w, flux=fn.astype(np.float32), masked=[],
          medium="air", unit="Angstrom", flux_kind="normalized")


# ---------------------------------------------------------------------------------------------------------
def group_text():
    n = 600
    wn = np.linspace(480.0, 490.0, n)
    f = star(wn * 10, 1.0, seed=140)
    e = np.full(n, 0.01)

    def write(name, text):
        with open(path(name), "w") as t:
            t.write(text)

    # iSpec: waveobs (nm), flux, err, tab separated.
    write("sun_ispec.txt", "waveobs\tflux\terr\n" + "".join("%.5f\t%.6f\t%.6f\n" % r for r in zip(wn, f, e)))
    d = np.loadtxt(path("sun_ispec.txt"), skiprows=1)
    entry("sun_ispec.txt", "text", format="text", npix=n, wave=d[:, 0] * 10, flux=d[:, 1], ivar=1 / d[:, 2] ** 2,
          masked=[], medium="unknown", unit="nm", unit_source="waveobs", layout="iSpec")
    # LibreESpRIT .s: intensity only (3 columns) and polarimetric (6 columns with Stokes V).
    write("1234567i.s", "*** Reduced spectrum of 'HD 10700'\n%d 2\n" % n +
          "".join("%10.4f %12.4e %12.4e\n" % r for r in zip(wn, f, e)))
    d = np.loadtxt(path("1234567i.s"), skiprows=2)
    entry("1234567i.s", "text", format="text", npix=n, wave=d[:, 0] * 10, flux=d[:, 1], ivar=1 / d[:, 2] ** 2,
          masked=[], medium="unknown", unit="nm", unit_source="LibreESpRIT", layout="LibreESpRIT")
    v = 1e-3 * np.sin(np.arange(n))
    write("1234568p.s", "*** Stokes V spectrum of 'HD 10700'\n%d 5\n" % n +
          "".join("%10.4f %12.4e %12.4e %12.4e %12.4e %12.4e\n" % r for r in zip(wn, f, v, v, v, e)))
    d = np.loadtxt(path("1234568p.s"), skiprows=2)
    entry("1234568p.s", "text", format="text", npix=n, wave=d[:, 0] * 10, flux=d[:, 1], ivar=1 / d[:, 5] ** 2,
          masked=[], medium="unknown", unit="nm", columns=["sigma = sigma"])
    # Two columns, no header, nm by range.
    write("two_col_nm.txt", "".join("%.4f %.6f\n" % r for r in zip(wn, f)))
    d = np.loadtxt(path("two_col_nm.txt"))
    entry("two_col_nm.txt", "text", format="text", npix=n, wave=d[:, 0] * 10, flux=d[:, 1], masked=[],
          medium="unknown", unit="nm", warnings=["read as nm"], unit_source="inferred from the range")
    # Three columns, no header, Angstrom.
    write("three_col_A.dat", "".join("%.3f %.6f %.6f\n" % r for r in zip(wn * 10, f, e)))
    d = np.loadtxt(path("three_col_A.dat"))
    entry("three_col_A.dat", "text", format="text", npix=n, wave=d[:, 0], flux=d[:, 1], ivar=1 / d[:, 2] ** 2,
          masked=[], medium="unknown", unit="Angstrom", unit_source="default")
    # CSV with a header row; '#' comments; air in the column name.
    write("export.csv", "# exported from a notebook\nWavelength_Air,Flux,Flux_Err\n" +
          "".join("%.3f,%.6f,%.6f\n" % r for r in zip(wn * 10, f, e)))
    d = np.loadtxt(path("export.csv"), delimiter=",", skiprows=2)
    entry("export.csv", "text", format="text", npix=n, wave=d[:, 0], flux=d[:, 1], ivar=1 / d[:, 2] ** 2, masked=[],
          medium="air", unit="Angstrom", columns=["flux = Flux", "sigma = Flux_Err"])
    # Commented header and a units line; w s serr names.
    write("moog_out.txt", "# w s serr\n" + "".join("%.3f %.6f %.6f\n" % r for r in zip(wn * 10, f, e)))
    d = np.loadtxt(path("moog_out.txt"))
    entry("moog_out.txt", "text", format="text", npix=n, wave=d[:, 0], flux=d[:, 1], ivar=1 / d[:, 2] ** 2,
          masked=[], medium="unknown", unit="Angstrom", columns=["wavelength = w", "flux = s", "sigma = serr"])


def group_bench():
    """A 51-order IRAF multispec echelle (4096 pixels, Legendre dispersion, sigma band) for bench_io."""
    n, rows = 4096, 51
    p = np.arange(1, n + 1, dtype=float)
    specs, flux, sig = [], [], []
    for k in range(rows):
        w0 = 3800.0 + 60.0 * k
        c = [w0 + 35.0, 36.0 + 0.5 * k / rows, -0.4, 0.02]
        specs.append("%d %d 2 %s 0.018 %d 0. 1 2 1. 0. 2 4 1. %d. %s" % (k + 1, 150 - k, fmt(w0), n, n,
                                                                        " ".join(map(fmt, c))))
        w = iraf_cheb_or_leg(p, 1.0, float(n), c, 2)
        b = 20000.0 * blaze(p, n / 2, n / 4)
        fl = b * star(w, 1.0, seed=200 + k, lines=200)
        flux.append(fl)
        sig.append(np.sqrt(np.maximum(fl, 1.0)))
    write_multispec("bench_multispec_51.fits", np.stack([np.array(flux), np.array(sig)]), specs,
                    bandids=["spectrum", "sigma"], header=fits.Header({"INSTRUME": "UCLES"}))


GROUP_FUNCTIONS = {"axis": group_axis, "multispec": group_multispec, "merge": group_merge, "lamost": group_lamost,
                   "tables": group_tables, "headers": group_headers, "names": group_names, "pixels": group_pixels,
                   "text": group_text, "bench": group_bench}

os.makedirs(OUT, exist_ok=True)
for g in sorted(GROUPS):
    GROUP_FUNCTIONS[g]()
with open(path("expected.json"), "w") as out:
    json.dump(ENTRIES, out)
print("wrote %d fixtures to %s" % (len(ENTRIES), OUT))
