#!/usr/bin/python3
"""The Python way of reading the bench_io files, timed in-process (one round):
  - HARPS s1d: astropy.io.fits.getdata + the linear WCS (CRVAL1 + CDELT1 (p - CRPIX1)), and specutils'
    wcs1d-fits reader (it does not know CTYPE1 = 'ANGSTROM'; reported when it fails);
  - IRAF multispec: astropy.io.fits data + WAT2 joined and parsed + each order's Legendre wavelengths
    with numpy (no merge: neither astropy nor specutils has one).
Prints JSON with seconds per step."""
import json
import sys
import time
import warnings

import numpy as np
from astropy.io import fits
from numpy.polynomial import legendre

warnings.simplefilter("ignore")
harps, multispec = sys.argv[1], sys.argv[2]
out = {}

t0, c0 = time.perf_counter(), time.process_time()
with fits.open(harps, memmap=False) as h:
    flux = h[0].data.astype(float)
    hd = h[0].header
    wave = hd["CRVAL1"] + hd["CDELT1"] * (np.arange(flux.size) + 1 - hd.get("CRPIX1", 1.0))
out["harps_astropy"] = time.perf_counter() - t0
out["harps_astropy_cpu"] = time.process_time() - c0

try:
    from specutils import Spectrum1D
    t0 = time.perf_counter()
    Spectrum1D.read(harps, format="wcs1d-fits")
    out["harps_specutils"] = time.perf_counter() - t0
except Exception as e:  # noqa: BLE001 - reported, not hidden
    out["harps_specutils_error"] = str(e)[:200]

t0, c0 = time.perf_counter(), time.process_time()
with fits.open(multispec, memmap=False) as h:
    data = h[0].data.astype(float)
    hd = h[0].header
    wat = ""
    for k in range(1, 10000):
        key = "WAT2_%03d" % k
        if key not in hd:
            break
        wat += str(hd[key]).ljust(68)
    n = data.shape[-1]
    p = np.arange(1, n + 1, dtype=float)
    waves = []
    for k in range(data.shape[1]):
        spec = wat.split('spec%d = "' % (k + 1))[1].split('"')[0].split()
        f = [float(x) for x in spec[9:]]
        order, pmin, pmax = int(f[3]), f[4], f[5]
        c = f[6:6 + order]
        x = (p - 0.5 * (pmax + pmin)) / (0.5 * (pmax - pmin))
        waves.append(f[1] + legendre.legval(x, c))
out["multispec_astropy"] = time.perf_counter() - t0
out["multispec_astropy_cpu"] = time.process_time() - c0
print(json.dumps(out))
