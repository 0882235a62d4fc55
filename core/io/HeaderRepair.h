#pragma once

// In-memory repair of FITS headers that break the standard in ways astropy tolerates but CFITSIO refuses.

#include <string>
#include <vector>

namespace remap::io {

struct RepairedFits {
    std::string bytes;               // the whole file with repaired headers
    std::vector<std::string> notes;  // one sentence per repair, naming the HDU; empty: nothing changed
};

// Walks every HDU of a FITS byte stream and repairs, in memory only:
//   - mandatory keywords out of their required order (NAXIS1 written after other keywords, BITPIX not
//     second, PCOUNT/GCOUNT/TFIELDS misplaced): moved to their places;
//   - an extension without PCOUNT/GCOUNT (inserted as 0 and 1) or a table without TFIELDS (counted from
//     its TFORMn keywords);
//   - NAXISn, PCOUNT or GCOUNT written as real numbers with an integral value (1024.0);
//   - lower-case keyword names, and bytes outside printable ASCII in header records (set to blanks);
//   - bytes after the last HDU that do not start a new extension (dropped).
// Throws remap::Error naming `path`, the HDU and exactly what is wrong when the structure cannot be
// recovered (no END card, no SIMPLE/XTENSION, missing BITPIX, NAXIS or an NAXISn).
RepairedFits repairFitsHeaders(const std::string& bytes, const std::string& path);

}  // namespace remap::io
