"""remap_studio.read and Spectrum: the C++ reader's values against astropy's reading of the archive
fixtures (written by astropy to the archives' documentation), errors with file and HDU, numpy views."""

import gc
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

import remap_studio as rs
from conftest import fixture


def test_sdss_spec_equals_astropy():
    path = fixture("spec-1234-52000-0123.fits")
    s = rs.read(str(path))
    with fits.open(path) as hdul:
        coadd = hdul["COADD"].data
        loglam = coadd["loglam"].astype(np.float64)
        flux = coadd["flux"].astype(np.float64)
        ivar = coadd["ivar"].astype(np.float64)
        # SDSS: pixels with ivar 0 or any and_mask bit set are bad (the archive's data model).
        mask = (ivar <= 0) | (coadd["and_mask"] != 0)
    assert s.format == "sdss-spec" and s.provenance["hdu"] == 1
    assert s.medium == "vacuum"
    np.testing.assert_allclose(s.wavelength, 10.0**loglam, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(s.mask, mask)
    np.testing.assert_array_equal(s.flux, flux)
    np.testing.assert_array_equal(s.ivar, np.where(mask, 0.0, ivar))
    assert s.masked_count == int(mask.sum()) > 0


def test_wcs1d_in_nm_equals_astropy():
    path = fixture("spec_wcs1d_nm.fits")
    s = rs.read(path)
    with fits.open(path) as hdul:
        h = hdul[0].header
        assert h["CUNIT1"].strip() == "nm" and h["CTYPE1"].strip() == "AWAV"
        pixel = np.arange(h["NAXIS1"], dtype=np.float64) + 1.0
        wave_nm = h["CRVAL1"] + h["CDELT1"] * (pixel - h["CRPIX1"])
        flux = hdul["FLUX"].data.astype(np.float64)
        sigma = hdul["UNCERT"].data.astype(np.float64)
        mask = hdul["MASK"].data.astype(bool)
    assert s.format == "wcs1d" and s.medium == "air"
    assert s.flux_unit == "erg / (Angstrom s cm2)"
    np.testing.assert_allclose(s.wavelength, 10.0 * wave_nm, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(s.flux, flux)
    np.testing.assert_allclose(s.ivar, np.where(mask, 0.0, 1.0 / sigma**2), rtol=1e-15)
    np.testing.assert_array_equal(s.mask, mask)


def test_phoenix_labels_and_wave_file():
    path = fixture("lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits")
    s = rs.read(path)
    assert s.format == "phoenix-hires"
    assert Path(s.provenance["aux_file"]).name == "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits"
    # The labels are the ones in the PHOENIX file name (lte05800-4.50+0.5).
    assert s.labels["teff"] == 5800.0 and s.labels["logg"] == 4.5 and s.labels["feh"] == 0.5
    with fits.open(s.provenance["aux_file"]) as wave:
        np.testing.assert_array_equal(s.wavelength, wave[0].data.astype(np.float64))
    assert isinstance(s.warnings, list) and all(isinstance(w, str) for w in s.warnings)


def test_detect_format_and_formats():
    path = fixture("spec-1234-52000-0123.fits")
    assert rs.detect_format(path) == "sdss-spec"
    assert "sdss-spec" in rs.formats() and "wcs1d" in rs.formats()
    with pytest.raises(rs.RemapError, match="layout|format|sdss"):
        rs.read(fixture("spec_wcs1d_nm.fits"), format="sdss-spec")


@pytest.mark.parametrize(
    "name, hdu, words",
    [
        ("bad_truncated.fits", 1, "truncated"),
        ("bad_not_fits.fits", None, "not a FITS file"),
        ("bad_empty.fits", None, "empty"),
        ("bad_all_nan.fits", 0, "no usable pixel"),
        ("bad_sdss_missing_loglam.fits", 1, "loglam"),
    ],
)
def test_bad_files_raise_remap_error_naming_file_and_hdu(name, hdu, words):
    path = fixture(name)
    with pytest.raises(rs.RemapError) as raised:
        rs.read(path)
    error = raised.value
    assert isinstance(error, RuntimeError)
    assert error.file == str(path) and error.hdu == hdu
    assert str(path) in str(error) and words in str(error) and words in error.problem


def test_missing_file():
    with pytest.raises(rs.RemapError) as raised:
        rs.read("/nonexistent/star.fits")
    assert raised.value.file == "/nonexistent/star.fits"


def test_arrays_are_read_only_views_that_keep_the_spectrum_alive():
    s = rs.read(fixture("spec-1234-52000-0123.fits"))
    assert np.shares_memory(s.flux, s.flux)  # two accesses, one buffer: no copy
    assert s.wavelength.dtype == np.float64 and s.mask.dtype == np.bool_
    with pytest.raises(ValueError):
        s.flux[0] = 1.0
    expected = np.array(s.flux)
    flux = rs.read(fixture("spec-1234-52000-0123.fits")).flux  # the Spectrum object is dropped at once
    gc.collect()
    np.testing.assert_array_equal(flux, expected)


def test_spectrum_from_arrays():
    wave = np.linspace(5500.0, 5000.0, 11)  # descending: flipped to ascending
    flux = np.arange(11, dtype=np.float32)
    flux[3] = np.nan
    s = rs.Spectrum(wave, flux, ivar=np.full(11, 4.0), medium="air", name="toy")
    np.testing.assert_array_equal(s.wavelength, wave[::-1])
    np.testing.assert_array_equal(s.flux, np.where(np.arange(11) == 7, 0.0, np.arange(11)[::-1]))
    np.testing.assert_array_equal(s.mask, np.arange(11) == 7)  # the NaN, now at index 7
    assert s.ivar[7] == 0.0 and s.ivar[0] == 4.0
    assert s.medium == "air" and s.name == "toy" and s.file == "" and len(s) == 11
    with pytest.raises(rs.RemapError, match="pixels"):
        rs.Spectrum(wave, flux[:5])
    with pytest.raises(rs.RemapError):
        rs.Spectrum(np.array([1.0, 2.0, 2.0]), np.ones(3))
    with pytest.raises(ValueError):
        rs.Spectrum(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(rs.RemapError, match="medium|air|vacuum"):
        rs.Spectrum(wave, np.ones(11), medium="water")


def test_read_is_deterministic():
    # The same file read twice gives identical arrays (the reader is deterministic and read-only).
    a, b = rs.read(fixture("iraf_linear.fits")), rs.read(fixture("iraf_linear.fits"))
    np.testing.assert_array_equal(a.flux, b.flux)
    assert a.snr == b.snr > 0
