#pragma once

#include "io/SpectrumFormat.h"

#include <string>

namespace remap {

// PHOENIX-ACES-AGSS-COND-2011 HiRes flux file: 1-D flux in HDU0 with PHXTEFF/PHXLOGG/PHXM_H/PHXALPHA
// and no wavelength keywords; the vacuum wavelengths (Angstrom) live in a separate WAVE file.
class PhoenixHiresFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "phoenix-hires"; }
    std::string_view signature() const override
    {
        return "PHXTEFF in the primary header and no wavelength keywords (wavelengths in "
               "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits)";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

// PHOENIX R=10000 file: same header, own solution CTYPE1 'AWAV-LOG'/'WAVE-LOG' with CRVAL1 = ln(Angstrom).
class PhoenixMedresFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "phoenix-medres"; }
    std::string_view signature() const override
    {
        return "PHXTEFF in the primary header with CTYPE1/CRVAL1 (e.g. 'AWAV-LOG', CRVAL1 = ln Angstrom)";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

inline constexpr const char* kPhoenixWaveFileName = "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits";

// The PHOENIX wavelength file for `fluxPath`: `explicitWaveFile` when given (a file, or a folder
// holding it), else WAVE_PHOENIX-ACES-AGSS-COND-2011.fits beside the flux file or in the nearest
// parent folder up to the filesystem root. Empty when not found; throws when `explicitWaveFile`
// does not exist.
std::string findPhoenixWaveFile(const std::string& fluxPath, const std::string& explicitWaveFile);

}  // namespace remap
