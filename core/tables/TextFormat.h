#pragma once

// Number and text formatting shared by the text writers (internal to remap_tables).

#include <string>

namespace remap::tables::detail {

// The shortest text that reads back as the same double ("5777", "4.44", "1e-05"); NaN and the
// infinities are returned as `nan`, `inf` and `-inf` texts given by the caller's format.
std::string shortestDouble(double value, const char* nan = "nan", const char* inf = "inf", const char* negInf = "-inf");
// XML character data or attribute text: & < > " ' escaped, characters XML 1.0 forbids dropped.
std::string xmlEscape(const std::string& text);
bool isPrintableAscii(const std::string& text);
bool isAscii(const std::string& text);
std::string lower(std::string text);
// Writes `text` to `path` atomically; throws remap::Error naming the file on failure.
void writeTextFile(const std::string& path, const std::string& text);

}  // namespace remap::tables::detail
