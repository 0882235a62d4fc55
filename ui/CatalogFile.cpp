#include "CatalogFile.h"

#include "base/Csv.h"
#include "base/Error.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

namespace remap::ui {
namespace {

namespace fs = std::filesystem;

const std::array<const char*, 3> kLabelColumns{"teff", "logg", "feh"};

}  // namespace

std::vector<CatalogEntry> readCatalogCsv(const std::string& csvPath, const std::string& truthPath)
{
    const csv::Table table = csv::readTable(csvPath);
    const auto fileCol = table.column("file");
    if (!fileCol) throw Error("the catalog's header has no 'file' column", csvPath);
    const auto idCol = table.column("id");
    const auto snrCol = table.column("snr");
    std::array<std::optional<std::size_t>, 3> labelCol{};
    for (std::size_t l = 0; l < 3; ++l) labelCol[l] = table.column(kLabelColumns[l]);

    const fs::path base = fs::path(csvPath).parent_path();
    std::vector<CatalogEntry> entries;
    entries.reserve(table.rows.size());
    for (const auto& row : table.rows) {
        CatalogEntry e;
        e.file = row.cells[*fileCol];
        if (e.file.empty()) throw Error("line " + std::to_string(row.line) + " has an empty 'file' field", csvPath);
        const fs::path p(e.file);
        e.path = (p.is_absolute() ? p : base / p).lexically_normal().string();
        e.id = idCol ? row.cells[*idCol] : std::string{};
        if (e.id.empty()) e.id = p.stem().string();
        if (snrCol) e.snr = csv::number(table, row, *snrCol);
        for (std::size_t l = 0; l < 3; ++l)
            if (labelCol[l]) e.reference[l] = csv::number(table, row, *labelCol[l]);
        entries.push_back(std::move(e));
    }
    if (truthPath.empty()) return entries;

    const csv::Table truth = csv::readTable(truthPath);
    const auto truthId = truth.column("id");
    const auto truthFile = truth.column("file");
    const bool byId = truthId && idCol;
    if (!byId && !truthFile)
        throw Error("the truth catalog needs an 'id' column (when the catalog has one) or a 'file' column", truthPath);
    std::array<std::optional<std::size_t>, 3> truthLabel{};
    for (std::size_t l = 0; l < 3; ++l) truthLabel[l] = truth.column(kLabelColumns[l]);
    std::map<std::string, std::array<double, 3>> known;
    for (const auto& row : truth.rows) {
        std::array<double, 3> labels{NAN, NAN, NAN};
        for (std::size_t l = 0; l < 3; ++l)
            if (truthLabel[l]) labels[l] = csv::number(truth, row, *truthLabel[l]);
        known[row.cells[byId ? *truthId : *truthFile]] = labels;
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
