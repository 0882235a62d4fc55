#pragma once

#include "io/SpectrumFormat.h"

namespace remap {

// APOGEE apStar: HDU1 flux, HDU2 error, HDU3 bitmask, each (rows x 8575) or 1-D; row 0 combined.
// lambda = 10^(CRVAL1 + CDELT1 (p - CRPIX1)), vacuum.
class ApStarFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "apogee-apstar"; }
    std::string_view signature() const override
    {
        return "NVISITS or a HISTORY/COMMENT mentioning APOGEE in the primary header, image in HDU1";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

// APOGEE aspcapStar: HDU1 normalized spectrum, HDU2 error, HDU3 best-fit model, HDU4 table with ASPCAPFLAG.
class AspcapStarFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "apogee-aspcapstar"; }
    std::string_view signature() const override
    {
        return "image in HDU1 and an HDU4 table with ASPCAPFLAG (or ASPCAP in the headers)";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

}  // namespace remap
