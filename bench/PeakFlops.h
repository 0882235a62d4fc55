#pragma once

// The floating-point peak of one core, measured: a tight loop of independent fused multiply-adds
// (AVX-512 float32, 16 lanes x 2 FLOP per instruction) and of bfloat16 dot products (AVX512_BF16
// VDPBF16PS, 16 lanes x 2 pairs x 2 FLOP), on the calling thread. Used by the benchmarks to report
// achieved GFLOP/s against what the core can do at this moment (the same machine noise applies).

#include <immintrin.h>

#include <chrono>
#include <cstdint>

namespace remap::bench {

namespace detail {

// The kernels' result, only so the compiler cannot drop the loop (_mm512_reduce_add_ps trips GCC 12's
// -Wuninitialized).
__attribute__((target("avx512f"))) inline float lane0(__m512 v)
{
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    return lanes[0];
}

template <class Body>
double gflopsOf(Body&& body, double flopsPerCall, double seconds)
{
    using clock = std::chrono::steady_clock;
    body();  // warm up (clock ramp, caches)
    std::int64_t calls = 0;
    const auto start = clock::now();
    double elapsed = 0.0;
    while (elapsed < seconds) {
        for (int i = 0; i < 64; ++i) body();
        calls += 64;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    }
    return flopsPerCall * static_cast<double>(calls) / elapsed * 1e-9;
}

// Inputs the compiler cannot see, so it cannot fold the loops away.
inline volatile float kSeedA = 0.999999f, kSeedB = 1e-7f;

constexpr int kChains = 12;  // independent accumulators: enough to hide the FMA latency on both pipes

__attribute__((target("avx512f"))) inline void seed(__m512 (&acc)[kChains])
{
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
}

__attribute__((target("avx512f"))) inline float total(const __m512 (&acc)[kChains])
{
    __m512 sum = acc[0];
    for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
    return lane0(sum);
}

__attribute__((target("avx512f"))) inline float fp32Kernel(int repeat)
{
    __m512 acc[kChains];
    seed(acc);
    const __m512 a = _mm512_set1_ps(kSeedA), b = _mm512_set1_ps(kSeedB);
    for (int r = 0; r < repeat; ++r) {
#pragma GCC unroll 12
        for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    return total(acc);
}

__attribute__((target("avx512f,avx512bf16"))) inline float bf16Kernel(int repeat)
{
    __m512 acc[kChains];
    seed(acc);
    const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(kSeedA), _mm512_set1_ps(kSeedB));
    const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(kSeedB), _mm512_set1_ps(kSeedA));
    for (int r = 0; r < repeat; ++r) {
#pragma GCC unroll 12
        for (int i = 0; i < kChains; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    }
    return total(acc);
}

}  // namespace detail

namespace detail {
// Runs `kernel` (kChains x repeat instructions of `flopsPerInstruction` each) when the CPU has `feature`.
inline double peakOf(bool supported, float (*kernel)(int), double flopsPerInstruction, double seconds)
{
    if (!supported) return 0.0;
    volatile float sink = 0.0f;
    constexpr int repeat = 1000;
    return gflopsOf([&] { sink = sink + kernel(repeat); }, repeat * double(kChains) * flopsPerInstruction, seconds);
}
}  // namespace detail

// GFLOP/s of one core in float32 FMAs (16 lanes x 2 FLOP); 0 when the CPU lacks AVX-512.
inline double measuredPeakFp32Gflops(double seconds = 0.3)
{
    __builtin_cpu_init();
    return detail::peakOf(__builtin_cpu_supports("avx512f"), detail::fp32Kernel, 16 * 2, seconds);
}

// GFLOP/s of one core in bfloat16 dot products (16 lanes x 2 pairs x 2 FLOP); 0 without AVX512_BF16.
inline double measuredPeakBf16Gflops(double seconds = 0.3)
{
    __builtin_cpu_init();
    return detail::peakOf(__builtin_cpu_supports("avx512bf16"), detail::bf16Kernel, 16 * 4, seconds);
}

}  // namespace remap::bench
