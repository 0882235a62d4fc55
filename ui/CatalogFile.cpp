#include "CatalogFile.h"

#include "base/Csv.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>

namespace remap::ui {
namespace {

namespace fs = std::filesystem;

// A parsed CSV: header names (lower case) and rows with their line numbers.
struct Table {
    std::vector<std::string> header;
    std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;

    int column(const std::string& name) const
    {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
    }
};

Table readTable(const std::string& path)
{
    std::ifstream in(path);
    if (!in) throw Error("could not open the catalog", path);
    Table table;
    std::string line;
    std::size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string t = csv::trim(line);
        if (t.empty() || t[0] == '#') continue;
        auto cells = csv::splitLine(line);
        if (table.header.empty()) {
            for (auto& c : cells) c = csv::toLower(c);
            table.header = std::move(cells);
            continue;
        }
        if (cells.size() != table.header.size())
            throw Error("line " + std::to_string(lineNo) + " has " + std::to_string(cells.size()) +
                            " fields but the header has " + std::to_string(table.header.size()),
                        path);
        table.rows.emplace_back(lineNo, std::move(cells));
    }
    if (table.header.empty()) throw Error("the catalog is empty (expected a header line with a 'file' column)", path);
    return table;
}

double number(const std::string& cell, const std::string& column, std::size_t lineNo, const std::string& path)
{
    const std::string c = csv::toLower(cell);
    if (c.empty() || c == "nan" || c == "-" || c == "null") return NAN;
    try {
        std::size_t used = 0;
        const double v = std::stod(c, &used);
        if (used == c.size()) return v;
    } catch (const std::logic_error&) {
    }
    throw Error("line " + std::to_string(lineNo) + ": '" + cell + "' in column '" + column + "' is not a number", path);
}

const std::array<const char*, 3> kLabelColumns{"teff", "logg", "feh"};

}  // namespace

std::vector<CatalogEntry> readCatalogCsv(const std::string& csvPath, const std::string& truthPath)
{
    const Table table = readTable(csvPath);
    const int fileCol = table.column("file");
    if (fileCol < 0) throw Error("the catalog's header has no 'file' column", csvPath);
    const int idCol = table.column("id");
    const int snrCol = table.column("snr");
    std::array<int, 3> labelCol{};
    for (std::size_t l = 0; l < 3; ++l) labelCol[l] = table.column(kLabelColumns[l]);

    const fs::path base = fs::path(csvPath).parent_path();
    std::vector<CatalogEntry> entries;
    entries.reserve(table.rows.size());
    for (const auto& [lineNo, cells] : table.rows) {
        CatalogEntry e;
        e.file = cells[static_cast<std::size_t>(fileCol)];
        if (e.file.empty()) throw Error("line " + std::to_string(lineNo) + " has an empty 'file' field", csvPath);
        const fs::path p(e.file);
        e.path = (p.is_absolute() ? p : base / p).lexically_normal().string();
        e.id = idCol >= 0 ? cells[static_cast<std::size_t>(idCol)] : std::string{};
        if (e.id.empty()) e.id = p.stem().string();
        if (snrCol >= 0) e.snr = number(cells[static_cast<std::size_t>(snrCol)], "snr", lineNo, csvPath);
        for (std::size_t l = 0; l < 3; ++l)
            if (labelCol[l] >= 0)
                e.reference[l] =
                    number(cells[static_cast<std::size_t>(labelCol[l])], kLabelColumns[l], lineNo, csvPath);
        entries.push_back(std::move(e));
    }
    if (truthPath.empty()) return entries;

    const Table truth = readTable(truthPath);
    const int truthId = truth.column("id");
    const int truthFile = truth.column("file");
    const bool byId = truthId >= 0 && idCol >= 0;
    if (!byId && truthFile < 0)
        throw Error("the truth catalog needs an 'id' column (when the catalog has one) or a 'file' column", truthPath);
    std::array<int, 3> truthLabel{};
    for (std::size_t l = 0; l < 3; ++l) truthLabel[l] = truth.column(kLabelColumns[l]);
    std::map<std::string, std::array<double, 3>> known;
    for (const auto& [lineNo, cells] : truth.rows) {
        std::array<double, 3> labels{NAN, NAN, NAN};
        for (std::size_t l = 0; l < 3; ++l)
            if (truthLabel[l] >= 0)
                labels[l] = number(cells[static_cast<std::size_t>(truthLabel[l])], kLabelColumns[l], lineNo, truthPath);
        known[cells[static_cast<std::size_t>(byId ? truthId : truthFile)]] = labels;
    }
    for (auto& e : entries) {
        const auto it = known.find(byId ? e.id : e.file);
        if (it == known.end()) continue;
        for (std::size_t l = 0; l < 3; ++l)
            if (std::isfinite(it->second[l])) e.reference[l] = it->second[l];
    }
    return entries;
}

}  // namespace remap::ui
