#pragma once

// Writers of a ResultTable, each atomic (the old file survives a failed write) and each throwing
// remap::Error naming the file on failure:
//   ECSV 1.0     astropy's Enhanced CSV: a YAML header with each column's datatype, unit and
//                description, the keywords as meta, then space-separated values;
//   VOTable 1.4  TABLEDATA serialization, FIELDs with unit, ucd and DESCRIPTION, keywords as PARAMs;
//   FITS         an empty primary HDU and one binary table (EXTNAME = table name or RESULTS) with
//                TTYPE/TUNIT, TCOMM/TUCD per column and the keywords in the table header.

#include "tables/ResultTable.h"

#include <string>

namespace remap::tables {

enum class TableFormat { Ecsv, VoTable, Fits };

// By extension: .ecsv; .vot, .votable, .xml; .fits, .fit, .fts. Throws remap::Error otherwise.
TableFormat tableFormatFor(const std::string& path);

void writeTable(const std::string& path, const ResultTable& table);  // format by extension
void writeTable(const std::string& path, const ResultTable& table, TableFormat format);

void writeEcsv(const std::string& path, const ResultTable& table);
void writeVoTable(const std::string& path, const ResultTable& table);
// FITS text is ASCII: a string cell or keyword that is not printable ASCII is refused (remap::Error
// naming the column and row) rather than altered; ECSV and VOTable carry UTF-8.
void writeFitsTable(const std::string& path, const ResultTable& table);

}  // namespace remap::tables
