#include "Atmosphere.h"

#include "PhysicsData.h"
#include "base/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace remap::synth {
namespace {

constexpr double kBoltzmann = 1.380649e-16;
constexpr double kTauTop = -6.875, kTauStep = 0.125;
constexpr int kTauLayers = 72;  // -6.875 .. +2.0
constexpr int kQuantities = 4;  // T, log Pg, log ne, log kappa

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::vector<std::string_view> splitLines(std::string_view text)
{
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        lines.push_back(text.substr(pos, eol - pos));
        pos = eol + 1;
    }
    return lines;
}

// The first number after `key` on a line ("GRAVITY 4.50000").
std::optional<double> valueAfter(std::string_view line, std::string_view key)
{
    const auto at = line.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    const auto v = parseNumbers(line.substr(at + key.size()).substr(0, 24));
    if (v.empty()) return std::nullopt;
    return v.front();
}

// Resamples a model onto the common log tau grid (linear in log tau; beyond the model's range the end
// values are held, which only matters for MARCS models that stop at log tau -5 or +2).
std::vector<double> onCommonGrid(const ModelAtmosphere& m)
{
    std::vector<double> out(static_cast<std::size_t>(kTauLayers * kQuantities));
    const auto& x = m.logTauRoss;
    for (int k = 0; k < kTauLayers; ++k) {
        const double t = kTauTop + kTauStep * k;
        std::size_t j = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), t) - x.begin());
        j = std::clamp<std::size_t>(j, 1, x.size() - 1);
        double w = (t - x[j - 1]) / (x[j] - x[j - 1]);
        w = std::clamp(w, 0.0, 1.0);
        auto lerp = [&](double a, double b) { return a + w * (b - a); };
        double* o = &out[static_cast<std::size_t>(k * kQuantities)];
        o[0] = lerp(m.temperature[j - 1], m.temperature[j]);
        o[1] = lerp(std::log10(m.gasPressure[j - 1]), std::log10(m.gasPressure[j]));
        o[2] = lerp(std::log10(m.electronDensity[j - 1]), std::log10(m.electronDensity[j]));
        o[3] = lerp(std::log10(m.kappaRoss[j - 1]), std::log10(m.kappaRoss[j]));
    }
    return out;
}

void checkModel(const ModelAtmosphere& m)
{
    if (m.size() < 10) throw Error("the model atmosphere has fewer than 10 layers", m.source);
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (!(m.temperature[i] > 500 && m.temperature[i] < 1e6) || !(m.gasPressure[i] > 0) ||
            !(m.electronDensity[i] > 0) || !(m.kappaRoss[i] > 0))
            throw Error("the model atmosphere has a non-physical layer " + std::to_string(i + 1), m.source);
        if (i > 0 && !(m.logTauRoss[i] > m.logTauRoss[i - 1]))
            throw Error("the model atmosphere's optical depth does not increase inwards", m.source);
    }
}

// 1-D cubic Hermite (non-uniform Catmull-Rom) weights of the stencil {i-1, i, i+1, i+2} for x in
// [x_i, x_{i+1}]; outer points that are unavailable give one-sided slopes. Returns (index, weight) pairs.
struct Cell {
    std::size_t i = 0;
    double t = 0;
};

std::optional<Cell> cellOf(const std::vector<double>& x, double v)
{
    if (x.size() < 2 || v < x.front() - 1e-9 || v > x.back() + 1e-9) return std::nullopt;
    std::size_t i = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
    i = std::clamp<std::size_t>(i, 1, x.size() - 1) - 1;
    return Cell{i, std::clamp((v - x[i]) / (x[i + 1] - x[i]), 0.0, 1.0)};
}

using Plan = std::map<std::size_t, double>;  // node index -> weight

void accumulate(Plan& into, const Plan& p, double w)
{
    if (w == 0) return;
    for (const auto& [k, v] : p) into[k] += w * v;
}

