#pragma once

// The CSV dialect of catalogs and truth files (RFC 4180 quoting), shared by every catalog reader
// (dataset build, remap evaluate, the GUI's catalog panel) so they split lines the same way.

#include <string>
#include <vector>

namespace remap::csv {

// Without leading and trailing whitespace (spaces, tabs, a CR from Windows line ends).
std::string trim(std::string text);
std::string toLower(std::string text);
// The fields of one line, each trimmed: commas inside double quotes do not split, and "" inside
// quotes is a literal quote.
std::vector<std::string> splitLine(const std::string& line);

}  // namespace remap::csv
