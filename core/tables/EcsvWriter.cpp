// ECSV 1.0 (astropy's Enhanced Character Separated Values): a "# %ECSV 1.0" line, a YAML header in
// comment lines (datatype list with name, unit, datatype, description; meta as an ordered map;
// schema astropy-2.0), the column names, then one space-separated line per row.

#include "base/Error.h"
#include "tables/TableWriters.h"
#include "tables/TextFormat.h"

#include <cstdio>
#include <sstream>

namespace remap::tables {
namespace {

// A YAML single-quoted scalar: safe for any text on one line ('' is a literal quote).
std::string yamlQuoted(const std::string& text)
{
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "''";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out + "'";
}

std::string yamlValue(const TableKeyword& keyword)
{
    struct Visitor {
        std::string operator()(const std::string& s) const { return yamlQuoted(s); }
        std::string operator()(double d) const
        {
            const std::string text = detail::shortestDouble(d, ".nan", ".inf", "-.inf");
            // YAML reads "5777" as an integer: keep a float a float.
            if (text.find_first_of(".en") == std::string::npos) return text + ".0";
            return text;
        }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
    };
    return std::visit(Visitor{}, keyword.value);
}

// ECSV names a double "float64"; the other type names are the same.
const char* ecsvDatatype(ColumnType type)
{
    return type == ColumnType::Double ? "float64" : columnTypeName(type);
}

// A data field: quoted when it holds the delimiter, a quote or is empty (empty reads as missing).
std::string field(const std::string& text, const std::string& column, std::size_t row, const std::string& path)
{
    if (text.find_first_of("\n\r") != std::string::npos)
        throw Error("row " + std::to_string(row) + " of column '" + column + "' holds a line break, which ECSV cannot",
                    path);
    if (!text.empty() && text.find_first_of(" \t\"") == std::string::npos && text.front() != '#') return text;
    std::string out = "\"";
    for (char c : text) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string cell(const TableColumn& column, std::size_t row, const std::string& path)
{
    switch (column.type()) {
        case ColumnType::Double:
            return detail::shortestDouble(column.doubles()[row]);
        case ColumnType::Int64:
            return std::to_string(column.ints()[row]);
        case ColumnType::Bool:
            return column.bools()[row] ? "True" : "False";
        case ColumnType::String:
            return field(column.strings()[row], column.name, row, path);
    }
    return {};
}

void checkColumnName(const std::string& name, const std::string& path)
{
    if (name.find_first_of(" \t\"#\n\r") != std::string::npos)
        throw Error("column name '" + name + "' holds a space, quote or '#', which an ECSV header cannot", path);
}

}  // namespace

void writeEcsv(const std::string& path, const ResultTable& table)
{
    std::ostringstream out;
    out << "# %ECSV 1.0\n# ---\n# datatype:\n";
    for (const auto& c : table.columns()) {
        checkColumnName(c.name, path);
        out << "# - {name: " << c.name;
        if (!c.unit.empty()) out << ", unit: " << yamlQuoted(c.unit);
        out << ", datatype: " << ecsvDatatype(c.type());
        if (!c.description.empty()) out << ", description: " << yamlQuoted(c.description);
        if (!c.ucd.empty()) out << ", meta: {ucd: " << yamlQuoted(c.ucd) << "}";
        out << "}\n";
    }
    const bool anyComment = [&] {
        for (const auto& k : table.keywords)
            if (!k.comment.empty()) return true;
        return false;
    }();
    if (!table.keywords.empty() || !table.name.empty() || !table.description.empty()) {
        out << "# meta: !!omap\n";
        if (!table.name.empty()) out << "# - {name: " << yamlQuoted(table.name) << "}\n";
        if (!table.description.empty()) out << "# - {description: " << yamlQuoted(table.description) << "}\n";
        for (const auto& k : table.keywords) out << "# - {" << k.name << ": " << yamlValue(k) << "}\n";
        if (anyComment) {
            // Keyword comments (a FITS header's "/ comment") as one map beside the values.
            out << "# - keyword_comments: !!omap\n";
            for (const auto& k : table.keywords)
                if (!k.comment.empty()) out << "#   - {" << k.name << ": " << yamlQuoted(k.comment) << "}\n";
        }
    }
    out << "# schema: astropy-2.0\n";
    for (std::size_t i = 0; i < table.columns().size(); ++i) out << (i ? " " : "") << table.columns()[i].name;
    out << '\n';
    for (std::size_t r = 0; r < table.rowCount(); ++r) {
        for (std::size_t i = 0; i < table.columns().size(); ++i)
            out << (i ? " " : "") << cell(table.columns()[i], r, path);
        out << '\n';
    }
    detail::writeTextFile(path, out.str());
}

}  // namespace remap::tables