// Hermite combination along one axis of sub-plans sub(j) (nullopt where unavailable).
template <class Sub>
std::optional<Plan> hermite(const std::vector<double>& x, double v, Sub sub)
{
    const auto c = cellOf(x, v);
    if (!c) return std::nullopt;
    const std::size_t i = c->i;
    const double t = c->t;
    if (t == 0.0) return sub(i);
    if (t == 1.0) return sub(i + 1);
    const auto pi = sub(i), pj = sub(i + 1);
    if (!pi || !pj) return std::nullopt;
    const std::optional<Plan> ph = i > 0 ? sub(i - 1) : std::nullopt;
    const std::optional<Plan> pk = i + 2 < x.size() ? sub(i + 2) : std::nullopt;
    const double h = x[i + 1] - x[i];
    const double t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t, h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    Plan out;
    accumulate(out, *pi, h00);
    accumulate(out, *pj, h01);
    // Slope at x_i: (p_{i+1} - p_{i-1}) / (x_{i+1} - x_{i-1}), or one-sided.
    if (ph) {
        const double d = h / (x[i + 1] - x[i - 1]);
        accumulate(out, *pj, h10 * d);
        accumulate(out, *ph, -h10 * d);
    } else {
        accumulate(out, *pj, h10);
        accumulate(out, *pi, -h10);
    }
    if (pk) {
        const double d = h / (x[i + 2] - x[i]);
        accumulate(out, *pk, h11 * d);
        accumulate(out, *pi, -h11 * d);
    } else {
        accumulate(out, *pj, h11);
        accumulate(out, *pi, -h11);
    }
    return out;
}

}  // namespace

std::vector<ModelAtmosphere> parseAtlas9Models(std::string_view text, const std::string& source)
{
    const auto lines = splitLines(text);
    std::vector<ModelAtmosphere> models;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("TEFF", 0) != 0) continue;
        ModelAtmosphere m;
        m.source = source;
        const auto teff = valueAfter(lines[i], "TEFF");
        const auto logg = valueAfter(lines[i], "GRAVITY");
        if (!teff || !logg) throw Error("ATLAS9 model header without TEFF/GRAVITY: " + std::string(lines[i]), source);
        m.teff = *teff;
        m.logg = *logg;
        std::size_t j = i + 1;
        int layers = 0;
        for (; j < lines.size() && lines[j].rfind("TEFF", 0) != 0; ++j) {
            if (const auto s = valueAfter(lines[j], "ABUNDANCE SCALE"); s && *s > 0) m.metallicity = std::log10(*s);
            if (lines[j].rfind("READ DECK6", 0) == 0) {
                const auto n = valueAfter(lines[j], "READ DECK6");
                layers = n ? static_cast<int>(*n) : 0;
                break;
            }
        }
        if (layers < 10 || j + static_cast<std::size_t>(layers) >= lines.size())
            throw Error("ATLAS9 model " + fmt("%.0f", m.teff) + "/" + fmt("%.2f", m.logg) + " has no READ DECK6 block",
                        source);
        double tau = 0, prevRhox = 0, prevKappa = 0;
        for (int k = 0; k < layers; ++k) {
            const auto v = parseNumbers(lines[j + 1 + static_cast<std::size_t>(k)]);
            if (v.size() < 7)
                throw Error("ATLAS9 model " + fmt("%.0f", m.teff) + "/" + fmt("%.2f", m.logg) + ": malformed layer " +
                                std::to_string(k + 1),
                            source);
            const double rhox = v[0], kappa = v[4];
            tau = k == 0 ? rhox * kappa : tau + 0.5 * (kappa + prevKappa) * (rhox - prevRhox);
            prevRhox = rhox;
            prevKappa = kappa;
            m.logTauRoss.push_back(std::log10(tau));
            m.temperature.push_back(v[1]);
            m.gasPressure.push_back(v[2]);
            m.electronDensity.push_back(v[3]);
            m.kappaRoss.push_back(kappa);
            m.microturbulence = v[6] / 1e5;
        }
        // ATLAS9 puts its 72 layers at log tau_Ross = -6.875 + 0.125 k (Kurucz's own quadrature; the
        // trapezoid above agrees to ~0.002 dex): use the exact grid when the model is on it.
        if (layers == kTauLayers) {
            double worst = 0;
            for (int k = 0; k < layers; ++k)
                worst =
                    std::max(worst, std::fabs(m.logTauRoss[static_cast<std::size_t>(k)] - (kTauTop + kTauStep * k)));
            if (worst < 0.02)
                for (int k = 0; k < layers; ++k) m.logTauRoss[static_cast<std::size_t>(k)] = kTauTop + kTauStep * k;
        }
        checkModel(m);
        models.push_back(std::move(m));
        i = j + static_cast<std::size_t>(layers);
    }
    if (models.empty()) throw Error("no ATLAS9 model (a line starting with TEFF) found", source);
    return models;
}

