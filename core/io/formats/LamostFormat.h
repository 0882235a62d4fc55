#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// LAMOST low-resolution spectra: the newer one-row table (FLUX, IVAR, WAVELENGTH, ANDMASK, ORMASK
// array columns) and the older primary image 5 x N (flux, ivar, flux - continuum, andmask, ormask).
// Vacuum unless VACUUM = F.
class LamostFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "lamost-lrs"; }
    std::string_view signature() const override { return "TELESCOP 'LAMOST' with a FLUX table or a 2-D primary image"; }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
