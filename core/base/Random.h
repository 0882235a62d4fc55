#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace remap {

// Seeded random numbers that are identical on every platform: std::mt19937_64 is fully specified
// by the standard, but std::*_distribution algorithms are not, so the deviates are derived here.
class SeededRandom {
public:
    explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

    // Uniform in [0, 1) from 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal deviate (Box-Muller, one value per two uniforms).
    double gaussian()
    {
        const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586477 * u2);
    }
    double gaussian(double mean, double sigma) { return mean + sigma * gaussian(); }
    // Poisson deviate (Knuth's product method; fine for the small means used here).
    int poisson(double mean)
    {
        const double limit = std::exp(-mean);
        int k = 0;
        double p = uniform();
        while (p > limit && k < 1000) {
            ++k;
            p *= uniform();
        }
        return k;
    }
    // Integer uniform in [0, n).
    std::uint64_t index(std::uint64_t n)
    {
        return n == 0 ? 0 : static_cast<std::uint64_t>(uniform() * static_cast<double>(n)) % n;
    }
    std::uint64_t next() { return engine_(); }

private:
    std::mt19937_64 engine_;
};

// Derives an independent seed for item `index` of a run seeded with `seed` (SplitMix64 finalizer).
inline std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t index)
{
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

}  // namespace remap