ModelAtmosphere parseMarcsModel(std::string_view text, const std::string& source)
{
    const auto lines = splitLines(text);
    ModelAtmosphere m;
    m.source = source;
    std::size_t i = 0;
    for (; i < lines.size(); ++i) {
        const auto v = parseNumbers(lines[i].substr(0, std::min<std::size_t>(lines[i].size(), 12)));
        if (lines[i].find("Teff [K]") != std::string_view::npos && !v.empty()) m.teff = v[0];
        if (lines[i].find("Surface gravity") != std::string_view::npos && !v.empty()) m.logg = std::log10(v[0]);
        if (lines[i].find("Microturbulence") != std::string_view::npos && !v.empty()) m.microturbulence = v[0];
        if (lines[i].find("Metallicity") != std::string_view::npos && !v.empty()) m.metallicity = v[0];
        if (lines[i].find("lgTauR  lgTau5") != std::string_view::npos) break;
    }
    if (i >= lines.size() || m.teff <= 0) throw Error("not a MARCS model (no Teff or structure table)", source);
    std::vector<double> pe;
    for (++i; i < lines.size(); ++i) {
        const auto v = parseNumbers(lines[i]);
        if (v.size() < 9) break;
        m.logTauRoss.push_back(v[1]);
        m.temperature.push_back(v[4]);
        pe.push_back(v[5]);
        m.gasPressure.push_back(v[6]);
        m.electronDensity.push_back(v[5] / (kBoltzmann * v[4]));
    }
    for (; i < lines.size(); ++i)
        if (lines[i].find("KappaRoss") != std::string_view::npos) break;
    for (++i; i < lines.size() && m.kappaRoss.size() < m.logTauRoss.size(); ++i) {
        const auto v = parseNumbers(lines[i]);
        if (v.size() < 8) break;
        m.kappaRoss.push_back(v[2]);
    }
    if (m.kappaRoss.size() != m.logTauRoss.size())
        throw Error("the MARCS model's KappaRoss table is incomplete", source);
    checkModel(m);
    return m;
}

ModelAtmosphere readModelAtmosphere(const std::string& path)
{
    const std::string text = readFileText(path, "model atmosphere");
    if (text.rfind("TEFF", 0) == 0) return parseAtlas9Models(text, path).front();
    return parseMarcsModel(text, path);
}

AtmosphereGrid::AtmosphereGrid(const std::vector<ModelAtmosphere>& models)
{
    auto addUnique = [](std::vector<double>& v, double x) {
        for (double y : v)
            if (std::fabs(x - y) < 1e-6) return;
        v.push_back(x);
    };
    for (const auto& m : models) {
        addUnique(teff_, m.teff);
        addUnique(logg_, m.logg);
        addUnique(mh_, std::round(m.metallicity * 100.0) / 100.0);
    }
    std::sort(teff_.begin(), teff_.end());
    std::sort(logg_.begin(), logg_.end());
    std::sort(mh_.begin(), mh_.end());
    for (int k = 0; k < kTauLayers; ++k) tau_.push_back(kTauTop + kTauStep * k);
    nodes_.resize(teff_.size() * logg_.size() * mh_.size());
    auto index = [](const std::vector<double>& v, double x) {
        for (std::size_t i = 0; i < v.size(); ++i)
            if (std::fabs(v[i] - x) < 1e-6) return i;
        return v.size();
    };
    for (const auto& m : models) {
        const std::size_t it = index(teff_, m.teff), ig = index(logg_, m.logg),
                          im = index(mh_, std::round(m.metallicity * 100.0) / 100.0);
        Node& n = nodes_[(im * logg_.size() + ig) * teff_.size() + it];
        n.present = true;
        n.values = onCommonGrid(m);
        n.vturb = m.microturbulence;
    }
}

