#include "io/TextSpectrumReader.h"

#include "base/Error.h"
#include "io/ColumnChoice.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

namespace remap {

using namespace io;

namespace {

std::optional<double> parseNumber(std::string token)
{
    if (token.empty()) return std::nullopt;
    if (token.front() == '+') token.erase(0, 1);
    // Fortran exponents: 1.0D+03.
    for (auto& c : token)
        if (c == 'd' || c == 'D') c = 'E';
    double value = 0;
    const char* first = token.data();
    const char* last = first + token.size();
    const auto result = std::from_chars(first, last, value);
    if (result.ec != std::errc() || result.ptr != last) {
        // from_chars refuses "Infinity"-like spellings it does not know and out-of-range values.
        if (result.ec == std::errc::result_out_of_range && result.ptr == last) return value;
        return std::nullopt;
    }
    return value;
}

char separatorOf(const std::string& line)
{
    if (line.find(',') != std::string::npos) return ',';
    if (line.find(';') != std::string::npos) return ';';
    return 0;
}

std::vector<std::string> splitFields(const std::string& line, bool& emptyField)
{
    std::vector<std::string> out;
    emptyField = false;
    const char sep = separatorOf(line);
    if (sep) {
        std::string field;
        std::istringstream in(line);
        while (std::getline(in, field, sep)) out.push_back(trim(field));
        // "a,b," ends with a separator: that is not a missing value.
        if (!out.empty() && out.back().empty() && !line.empty() && trim(line).back() == sep) out.pop_back();
        for (const auto& f : out)
            if (f.empty()) emptyField = true;
        return out;
    }
    std::istringstream in(line);
    std::string token;
    while (in >> token) out.push_back(token);
    return out;
}

// "wavelength[nm]", "wavelength (nm)", "wave_um", "lambda/A" -> name and unit.
ColumnInfo splitNameAndUnit(const std::string& field)
{
    std::string name = trim(field);
    std::string unit;
    const auto open = name.find_first_of("([");
    if (open != std::string::npos) {
        const auto close = name.find_first_of(")]", open);
        unit = trim(name.substr(open + 1, (close == std::string::npos ? name.size() : close) - open - 1));
        name = trim(name.substr(0, open));
    } else {
        const auto cut = name.find_last_of("_/");
        if (cut != std::string::npos && cut > 0 && cut + 1 < name.size() && angstromsPerUnit(name.substr(cut + 1)) &&
            roleFromName(name.substr(0, cut)) == ColumnRole::Wave) {
            unit = name.substr(cut + 1);
            name = name.substr(0, cut);
        }
    }
    // A bare unit as the column name ("nm flux") is the wavelength in that unit.
    if (unit.empty() && roleFromName(name) == ColumnRole::Wave && angstromsPerUnit(name)) unit = name;
    return {name, unit, true};
}

// Joins "(nm)" / "[nm]" tokens of a white-space separated header onto the name before them.
std::vector<std::string> mergeUnitTokens(const std::vector<std::string>& fields)
{
    std::vector<std::string> out;
    for (const auto& f : fields) {
        if (!out.empty() && !f.empty() && (f.front() == '(' || f.front() == '['))
            out.back() += f;
        else
            out.push_back(f);
    }
    return out;
}

std::vector<ColumnInfo> parseHeader(const std::vector<std::string>& fields)
{
    std::vector<ColumnInfo> columns;
    for (const auto& f : mergeUnitTokens(fields)) columns.push_back(splitNameAndUnit(f));
    return columns;
}

bool namesWaveAndFlux(const std::vector<ColumnInfo>& columns)
{
    bool wave = false, flux = false;
    for (const auto& c : columns) {
        const ColumnRole r = roleFromName(c.name);
        wave = wave || r == ColumnRole::Wave || r == ColumnRole::LogWave;
        flux = flux || r == ColumnRole::Flux;
    }
    return wave && flux;
}

struct Directives {
    std::optional<Medium> medium;
    std::optional<double> waveScale;
    std::string waveUnitText;
    std::string fluxUnit;
    std::string object;
};

// "# key: value" or "# key = value" comments.
void parseDirective(const std::string& body, Directives& d, const std::string& path, long lineNo)
{
    const auto sep = body.find_first_of(":=");
    if (sep == std::string::npos) return;
    const std::string key = toLower(trim(body.substr(0, sep)));
    const std::string value = trim(body.substr(sep + 1));
    if (key == "medium" || key == "wavelength medium" || key == "airorvac") {
        const std::string v = toLower(value);
        if (v.rfind("air", 0) == 0)
            d.medium = Medium::Air;
        else if (v.rfind("vac", 0) == 0)
            d.medium = Medium::Vacuum;
        else if (v == "unknown")
            d.medium = Medium::Unknown;
        else
            throw Error("line " + std::to_string(lineNo) + ": medium '" + value + "' is not air, vacuum or unknown",
                        path);
    } else if (key == "wavelength unit" || key == "wavelength_unit" || key == "wave unit" || key == "wave_unit" ||
               key == "wunit" || key == "xunit" || key == "unit" || key == "units") {
        const auto scale = angstromsPerUnit(value);
        if (!scale)
            throw Error("line " + std::to_string(lineNo) + ": wavelength unit '" + value +
                            "' is not a length (Angstrom, nm, um)",
                        path);
        d.waveScale = scale;
        d.waveUnitText = value;
    } else if (key == "flux unit" || key == "flux_unit" || key == "bunit" || key == "yunit") {
        d.fluxUnit = value;
    } else if (key == "object" || key == "name" || key == "star") {
        d.object = value;
    }
}

bool isInteger(const std::string& token)
{
    return !token.empty() && std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); });
}

