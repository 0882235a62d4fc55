#include "Voigt.h"

namespace remap::synth {

VoigtProfile::VoigtProfile()
{
    // Dawson's integral F(v) = exp(-v^2) int_0^v exp(t^2) dt from F' = 1 - 2 v F (RK4, step 1/1024).
    const int nodes = static_cast<int>(kVMax) * kPerUnit + 2;
    table_.resize(static_cast<std::size_t>(nodes) * 5);
    const double sqrtPi = 1.7724538509055160273;
    const int sub = 8;
    const double h = 1.0 / (kPerUnit * sub);
    double f = 0.0, v = 0.0;
    auto deriv = [](double x, double y) { return 1.0 - 2.0 * x * y; };
    for (int i = 0; i < nodes; ++i) {
        const double e = std::exp(-v * v);
        double* r = &table_[static_cast<std::size_t>(i) * 5];
        r[0] = e;
        r[1] = -(2.0 / sqrtPi) * (1.0 - 2.0 * v * f);
        r[2] = (1.0 - 2.0 * v * v) * e;
        r[3] = -(2.0 / sqrtPi) * ((2.0 / 3.0) * (1.0 - v * v) - 2.0 * v * (1.0 - (2.0 / 3.0) * v * v) * f);
        r[4] = (0.5 - 2.0 * v * v + (2.0 / 3.0) * v * v * v * v) * e;
        for (int s = 0; s < sub; ++s) {
            const double k1 = deriv(v, f), k2 = deriv(v + h / 2, f + h / 2 * k1), k3 = deriv(v + h / 2, f + h / 2 * k2),
                         k4 = deriv(v + h, f + h * k3);
            f += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            v += h;
        }
        v = static_cast<double>(i + 1) / kPerUnit;  // no accumulated rounding in the node positions
    }
}

const VoigtProfile& VoigtProfile::instance()
{
    static const VoigtProfile p;
    return p;
}

}  // namespace remap::synth
