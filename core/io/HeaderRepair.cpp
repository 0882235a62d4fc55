#include "io/HeaderRepair.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace remap::io {

namespace {

constexpr std::size_t kCard = 80;
constexpr std::size_t kBlock = 2880;

std::string keywordOf(const std::string& card)
{
    std::string key = card.substr(0, 8);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    return key;
}

bool isValueCard(const std::string& card)
{
    return card.size() >= 10 && card[8] == '=' && card[9] == ' ';
}

// The value field of a "KEY     = value / comment" card, trimmed; empty for other cards.
std::string valueOf(const std::string& card)
{
    if (!isValueCard(card)) return {};
    std::string v = card.substr(10);
    if (const auto slash = v.find('/'); slash != std::string::npos && v.find('\'') == std::string::npos)
        v = v.substr(0, slash);
    const auto b = v.find_first_not_of(' ');
    const auto e = v.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
}

std::optional<double> numberOf(const std::string& card)
{
    const std::string v = valueOf(card);
    if (v.empty()) return std::nullopt;
    std::string t = v;
    for (auto& c : t)
        if (c == 'D' || c == 'd') c = 'E';
    char* end = nullptr;
    const double x = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || *end != '\0' || !std::isfinite(x)) return std::nullopt;
    return x;
}

std::string integerCard(const std::string& key, long long value, const std::string& comment = {})
{
    std::string card = key;
    card.resize(8, ' ');
    std::string v = std::to_string(value);
    card += "= " + std::string(20 - std::min<std::size_t>(20, v.size()), ' ') + v;
    if (!comment.empty()) card += " / " + comment;
    card.resize(kCard, ' ');
    return card;
}

struct Header {
    std::vector<std::string> cards;  // without END
    std::size_t end = 0;             // byte offset after the header blocks
};

std::string hduName(int hdu)
{
    return hdu == 0 ? "the primary header" : "the header of HDU " + std::to_string(hdu);
}

}  // namespace

