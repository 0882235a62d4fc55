#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// The project's own 1-D layout (see docs/formats.md and io/RemapSpectrumWriter.h).
class RemapFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "remap-1d"; }
    std::string_view signature() const override
    {
        return "REMAPFMT = 'remap-1d' in the primary header, BINTABLE 'SPECTRUM'";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
