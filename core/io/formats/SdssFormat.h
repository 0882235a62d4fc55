#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// SDSS spec-PLATE-MJD-FIBER.fits (DR8-DR17, SDSS-V): HDU 'COADD' table with flux, loglam, ivar,
// and_mask. Also the older spSpec image (DR7: rows flux, continuum-subtracted, sigma, mask; wavelength
// 10^(COEFF0 + COEFF1 i)). Vacuum.
class SdssFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "sdss-spec"; }
    std::string_view signature() const override
    {
        return "TELESCOP 'SDSS 2.5-M' with a COADD table or a COEFF0/COEFF1 image, or a COADD table with loglam";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
