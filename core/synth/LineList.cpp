#include "LineList.h"

#include "Elements.h"
#include "base/Error.h"
#include "base/Random.h"
#include "prep/AirVacuum.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

namespace remap::synth {

namespace embedded {
// Generated at build time from resources/linelists/ (EmbedLineLists.cmake).
std::string_view strongLines();
std::string_view weakLines();
std::string_view observedExtraLines();
}  // namespace embedded

namespace {

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

std::vector<std::string_view> splitWords(std::string_view s)
{
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) words.push_back(s.substr(start, i - start));
    }
    return words;
}

double parseNumber(std::string_view word, const std::string& what, const std::string& source, int lineNo)
{
    double value = 0;
    const auto* begin = word.data();
    const auto* end = word.data() + word.size();
    if (!word.empty() && *begin == '+') ++begin;
    const auto result = std::from_chars(begin, end, value);
    if (result.ec != std::errc() || result.ptr != end || !std::isfinite(value))
        throw Error("line " + std::to_string(lineNo) + " of the line list: " + what + " '" + std::string(word) +
                        "' is not a number",
                    source);
    return value;
}

struct SpeciesWeight {
    const char* symbol;
    int stage;
    double weight;
};

// Fixed species mix of the weak-line populations (sums to 1).
constexpr std::array<SpeciesWeight, 11> kSpeciesMix{{
    {"Fe", 1, 0.62},
    {"Fe", 2, 0.06},
    {"Ni", 1, 0.07},
    {"Ti", 1, 0.05},
    {"Cr", 1, 0.05},
    {"Si", 1, 0.04},
    {"Ca", 1, 0.03},
    {"Mn", 1, 0.02},
    {"V", 1, 0.02},
    {"Co", 1, 0.02},
    {"Ti", 2, 0.02},
}};

double roundTo(double value, double quantum)
{
    return std::round(value / quantum) * quantum;
}

}  // namespace

LineList parseLineList(std::string_view text, const std::string& sourceName)
{
    LineList list;
    list.source = sourceName;
    Medium medium = Medium::Air;
    bool sawData = false;
    int lineNo = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        const auto hash = line.find('#');
        if (hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) {
            if (eol >= text.size()) break;
            continue;
        }
        if (line.rfind("medium:", 0) == 0) {
            if (sawData)
                throw Error(
                    "line " + std::to_string(lineNo) + " of the line list: 'medium:' must come before the first line",
                    sourceName);
            const auto value = trim(line.substr(7));
            if (value == "air")
                medium = Medium::Air;
            else if (value == "vacuum")
                medium = Medium::Vacuum;
            else
                throw Error("line " + std::to_string(lineNo) + " of the line list: medium '" + std::string(value) +
                                "' is neither air nor vacuum",
                            sourceName);
            continue;
        }
        const auto words = splitWords(line);
        if (words.size() != 5 && words.size() != 8)
            throw Error("line " + std::to_string(lineNo) + " of the line list has " + std::to_string(words.size()) +
                            " fields; expected 5 (element, ion stage, wavelength, excitation eV, log gf) or 8 "
                            "(plus the three damping constants)",
                        sourceName);
        const ElementData* element = elementBySymbol(words[0]);
        if (!element)
            throw Error("line " + std::to_string(lineNo) + " of the line list: unknown or unsupported element '" +
                            std::string(words[0]) + "'",
                        sourceName);
        const double stage = parseNumber(words[1], "ion stage", sourceName, lineNo);
        if (stage != 1.0 && stage != 2.0)
            throw Error("line " + std::to_string(lineNo) +
                            " of the line list: ion stage must be 1 (neutral) or 2 "
                            "(singly ionized), not '" +
                            std::string(words[1]) + "'",
                        sourceName);
        SpectralLine l;
        l.z = element->z;
        l.ionStage = static_cast<int>(stage);
        const double wave = parseNumber(words[2], "wavelength", sourceName, lineNo);
        if (wave < 2000.0 || wave > 100000.0)
            throw Error("line " + std::to_string(lineNo) + " of the line list: wavelength " + std::string(words[2]) +
                            " A is outside 2000-100000 A",
                        sourceName);
        l.wavelength = medium == Medium::Air ? airToVacuum(wave) : wave;
        l.excitation = parseNumber(words[3], "excitation energy", sourceName, lineNo);
        const double ionization = l.ionStage == 1 ? element->ionization1 : element->ionization2;
        if (l.excitation < 0 || l.excitation >= ionization)
            throw Error("line " + std::to_string(lineNo) + " of the line list: excitation " + std::string(words[3]) +
                            " eV is outside 0 to the ionization energy of the ion",
                        sourceName);
        l.loggf = parseNumber(words[4], "log gf", sourceName, lineNo);
        if (l.loggf < -12 || l.loggf > 3)
            throw Error("line " + std::to_string(lineNo) + " of the line list: log gf " + std::string(words[4]) +
                            " is outside -12..3",
                        sourceName);
        if (words.size() == 8) {
            l.logGammaRad = parseNumber(words[5], "radiative damping", sourceName, lineNo);
            l.logGammaStark = parseNumber(words[6], "Stark damping", sourceName, lineNo);
            l.logGammaVdw = parseNumber(words[7], "van der Waals damping", sourceName, lineNo);
            if (l.logGammaRad < 0 || l.logGammaRad > 12)
                throw Error("line " + std::to_string(lineNo) +
                                " of the line list: log radiative damping must be 0 (computed) or a positive "
                                "log10 of rad/s below 12",
                            sourceName);
            if (l.logGammaStark > 0 || l.logGammaVdw > 0 || l.logGammaStark < -12 || l.logGammaVdw < -12)
                throw Error("line " + std::to_string(lineNo) +
                                " of the line list: Stark and van der Waals constants must be 0 (computed) or a "
                                "negative log10 per perturber (cm^3/s), e.g. -7.5",
                            sourceName);
        }
        list.lines.push_back(l);
        sawData = true;
        if (eol >= text.size()) break;
    }
    if (list.lines.empty()) throw Error("the line list holds no lines", sourceName);
    std::stable_sort(list.lines.begin(), list.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    return list;
}

