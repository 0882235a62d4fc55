#include "base/Csv.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace remap::csv {

std::string trim(std::string text)
{
    const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), notSpace));
    text.erase(std::find_if(text.rbegin(), text.rend(), notSpace).base(), text.end());
    return text;
}

std::string toLower(std::string text)
{
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::vector<std::string> splitLine(const std::string& line)
{
    std::vector<std::string> out;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(trim(field));
            field.clear();
        } else {
            field += c;
        }
    }
    out.push_back(trim(field));
    return out;
}

std::optional<std::size_t> Table::column(const std::string& lowerCaseName) const
{
    const auto it = std::find(header.begin(), header.end(), lowerCaseName);
    return it == header.end() ? std::nullopt : std::optional<std::size_t>(it - header.begin());
}

Table readTable(const std::string& path)
{
    std::ifstream in(path);
    if (!in) throw Error("could not open the CSV file", path);
    Table table;
    table.path = path;
    std::string line;
    std::size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        auto cells = splitLine(line);
        if (table.header.empty()) {
            for (auto& c : cells) c = toLower(c);
            table.header = std::move(cells);
            continue;
        }
        if (cells.size() != table.header.size())
            throw Error("line " + std::to_string(lineNo) + " has " + std::to_string(cells.size()) +
                            " fields but the header has " + std::to_string(table.header.size()),
                        path);
        table.rows.push_back({lineNo, std::move(cells)});
    }
    if (table.header.empty()) throw Error("the file is empty (expected a header line)", path);
    return table;
}

double number(const Table& table, const Table::Row& row, std::size_t column)
{
    const std::string& cell = row.cells.at(column);
    const std::string c = toLower(cell);
    if (c.empty() || c == "nan" || c == "-" || c == "null") return NAN;
    try {
        std::size_t used = 0;
        const double v = std::stod(c, &used);
        if (used == c.size()) return v;
    } catch (const std::logic_error&) {
    }
    throw Error("line " + std::to_string(row.line) + ": '" + cell + "' in column '" + table.header.at(column) +
                    "' is not a number",
                table.path);
}

}  // namespace remap::csv
