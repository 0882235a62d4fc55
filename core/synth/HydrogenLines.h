#pragma once

#include <vector>

namespace remap::synth {

// H beta (n = 2 -> 4, the only hydrogen line that reaches 4850-5850 A): the Stark + thermal-Doppler profiles of
// Stehle & Hutcheson (1999), interpolated bilinearly in (log n_e, log T) and log-log in |dnu|/F0 (beyond the
// table the Holtsmark |dnu|^-5/2 wing), plus the wing of the self-broadening (resonance) Lorentzian of
// Barklem, Piskunov & O'Mara (2000; ABO sigma = 2320 a0^2, alpha = 0.455), added outside 3 Doppler widths:
// the wings of a convolution are the sum of the wings. The core (formed in the chromosphere, NLTE) is not
// meant to be right.
class HydrogenBeta {
public:
    static const HydrogenBeta& instance();

    double vacuumWavelength() const { return lambda0_; }
    double logGf() const { return logGf_; }

    // The profile of one layer: phi(dnu) per Hz, normalized to ~1 over frequency.
    struct Layer {
        std::vector<double> logProfile;  // at the table's log x nodes
        double f0 = 0, profileAtZero = 0, selfWidth = 0, doppler = 0;
    };
    Layer layer(double temperature, double electrons, double neutralHydrogen) const;
    double profile(const Layer& l, double dnu) const;

private:
    HydrogenBeta();
    double lambda0_ = 0, logGf_ = 0;
    std::vector<double> logX_;          // log10 x at nodes 1..n-1 (node 0 is x = 0)
    std::vector<double> logNe_, logT_;  // table axes
    std::vector<double> profile_;       // [ne][T][x]
};

}  // namespace remap::synth
