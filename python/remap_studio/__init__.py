"""REMAP Studio for notebooks: stellar parameters from spectra with deep-REMAP.

    import remap_studio as rs
    s = rs.read("star.fits")          # numpy views: s.wavelength, s.flux, s.ivar, s.mask; s.warnings
    r = rs.Model().predict(s)         # r.teff.median, r.teff.hdi68, r.logg.probabilities, r.flags

The same C++ core as the `remap` command line and the REMAP Studio application: the same reader, the
same preprocessing and network, the same numbers. See docs/python.md.
"""

from ._core import (
    Model,
    Posterior,
    Prediction,
    Prepared,
    RemapError,
    RemapWarning,
    Spectrum,
    UsageError,
    __version__,
    cuda_available,
    detect_format,
    formats,
    read,
)

__all__ = [
    "Model",
    "Posterior",
    "Prediction",
    "Prepared",
    "RemapError",
    "RemapWarning",
    "Spectrum",
    "UsageError",
    "cuda_available",
    "detect_format",
    "formats",
    "read",
]

PARAMETERS = ("teff", "logg", "feh")


def _to_row(self):
    """One flat dict per star, for pandas.DataFrame([r.to_row() for r in results]):
    file, <p>_mean, _std, _median, _mode, _p16, _p84, _hdi68_lo/hi, _hdi95_lo/hi, _multimodal, _edge
    (p = teff, logg, feh), snr, rv_kms (NaN when not measured), masked_fraction and flags joined by "; "."""
    row = {"file": self.source}
    for name in PARAMETERS:
        p = self[name]
        row.update({
            f"{name}_mean": p.mean, f"{name}_std": p.std, f"{name}_median": p.median, f"{name}_mode": p.mode,
            f"{name}_p16": p.p16, f"{name}_p84": p.p84,
            f"{name}_hdi68_lo": p.hdi68[0], f"{name}_hdi68_hi": p.hdi68[1],
            f"{name}_hdi95_lo": p.hdi95[0], f"{name}_hdi95_hi": p.hdi95[1],
            f"{name}_multimodal": p.multimodal, f"{name}_edge": p.edge_pile_up,
        })
    row.update({"snr": self.snr, "rv_kms": self.rv, "masked_fraction": self.masked_fraction,
                "flags": "; ".join(self.flags)})
    return row


Prediction.to_row = _to_row
