#pragma once

#include "synth/Eos.h"

#include <vector>

namespace remap::synth {

// Continuous opacity of one layer at one wavelength, per cm (absorption corrected for stimulated emission).
struct ContinuumParts {
    double hMinusBf = 0, hMinusFf = 0;  // H- (McLaughlin et al. 2017; Bell & Berrington 1987)
    double hydrogenBf = 0;              // H I from n >= 3 (Nahar 2021 for n = 3..8, hydrogenic above)
    double hydrogenFf = 0;              // H I free-free, van Hoof et al. (2014) Gaunt factors
    double h2PlusBf = 0;                // H2+ photodissociation (Stancil 1994)
    double heMinusFf = 0;               // He- free-free (John 1994)
    double metalBf = 0;                 // Na I, Mg I, Al I, Ca I (TOPbase)
    double rayleigh = 0;                // H I, He I (Colgan et al. 2016), H2 (Dalgarno & Williams 1962)
    double thomson = 0;                 // electrons
    double absorption() const { return hMinusBf + hMinusFf + hydrogenBf + hydrogenFf + h2PlusBf + heMinusFf + metalBf; }
    double scattering() const { return rayleigh + thomson; }
    double total() const { return absorption() + scattering(); }
};

// The continuum opacity sources of docs/synthesizer.md with the tables of resources/physics/continuum/. Valid
// for 4600-6100 A (the nodes of the derived metal and H I tables; H- and the free-free tables are wider).
// Metal bound-free absorption of C I, Si I and Fe I is not included (no data in the kit): see the docs for its
// estimated size. Immutable and thread-safe.
class ContinuumOpacity {
public:
    static const ContinuumOpacity& standard();

    // lambda in vacuum Angstrom.
    ContinuumParts parts(double lambda, const EosState& layer) const;
    double minWavelength() const { return nodes_.front(); }
    double maxWavelength() const { return nodes_.back(); }

private:
    ContinuumOpacity();
    double hMinusCrossSection(double lambda) const;  // cm^2
    double freeFreeGaunt(double logGamma2, double logU) const;
    // A table values[row][column] bilinear in (row, column), clamped at the edges or extrapolated linearly.
    static double tableAt(const std::vector<double>& rows, const std::vector<double>& columns,
                          const std::vector<double>& values, double row, double column, bool extrapolate);

    std::vector<double> hmEnergy_, hmSigma_;                     // eV, Mb
    std::vector<double> ffLambda_, ffTheta_, ffValue_;           // H- ff
    std::vector<double> heLambda_, heTheta_, heValue_;           // He- ff
    std::vector<double> h2pLambda_, h2pTemperature_, h2pValue_;  // H2+ (A, K, 1e-18 cm^2)
    std::vector<double> gaunt_;                                  // van Hoof: [u][gamma2]
    int gauntGamma_ = 0, gauntU_ = 0;
    double gauntGamma0_ = 0, gauntU0_ = 0, gauntStep_ = 0;
    std::vector<double> nodes_;                // vacuum A
    std::vector<std::vector<double>> hSigma_;  // n = 3..8: Mb at nodes
    struct MetalState {
        double g = 0, excitation = 0;
        std::vector<double> sigma;  // Mb at nodes
    };
    struct Metal {
        int z = 0;
        std::vector<MetalState> states;
    };
    std::vector<Metal> metals_;
};

}  // namespace remap::synth
