#pragma once

#include <string>
#include <string_view>

namespace remap::synth {

// Atomic data of one element (resources/physics/elements.dat): NIST standard atomic weight, ionization
// energies of Barklem & Collet (2016), solar photospheric abundance of Asplund et al. (2009).
struct ElementData {
    int z = 0;
    std::string symbol;
    double mass = 0;                   // atomic mass unit
    double solarAbundance = 0;         // A(X) = log10(N_X / N_H) + 12; -99 when the element has none
    double ionization[3] = {0, 0, 0};  // eV, from the neutral, singly and doubly ionized atom; <= 0: n/a
    bool alpha = false;                // enhanced by [alpha/M] (O, Ne, Mg, Si, S, Ar, Ca, Ti)
};

inline constexpr int kElementCount = 92;  // H .. U

// The element with atomic number z (1..92), or nullptr.
const ElementData* elementByZ(int z);
// Case-sensitive chemical symbol ("Fe"); nullptr when unknown.
const ElementData* elementBySymbol(std::string_view symbol);

// All elements, in increasing z (z = index + 1).
const ElementData* elementsBegin();
const ElementData* elementsEnd();

}  // namespace remap::synth
