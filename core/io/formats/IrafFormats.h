#pragma once

#include "io/SpectrumFormat.h"

#include <optional>
#include <string>
#include <vector>

namespace remap {

// IRAF onedspec (equispec): CRVAL1, CRPIX1, CD1_1/CDELT1 with DC-FLAG (0 linear, 1 log10, -1 none).
// IRAF data are in air by convention (no medium keyword).
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

// IRAF multispec: CTYPE1 'MULTISPE', one order per image row, solutions in WAT2_nnn cards.
class IrafMultispecFormat final : public SpectrumFormat {
public:
    std::string_view name() const override { return "iraf-multispec"; }
    std::string_view signature() const override { return "CTYPE1 = 'MULTISPE' with WAT2_nnn cards"; }
    bool matches(FitsFile& file) const override;
    Spectrum read(FitsFile& file, const ReadOptions& options) const override;
};

// One order's dispersion from a multispec `specN = "ap beam dtype w1 dw nw z aplow aphigh ..."`.
struct MultispecOrder {
    int ap = 0;
    int beam = 0;
    int dtype = 0;  // -1 none, 0 linear, 1 log10, 2 non-linear
    double w1 = 0;
    double dw = 0;
    long nw = 0;
    double z = 0;
};

// Joins WAT2_nnn values from raw header records in card order, each piece padded to 68 characters
// (the IRAF convention; trailing blanks are significant).
std::string joinWat2(const std::vector<std::string>& records);
// Finds `specN` in the joined WAT2 text; nullopt when absent. Throws std::invalid_argument when
// the entry is present but malformed.
std::optional<MultispecOrder> parseMultispecOrder(const std::string& wat2, int order);

}  // namespace remap
