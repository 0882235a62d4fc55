// A FITS file with an empty primary HDU and one binary table: TFORM D (double), K (int64), L (bool)
// and nA (string, n = the longest value in bytes). Column descriptions go into TCOMMn (and the TTYPEn
// comment), UCDs into TUCDn, as TOPCAT/STIL write them; the table keywords into the table header.

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "tables/TableWriters.h"
#include "tables/TextFormat.h"

#include <algorithm>
#include <cctype>

namespace remap::tables {
namespace {

// Keywords the FITS structure itself owns: a table keyword by one of these names would corrupt it.
bool isStructuralKeyword(const std::string& name)
{
    static const char* fixed[] = {"SIMPLE", "XTENSION", "BITPIX",  "PCOUNT",  "GCOUNT",   "TFIELDS", "EXTNAME",
                                  "EXTEND", "END",      "COMMENT", "HISTORY", "CONTINUE", "THEAP",   "BLANK"};
    for (const char* f : fixed)
        if (name == f) return true;
    static const char* indexed[] = {"NAXIS", "TTYPE", "TFORM", "TUNIT", "TNULL", "TSCAL",
                                    "TZERO", "TDISP", "TDIM",  "TBCOL", "TCOMM", "TUCD"};
    for (const std::string prefix : indexed)
        if (name.rfind(prefix, 0) == 0 && std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(),
                                                      [](unsigned char c) { return std::isdigit(c); }))
            return true;
    return false;
}

void requireAscii(const std::string& text, const std::string& what, const std::string& path)
{
    if (!detail::isPrintableAscii(text))
        throw Error(what +
                        " holds characters other than printable ASCII, which FITS text cannot hold "
                        "(write ECSV or VOTable instead)",
                    path);
}

std::string formOf(const TableColumn& column, const std::string& path)
{
    switch (column.type()) {
        case ColumnType::Double:
            return "D";
        case ColumnType::Int64:
            return "K";
        case ColumnType::Bool:
            return "L";
        case ColumnType::String: {
            std::size_t width = 1;
            const auto& values = column.strings();
            for (std::size_t r = 0; r < values.size(); ++r) {
                requireAscii(values[r], "row " + std::to_string(r) + " of column '" + column.name + "'", path);
                width = std::max(width, values[r].size());
            }
            return std::to_string(width) + "A";
        }
    }
    return "D";
}

void writeColumnData(FitsFile& fits, int index, const TableColumn& column)
{
    switch (column.type()) {
        case ColumnType::Double:
            fits.writeColumn(index, column.doubles());
            break;
        case ColumnType::Int64:
            fits.writeColumn(index, column.ints());
            break;
        case ColumnType::Bool:
            fits.writeLogicalColumn(index, column.bools());
            break;
        case ColumnType::String:
            fits.writeNulPaddedColumn(index, column.strings());
            break;
    }
}

void writeKeyword(FitsFile& fits, const TableKeyword& k, const std::string& path)
{
    if (isStructuralKeyword(k.name))
        throw Error("keyword " + k.name + " is reserved by the FITS table structure", path);
    requireAscii(k.comment, "the comment of keyword " + k.name, path);
    std::visit(
        [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::string>) {
                requireAscii(value, "keyword " + k.name, path);
                fits.writeKey(k.name, value, k.comment);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                fits.writeKey(k.name, static_cast<long long>(value), k.comment);
            } else {
                fits.writeKey(k.name, value, k.comment);
            }
        },
        k.value);
}

// Free text as COMMENT cards of at most 72 characters each.
void writeComment(FitsFile& fits, const std::string& text)
{
    for (std::size_t start = 0; start < text.size(); start += 72) fits.writeRecord("COMMENT " + text.substr(start, 72));
}

}  // namespace

void writeFitsTable(const std::string& path, const ResultTable& table)
{
    std::vector<FitsFile::ColumnSpec> specs;
    for (const auto& c : table.columns()) {
        requireAscii(c.name, "column name '" + c.name + "'", path);
        requireAscii(c.unit, "the unit of column '" + c.name + "'", path);
        requireAscii(c.description, "the description of column '" + c.name + "'", path);
        requireAscii(c.ucd, "the UCD of column '" + c.name + "'", path);
        specs.push_back({c.name, formOf(c, path), c.unit});
    }
    requireAscii(table.name, "the table name", path);
    requireAscii(table.description, "the table description", path);
    const std::string extname = table.name.empty() ? "RESULTS" : table.name;
    writeAtomically(path, [&](const std::string& tmp) {
        auto fits = FitsFile::create(tmp);
        fits.createEmptyPrimary();
        fits.createTable(extname, specs, static_cast<long>(table.rowCount()));
        for (std::size_t i = 0; i < table.columns().size(); ++i) {
            const auto& c = table.columns()[i];
            const int index = static_cast<int>(i) + 1;
            const std::string n = std::to_string(index);
            if (!c.description.empty()) {
                fits.writeKey("TTYPE" + n, c.name, c.description);
                fits.writeKey("TCOMM" + n, c.description);
            }
            if (!c.ucd.empty()) fits.writeKey("TUCD" + n, c.ucd);
            if (table.rowCount() > 0) writeColumnData(fits, index, c);
        }
        for (const auto& k : table.keywords) writeKeyword(fits, k, path);
        if (!table.description.empty()) writeComment(fits, table.description);
        fits.close();
    });
}

TableFormat tableFormatFor(const std::string& path)
{
    const auto dot = path.find_last_of('.');
    const auto slash = path.find_last_of('/');
    const std::string ext = (dot == std::string::npos || (slash != std::string::npos && dot < slash))
                                ? ""
                                : detail::lower(path.substr(dot));
    if (ext == ".ecsv") return TableFormat::Ecsv;
    if (ext == ".vot" || ext == ".votable" || ext == ".xml") return TableFormat::VoTable;
    if (ext == ".fits" || ext == ".fit" || ext == ".fts") return TableFormat::Fits;
    throw Error("unknown table format '" + ext + "' (use .ecsv, .vot or .fits)", path);
}

void writeTable(const std::string& path, const ResultTable& table)
{
    writeTable(path, table, tableFormatFor(path));
}

void writeTable(const std::string& path, const ResultTable& table, TableFormat format)
{
    switch (format) {
        case TableFormat::Ecsv:
            writeEcsv(path, table);
            break;
        case TableFormat::VoTable:
            writeVoTable(path, table);
            break;
        case TableFormat::Fits:
            writeFitsTable(path, table);
            break;
    }
}

}  // namespace remap::tables
