#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// LAMOST medium resolution (DR7+ "med-" files): an empty primary, then COADD_B and COADD_R tables (blue
// 4950-5350 A and red 6300-6800 A arms) with FLUX, IVAR, LOGLAM (log10 of the vacuum wavelength),
// ANDMASK and ORMASK, and one table per exposure (B-..., R-...). The two coadded arms become one
// spectrum with a gap between them; ReadOptions::order 1 or 2 reads the blue or the red arm alone.
class LamostMrsFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "lamost-mrs"; }
    std::string_view signature() const override
    {
        return "tables named COADD_B / COADD_R with FLUX and LOGLAM columns (LAMOST MRS)";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
