#pragma once

#include <string_view>

namespace remap::synth {

// Atomic data the synthesizer needs for one element. Partition functions are power laws
// U(T) = u5040 * (T / 5040 K)^slope fitted by eye to the tabulated values of Gray (2005, Table D.2)
// between 4000 and 7000 K (about 15 % accuracy, smooth in T, which the Jacobians need).
struct ElementData {
    int z = 0;
    std::string_view symbol;
    double mass = 0;                   // atomic mass unit
    double solarAbundance = 0;         // A(X) = log10(N_X / N_H) + 12, Asplund et al. (2009)
    double ionization1 = 0;            // first ionization energy, eV
    double ionization2 = 0;            // second ionization energy, eV
    double u1At5040 = 1, u1Slope = 0;  // neutral partition function
    double u2At5040 = 1, u2Slope = 0;  // singly ionized partition function
    bool alpha = false;                // enhanced by [alpha/M] (O, Mg, Si, S, Ca, Ti)
    bool electronDonor = false;        // counted in the electron-pressure balance
};

// The element with atomic number z, or nullptr when the synthesizer has no data for it.
const ElementData* elementByZ(int z);
// Case-sensitive chemical symbol ("Fe"); nullptr when unknown.
const ElementData* elementBySymbol(std::string_view symbol);

// All elements with data, in increasing z.
const ElementData* elementsBegin();
const ElementData* elementsEnd();

// U(T) of ion stage 1 (neutral) or 2 (singly ionized).
double partitionFunction(const ElementData& element, int ionStage, double temperature);

}  // namespace remap::synth