RepairedFits repairFitsHeaders(const std::string& bytes, const std::string& path)
{
    RepairedFits out;
    std::size_t pos = 0;
    int hdu = 0;
    while (pos < bytes.size()) {
        const std::size_t remaining = bytes.size() - pos;
        if (hdu > 0 && (remaining < kCard || bytes.compare(pos, 8, "XTENSION") != 0)) {
            const bool blank = std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(pos), bytes.end(),
                                           [](char c) { return c == '\0' || c == ' '; });
            if (!blank)
                out.notes.push_back("ignored " + std::to_string(remaining) +
                                    " bytes after the last HDU that do not begin a FITS extension");
            break;
        }
        // Read cards until END.
        Header h;
        std::size_t p = pos;
        bool foundEnd = false;
        bool cleaned = false, upper = false;
        while (p + kCard <= bytes.size()) {
            std::string card = bytes.substr(p, kCard);
            p += kCard;
            for (auto& c : card) {
                const auto u = static_cast<unsigned char>(c);
                if (u < 32 || u > 126) {
                    c = ' ';
                    cleaned = true;
                }
            }
            if (keywordOf(card) == "END" && card.substr(0, 8) == "END     ") {
                foundEnd = true;
                break;
            }
            // Keyword names are upper case; astropy accepts lower case, CFITSIO does not.
            if (card.compare(0, 8, "HIERARCH") != 0 && card.compare(0, 8, "hierarch") != 0)
                for (std::size_t i = 0; i < 8; ++i)
                    if (std::islower(static_cast<unsigned char>(card[i]))) {
                        card[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(card[i])));
                        upper = true;
                    }
            h.cards.push_back(std::move(card));
        }
        if (!foundEnd)
            throw Error(hduName(hdu) + " has no END card: the header is damaged or the file is truncated", path, hdu);
        h.end = pos + ((p - pos + kBlock - 1) / kBlock) * kBlock;
        if (cleaned)
            out.notes.push_back(hduName(hdu) + " held bytes outside printable ASCII; they were read as blanks");
        if (upper) out.notes.push_back(hduName(hdu) + " had lower-case keyword names; they were read as upper case");

        // Mandatory keywords and their order.
        auto find = [&](const std::string& key) -> std::optional<std::size_t> {
            for (std::size_t i = 0; i < h.cards.size(); ++i)
                if (keywordOf(h.cards[i]) == key && isValueCard(h.cards[i])) return i;
            return std::nullopt;
        };
        const std::string first = hdu == 0 ? "SIMPLE" : "XTENSION";
        const auto firstAt = find(first);
        if (!firstAt) throw Error(hduName(hdu) + " has no " + first + " keyword", path, hdu);
        const auto bitpixAt = find("BITPIX");
        if (!bitpixAt) throw Error(hduName(hdu) + " has no BITPIX keyword, so its data type is unknown", path, hdu);
        const auto naxisAt = find("NAXIS");
        if (!naxisAt) throw Error(hduName(hdu) + " has no NAXIS keyword, so its data size is unknown", path, hdu);
        const auto naxis = numberOf(h.cards[*naxisAt]);
        if (!naxis || *naxis < 0 || *naxis > 999 || std::floor(*naxis) != *naxis)
            throw Error(hduName(hdu) + ": NAXIS = '" + valueOf(h.cards[*naxisAt]) + "' is not an axis count", path,
                        hdu);
        const auto bitpix = numberOf(h.cards[*bitpixAt]);
        const int bp = bitpix ? static_cast<int>(*bitpix) : 0;
        if (bp != 8 && bp != 16 && bp != 32 && bp != 64 && bp != -32 && bp != -64)
            throw Error(hduName(hdu) + ": BITPIX = '" + valueOf(h.cards[*bitpixAt]) +
                            "' is not a FITS data type (8, 16, 32, 64, -32 or -64)",
                        path, hdu);

        std::vector<std::string> required{first, "BITPIX", "NAXIS"};
        const int axes = static_cast<int>(*naxis);
        for (int a = 1; a <= axes; ++a) required.push_back("NAXIS" + std::to_string(a));
        const std::string xtension = hdu == 0 ? "" : valueOf(h.cards[*firstAt]);
        const bool table = xtension.find("BINTABLE") != std::string::npos ||
                           xtension.find("TABLE") != std::string::npos ||
                           xtension.find("A3DTABLE") != std::string::npos;
        if (hdu > 0) {
            required.push_back("PCOUNT");
            required.push_back("GCOUNT");
            if (table) required.push_back("TFIELDS");
        }

        std::vector<std::string> head;
        std::vector<bool> used(h.cards.size(), false);
        std::vector<std::string> moved, inserted, retyped;
        long long dataElements = 1, pcount = 0, gcount = 1;
        for (std::size_t k = 0; k < required.size(); ++k) {
            const std::string& key = required[k];
            const auto at = find(key);
            if (!at) {
                if (key == "PCOUNT" || key == "GCOUNT") {
                    head.push_back(integerCard(key, key == "PCOUNT" ? 0 : 1, "inserted by REMAP"));
                    inserted.push_back(key == "PCOUNT" ? "PCOUNT = 0" : "GCOUNT = 1");
                    continue;
                }
                if (key == "TFIELDS") {
                    long long n = 0;
                    for (const auto& c : h.cards) {
                        const std::string kw = keywordOf(c);
                        if (kw.rfind("TFORM", 0) == 0 && kw.size() > 5) n = std::max(n, std::atoll(kw.c_str() + 5));
                    }
                    head.push_back(integerCard("TFIELDS", n, "counted by REMAP"));
                    inserted.push_back("TFIELDS = " + std::to_string(n));
                    continue;
                }
                throw Error(hduName(hdu) + ": NAXIS = " + std::to_string(axes) + " but the keyword " + key +
                                " is missing, so the size of the data is unknown",
                            path, hdu);
            }
            used[*at] = true;
            std::string card = h.cards[*at];
            const bool sizeKey = (key.rfind("NAXIS", 0) == 0 && key.size() > 5) || key == "PCOUNT" || key == "GCOUNT";
            if (sizeKey) {
                const auto v = numberOf(card);
                if (!v || *v < 0 || std::floor(*v) != *v)
                    throw Error(hduName(hdu) + ": " + key + " = '" + valueOf(card) +
                                    "' is not a non-negative integer, so the size of the data is unknown",
                                path, hdu);
                const auto n = static_cast<long long>(*v);
                if (valueOf(card) != std::to_string(n)) {
                    card = integerCard(key, n);
                    retyped.push_back(key);
                }
                if (key == "PCOUNT")
                    pcount = n;
                else if (key == "GCOUNT")
                    gcount = n;
                else
                    dataElements *= n;
            }
            // Out of place: not where it would be with the missing keywords inserted before it.
            if (*at + inserted.size() != k) moved.push_back(key);
            head.push_back(std::move(card));
        }
        if (axes == 0) dataElements = 0;
        if (!moved.empty()) {
            std::string list;
            for (const auto& k : moved) list += (list.empty() ? "" : ", ") + k;
            out.notes.push_back(hduName(hdu) + " had mandatory keywords out of order (" + list +
                                "); they were moved to their required places");
        }
        if (!inserted.empty()) {
            std::string list;
            for (const auto& k : inserted) list += (list.empty() ? "" : ", ") + k;
            out.notes.push_back(hduName(hdu) + " lacked mandatory keywords; assumed " + list);
        }
        if (!retyped.empty()) {
            std::string list;
            for (const auto& k : retyped) list += (list.empty() ? "" : ", ") + k;
            out.notes.push_back(hduName(hdu) + " wrote " + list + " as a real number; read as an integer");
        }
        for (std::size_t i = 0; i < h.cards.size(); ++i)
            if (!used[i]) head.push_back(h.cards[i]);

        // Rebuild the header and copy the data area.
        std::string block;
        for (const auto& c : head) block += c;
        std::string endCard = "END";
        endCard.resize(kCard, ' ');
        block += endCard;
        block.resize(((block.size() + kBlock - 1) / kBlock) * kBlock, ' ');
        out.bytes += block;
        const long long bytesPerElement = std::abs(bp) / 8;
        const long long dataBytes = bytesPerElement * gcount * (pcount + dataElements);
        const std::size_t padded = static_cast<std::size_t>((dataBytes + static_cast<long long>(kBlock) - 1) /
                                                            static_cast<long long>(kBlock)) *
                                   kBlock;
        const std::size_t dataEnd = std::min(bytes.size(), h.end + padded);
        if (h.end < bytes.size()) out.bytes.append(bytes, h.end, dataEnd - h.end);
        pos = h.end + padded;
        ++hdu;
    }
    if (out.notes.empty()) out.bytes.clear();
    return out;
}

}  // namespace remap::io
