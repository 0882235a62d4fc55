#include "LineList.h"

#include "Elements.h"
#include "PhysicsData.h"
#include "base/Error.h"
#include "prep/AirVacuum.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace remap::synth {
namespace {

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// Up to `max` whitespace-separated words; returns the count (max + 1 if there are more).
std::size_t splitWords(std::string_view s, std::array<std::string_view, 10>& words)
{
    std::size_t n = 0, i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) {
            if (n == words.size()) return n + 1;
            words[n++] = s.substr(start, i - start);
        }
    }
    return n;
}

[[noreturn]] void fail(const std::string& source, int lineNo, const std::string& what)
{
    throw Error("line " + std::to_string(lineNo) + " of the line list: " + what, source);
}

double parseNumber(std::string_view word, const char* what, const std::string& source, int lineNo)
{
    double value = 0;
    const auto* begin = word.data();
    const auto* end = word.data() + word.size();
    if (!word.empty() && *begin == '+') ++begin;
    const auto result = std::from_chars(begin, end, value);
    if (result.ec != std::errc() || result.ptr != end || !std::isfinite(value))
        fail(source, lineNo, std::string(what) + " '" + std::string(word) + "' is not a number");
    return value;
}

// Element symbol ("Fe") or diatomic formula ("CH", "MgH", "C2", "TiO"): atomic numbers (z, z2), z2 = 0 for atoms.
bool parseSpecies(std::string_view s, int& z, int& z2)
{
    if (const ElementData* e = elementBySymbol(s)) {
        z = e->z;
        z2 = 0;
        return true;
    }
    std::vector<int> zs;
    std::size_t i = 0;
    while (i < s.size()) {
        if (!std::isupper(static_cast<unsigned char>(s[i]))) return false;
        const std::size_t len = i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1])) ? 2 : 1;
        const ElementData* e = elementBySymbol(s.substr(i, len));
        if (!e) return false;
        i += len;
        int count = 1;
        if (i < s.size() && s[i] == '2') {
            count = 2;
            ++i;
        }
        for (int c = 0; c < count; ++c) zs.push_back(e->z);
    }
    if (zs.size() != 2) return false;
    z = zs[0];
    z2 = zs[1];
    return true;
}

}  // namespace

std::string speciesName(const SpectralLine& l)
{
    const ElementData* a = elementByZ(l.z);
    std::string name = a ? a->symbol : "?";
    if (l.z2 > 0) {
        const ElementData* b = elementByZ(l.z2);
        name += l.z2 == l.z ? std::string("2") : (b ? b->symbol : "?");
    }
    return name;
}

LineList parseLineList(std::string_view text, const std::string& sourceName)
{
    LineList list;
    list.source = sourceName;
    Medium medium = Medium::Air;
    bool sawData = false;
    int lineNo = 0;
    std::size_t pos = 0;
    std::array<std::string_view, 10> words;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        const auto hash = line.find('#');
        if (hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.rfind("medium:", 0) == 0) {
            if (sawData) fail(sourceName, lineNo, "'medium:' must come before the first line");
            const auto value = trim(line.substr(7));
            if (value == "air")
                medium = Medium::Air;
            else if (value == "vacuum")
                medium = Medium::Vacuum;
            else
                fail(sourceName, lineNo, "medium '" + std::string(value) + "' is neither air nor vacuum");
            continue;
        }
        const std::size_t n = splitWords(line, words);
        if (n != 5 && n != 8 && n != 9)
            fail(sourceName, lineNo,
                 "has " + std::to_string(n) +
                     " fields; expected 5 (species, ion stage, wavelength, excitation eV, log gf), 8 (plus the "
                     "three damping constants) or 9 (plus the ABO alpha)");
        SpectralLine l;
        if (!parseSpecies(words[0], l.z, l.z2))
            fail(sourceName, lineNo, "unknown element or diatomic molecule '" + std::string(words[0]) + "'");
        const double stage = parseNumber(words[1], "ion stage", sourceName, lineNo);
        if ((stage != 1.0 && stage != 2.0) || (l.z2 > 0 && stage != 1.0))
            fail(sourceName, lineNo,
                 "ion stage must be 1 (neutral) or 2 (singly ionized; molecules: 1), not '" + std::string(words[1]) +
                     "'");
        l.ionStage = static_cast<int>(stage);
        const double wave = parseNumber(words[2], "wavelength", sourceName, lineNo);
        if (wave < 2000.0 || wave > 100000.0)
            fail(sourceName, lineNo, "wavelength " + std::string(words[2]) + " A is outside 2000-100000 A");
        l.wavelength = medium == Medium::Air ? airToVacuum(wave) : wave;
        l.excitation = parseNumber(words[3], "excitation energy", sourceName, lineNo);
        const double limit = l.z2 > 0 ? 15.0 : elementByZ(l.z)->ionization[static_cast<std::size_t>(l.ionStage - 1)];
        if (l.excitation < 0 || !(l.excitation < limit))
            fail(sourceName, lineNo,
                 "excitation " + std::string(words[3]) + " eV is outside 0 to the ionization energy of the species");
        l.loggf = parseNumber(words[4], "log gf", sourceName, lineNo);
        if (l.loggf < -15 || l.loggf > 3)
            fail(sourceName, lineNo, "log gf " + std::string(words[4]) + " is outside -15..3");
        if (n >= 8) {
            l.logGammaRad = parseNumber(words[5], "radiative damping", sourceName, lineNo);
            l.logGammaStark = parseNumber(words[6], "Stark damping", sourceName, lineNo);
            l.logGammaVdw = parseNumber(words[7], "van der Waals damping", sourceName, lineNo);
            if (l.logGammaRad < 0 || l.logGammaRad > 12)
                fail(sourceName, lineNo,
                     "log radiative damping must be 0 (computed) or a positive log10 of rad/s below 12");
            if (l.logGammaStark > 0 || l.logGammaVdw > 0 || l.logGammaStark < -12 || l.logGammaVdw < -12)
                fail(sourceName, lineNo,
                     "Stark and van der Waals constants must be 0 (computed) or a negative log10 per perturber "
                     "(cm^3/s), e.g. -7.5");
        }
        if (n == 9) {
            l.vdwAlpha = parseNumber(words[8], "ABO alpha", sourceName, lineNo);
            if (l.vdwAlpha < 0 || l.vdwAlpha >= 1) fail(sourceName, lineNo, "the ABO alpha must lie in 0..1");
        }
        list.lines.push_back(l);
        sawData = true;
    }
    if (list.lines.empty()) throw Error("the line list holds no lines", sourceName);
    std::stable_sort(list.lines.begin(), list.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    return list;
}

