#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// A spectrum as table columns (specutils tabular-fits): wavelength = first length-unit column
// (or a column named wavelength/wave/lambda/loglam), flux = next flux-unit column (or named flux),
// uncertainty = next column with the flux unit (or named err/sigma/ivar/var), mask = column named mask.
class TabularFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "tabular"; }
    std::string_view signature() const override
    {
        return "a table with a wavelength column (length unit or wavelength/wave/lambda/loglam) and a flux column";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