// LibreESpRIT .s: "*** title" then "N K" (points, columns after the wavelength).
struct EspritHeader {
    long points = 0;
    int columnsAfterWavelength = 0;
};

std::optional<EspritHeader> espritHeader(const std::string& content)
{
    std::istringstream in(content);
    std::string first, second;
    if (!std::getline(in, first) || !std::getline(in, second)) return std::nullopt;
    if (trim(first).rfind("***", 0) != 0) return std::nullopt;
    std::istringstream fields(second);
    std::string a, b, extra;
    if (!(fields >> a >> b) || (fields >> extra) || !isInteger(a) || !isInteger(b)) return std::nullopt;
    return EspritHeader{std::stol(a), std::stoi(b)};
}

bool normalizedWaveobs(const std::string& lowerName)
{
    return lowerName == "waveobs";
}

}  // namespace

Spectrum readTextSpectrum(const std::string& path, const std::string& raw, const ReadOptions& options)
{
    std::string content = raw;
    if (content.empty()) throw Error("the file is empty (0 bytes)", path);
    if (content.compare(0, 9, "SIMPLE  =") == 0) throw Error("this is a FITS file, not a text spectrum", path);
    if (content.find('\0') != std::string::npos)
        throw Error("the file holds binary data: it is neither a FITS file nor a text spectrum", path);
    if (content.compare(0, 3, "\xEF\xBB\xBF") == 0) content.erase(0, 3);  // UTF-8 byte order mark

    Spectrum s;
    s.provenance.file = path;
    s.provenance.hdu = -1;
    const auto esprit = espritHeader(content);
    Directives directives;
    std::vector<ColumnInfo> header;      // from a header line, or a commented one
    bool headerLine = false;             // a non-comment header line was seen
    std::vector<std::string> unitsLine;  // an optional line of units under the header
    std::vector<std::vector<double>> rows;
    std::size_t columnCount = 0;
    long firstDataLine = 0;
    char separator = 0;

    std::istringstream lines(content);
    std::string rawLine;
    long lineNo = 0;
    while (std::getline(lines, rawLine)) {
        ++lineNo;
        if (!rawLine.empty() && rawLine.back() == '\r') rawLine.pop_back();
        if (esprit && lineNo <= 2) continue;
        std::string line = rawLine;
        if (const auto hash = line.find('#'); hash != std::string::npos) {
            const std::string comment = trim(line.substr(hash + 1));
            line = line.substr(0, hash);
            if (!comment.empty()) {
                parseDirective(comment, directives, path, lineNo);
                bool emptyField = false;
                const auto fields = splitFields(comment, emptyField);
                // A commented header before the data: "# wavelength flux error".
                if (rows.empty() && !headerLine && fields.size() >= 2 &&
                    comment.find_first_of(":=") == std::string::npos) {
                    auto candidate = parseHeader(fields);
                    if (namesWaveAndFlux(candidate)) header = std::move(candidate);
                }
            }
        }
        line = trim(line);
        if (line.empty()) continue;

        bool emptyField = false;
        const auto fields = splitFields(line, emptyField);
        std::vector<double> values;
        values.reserve(fields.size());
        std::size_t bad = fields.size();
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const auto v = parseNumber(fields[i]);
            if (!v) {
                bad = i;
                break;
            }
            values.push_back(*v);
        }
        if (bad < fields.size() || emptyField) {
            const bool allText = std::none_of(fields.begin(), fields.end(),
                                              [](const std::string& f) { return parseNumber(f).has_value(); });
            if (rows.empty() && allText && !emptyField) {
                if (!headerLine) {
                    header = parseHeader(fields);
                    headerLine = true;
                    separator = separatorOf(line);
                    continue;
                }
                if (unitsLine.empty() && angstromsPerUnit(fields.front())) {
                    unitsLine = fields;
                    continue;
                }
            }
            if (emptyField)
                throw Error("line " + std::to_string(lineNo) + ": an empty field (two separators in a row)", path);
            throw Error("line " + std::to_string(lineNo) + ": '" + fields[bad] + "' is not a number", path);
        }
        if (rows.empty()) {
            columnCount = values.size();
            firstDataLine = lineNo;
            if (!headerLine) separator = separatorOf(line);
            if (columnCount < 2)
                throw Error("line " + std::to_string(lineNo) +
                                ": only one column; a text spectrum needs wavelength and flux columns",
                            path);
        } else if (values.size() != columnCount) {
            throw Error("line " + std::to_string(lineNo) + ": " + std::to_string(values.size()) +
                            " columns, but line " + std::to_string(firstDataLine) + " has " +
                            std::to_string(columnCount),
                        path);
        }
        rows.push_back(std::move(values));
    }
    if (rows.empty()) throw Error("no data rows: the file holds no numeric wavelength/flux lines", path);
    const std::size_t n = rows.size();
    auto column = [&](std::size_t index) {
        std::vector<double> v(n);
        for (std::size_t r = 0; r < n; ++r) v[r] = rows[r][index];
        return v;
    };

    // Column names: the header, the .s convention, or none.
    std::vector<ColumnInfo> infos(columnCount);
    bool positional = true;
    std::string layout;
    std::vector<UnitStatement> stated;
    if (esprit) {
        const int k = esprit->columnsAfterWavelength;
        if (static_cast<std::size_t>(k + 1) != columnCount)
            s.warnings.push_back("the .s header announces " + std::to_string(k + 1) + " columns but the data have " +
                                 std::to_string(columnCount));
        if (esprit->points != static_cast<long>(n))
            s.warnings.push_back("the .s header announces " + std::to_string(esprit->points) + " points but " +
                                 std::to_string(n) + " rows were read");
        infos[0] = {"wavelength", "", true};
        infos[1] = {"intensity", "", true};
        if (columnCount >= 3) infos[columnCount - 1] = {"sigma", "", true};
        if (columnCount == 6) {
            infos[2] = {"stokes_v", "", true};
            infos[3] = {"null1", "", true};
            infos[4] = {"null2", "", true};
        }
        positional = false;
        stated.push_back({10.0, "nm", "LibreESpRIT convention (.s wavelengths in nm)"});
        layout = "LibreESpRIT .s (ESPaDOnS/NARVAL): " + std::to_string(columnCount) +
                 (columnCount == 6 ? " columns with Stokes V" : " columns");
    } else if (!header.empty()) {
        if (header.size() != columnCount)
            throw Error("the header names " + std::to_string(header.size()) + " columns but the data have " +
                            std::to_string(columnCount) + " (line " + std::to_string(firstDataLine) + ")",
                        path);
        infos = header;
        positional = false;
        if (unitsLine.size() == columnCount)
            for (std::size_t i = 0; i < columnCount; ++i)
                if (infos[i].unit.empty()) infos[i].unit = unitsLine[i];
    }
    if (!options.columns.empty()) positional = false;
    if (positional && columnCount > 4)
        throw Error("line " + std::to_string(firstDataLine) + ": " + std::to_string(columnCount) +
                        " columns without a header naming them; expected wavelength, flux[, sigma[, mask]] "
                        "(--columns picks them)",
                    path);
    const ColumnValues values = [&](int i) { return column(static_cast<std::size_t>(i)); };
    ColumnChoice choice = chooseColumns(infos, options.columns, values, positional, path);
    if (!choice.complete())
        throw Error("the header (" + std::to_string(columnCount) +
                        " columns) names no wavelength and flux columns, and none could be told by content; "
                        "--columns WAVE,FLUX[,ERR] names them",
                    path);
    s.warnings.insert(s.warnings.end(), choice.warnings.begin(), choice.warnings.end());
    s.provenance.columns = choice.describe(infos);

    const auto& waveInfo = infos[static_cast<std::size_t>(choice.wave)];
    const std::string waveName = toLower(waveInfo.name);
    if (stated.empty()) {
        if (const auto f = angstromsPerUnit(waveInfo.unit))
            stated.push_back({*f, waveInfo.unit, "the column header '" + waveInfo.name + " [" + waveInfo.unit + "]'"});
        else if (directives.waveScale)
            stated.push_back({*directives.waveScale, directives.waveUnitText,
                              "the comment 'wavelength unit: " + directives.waveUnitText + "'"});
        else if (normalizedWaveobs(waveName))
            stated.push_back({10.0, "nm", "the column name 'waveobs' (iSpec writes nm)"});
    }
    if (layout.empty()) {
        const std::string sep = separator == ','   ? "comma-separated"
                                : separator == ';' ? "semicolon-separated"
                                                   : "blank-separated";
        layout = (normalizedWaveobs(waveName) ? "text (iSpec: waveobs, flux, err), " : "text, ") + sep + ", " +
                 std::to_string(columnCount) + " columns" +
                 (header.empty() ? ", no header"
                  : headerLine   ? ", with a header row"
                                 : ", with a commented header");
    }
    s.provenance.layout = layout;

    s.wavelength = column(static_cast<std::size_t>(choice.wave));
    if (choice.logWave)
        for (auto& w : s.wavelength) w = std::pow(10.0, w);
    s.flux = column(static_cast<std::size_t>(choice.flux));
    s.mask.assign(n, 0);
    if (choice.uncertainty >= 0)
        ivarFromUncertainty(uncertaintyKindOf(choice.uncertaintyRole),
                            column(static_cast<std::size_t>(choice.uncertainty)), s.flux, s.ivar, s.mask);
    if (choice.mask >= 0) orMaskNonZero(column(static_cast<std::size_t>(choice.mask)), s.mask);

    double lo = INFINITY, hi = -INFINITY;
    for (double w : s.wavelength)
        if (std::isfinite(w)) {
            lo = std::min(lo, w);
            hi = std::max(hi, w);
        }
    if (!(lo <= hi)) throw Error("the wavelength column holds no finite value", path);
    AxisEvidence evidence;
    evidence.overrideUnit = options.waveUnit;
    const UnitDecision unit = decideWavelengthUnit(stated, lo, hi, evidence, "the wavelength column", path, -1);
    scaleInPlace(s.wavelength, unit.angstromsPerUnit);
    s.provenance.waveUnit = unit.unit;
    s.provenance.waveUnitSource = unit.source;
    s.warnings.insert(s.warnings.end(), unit.warnings.begin(), unit.warnings.end());

    s.medium = Medium::Unknown;
    s.provenance.mediumSource = "not stated";
    if (directives.medium) {
        s.medium = *directives.medium;
        s.provenance.mediumSource = "the comment 'medium: " + std::string(toString(s.medium)) + "'";
    } else if (waveName.find("air") != std::string::npos || waveName == "awav") {
        s.medium = Medium::Air;
        s.provenance.mediumSource = "the column name '" + waveInfo.name + "'";
    } else if (waveName.find("vac") != std::string::npos || waveName == "vwav") {
        s.medium = Medium::Vacuum;
        s.provenance.mediumSource = "the column name '" + waveInfo.name + "'";
    }
    s.fluxUnit = directives.fluxUnit;
    s.objectName = directives.object;
    return s;
}

}  // namespace remap
