#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace remap::synth {

// A 1-D plane-parallel model atmosphere on a Rosseland optical-depth scale (cgs units).
struct ModelAtmosphere {
    double teff = 0, logg = 0, metallicity = 0;  // K, cgs, [M/H]
    double microturbulence = 0;                  // km/s the model was computed with
    std::string source;                          // where it came from ("ATLAS9 interpolated ...", a file)
    std::vector<double> logTauRoss;              // log10 tau_Rosseland, increasing inwards
    std::vector<double> temperature;             // K
    std::vector<double> gasPressure;             // dyn cm^-2
    std::vector<double> electronDensity;         // cm^-3 (the model's own equation of state)
    std::vector<double> kappaRoss;               // Rosseland mean opacity, cm^2 g^-1

    std::size_t size() const { return logTauRoss.size(); }
};

// Castelli & Kurucz ATLAS9 models in the original concatenated format ("TEFF ... GRAVITY ... LTE", the
// ABUNDANCE SCALE and "READ DECK6 n RHOX,T,P,XNE,ABROSS,..." blocks). tau_Ross = integral of ABROSS dRHOX
// (trapezoid; the first layer RHOX*ABROSS), snapped to ATLAS9's standard 72-point grid (log tau -6.875 + 0.125 k)
// when the model is on it (to 0.02 dex). Throws remap::Error naming `source` for malformed input.
std::vector<ModelAtmosphere> parseAtlas9Models(std::string_view text, const std::string& source);
// A MARCS .mod file (Gustafsson et al. 2008): header, the "k lgTauR lgTau5 Depth T Pe Pg ..." and
// "k lgTauR KappaRoss Density ..." tables.
ModelAtmosphere parseMarcsModel(std::string_view text, const std::string& source);
ModelAtmosphere readModelAtmosphere(const std::string& path);  // ATLAS9 (first model) or MARCS, by content

// The embedded Castelli & Kurucz (2003) ODFNEW grid ([M/H] -2.5 .. +0.5, alpha/Fe = 0; the solar-metallicity
// grid is the vturb = 0 km/s one, the others 2 km/s), interpolated the way MARCS/Korg users do: every model is
// put on the common log tau_Ross grid (-6.875 .. +2.0 in steps of 0.125, ATLAS9's own), then T, log P_gas,
// log n_e and log kappa_Ross are interpolated in (Teff, log g, [M/H]) by a tensor-product cubic Hermite
// (Catmull-Rom with the grid's own spacing, one-sided at the grid edges), so the interpolated structure and
// its derivatives are continuous. At grid points it reproduces the grid models (on the common tau grid).
class AtmosphereGrid {
public:
    static const AtmosphereGrid& atlas9();
    explicit AtmosphereGrid(const std::vector<ModelAtmosphere>& models);

    // True when (teff, logg, mh) lies inside the grid's covered domain (every cell corner present).
    bool covers(double teff, double logg, double mh) const;
    // Throws remap::Error (naming the parameters and the domain) outside it.
    ModelAtmosphere interpolate(double teff, double logg, double mh) const;

    const std::vector<double>& teffNodes() const { return teff_; }
    const std::vector<double>& loggNodes() const { return logg_; }
    const std::vector<double>& metallicityNodes() const { return mh_; }
    const std::vector<double>& logTauGrid() const { return tau_; }

private:
    struct Node {
        bool present = false;
        std::vector<double> values;  // per layer: T, log Pg, log ne, log kappa (interleaved)
        double vturb = 0;
    };
    const Node* node(std::size_t it, std::size_t ig, std::size_t im) const;
    // Interpolation weights of the grid nodes (flat index, weight); empty outside the covered domain.
    std::optional<std::vector<std::pair<std::size_t, double>>> weights(double teff, double logg, double mh) const;
    std::vector<double> teff_, logg_, mh_, tau_;
    std::vector<Node> nodes_;
};

}  // namespace remap::synth
