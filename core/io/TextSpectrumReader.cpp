#include "io/TextSpectrumReader.h"

#include "base/Error.h"
#include "io/ReaderSupport.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

namespace remap {

using namespace io;

namespace {

enum class Role { Unknown, Wave, Flux, Sigma, Ivar, Variance, Mask };

struct HeaderColumn {
    std::string name;
    Role role = Role::Unknown;
    std::optional<double> waveScale;  // Angstrom per unit when the name carries a length unit
};

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

std::vector<std::string> splitFields(const std::string& line, bool& emptyField)
{
    std::vector<std::string> out;
    emptyField = false;
    char sep = 0;
    if (line.find(',') != std::string::npos)
        sep = ',';
    else if (line.find(';') != std::string::npos)
        sep = ';';
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
std::pair<std::string, std::optional<double>> splitNameAndUnit(const std::string& field)
{
    std::string name = trim(field);
    std::optional<double> scale;
    const auto open = name.find_first_of("([");
    if (open != std::string::npos) {
        const auto close = name.find_first_of(")]", open);
        const std::string unit = name.substr(open + 1, (close == std::string::npos ? name.size() : close) - open - 1);
        scale = angstromsPerUnit(unit);
        name = trim(name.substr(0, open));
    } else {
        const auto cut = name.find_last_of("_/");
        if (cut != std::string::npos && cut + 1 < name.size()) {
            if (const auto s = angstromsPerUnit(name.substr(cut + 1)); s && cut > 0) {
                scale = s;
                name = name.substr(0, cut);
            }
        }
    }
    return {toLower(name), scale};
}

Role roleOf(const std::string& name)
{
    auto in = [&](std::initializer_list<const char*> names) {
        for (const char* n : names)
            if (name == n) return true;
        return false;
    };
    if (in({"wavelength", "wave", "lambda", "wl", "lam", "wavelength_air", "wavelength_vac", "wave_air", "wave_vac",
            "air_wave", "vac_wave", "awav", "vwav", "angstrom", "angstroms", "nm", "um", "micron", "microns"}))
        return Role::Wave;
    if (in({"flux", "flam", "fnu", "f", "f_lambda", "counts", "intensity", "spec", "spectrum", "normalized_flux",
            "norm_flux", "fluxes"}))
        return Role::Flux;
    if (in({"sigma", "err", "error", "errors", "uncertainty", "unc", "uncert", "std", "stddev", "noise", "e_flux",
            "flux_err", "flux_error", "error_flux", "fluxerr", "dflux", "eflux"}))
        return Role::Sigma;
    if (in({"ivar", "invvar", "inverse_variance", "inv_var"})) return Role::Ivar;
    if (in({"var", "variance", "flux_var"})) return Role::Variance;
    if (in({"mask", "flag", "flags", "bad", "badpix", "dq", "quality"})) return Role::Mask;
    return Role::Unknown;
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

std::vector<HeaderColumn> parseHeader(const std::vector<std::string>& fields)
{
    std::vector<HeaderColumn> columns;
    for (const auto& f : mergeUnitTokens(fields)) {
        auto [name, scale] = splitNameAndUnit(f);
        HeaderColumn c;
        c.name = name;
        c.role = roleOf(name);
        // A bare unit as the first column name ("nm flux") is the wavelength in that unit.
        if (c.role == Role::Wave && !scale) scale = angstromsPerUnit(name);
        c.waveScale = scale;
        columns.push_back(c);
    }
    return columns;
}

bool hasWaveAndFlux(const std::vector<HeaderColumn>& columns)
{
    bool wave = false, flux = false;
    for (const auto& c : columns) {
        wave = wave || c.role == Role::Wave;
        flux = flux || c.role == Role::Flux;
    }
    return wave && flux;
}

struct Directives {
    std::optional<Medium> medium;
    std::optional<double> waveScale;
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
    } else if (key == "flux unit" || key == "flux_unit" || key == "bunit" || key == "yunit") {
        d.fluxUnit = value;
    } else if (key == "object" || key == "name" || key == "star") {
        d.object = value;
    }
}

}  // namespace

Spectrum readTextSpectrum(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the file for reading", path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string content = buffer.str();
    if (content.empty()) throw Error("the file is empty (0 bytes)", path);
    if (content.compare(0, 9, "SIMPLE  =") == 0) throw Error("this is a FITS file, not a text spectrum", path);
    if (content.find('\0') != std::string::npos)
        throw Error("the file holds binary data: it is neither a FITS file nor a text spectrum", path);
    if (content.compare(0, 3, "\xEF\xBB\xBF") == 0) content.erase(0, 3);  // UTF-8 byte order mark

    Spectrum s;
    s.provenance.file = path;
    s.provenance.hdu = -1;
    Directives directives;
    std::vector<HeaderColumn> header;    // from a header line, or a commented one
    bool headerLine = false;             // a non-comment header line was seen
    std::vector<std::string> unitsLine;  // an optional line of units under the header
    std::vector<std::vector<double>> rows;
    std::size_t columnCount = 0;
    long firstDataLine = 0;

    std::istringstream lines(content);
    std::string raw;
    long lineNo = 0;
    while (std::getline(lines, raw)) {
        ++lineNo;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        std::string line = raw;
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
                    if (hasWaveAndFlux(candidate)) header = std::move(candidate);
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

    // Column roles: from a header that names them, else by position (wave, flux, sigma, mask).
    std::vector<Role> roles(columnCount, Role::Unknown);
    std::optional<double> headerScale;
    std::string waveName;
    if (!header.empty() && hasWaveAndFlux(header)) {
        if (header.size() != columnCount)
            throw Error("the header names " + std::to_string(header.size()) + " columns but the data have " +
                            std::to_string(columnCount) + " (line " + std::to_string(firstDataLine) + ")",
                        path);
        for (std::size_t i = 0; i < columnCount; ++i) {
            roles[i] = header[i].role;
            if (header[i].role == Role::Wave && waveName.empty()) {
                headerScale = header[i].waveScale;
                waveName = header[i].name;
            }
        }
    } else {
        if (columnCount > 4)
            throw Error("line " + std::to_string(firstDataLine) + ": " + std::to_string(columnCount) +
                            " columns without a header naming them; expected wavelength, flux[, sigma[, mask]]",
                        path);
        const Role positional[] = {Role::Wave, Role::Flux, Role::Sigma, Role::Mask};
        for (std::size_t i = 0; i < columnCount; ++i) roles[i] = positional[i];
        // A header whose names we do not know may still carry the wavelength unit.
        if (header.size() == columnCount) headerScale = header[0].waveScale;
    }

    auto indexOf = [&](Role role) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < roles.size(); ++i)
            if (roles[i] == role) return i;
        return std::nullopt;
    };
    const auto waveIndex = indexOf(Role::Wave);
    const auto fluxIndex = indexOf(Role::Flux);
    if (!headerScale && waveIndex && unitsLine.size() == columnCount)
        headerScale = angstromsPerUnit(unitsLine[*waveIndex]);
    const double scale = headerScale.value_or(directives.waveScale.value_or(1.0));
    const std::size_t n = rows.size();
    s.wavelength.resize(n);
    s.flux.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
        s.wavelength[r] = rows[r][*waveIndex] * scale;
        s.flux[r] = rows[r][*fluxIndex];
    }
    s.mask.assign(n, 0);
    auto column = [&](std::size_t index) {
        std::vector<double> values(n);
        for (std::size_t r = 0; r < n; ++r) values[r] = rows[r][index];
        return values;
    };
    if (const auto i = indexOf(Role::Ivar)) {
        s.ivar = column(*i);
        for (std::size_t r = 0; r < n; ++r)
            if (!(s.ivar[r] > 0)) s.mask[r] = 1;
    } else if (const auto v = indexOf(Role::Variance)) {
        ivarFromVariance(column(*v), s.ivar, s.mask);
    } else if (const auto sg = indexOf(Role::Sigma)) {
        ivarFromSigma(column(*sg), s.ivar, s.mask);
    }
    if (const auto m = indexOf(Role::Mask)) orMaskNonZero(column(*m), s.mask);

    s.medium = directives.medium.value_or(Medium::Unknown);
    if (!directives.medium) {
        if (waveName.find("air") != std::string::npos || waveName == "awav") s.medium = Medium::Air;
        if (waveName.find("vac") != std::string::npos || waveName == "vwav") s.medium = Medium::Vacuum;
    }
    s.fluxUnit = directives.fluxUnit;
    s.objectName = directives.object;
    return s;
}

}  // namespace remap
