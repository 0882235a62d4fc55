#pragma once

#include "io/MultispecWcs.h"
#include "io/SpectrumFormat.h"

#include <string>
#include <vector>

namespace remap {

// IRAF onedspec (equispec): CRVAL1, CRPIX1, CD1_1/CDELT1 with DC-FLAG (0 linear, 1 log10, -1 none);
// apertures on axis 2, bands (spectrum, raw, background, sigma) on axis 3. IRAF data are in air by
// convention (no medium keyword).
class Iraf1dFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "iraf-1d"; }
    std::string_view signature() const override
    {
        return "primary image with CRVAL1 and DC-FLAG or WAT0_001 'system=equispec'";
    }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

// IRAF multispec: CTYPE1 'MULTISPE', one order per image row (bands on axis 3), solutions in WAT2_nnn
// cards (linear, log-linear and the non-linear Chebyshev, Legendre, spline and array functions).
// All orders are merged unless ReadOptions::order picks one.
class IrafMultispecFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "iraf-multispec"; }
    std::string_view signature() const override { return "CTYPE1 = 'MULTISPE' with WAT2_nnn cards"; }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

// The roles of the bands (axis 3) of an IRAF image, from BANDIDn ("spectrum - background fit ...",
// "sigma - ...", CarPy's "obj", "noise", "flat"). 1-based band numbers, 0 = none.
struct BandRoles {
    int flux = 1;
    int sigma = 0;
    int variance = 0;
    int blaze = 0;
};
BandRoles bandRoles(const std::vector<std::string>& bandIds);

}  // namespace remap
