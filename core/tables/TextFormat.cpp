#include "tables/TextFormat.h"

#include "base/AtomicFile.h"
#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>

namespace remap::tables::detail {

std::string shortestDouble(double value, const char* nan, const char* inf, const char* negInf)
{
    if (std::isnan(value)) return nan;
    if (std::isinf(value)) return value > 0 ? inf : negInf;
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string xmlEscape(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                // XML 1.0 allows no control characters but tab, LF and CR.
                if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;
                out += ch;
        }
    }
    return out;
}

bool isPrintableAscii(const std::string& text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool isAscii(const std::string& text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

void writeTextFile(const std::string& path, const std::string& text)
{
    writeAtomically(path, [&](const std::string& tmp) {
        std::ofstream file(tmp, std::ios::binary);
        if (!file) throw Error("cannot create the file", path);
        file.write(text.data(), static_cast<std::streamsize>(text.size()));
        file.close();
        if (!file) throw Error("writing the file failed (disk full?)", path);
    });
}

}  // namespace remap::tables::detail
