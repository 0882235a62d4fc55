// The first table HDU of a FITS file as a ResultTable (through core/io's FitsFile).

#include "base/Error.h"
#include "io/FitsFile.h"
#include "tables/TableReaders.h"
#include "tables/TextFormat.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>

namespace remap::tables {
namespace {

std::string trimmed(const std::string& s)
{
    const auto b = s.find_first_not_of(' ');
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

bool isColumnKeyword(const std::string& key)
{
    static const char* prefixes[] = {"TTYPE", "TFORM", "TUNIT", "TNULL", "TSCAL", "TZERO", "TDISP",
                                     "TDIM",  "TBCOL", "TCOMM", "TUCD",  "NAXIS", "TLMIN", "TLMAX"};
    for (const std::string p : prefixes)
        if (key.rfind(p, 0) == 0 && key.size() > p.size() &&
            key.find_first_not_of("0123456789", p.size()) == std::string::npos)
            return true;
    static const std::set<std::string> fixed = {"XTENSION", "BITPIX",  "PCOUNT",  "GCOUNT",   "TFIELDS", "EXTNAME",
                                                "THEAP",    "COMMENT", "HISTORY", "CONTINUE", "END",     ""};
    return fixed.count(key) > 0;
}

// The comment of a header card: text after the '/' that follows the value.
std::string cardComment(const std::string& card)
{
    std::size_t i = 10;
    while (i < card.size() && card[i] == ' ') ++i;
    if (i < card.size() && card[i] == '\'') {
        for (++i; i < card.size(); ++i)
            if (card[i] == '\'') {
                if (i + 1 < card.size() && card[i + 1] == '\'')
                    ++i;
                else
                    break;
            }
    }
    const auto slash = card.find('/', i);
    return slash == std::string::npos ? std::string() : trimmed(card.substr(slash + 1));
}

void addKeywords(FitsFile& fits, ResultTable& table)
{
    for (const auto& card : fits.records()) {
        const std::string key = trimmed(card.substr(0, 8));
        if (card.size() < 10 || card.compare(8, 2, "= ") != 0 || isColumnKeyword(key)) continue;
        if (!isFitsKeywordName(key) || table.findKeyword(key)) continue;
        TableKeyword k{key, std::string(), cardComment(card)};
        std::string raw = trimmed(card.substr(10));
        if (!raw.empty() && raw.front() == '\'') {
            k.value = fits.keyString(key).value_or("");
        } else {
            raw = trimmed(raw.substr(0, raw.find('/')));
            if (raw == "T" || raw == "F") {
                k.value = raw == "T";
            } else if (raw.find_first_not_of("+-0123456789") == std::string::npos && !raw.empty()) {
                k.value = static_cast<std::int64_t>(std::strtoll(raw.c_str(), nullptr, 10));
            } else if (const auto d = fits.keyDouble(key)) {
                k.value = *d;
            } else {
                continue;  // an undefined value
            }
        }
        table.keywords.push_back(std::move(k));
    }
}

TableColumn readColumn(FitsFile& fits, const FitsFile::Column& c, const std::string& description,
                       const std::string& ucd)
{
    TableColumn column{c.name, c.unit, description, ucd, {}};
    switch (FitsFile::columnKind(c)) {
        case FitsFile::ColumnKind::Text:
            column.values = fits.readStringColumn(c);
            break;
        case FitsFile::ColumnKind::Logical: {
            const auto v = fits.readColumn(c);
            column.values = std::vector<bool>(v.begin(), v.end());
            break;
        }
        case FitsFile::ColumnKind::Integer: {
            auto v = fits.readColumn(c);  // a TNULL cell reads as NaN: such a column stays Double
            bool anyNull = false;
            for (double x : v) anyNull = anyNull || std::isnan(x);
            if (anyNull)
                column.values = std::move(v);
            else
                column.values = std::vector<std::int64_t>(v.begin(), v.end());
            break;
        }
        default:
            column.values = fits.readColumn(c);
            break;
    }
    return column;
}

}  // namespace

ResultTable readFitsTable(const std::string& path)
{
    auto fits = FitsFile::open(path);
    const int hdus = fits.hduCount();
    for (int h = 1; h < hdus; ++h) {
        fits.moveTo(h);
        if (fits.hduType() == FitsFile::HduType::Image) continue;
        ResultTable table;
        table.name = fits.extensionName();
        addKeywords(fits, table);
        for (const auto& c : fits.columns()) {
            const bool text = FitsFile::columnKind(c) == FitsFile::ColumnKind::Text;
            if (FitsFile::columnKind(c) == FitsFile::ColumnKind::Other || (!text && c.repeat != 1)) continue;
            if (c.name.empty() || table.findColumn(c.name)) continue;
            const std::string n = std::to_string(c.index);
            table.addColumn(
                readColumn(fits, c, fits.keyString("TCOMM" + n).value_or(""), fits.keyString("TUCD" + n).value_or("")));
        }
        return table;
    }
    throw Error("the FITS file holds no table extension", path);
}

ResultTable readTableFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the file for reading", path);
    char head[9] = {0};
    in.read(head, 9);
    if (in.gcount() == 9 && std::string(head, 9) == "SIMPLE  =") return readFitsTable(path);
    return readVoTable(path);
}

}  // namespace remap::tables
