#pragma once

// A star's photometry and astrometry as a value: Gaia DR3 and 2MASS magnitudes, the parallax and an
// extinction, by the names the ecosystem's catalogs use, any subset missing. Read from catalog CSV
// columns of those names or from header keywords a reader copied into Spectrum::metadata.

#include "base/Csv.h"

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

// The entries, in the order of Photometry::values (and of the network's photometric input).
enum PhotometryEntry : std::size_t {
    kPhotG = 0,          // phot_g_mean_mag: Gaia G [mag]
    kPhotBpRp = 1,       // bp_rp: Gaia BP - RP [mag]
    kParallax = 2,       // parallax [mas]; negative values are valid measurements of distant stars
    kParallaxError = 3,  // parallax_error [mas]
    kTwoMassJ = 4,       // j_m: 2MASS J [mag]
    kTwoMassH = 5,       // h_m: 2MASS H [mag]
    kTwoMassKs = 6,      // ks_m: 2MASS Ks [mag]
    kEbv = 7,            // ebv: E(B-V) [mag]
};
inline constexpr std::size_t kPhotometryCount = 8;
inline constexpr std::array<std::string_view, kPhotometryCount> kPhotometryNames{
    "phot_g_mean_mag", "bp_rp", "parallax", "parallax_error", "j_m", "h_m", "ks_m", "ebv"};

// E(BP-RP) / E(B-V) for Gaia passbands (Casagrande & VandenBerg 2018, MNRAS 479, L102: R_BP - R_RP =
// 3.374 - 2.035): how ebpminrp_gspphot becomes ebv when a catalog gives only the former.
inline constexpr double kEbpminrpPerEbv = 1.339;

// The entry of a name of kPhotometryNames (case-insensitive); none for anything else.
std::optional<PhotometryEntry> photometryEntry(std::string_view name);

struct Photometry {
    std::array<double, kPhotometryCount> values;  // NaN = missing
    // Why an entry that a source offered was left out (not a number, implausible), one sentence each.
    std::vector<std::string> warnings;

    Photometry();
    bool has(PhotometryEntry entry) const;
    double operator[](PhotometryEntry entry) const { return values[entry]; }
    // Sets a value after checking that it is plausible for its entry (magnitudes -2..30, colour -1..7,
    // |parallax| < 1000 mas, parallax_error > 0, E(B-V) -0.1..10); an implausible or non-finite value
    // leaves the entry missing and adds a warning naming `source`. Returns whether it was taken.
    bool set(PhotometryEntry entry, double value, const std::string& source = {});
    std::size_t count() const;  // entries present
    bool empty() const { return count() == 0; }
    std::vector<std::string> presentNames() const;  // in entry order
    bool operator==(const Photometry&) const = default;
};

// The photometry of a catalog row: columns named as kPhotometryNames (csv::Table names are lower case);
// without bp_rp, phot_bp_mean_mag - phot_rp_mean_mag; without ebv, ebpminrp_gspphot / kEbpminrpPerEbv.
// Empty cells ("", nan, -, null) are missing; a cell that is not a number throws remap::Error naming
// the file and line (csv::number).
Photometry photometryFromRow(const csv::Table& table, const csv::Table::Row& row);

// The photometry in header keywords (Spectrum::metadata; keys compared case-insensitively): the names
// above, and the keywords archives write, e.g. J, H, K (2MASS, APOGEE apStar), GAIA_G, GAIA_BP_RP, PLX,
// E_BV (the full list is in docs/network.md "Photometric inputs"). Values that are not numbers are left
// out with a warning.
Photometry photometryFromMetadata(const std::map<std::string, std::string>& metadata);

}  // namespace remap
