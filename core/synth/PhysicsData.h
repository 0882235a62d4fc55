#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace remap::synth {

// The synthesizer's physics data (resources/physics/, credited in its README.md): atmospheres, partition
// functions, continuum tables and line lists. They are compiled into the library (an assembler .incbin, so
// the installed program needs no files and no build paths), gzip-compressed files inflated on first use.
//
// physicsFile("lines/atoms.lines.gz") returns the (decompressed) text of that file. With the environment
// variable REMAP_PHYSICS_DIR set, the file is read from that folder instead (to try edited data without
// rebuilding). Thread-safe; the returned view stays valid for the life of the process. Throws remap::Error
// for a name that is not part of the data (or cannot be read from REMAP_PHYSICS_DIR).
std::string_view physicsFile(std::string_view name);

// The names of all embedded files, relative to resources/physics/.
std::vector<std::string> physicsFileNames();

// Inflates a gzip stream (throws remap::Error naming `what` when it is not valid gzip).
std::string gunzip(std::string_view compressed, const std::string& what);

// The numbers of one line of a data table, separated by blanks, tabs, commas or semicolons; words that are not numbers
// are skipped. With fortranExponents "7.34-5" (an exponent without the E) reads as 7.34e-5.
std::vector<double> parseNumbers(std::string_view line, bool fortranExponents = false);

// The whole content of a file; throws remap::Error ("cannot read the <what>") naming the path.
std::string readFileText(const std::string& path, const std::string& what);

}  // namespace remap::synth