LineList readLineList(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the line list", path);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error("cannot read the line list", path);
    return parseLineList(text.str(), path);
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
    char buf[160];
    for (const auto& l : list.lines) {
        const ElementData* e = elementByZ(l.z);
        const double w = medium == Medium::Vacuum ? l.wavelength : vacuumToAir(l.wavelength);
        int n = std::snprintf(buf, sizeof buf, "%-2s %d %10.3f %6.3f %7.3f", e ? std::string(e->symbol).c_str() : "?",
                              l.ionStage, w, l.excitation, l.loggf);
        if (l.logGammaRad != 0 || l.logGammaStark != 0 || l.logGammaVdw != 0)
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " %6.2f %6.2f %6.2f", l.logGammaRad,
                               l.logGammaStark, l.logGammaVdw);
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
        case EmbeddedList::Strong:
            return embedded::strongLines();
        case EmbeddedList::Weak:
            return embedded::weakLines();
        case EmbeddedList::ObservedExtra:
            return embedded::observedExtraLines();
    }
    return {};
}

const LineList& embeddedLineList(EmbeddedList which)
{
    static const LineList strong = parseLineList(embedded::strongLines(), "embedded:remap-strong.lines");
    static const LineList weak = parseLineList(embedded::weakLines(), "embedded:remap-weak.lines");
    static const LineList extra = parseLineList(embedded::observedExtraLines(), "embedded:remap-observed-extra.lines");
    switch (which) {
        case EmbeddedList::Strong:
            return strong;
        case EmbeddedList::Weak:
            return weak;
        case EmbeddedList::ObservedExtra:
            return extra;
    }
    return strong;
}

const LineList& defaultLineList()
{
    static const LineList list =
        mergeLineLists({&embeddedLineList(EmbeddedList::Strong), &embeddedLineList(EmbeddedList::Weak)});
    return list;
}

LinePopulationRule gridWeakLineRule()
{
    return {20251009u, 450, 4700.0, 6000.0};
}
LinePopulationRule observedExtraLineRule()
{
    return {11000u, 150, 4700.0, 6000.0};
}

LineList generateLinePopulation(const LinePopulationRule& rule)
{
    SeededRandom rng(rule.seed);
    LineList list;
    list.source = "population:" + std::to_string(rule.seed);
    for (int i = 0; i < rule.count; ++i) {
        // Four deviates per line, always drawn in this order.
        const double uWave = rng.uniform();
        const double uSpecies = rng.uniform();
        const double uChi = rng.uniform();
        const double uStrength = rng.uniform();
        const double air = roundTo(rule.airMin + uWave * (rule.airMax - rule.airMin), 1e-3);
        const SpeciesWeight* species = &kSpeciesMix.back();
        double cumulative = 0;
        for (const auto& s : kSpeciesMix) {
            cumulative += s.weight;
            if (uSpecies < cumulative) {
                species = &s;
                break;
            }
        }
        const ElementData* e = elementBySymbol(species->symbol);
        SpectralLine l;
        l.z = e->z;
        l.ionStage = species->stage;
        l.wavelength = airToVacuum(air);
        l.excitation = roundTo(5.0 * uChi, 1e-3);
        const double offset = -5.3 + (7.50 - e->solarAbundance) + (species->stage == 1 ? 7.90 - e->ionization1 : -1.0);
        l.loggf = roundTo(std::clamp(l.excitation + offset - 2.7 * uStrength, -8.0, 0.5), 1e-3);
        list.lines.push_back(l);
    }
    std::stable_sort(list.lines.begin(), list.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    return list;
}

std::string generateLinePopulationText(const LinePopulationRule& rule, const std::string& title)
{
    const std::string header = title + "\nGenerated by remap::synth::generateLinePopulation (seed " +
                               std::to_string(rule.seed) + ", " + std::to_string(rule.count) +
                               " lines); do not edit by hand, regenerate with\n"
                               "`remap synth lines --population <name> -o <file>`. Rule: see docs/synthesizer.md.\n"
                               "Columns: element, ion stage, air wavelength (A), excitation (eV), log gf.";
    return formatLineList(generateLinePopulation(rule), header, Medium::Air);
}

}  // namespace remap::synth
