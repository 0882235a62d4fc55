#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// FITS-standard 1-D spectral WCS (specutils wcs1d-fits): data in HDU FLUX, SCI, DATA or the primary;
// uncertainty in STD/ERR/UNCERT (sigma), VAR (variance) or IVAR; mask in MASK/DQ/QUALITY.
class Wcs1dFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "wcs1d"; }
    std::string_view signature() const override
    {
        return "a 1-D image in HDU FLUX, SCI, DATA or the primary, wavelengths from CTYPE1/CRVAL1/CDELT1";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
