#include "tables/ResultTable.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>

namespace remap::tables {
namespace {

bool iequals(const std::string& a, const std::string& b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

template <typename T>
const std::vector<T>& typed(const TableColumn& column, const char* wanted)
{
    if (const auto* v = std::get_if<std::vector<T>>(&column.values)) return *v;
    throw Error("column '" + column.name + "' holds " + columnTypeName(column.type()) + " values, not " + wanted);
}

}  // namespace

std::size_t TableColumn::size() const
{
    return std::visit([](const auto& v) { return v.size(); }, values);
}

const std::vector<double>& TableColumn::doubles() const
{
    return typed<double>(*this, "double");
}
const std::vector<std::int64_t>& TableColumn::ints() const
{
    return typed<std::int64_t>(*this, "int64");
}
const std::vector<std::string>& TableColumn::strings() const
{
    return typed<std::string>(*this, "string");
}
const std::vector<bool>& TableColumn::bools() const
{
    return typed<bool>(*this, "bool");
}

void ResultTable::addColumn(TableColumn column)
{
    if (column.name.empty()) throw Error("a table column needs a name");
    if (findColumn(column.name)) throw Error("the table already has a column '" + column.name + "'");
    if (!columns_.empty() && column.size() != rowCount())
        throw Error("column '" + column.name + "' has " + std::to_string(column.size()) + " rows, the table has " +
                    std::to_string(rowCount()));
    columns_.push_back(std::move(column));
}

void ResultTable::setKeyword(TableKeyword keyword)
{
    if (!isFitsKeywordName(keyword.name))
        throw Error("'" + keyword.name + "' is not a FITS-style keyword name (1-8 characters of A-Z, 0-9, - and _)");
    for (auto& k : keywords)
        if (k.name == keyword.name) {
            k = std::move(keyword);
            return;
        }
    keywords.push_back(std::move(keyword));
}

const TableColumn* ResultTable::findColumn(const std::string& wanted) const
{
    for (const auto& c : columns_)
        if (iequals(c.name, wanted)) return &c;
    return nullptr;
}

const TableKeyword* ResultTable::findKeyword(const std::string& wanted) const
{
    for (const auto& k : keywords)
        if (iequals(k.name, wanted)) return &k;
    return nullptr;
}

bool isFitsKeywordName(const std::string& name)
{
    if (name.empty() || name.size() > 8) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

const char* columnTypeName(ColumnType type)
{
    switch (type) {
        case ColumnType::Double:
            return "double";
        case ColumnType::Int64:
            return "int64";
        case ColumnType::String:
            return "string";
        case ColumnType::Bool:
            return "bool";
    }
    return "?";
}

}  // namespace remap::tables
