#pragma once

// Readers of the tables other tools send (TOPCAT, astropy, an SSA query): the first table of a
// VOTable (TABLEDATA serialization) or of a FITS file (binary or ASCII table). Scalar columns are
// kept: floating point as Double (null = NaN), integers as Int64 (as Double with NaN when a cell is
// null), booleans as Bool, text as String; array columns are skipped. Header keywords and PARAMs with
// FITS-style names become the table's keywords. Bad input throws remap::Error naming the file.

#include "tables/ResultTable.h"

#include <string>

namespace remap::tables {

ResultTable readVoTable(const std::string& path);
ResultTable readFitsTable(const std::string& path);
// By the file's first bytes: "SIMPLE  =" is FITS, anything else is tried as a VOTable.
ResultTable readTableFile(const std::string& path);

}  // namespace remap::tables
