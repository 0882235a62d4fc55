#include "Transfer.h"

#include <cmath>
#include <limits>

namespace remap::synth {

double exponentialIntegral(int n, double x)
{
    // Numerical Recipes' algorithm (series for x <= 1, Lentz continued fraction above), to 1e-15.
    constexpr double kEuler = 0.57721566490153286061;
    constexpr double kEps = 1e-15;
    const int nm1 = n - 1;
    if (x == 0.0) return nm1 > 0 ? 1.0 / nm1 : std::numeric_limits<double>::infinity();
    if (x > 1.0) {
        double b = x + n, c = 1.0 / 1e-300, d = 1.0 / b, h = d;
        for (int i = 1; i <= 500; ++i) {
            const double a = -static_cast<double>(i) * (nm1 + i);
            b += 2.0;
            d = 1.0 / (a * d + b);
            c = b + a / c;
            const double del = c * d;
            h *= del;
            if (std::fabs(del - 1.0) < kEps) break;
        }
        return h * std::exp(-x);
    }
    double ans = nm1 != 0 ? 1.0 / nm1 : -std::log(x) - kEuler;
    double fact = 1.0;
    for (int i = 1; i <= 500; ++i) {
        fact *= -x / i;
        double del;
        if (i != nm1) {
            del = -fact / (i - nm1);
        } else {
            double psi = -kEuler;
            for (int k = 1; k <= nm1; ++k) psi += 1.0 / k;
            del = fact * (-std::log(x) + psi);
        }
        ans += del;
        if (std::fabs(del) < std::fabs(ans) * kEps) break;
    }
    return ans;
}

ExponentialIntegrals::ExponentialIntegrals()
{
    const int coarse = static_cast<int>((kMax - 1.0) * kCoarsePerUnit) + 2;
    const int nodes = kFineNodes + coarse;
    table_.resize(static_cast<std::size_t>(nodes) * 4);
    for (int i = 0; i < nodes; ++i) {
        const double x = i < kFineNodes ? static_cast<double>(i) / kFinePerUnit
                                        : 1.0 + static_cast<double>(i - (kFineNodes - 1)) / kCoarsePerUnit;
        for (int n = 1; n <= 4; ++n)
            table_[static_cast<std::size_t>(i) * 4 + static_cast<std::size_t>(n - 1)] =
                x == 0.0 && n == 1 ? 0.0 : exponentialIntegral(n, x);
    }
}

void ExponentialIntegrals::small(double x, double& e2, double& e3, double& e4)
{
    // Series of E1 and the upward recurrence E_{n+1} = (exp(-x) - x E_n) / n (stable for small x).
    const double ex = std::exp(-x);
    if (x <= 0) {
        e2 = 1.0;
        e3 = 0.5;
        e4 = 1.0 / 3.0;
        return;
    }
    const double e1 = -0.57721566490153286061 - std::log(x) + x - x * x / 4.0 + x * x * x / 18.0;
    e2 = ex - x * e1;
    e3 = 0.5 * (ex - x * e2);
    e4 = (ex - x * e3) / 3.0;
}

const ExponentialIntegrals& ExponentialIntegrals::instance()
{
    static const ExponentialIntegrals e;
    return e;
}

}  // namespace remap::synth
