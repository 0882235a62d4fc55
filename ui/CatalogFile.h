#pragma once

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace remap::ui {

// One star of a catalog CSV. Unknown numbers are NaN.
struct CatalogEntry {
    std::string id;    // the `id` column, or the file name without folder and extension
    std::string file;  // the `file` column as written (the name predictions carry, like `remap predict`)
    std::string path;  // `file` resolved against the CSV's folder
    double snr = NAN;  // catalog S/N, when given
    std::array<double, 3> reference{NAN, NAN, NAN};  // Teff, log g, [Fe/H] from the catalog or the truth CSV

    bool hasReference() const
    {
        return std::isfinite(reference[0]) || std::isfinite(reference[1]) || std::isfinite(reference[2]);
    }
};

// Reads a catalog CSV: a header with a `file` column (paths relative to the CSV) and optional `id`, `snr`,
// `teff`, `logg`, `feh` columns (names case-insensitive; empty, "nan", "-" or "null" cells are unknown);
// '#' lines and blank lines are skipped; fields may be quoted. The same file may appear more than once.
// With `truthPath`, reference labels are taken from that CSV (same rules) for rows it matches by `id`
// (when both files have ids) or else by `file`; its labels override the catalog's.
// Throws remap::Error naming the file and line for a missing file, no `file` column, a row with the
// wrong number of fields or a cell that is not a number.
std::vector<CatalogEntry> readCatalogCsv(const std::string& csvPath, const std::string& truthPath = {});

}  // namespace remap::ui
