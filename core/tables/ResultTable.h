#pragma once

// A table of results as a value type: named, typed columns with units and descriptions, plus
// table-level keywords. It is what the ECSV, VOTable and FITS writers write and what the VOTable
// and FITS readers return, so every format carries the same names, units and metadata.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace remap::tables {

enum class ColumnType { Double, Int64, String, Bool };

// NaN is a missing Double; the other types have no missing value.
using ColumnValues =
    std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::string>, std::vector<bool>>;

struct TableColumn {
    std::string name;
    std::string unit;         // astropy/VOUnit string ("K", "dex", "km/s"); empty when dimensionless
    std::string description;  // one line in words
    std::string ucd;          // IVOA UCD, optional ("phys.temperature.effective")
    ColumnValues values;

    ColumnType type() const { return static_cast<ColumnType>(values.index()); }
    std::size_t size() const;

    const std::vector<double>& doubles() const;
    const std::vector<std::int64_t>& ints() const;
    const std::vector<std::string>& strings() const;
    const std::vector<bool>& bools() const;
};

// A table-level keyword: a FITS-style name (1-8 characters of A-Z, 0-9, '-', '_') so that every
// format can carry it unchanged, a value and a comment in words.
struct TableKeyword {
    std::string name;
    std::variant<std::string, double, std::int64_t, bool> value;
    std::string comment;
};

class ResultTable {
public:
    std::string name;         // EXTNAME in FITS, TABLE name in VOTable
    std::string description;  // what the table holds, in words
    std::vector<TableKeyword> keywords;

    // Throws remap::Error when the name is taken, empty, or the length differs from the others.
    void addColumn(TableColumn column);
    // Appends or replaces; throws remap::Error for a name that is not FITS-style.
    void setKeyword(TableKeyword keyword);

    const std::vector<TableColumn>& columns() const { return columns_; }
    std::size_t rowCount() const { return columns_.empty() ? 0 : columns_.front().size(); }
    // Case-insensitive lookup; nullptr when absent.
    const TableColumn* findColumn(const std::string& name) const;
    const TableKeyword* findKeyword(const std::string& name) const;

private:
    std::vector<TableColumn> columns_;
};

// 1-8 characters of A-Z, 0-9, '-' and '_'.
bool isFitsKeywordName(const std::string& name);
const char* columnTypeName(ColumnType type);

}  // namespace remap::tables
