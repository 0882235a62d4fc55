#include "io/MultispecWcs.h"

#include "io/ReaderSupport.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

namespace remap {

using namespace io;

namespace {

constexpr std::size_t kWatPieceLength = 68;

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

// Number of tokens a function takes in total (weight, offset, type, order and the rest), per wfmspec.
std::size_t functionLength(int type, int order)
{
    switch (type) {
        case DispersionFunction::Chebyshev:
        case DispersionFunction::Legendre:
            return 6 + static_cast<std::size_t>(order);  // pmin pmax, order coefficients
        case DispersionFunction::CubicSpline:
            return 9 + static_cast<std::size_t>(order);  // pmin pmax, npieces + 3 coefficients
        case DispersionFunction::LinearSpline:
            return 7 + static_cast<std::size_t>(order);  // pmin pmax, npieces + 1 coefficients
        case DispersionFunction::PixelArray:
            return 4 + static_cast<std::size_t>(order);  // the values at pixels 1..order
        case DispersionFunction::SampledArray:
            return 5 + static_cast<std::size_t>(order);  // a dummy field, then order numbers (pairs)
        default:
            return 0;
    }
}

}  // namespace

double DispersionFunction::evaluate(double p) const
{
    switch (type) {
        case Chebyshev:
        case Legendre: {
            const double n = (p - 0.5 * (pmax + pmin)) * 2.0 / (pmax - pmin);
            double sum = coefficients.empty() ? 0.0 : coefficients[0];
            if (coefficients.size() > 1) sum += coefficients[1] * n;
            double a = 1.0, b = n;
            for (std::size_t i = 3; i <= coefficients.size(); ++i) {
                const auto k = static_cast<double>(i);
                const double c =
                    type == Chebyshev ? 2.0 * n * b - a : ((2.0 * k - 3.0) * n * b - (k - 2.0) * a) / (k - 1.0);
                sum += coefficients[i - 1] * c;
                a = b;
                b = c;
            }
            return sum;
        }
        case CubicSpline:
        case LinearSpline: {
            const double s = (p - pmin) * static_cast<double>(order) / (pmax - pmin);
            const int j = std::clamp(static_cast<int>(s), 0, order - 1);
            const double b = s - j, a = 1.0 - b;
            const auto c = coefficients.begin() + j;
            if (type == LinearSpline) return a * c[0] + b * c[1];
            const double ab = a * b;
            return a * a * a * c[0] + (1.0 + 3.0 * a * (1.0 + ab)) * c[1] + (1.0 + 3.0 * b * (1.0 + ab)) * c[2] +
                   b * b * b * c[3];
        }
        case PixelArray: {
            const int i = std::clamp(static_cast<int>(p), 1, order - 1);
            const double t = p - i;
            return (1.0 - t) * coefficients[static_cast<std::size_t>(i - 1)] +
                   t * coefficients[static_cast<std::size_t>(i)];
        }
        case SampledArray: {
            // Pairs (pixel, wavelength) in increasing pixel order; linear between the bracketing pair.
            const std::size_t pairs = coefficients.size() / 2;
            std::size_t k = 0;
            while (k + 2 < pairs && p > coefficients[2 * (k + 1)]) ++k;
            const double x0 = coefficients[2 * k], y0 = coefficients[2 * k + 1];
            const double x1 = coefficients[2 * k + 2], y1 = coefficients[2 * k + 3];
            return y0 + (p - x0) / (x1 - x0) * (y1 - y0);
        }
        default:
            return std::nan("");
    }
}

double MultispecOrder::wavelength(double p) const
{
    double w = 0.0;
    if (dtype == 2) {
        const double x = nw > 0 ? std::clamp(p, 0.5, static_cast<double>(nw) + 0.5) : p;
        double sum = 0.0, weights = 0.0;
        for (const auto& f : functions) {
            sum += f.weight * (f.offset + f.evaluate(x));
            weights += f.weight;
        }
        // IRAF's WFMSPEC divides by the sum of the weights; for weights summing to 1 (what IRAF writes)
        // that is the documented sum.
        w = sum / weights;
    } else {
        w = w1 + dw * (p - 1.0);
        if (dtype == 1) w = std::pow(10.0, w);
    }
    return w / (1.0 + z);
}

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
            std::string t = token;
            for (auto& c : t)
                if (c == 'D' || c == 'd') c = 'E';  // Fortran exponents
            try {
                value = std::stod(t, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != t.size()) throw std::invalid_argument(key + " holds '" + token + "', not a number");
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
        if (fields.size() > 7) o.aplow = fields[7];
        if (fields.size() > 8) o.aphigh = fields[8];
        if (o.dtype == 2) {
            std::size_t i = 9;
            int number = 0;
            while (i < fields.size()) {
                ++number;
                const std::string fn = key + " function " + std::to_string(number);
                if (i + 4 > fields.size())
                    throw std::invalid_argument(fn + " is cut short (needs weight, offset, type and order)");
                DispersionFunction f;
                f.weight = fields[i];
                f.offset = fields[i + 1];
                f.type = static_cast<int>(std::lround(fields[i + 2]));
                f.order = static_cast<int>(std::lround(fields[i + 3]));
                const std::size_t length = functionLength(f.type, f.order);
                if (length == 0)
                    throw std::invalid_argument(fn + " has type " + formatNumber(fields[i + 2]) +
                                                "; IRAF defines 1 Chebyshev, 2 Legendre, 3 cubic spline, 4 linear "
                                                "spline, 5 pixel array, 6 sampled array");
                if (f.order < 1 || (f.order < 2 && (f.type == DispersionFunction::PixelArray)))
                    throw std::invalid_argument(fn + " has order " + std::to_string(f.order));
                if (i + length > fields.size())
                    throw std::invalid_argument(fn + " needs " + std::to_string(length) + " numbers but only " +
                                                std::to_string(fields.size() - i) + " remain");
                const auto first = fields.begin() + static_cast<std::ptrdiff_t>(i);
                switch (f.type) {
                    case DispersionFunction::Chebyshev:
                    case DispersionFunction::Legendre:
                    case DispersionFunction::CubicSpline:
                    case DispersionFunction::LinearSpline:
                        f.pmin = first[4];
                        f.pmax = first[5];
                        if (!(f.pmax != f.pmin)) throw std::invalid_argument(fn + " has pmin = pmax");
                        f.coefficients.assign(first + 6, first + static_cast<std::ptrdiff_t>(length));
                        break;
                    case DispersionFunction::PixelArray:
                        f.coefficients.assign(first + 4, first + static_cast<std::ptrdiff_t>(length));
                        break;
                    case DispersionFunction::SampledArray:
                        f.coefficients.assign(first + 5, first + static_cast<std::ptrdiff_t>(length));
                        if (f.coefficients.size() < 4 || f.coefficients.size() % 2 != 0)
                            throw std::invalid_argument(fn + " needs at least two (pixel, wavelength) pairs");
                        break;
                }
                o.functions.push_back(std::move(f));
                i += length;
            }
            if (o.functions.empty()) throw std::invalid_argument(key + " is non-linear (dtype 2) but has no function");
            double weights = 0;
            for (const auto& f : o.functions) weights += f.weight;
            if (!(weights != 0) || !std::isfinite(weights))
                throw std::invalid_argument(key + " has function weights that sum to zero");
        }
        return o;
    }
    return std::nullopt;
}

}  // namespace remap
