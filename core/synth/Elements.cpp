#include "Elements.h"

#include <array>
#include <cmath>

namespace remap::synth {
namespace {

// z, symbol, mass, A(X) (Asplund 2009), I1, I2, U1(5040), slope, U2(5040), slope, alpha, donor.
constexpr std::array<ElementData, 24> kElements{{
    {1, "H", 1.008, 12.00, 13.598, 0.0, 2.0, 0.0, 1.0, 0.0, false, true},
    {2, "He", 4.003, 10.93, 24.587, 54.418, 1.0, 0.0, 2.0, 0.0, false, false},
    {6, "C", 12.011, 8.43, 11.260, 24.383, 9.3, 0.10, 6.0, 0.05, false, true},
    {7, "N", 14.007, 7.83, 14.534, 29.601, 4.1, 0.05, 9.0, 0.05, false, false},
    {8, "O", 15.999, 8.69, 13.618, 35.121, 8.8, 0.05, 4.0, 0.0, true, false},
    {11, "Na", 22.990, 6.24, 5.139, 47.286, 2.0, 0.10, 1.0, 0.0, false, true},
    {12, "Mg", 24.305, 7.60, 7.646, 15.035, 1.0, 0.15, 2.0, 0.02, true, true},
    {13, "Al", 26.982, 6.45, 5.986, 18.829, 5.8, 0.05, 1.0, 0.0, false, true},
    {14, "Si", 28.086, 7.51, 8.152, 16.346, 9.4, 0.25, 5.7, 0.05, true, true},
    {16, "S", 32.065, 7.12, 10.360, 23.338, 8.5, 0.10, 4.3, 0.05, true, false},
    {19, "K", 39.098, 5.03, 4.341, 31.625, 2.1, 0.30, 1.0, 0.0, false, true},
    {20, "Ca", 40.078, 6.34, 6.113, 11.872, 1.2, 1.00, 2.1, 0.15, true, true},
    {21, "Sc", 44.956, 3.15, 6.561, 12.800, 10.0, 0.50, 21.0, 0.40, false, false},
    {22, "Ti", 47.867, 4.95, 6.828, 13.576, 28.0, 1.00, 53.0, 0.50, true, false},
    {23, "V", 50.942, 3.93, 6.746, 14.618, 33.0, 0.80, 32.0, 0.60, false, false},
    {24, "Cr", 51.996, 5.64, 6.767, 16.486, 8.7, 0.90, 6.8, 0.30, false, true},
    {25, "Mn", 54.938, 5.43, 7.434, 15.640, 6.3, 0.40, 7.4, 0.20, false, false},
    {26, "Fe", 55.845, 7.50, 7.902, 16.199, 26.0, 1.00, 42.0, 0.60, false, true},
    {27, "Co", 58.933, 4.99, 7.881, 17.084, 29.0, 0.70, 26.0, 0.60, false, false},
    {28, "Ni", 58.693, 6.22, 7.640, 18.169, 28.0, 0.15, 9.5, 0.40, false, true},
    {38, "Sr", 87.620, 2.87, 5.695, 11.030, 1.1, 0.50, 2.0, 0.05, false, false},
    {39, "Y", 88.906, 2.21, 6.217, 12.224, 10.0, 0.60, 16.0, 0.50, false, false},
    {40, "Zr", 91.224, 2.58, 6.634, 13.130, 30.0, 0.90, 45.0, 0.60, false, false},
    {56, "Ba", 137.327, 2.18, 5.212, 10.004, 2.4, 1.00, 4.3, 0.50, false, false},
}};

}  // namespace

const ElementData* elementByZ(int z)
{
    for (const auto& e : kElements)
        if (e.z == z) return &e;
    return nullptr;
}

const ElementData* elementBySymbol(std::string_view symbol)
{
    for (const auto& e : kElements)
        if (e.symbol == symbol) return &e;
    return nullptr;
}

const ElementData* elementsBegin()
{
    return kElements.data();
}
const ElementData* elementsEnd()
{
    return kElements.data() + kElements.size();
}

double partitionFunction(const ElementData& element, int ionStage, double temperature)
{
    const double t = temperature / 5040.0;
    if (ionStage <= 1) return element.u1At5040 * std::pow(t, element.u1Slope);
    return element.u2At5040 * std::pow(t, element.u2Slope);
}

}  // namespace remap::synth