LineList readLineList(const std::string& path)
{
    std::string content = readFileText(path, "line list");
    if (content.size() >= 2 && static_cast<unsigned char>(content[0]) == 0x1f &&
        static_cast<unsigned char>(content[1]) == 0x8b)
        content = gunzip(content, path);
    return parseLineList(content, path);
}

std::string formatLineList(const LineList& list, const std::string& header, Medium medium)
{
    std::string out;
    std::size_t pos = 0;
    while (pos < header.size()) {
        const std::size_t eol = std::min(header.find('\n', pos), header.size());
        const std::string line = header.substr(pos, eol - pos);
        out += line.empty() ? "#\n" : "# " + line + "\n";
        pos = eol + 1;
    }
    out += medium == Medium::Vacuum ? "medium: vacuum\n" : "medium: air\n";
    char buf[200];
    for (const auto& l : list.lines) {
        const double w = medium == Medium::Vacuum ? l.wavelength : vacuumToAir(l.wavelength);
        int n = std::snprintf(buf, sizeof buf, "%-3s %d %10.4f %6.3f %7.3f", speciesName(l).c_str(), l.ionStage, w,
                              l.excitation, l.loggf);
        if (l.logGammaRad != 0 || l.logGammaStark != 0 || l.logGammaVdw != 0 || l.vdwAlpha != 0)
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " %6.3f %6.3f %6.3f", l.logGammaRad,
                               l.logGammaStark, l.logGammaVdw);
        if (l.vdwAlpha != 0)
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " %5.3f", l.vdwAlpha);
        out.append(buf, static_cast<std::size_t>(n));
        out += '\n';
    }
    return out;
}

LineList mergeLineLists(const std::vector<const LineList*>& lists)
{
    LineList merged;
    for (const LineList* l : lists) {
        if (!l) continue;
        merged.lines.insert(merged.lines.end(), l->lines.begin(), l->lines.end());
        merged.source += (merged.source.empty() ? "" : "+") + l->source;
    }
    std::stable_sort(merged.lines.begin(), merged.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    return merged;
}

std::string_view embeddedLineListText(EmbeddedList which)
{
    switch (which) {
        case EmbeddedList::Atoms:
            return physicsFile("lines/atoms.lines.gz");
        case EmbeddedList::Molecules:
            return physicsFile("lines/molecules.lines.gz");
        case EmbeddedList::ObservedExtra:
            return physicsFile("lines/observed_extra.lines.gz");
    }
    return {};
}

const LineList& embeddedLineList(EmbeddedList which)
{
    static const LineList atoms = parseLineList(embeddedLineListText(EmbeddedList::Atoms), "embedded:atoms");
    static const LineList molecules =
        parseLineList(embeddedLineListText(EmbeddedList::Molecules), "embedded:molecules");
    static const LineList extra =
        parseLineList(embeddedLineListText(EmbeddedList::ObservedExtra), "embedded:observed-extra");
    return which == EmbeddedList::Atoms ? atoms : which == EmbeddedList::Molecules ? molecules : extra;
}

const LineList& defaultLineList()
{
    static const LineList list =
        mergeLineLists({&embeddedLineList(EmbeddedList::Atoms), &embeddedLineList(EmbeddedList::Molecules)});
    return list;
}

}  // namespace remap::synth
