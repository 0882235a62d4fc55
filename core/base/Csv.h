#pragma once

// The CSV dialect of catalogs and truth files (RFC 4180 quoting), shared by every catalog reader
// (dataset build, remap evaluate, the GUI's catalog panel) so they split lines the same way.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace remap::csv {

// Without leading and trailing whitespace (spaces, tabs, a CR from Windows line ends).
std::string trim(std::string text);
std::string toLower(std::string text);
// The fields of one line, each trimmed: commas inside double quotes do not split, and "" inside
// quotes is a literal quote.
std::vector<std::string> splitLine(const std::string& line);

// A CSV file with a header line; blank and '#' lines are skipped, column names are lower case.
struct Table {
    std::string path;
    std::vector<std::string> header;
    struct Row {
        std::size_t line = 0;  // 1-based line in the file
        std::vector<std::string> cells;
    };
    std::vector<Row> rows;

    std::optional<std::size_t> column(const std::string& lowerCaseName) const;
};

// Throws remap::Error naming the file when it cannot be opened, has no header line, or a row has
// another number of fields than the header.
Table readTable(const std::string& path);

// The number in a cell: NaN for an empty cell, "nan", "-" or "null"; otherwise the whole cell must be
// a number, else remap::Error "line L: 'x' in column 'c' is not a number" naming the file.
double number(const Table& table, const Table::Row& row, std::size_t column);

}  // namespace remap::csv
