// VOTable 1.4 with the TABLEDATA serialization (the version-1.3 namespace, which VOTable 1.4 keeps).
// Strings are `char` when every value is ASCII and `unicodeChar` otherwise (char is 7-bit only).

#include "base/Error.h"
#include "tables/TableWriters.h"
#include "tables/TextFormat.h"

#include <sstream>

namespace remap::tables {
namespace {

using detail::xmlEscape;

std::string stringDatatype(const std::vector<std::string>& values)
{
    for (const auto& v : values)
        if (!detail::isAscii(v)) return "unicodeChar";
    return "char";
}

const char* datatypeOf(const TableColumn& column)
{
    switch (column.type()) {
        case ColumnType::Double:
            return "double";
        case ColumnType::Int64:
            return "long";
        case ColumnType::Bool:
            return "boolean";
        case ColumnType::String:
            return nullptr;
    }
    return nullptr;
}

std::string voDouble(double value)
{
    return detail::shortestDouble(value, "NaN", "+Inf", "-Inf");
}

std::string cell(const TableColumn& column, std::size_t row)
{
    switch (column.type()) {
        case ColumnType::Double:
            return voDouble(column.doubles()[row]);
        case ColumnType::Int64:
            return std::to_string(column.ints()[row]);
        case ColumnType::Bool:
            return column.bools()[row] ? "T" : "F";
        case ColumnType::String:
            return xmlEscape(column.strings()[row]);
    }
    return {};
}

void writeParam(std::ostream& out, const TableKeyword& k)
{
    struct Typed {
        std::string datatype, value, arraysize;
        Typed operator()(const std::string& s) const
        {
            return {detail::isAscii(s) ? "char" : "unicodeChar", xmlEscape(s), "*"};
        }
        Typed operator()(double d) const { return {"double", voDouble(d), {}}; }
        Typed operator()(std::int64_t i) const { return {"long", std::to_string(i), {}}; }
        Typed operator()(bool b) const { return {"boolean", b ? "T" : "F", {}}; }
    };
    const Typed t = std::visit(Typed{}, k.value);
    out << "   <PARAM name=\"" << xmlEscape(k.name) << "\" datatype=\"" << t.datatype << "\"";
    if (!t.arraysize.empty()) out << " arraysize=\"*\"";
    out << " value=\"" << t.value << "\"";
    if (k.comment.empty()) {
        out << "/>\n";
        return;
    }
    out << ">\n    <DESCRIPTION>" << xmlEscape(k.comment) << "</DESCRIPTION>\n   </PARAM>\n";
}

}  // namespace

void writeVoTable(const std::string& path, const ResultTable& table)
{
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"\n"
           "         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
           "         xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3 "
           "http://www.ivoa.net/xml/VOTable/VOTable-1.4.xsd\">\n"
           " <RESOURCE type=\"results\">\n"
           "  <TABLE";
    if (!table.name.empty()) out << " name=\"" << xmlEscape(table.name) << "\"";
    out << " nrows=\"" << table.rowCount() << "\">\n";
    if (!table.description.empty()) out << "   <DESCRIPTION>" << xmlEscape(table.description) << "</DESCRIPTION>\n";
    for (const auto& k : table.keywords) writeParam(out, k);
    for (const auto& c : table.columns()) {
        out << "   <FIELD name=\"" << xmlEscape(c.name) << "\"";
        if (const char* type = datatypeOf(c))
            out << " datatype=\"" << type << "\"";
        else
            out << " datatype=\"" << stringDatatype(c.strings()) << "\" arraysize=\"*\"";
        if (!c.unit.empty()) out << " unit=\"" << xmlEscape(c.unit) << "\"";
        if (!c.ucd.empty()) out << " ucd=\"" << xmlEscape(c.ucd) << "\"";
        if (c.description.empty()) {
            out << "/>\n";
            continue;
        }
        out << ">\n    <DESCRIPTION>" << xmlEscape(c.description) << "</DESCRIPTION>\n   </FIELD>\n";
    }
    out << "   <DATA>\n    <TABLEDATA>\n";
    for (std::size_t r = 0; r < table.rowCount(); ++r) {
        out << "     <TR>";
        for (const auto& c : table.columns()) out << "<TD>" << cell(c, r) << "</TD>";
        out << "</TR>\n";
    }
    out << "    </TABLEDATA>\n   </DATA>\n  </TABLE>\n </RESOURCE>\n</VOTABLE>\n";
    detail::writeTextFile(path, out.str());
}

}  // namespace remap::tables