const AtmosphereGrid::Node* AtmosphereGrid::node(std::size_t it, std::size_t ig, std::size_t im) const
{
    const Node& n = nodes_[(im * logg_.size() + ig) * teff_.size() + it];
    return n.present ? &n : nullptr;
}

std::optional<std::vector<std::pair<std::size_t, double>>> AtmosphereGrid::weights(double teff, double logg,
                                                                                   double mh) const
{
    auto planTeff = [&](std::size_t ig, std::size_t im) {
        return hermite(teff_, teff, [&](std::size_t it) -> std::optional<Plan> {
            if (!node(it, ig, im)) return std::nullopt;
            return Plan{{(im * logg_.size() + ig) * teff_.size() + it, 1.0}};
        });
    };
    auto planLogg = [&](std::size_t im) {
        return hermite(logg_, logg, [&](std::size_t ig) { return planTeff(ig, im); });
    };
    const auto plan = hermite(mh_, mh, planLogg);
    if (!plan) return std::nullopt;
    return std::vector<std::pair<std::size_t, double>>(plan->begin(), plan->end());
}

bool AtmosphereGrid::covers(double teff, double logg, double mh) const
{
    return weights(teff, logg, mh).has_value();
}

ModelAtmosphere AtmosphereGrid::interpolate(double teff, double logg, double mh) const
{
    const auto plan = weights(teff, logg, mh);
    if (!plan)
        throw Error("Teff " + fmt("%g", teff) + " K, log g " + fmt("%g", logg) + ", [M/H] " + fmt("%g", mh) +
                    " lies outside the ATLAS9 model grid (Teff " + fmt("%g", teff_.front()) + "-" +
                    fmt("%g", teff_.back()) + " K, log g up to " + fmt("%g", logg_.back()) + " with a Teff-dependent " +
                    "lower limit, [M/H] " + fmt("%g", mh_.front()) + ".." + fmt("%+g", mh_.back()) + ")");
    std::vector<double> values(static_cast<std::size_t>(kTauLayers * kQuantities), 0.0);
    double vturb = 0;
    for (const auto& [k, w] : *plan) {
        const Node& n = nodes_[k];
        for (std::size_t q = 0; q < values.size(); ++q) values[q] += w * n.values[q];
        vturb += w * n.vturb;
    }
    ModelAtmosphere m;
    m.teff = teff;
    m.logg = logg;
    m.metallicity = mh;
    m.microturbulence = vturb;
    m.source = "ATLAS9 ODFNEW (Castelli & Kurucz 2003) interpolated to " + fmt("%.0f", teff) + "/" + fmt("%.2f", logg) +
               "/" + fmt("%+.2f", mh);
    for (int k = 0; k < kTauLayers; ++k) {
        const double* v = &values[static_cast<std::size_t>(k * kQuantities)];
        m.logTauRoss.push_back(tau_[static_cast<std::size_t>(k)]);
        m.temperature.push_back(v[0]);
        m.gasPressure.push_back(std::pow(10.0, v[1]));
        m.electronDensity.push_back(std::pow(10.0, v[2]));
        m.kappaRoss.push_back(std::pow(10.0, v[3]));
    }
    return m;
}

const AtmosphereGrid& AtmosphereGrid::atlas9()
{
    static const AtmosphereGrid grid = [] {
        std::vector<ModelAtmosphere> all;
        for (const char* name : {"am25k2odfnew", "am20k2odfnew", "am15k2odfnew", "am10k2odfnew", "am05k2odfnew",
                                 "ap00k0odfnew", "ap02k2odfnew", "ap05k2odfnew"}) {
            const std::string file = std::string("atmospheres/") + name + ".dat.gz";
            auto models = parseAtlas9Models(physicsFile(file), "physics data " + file);
            all.insert(all.end(), std::make_move_iterator(models.begin()), std::make_move_iterator(models.end()));
        }
        return AtmosphereGrid(all);
    }();
    return grid;
}

}  // namespace remap::synth
