#include "io/formats/IrafFormats.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"

#include <cctype>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

namespace remap {

using namespace io;

namespace {

constexpr std::size_t kWatPieceLength = 68;

bool isMultispec(FitsFile& file)
{
    file.moveTo(0);
    return toUpper(trim(file.keyString("CTYPE1").value_or(""))) == "MULTISPE" ||
           containsI(file.keyString("WAT0_001").value_or(""), "multispec");
}

// Angstrom per wavelength unit from WAT1_001 "units=..." (IRAF writes angstroms, nanometers, microns).
double watUnits(FitsFile& file)
{
    const std::string wat1 = file.keyString("WAT1_001").value_or("");
    const auto pos = toLower(wat1).find("units=");
    if (pos == std::string::npos) return 1.0;
    std::size_t end = pos + 6;
    while (end < wat1.size() && !std::isspace(static_cast<unsigned char>(wat1[end]))) ++end;
    const std::string unit = wat1.substr(pos + 6, end - pos - 6);
    const auto factor = angstromsPerUnit(unit);
    if (!factor) file.fail("WAT1_001 gives units '" + unit + "', which is not a wavelength unit");
    return *factor;
}

// The value of a raw "KEY     = 'text'" record, quotes removed and '' unescaped; trailing blanks kept.
std::optional<std::string> quotedValue(const std::string& record)
{
    const auto open = record.find('\'', 8);
    if (open == std::string::npos) return std::nullopt;
    std::string out;
    for (std::size_t i = open + 1; i < record.size(); ++i) {
        if (record[i] == '\'') {
            if (i + 1 < record.size() && record[i + 1] == '\'') {
                out += '\'';
                ++i;
                continue;
            }
            return out;
        }
        out += record[i];
    }
    return out;  // unterminated: take the rest
}

}  // namespace

std::string joinWat2(const std::vector<std::string>& records)
{
    std::map<long, std::string> pieces;
    for (const auto& record : records) {
        if (record.size() < 9 || !startsWithI(record, "WAT2_")) continue;
        std::size_t end = 5;
        while (end < 8 && end < record.size() && std::isdigit(static_cast<unsigned char>(record[end]))) ++end;
        if (end == 5) continue;
        const long index = std::stol(record.substr(5, end - 5));
        if (auto value = quotedValue(record)) pieces[index] = std::move(*value);
    }
    std::string joined;
    std::size_t count = 0;
    for (auto& [index, piece] : pieces) {
        ++count;
        // Writers that drop trailing blanks would glue two tokens together: restore the 68 characters.
        if (count < pieces.size() && piece.size() < kWatPieceLength) piece.resize(kWatPieceLength, ' ');
        joined += piece;
    }
    return joined;
}

std::optional<MultispecOrder> parseMultispecOrder(const std::string& wat2, int order)
{
    const std::string key = "spec" + std::to_string(order);
    std::size_t pos = 0;
    while ((pos = wat2.find(key, pos)) != std::string::npos) {
        const bool startOk = pos == 0 || std::isspace(static_cast<unsigned char>(wat2[pos - 1]));
        std::size_t q = pos + key.size();
        while (q < wat2.size() && wat2[q] == ' ') ++q;
        if (!startOk || q >= wat2.size() || wat2[q] != '=') {
            pos += key.size();
            continue;
        }
        ++q;
        while (q < wat2.size() && wat2[q] == ' ') ++q;
        if (q >= wat2.size() || wat2[q] != '"') throw std::invalid_argument(key + " has no quoted value");
        const auto close = wat2.find('"', q + 1);
        if (close == std::string::npos) throw std::invalid_argument(key + " has no closing quote");
        std::istringstream in(wat2.substr(q + 1, close - q - 1));
        std::vector<double> fields;
        std::string token;
        while (in >> token) {
            std::size_t used = 0;
            double value = 0;
            try {
                value = std::stod(token, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != token.size()) throw std::invalid_argument(key + " holds '" + token + "', not a number");
            fields.push_back(value);
        }
        if (fields.size() < 7)
            throw std::invalid_argument(key + " has " + std::to_string(fields.size()) +
                                        " numbers; expected ap beam dtype w1 dw nw z ...");
        MultispecOrder o;
        o.ap = static_cast<int>(fields[0]);
        o.beam = static_cast<int>(fields[1]);
        o.dtype = static_cast<int>(fields[2]);
        o.w1 = fields[3];
        o.dw = fields[4];
        o.nw = static_cast<long>(fields[5]);
        o.z = fields[6];
        return o;
    }
    return std::nullopt;
}

bool Iraf1dFormat::matches(FitsFile& file) const
{
    file.moveTo(0);
    if (file.imageShape().empty() || isMultispec(file)) return false;
    if (!file.hasKey("CRVAL1")) return false;
    return file.hasKey("DC-FLAG") || containsI(file.keyString("WAT0_001").value_or(""), "equispec");
}

Spectrum Iraf1dFormat::read(FitsFile& file, const ReadOptions& options) const
{
    file.moveTo(0);
    if (isMultispec(file)) file.fail("this is an IRAF multispec file (CTYPE1 'MULTISPE'): read it as iraf-multispec");
    const auto shape = file.imageShape();
    if (shape.empty()) file.fail("the primary HDU holds no image: not an IRAF onedspec file");
    Spectrum s = startSpectrum(file, 0);

    const auto dcFlag = file.keyInt("DC-FLAG").value_or(0);
    if (dcFlag == -1) file.fail("no wavelength solution (DC-FLAG = -1): the spectrum is not dispersion-corrected");
    if (dcFlag != 0 && dcFlag != 1)
        file.fail("DC-FLAG = " + std::to_string(dcFlag) + " is not supported (0 linear, 1 log-linear)");

    // Equispec images may stack apertures along axis 2 and bands along axis 3: take
    // aperture `order`, band 1.
    const long n = shape[0];
    const long apertures = shape.size() >= 2 ? shape[1] : 1;
    if (options.order < 1 || options.order > apertures)
        file.fail("aperture " + std::to_string(options.order) + " does not exist: the image holds " +
                  std::to_string(apertures) + (apertures == 1 ? " spectrum" : " spectra") + " (" +
                  describeShape(shape) + ")");
    const auto data = file.readImage();
    const auto offset = static_cast<std::size_t>(options.order - 1) * static_cast<std::size_t>(n);
    s.flux.assign(data.begin() + static_cast<std::ptrdiff_t>(offset),
                  data.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(n)));
    requireSomeFinite(file, s.flux);

    const AxisKeywords axis = readAxisKeywords(file);
    requireAxisSolution(file, axis);
    const double crpix = axis.crpix.value_or(1.0);
    const auto count = static_cast<std::size_t>(n);
    s.wavelength = dcFlag == 1 ? log10Axis(count, *axis.crval, *axis.delta, crpix)
                               : linearAxis(count, *axis.crval, *axis.delta, crpix);
    scaleInPlace(s.wavelength, watUnits(file));
    s.medium = Medium::Air;  // IRAF has no medium keyword; ground-based data are in air by convention
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
    copyKeyToMetadata(file, "APNUM1", s, "aperture");
    return s;
}

bool IrafMultispecFormat::matches(FitsFile& file) const
{
    return isMultispec(file);
}

Spectrum IrafMultispecFormat::read(FitsFile& file, const ReadOptions& options) const
{
    if (!isMultispec(file)) file.fail("not an IRAF multispec file: CTYPE1 is not 'MULTISPE'");
    file.moveTo(0);
    const auto shape = file.imageShape();
    if (shape.empty()) file.fail("the primary HDU holds no image");
    Spectrum s = startSpectrum(file, 0);
    const int order = options.order;
    const long n = shape[0];
    const long rows = shape.size() >= 2 ? shape[1] : 1;

    const std::string wat2 = joinWat2(file.records());
    if (wat2.empty()) file.fail("no WAT2_nnn cards: the multispec wavelength solutions are missing");
    std::optional<MultispecOrder> solution;
    try {
        solution = parseMultispecOrder(wat2, order);
    } catch (const std::invalid_argument& e) {
        file.fail(std::string("malformed multispec WAT2 entry: ") + e.what());
    }
    if (!solution || order < 1 || order > rows)
        file.fail("order " + std::to_string(order) + " (spec" + std::to_string(order) +
                  ") is not in the file: the image has " + std::to_string(rows) + (rows == 1 ? " order" : " orders"));
    if (solution->dtype == -1) file.fail("order " + std::to_string(order) + " has no wavelength solution (dtype -1)");
    if (solution->dtype == 2)
        file.fail("order " + std::to_string(order) +
                  " uses a non-linear dispersion (dtype 2), which is not supported; linearize it first (IRAF dispcor)");
    if (solution->dtype != 0 && solution->dtype != 1)
        file.fail("order " + std::to_string(order) + " has dispersion type " + std::to_string(solution->dtype) +
                  ", which is not supported");
    if (!std::isfinite(solution->dw) || solution->dw == 0.0)
        file.fail("zero or non-finite dispersion in spec" + std::to_string(order) +
                  " (dw = " + formatNumber(solution->dw) + ")");
    if (!std::isfinite(solution->z) || solution->z <= -1.0)
        file.fail("spec" + std::to_string(order) + " has an invalid redshift z = " + formatNumber(solution->z));

    const auto data = file.readImage();
    const std::size_t offset = static_cast<std::size_t>(order - 1) * static_cast<std::size_t>(n);
    // Logical (image) pixel l relates to the physical pixel p of the solution by l = LTM1_1 p + LTV1.
    const double ltv = file.keyDouble("LTV1").value_or(0.0);
    const double ltm = file.keyDouble("LTM1_1").value_or(1.0);
    if (ltm == 0.0 || !std::isfinite(ltm)) file.fail("LTM1_1 is zero: the physical pixel mapping is invalid");
    const double unit = watUnits(file);
    for (long l = 1; l <= n; ++l) {
        const double p = (static_cast<double>(l) - ltv) / ltm;
        if (solution->nw > 0 && (p < 1.0 - 1e-9 || p > static_cast<double>(solution->nw) + 1e-9)) continue;
        double w = solution->w1 + solution->dw * (p - 1.0);
        if (solution->dtype == 1) w = std::pow(10.0, w);
        s.wavelength.push_back(unit * w / (1.0 + solution->z));
        s.flux.push_back(data[offset + static_cast<std::size_t>(l - 1)]);
    }
    if (s.flux.empty()) file.fail("order " + std::to_string(order) + " has no valid pixels (nw = 0?)");
    requireSomeFinite(file, s.flux);
    s.medium = Medium::Air;
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
    s.metadata["order"] = std::to_string(order);
    s.metadata["aperture"] = std::to_string(solution->ap);
    s.metadata["beam"] = std::to_string(solution->beam);
    return s;
}

}  // namespace remap
