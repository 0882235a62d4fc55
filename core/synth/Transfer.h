#pragma once

#include <cmath>
#include <vector>

namespace remap::synth {

// Exponential integrals E_n(x) = int_1^inf exp(-x t) t^-n dt, n = 1..4: exact (series / continued fraction,
// 1e-15) and the tabulated fast path of the flux integral (cubic Hermite with the exact derivatives
// E_n' = -E_{n-1}: steps 1/1024 below x = 1 and 1/64 up to 40; errors < 1e-10 for E3, E4 and < 1e-8 for E2
// (whose derivative E1 diverges at 0; below 1/1024 a series is used); E_n = 0 beyond 40).
double exponentialIntegral(int n, double x);

class ExponentialIntegrals {
public:
    static const ExponentialIntegrals& instance();
    // E2, E3, E4 at x >= 0.
    void operator()(double x, double& e2, double& e3, double& e4) const
    {
        if (x >= kMax) {
            e2 = e3 = e4 = 0.0;
            return;
        }
        if (x < kSmall) {
            small(x, e2, e3, e4);
            return;
        }
        const bool fine = x < 1.0;
        const double u = fine ? x * kFinePerUnit : kFineNodes - 1 + (x - 1.0) * kCoarsePerUnit;
        const int i = static_cast<int>(u);
        const double t = u - i;
        const double h = fine ? 1.0 / kFinePerUnit : 1.0 / kCoarsePerUnit;
        const double* a = &table_[static_cast<std::size_t>(i) * 4];  // E1..E4 at the left node
        const double* b = a + 4;
        const double t2 = t * t, t3 = t2 * t;
        const double h00 = 2 * t3 - 3 * t2 + 1, h10 = (t3 - 2 * t2 + t) * h, h01 = -2 * t3 + 3 * t2,
                     h11 = (t3 - t2) * h;
        e2 = h00 * a[1] - h10 * a[0] + h01 * b[1] - h11 * b[0];
        e3 = h00 * a[2] - h10 * a[1] + h01 * b[2] - h11 * b[1];
        e4 = h00 * a[3] - h10 * a[2] + h01 * b[3] - h11 * b[2];
    }

private:
    static constexpr double kMax = 40.0;
    static constexpr double kSmall = 1.0 / 1024;
    static constexpr int kFinePerUnit = 1024, kCoarsePerUnit = 64;
    static constexpr int kFineNodes = kFinePerUnit + 1;  // 0 .. 1
    ExponentialIntegrals();
    static void small(double x, double& e2, double& e3, double& e4);
    std::vector<double> table_;  // per node: E1, E2, E3, E4 (E1 at x = 0 is unused)
};

// The emergent surface flux F = 2 pi int_0^inf S(tau) E2(tau) dtau of a plane-parallel LTE atmosphere with
// S linear in tau between the depth points (exact integration against E2, Gray 2005 chapter 7), added layer
// by layer: start() at the top layer, add() for each deeper one, finish() adds the linear extrapolation
// below the last layer and returns F.
struct FluxIntegral {
    double tau = 0, source = 0, e2 = 0, e3 = 0, e4 = 0, sum = 0, slope = 0;
    void start(double tau0, double s0, const ExponentialIntegrals& e)
    {
        tau = tau0;
        source = s0;
        e(tau0, e2, e3, e4);
        sum = s0 * (0.5 - e3);  // S constant above the top point
        slope = 0;
    }
    void add(double dtau, double s, const ExponentialIntegrals& e)
    {
        const double t = tau + dtau;
        double f2, f3, f4;
        e(t, f2, f3, f4);
        if (dtau < 1e-3) {
            sum += 0.5 * dtau * (source * e2 + s * f2);  // trapezoid: no cancellation for thin layers
            slope = dtau > 0 ? (s - source) / dtau : 0.0;
        } else {
            slope = (s - source) / dtau;
            sum += source * (e3 - f3) + slope * (e4 - f4 - dtau * f3);
        }
        tau = t;
        source = s;
        e2 = f2;
        e3 = f3;
        e4 = f4;
    }
    double finish() const { return 2.0 * 3.14159265358979323846 * (sum + source * e3 + slope * e4); }
};

}  // namespace remap::synth
