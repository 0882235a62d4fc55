#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// Orders as image rows with their wavelengths in a separate image of the same shape: one HDU of flux
// (FLUX, SCI, SCIDATA, ... or the primary), one wavelength HDU (WAVE, WAVELENGTH, WAVEDATA_*, LAMBDA),
// optionally an uncertainty (ERR/ERRDATA/SIGMA, VAR, IVAR), a quality mask (QUAL/QUALDATA/MASK/DQ,
// nonzero = bad) and a blaze (BLAZE, FLAT). ESPRESSO/HARPS-N S2D, NRES, PypeIt-like and pipeline
// products; a 1-D flux with a 1-D wavelength image is the one-order case. Orders are merged unless
// ReadOptions::order picks one.
class EchelleImageFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "echelle-image"; }
    std::string_view signature() const override
    {
        return "a flux image and a wavelength image (EXTNAME WAVE...) of the same shape, orders as rows";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
