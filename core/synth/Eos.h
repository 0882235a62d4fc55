#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace remap::synth {

// Partition functions and molecular dissociation constants of Barklem & Collet (2016, A&A 588, A96),
// tabulated on 42 temperatures up to 10,000 K. Interpolated by a cubic Hermite in ln T (ln U resp. log K);
// above 10,000 K ln U is extrapolated linearly in ln T and log K linearly in 1/T (the molecules are then
// fully dissociated and U changes slowly: H I, He I, the metal ions). The B&C constants are in SI (Pa): the
// table adds 1 to log K per dissociated bond to give cgs (dyn cm^-2). C2's dissociation energy is set to
// 6.24 eV (Visser et al. 2019, as recommended by Aquilina et al. 2024 and done by Korg) instead of 6.371 eV.
class PartitionFunctions {
public:
    static const PartitionFunctions& barklemCollet();

    // U of element z (1..92) in ion stage 1 (neutral), 2 or 3 at temperature T (K); 1 when not tabulated.
    double atomic(int z, int stage, double temperature) const;
    // Index of a diatomic molecule by formula ("CO", "MgH", "H2", "H2+"), or -1.
    int moleculeIndex(std::string_view formula) const;
    const std::string& moleculeName(int index) const { return molecules_[static_cast<std::size_t>(index)].name; }
    // Its constituents' atomic numbers and charge (+1 for H2+).
    std::array<int, 2> moleculeAtoms(int index) const { return molecules_[static_cast<std::size_t>(index)].atoms; }
    double moleculePartition(int index, double temperature) const;
    // log10 of K_p = p_A p_B / p_AB in dyn cm^-2 (cgs).
    double logDissociationConstant(int index, double temperature) const;
    int moleculeCount() const { return static_cast<int>(molecules_.size()); }

private:
    PartitionFunctions();
    struct Table {
        std::vector<double> y;  // ln U (or log K) at the temperature nodes
    };
    struct Molecule {
        std::string name;
        std::array<int, 2> atoms{};
        int charge = 0;
        Table partition, logK;
    };
    double evaluate(const Table& t, double temperature, bool inverseTExtrapolation) const;
    std::vector<double> lnT_;
    std::vector<Table> atomic_;  // (z - 1) * 3 + stage - 1; empty y: not tabulated
    std::vector<Molecule> molecules_;
};

// Number densities of one layer in LTE chemical and ionization equilibrium (cm^-3).
struct EosState {
    double temperature = 0;
    double electrons = 0;       // n_e
    double hydrogenNuclei = 0;  // all H (atoms, ions, molecules)
    double hMinus = 0, h2 = 0, h2Plus = 0;
    double massDensity = 0;                             // g cm^-3
    std::array<std::array<double, 3>, 92> atoms{};      // [z - 1][stage - 1]
    std::array<std::array<double, 3>, 92> partition{};  // U(T) of the same species
    std::vector<double> molecules;                      // per PartitionFunctions molecule index (0 if unused)
    std::vector<double> moleculePartition;              // U(T) of each molecule
    double neutral(int z) const { return atoms[static_cast<std::size_t>(z - 1)][0]; }
    double ion(int z, int stage) const
    {
        return atoms[static_cast<std::size_t>(z - 1)][static_cast<std::size_t>(stage - 1)];
    }
};

// LTE equation of state: Saha ionization (neutral, singly and doubly ionized) of every element with the
// B&C partition functions and ionization energies, H- and H2+, and the dissociation equilibrium of the
// diatomic molecules H2, CH, NH, OH, C2, CN, CO, N2, NO, O2, MgH, AlH, SiH, CaH, TiH, FeH, SiO, TiO, VO, ZrO,
// MgO, AlO, CaO, SiC, SiN, solved together with particle and charge conservation at given T and P_gas by a
// Newton iteration in the logarithms of n_e, N_H and the free atoms of H, C, N, O, Mg, Al, Si, Ca, Ti, V, Fe,
// Zr (converged to 1e-10, so the result is a smooth function of T, P and the abundances). Polyatomic
// molecules (H2O, ...) are not included: they matter below ~3500 K.
class EquationOfState {
public:
    // logEps: A(X) = log10(N_X/N_H) + 12 for z = 1..92 (index z - 1); elements below -20 are ignored.
    explicit EquationOfState(const std::vector<double>& logEps);

    // Solves one layer; `electronGuess` (e.g. the model atmosphere's n_e) starts the iteration. Throws
    // remap::Error if the iteration does not converge.
    EosState solve(double temperature, double gasPressure, double electronGuess) const;
    // Solves a whole atmosphere from the deepest layer up (each layer starts from the one below).
    std::vector<EosState> solveColumn(const std::vector<double>& temperature, const std::vector<double>& gasPressure,
                                      const std::vector<double>& electronGuess) const;

    const std::vector<double>& abundances() const { return eps_; }  // N_X / N_H

private:
    std::vector<double> eps_;
    std::vector<int> network_;    // z of the atoms solved for explicitly (H first)
    std::vector<int> molecules_;  // PartitionFunctions indices with both atoms in the network (charge 0)
    int h2Plus_ = -1;
    double massPerH_ = 0;  // g per H nucleus
};

}  // namespace remap::synth
