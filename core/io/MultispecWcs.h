#pragma once

// The IRAF multispec world coordinate system (noao.onedspec "specwcs"; sys/mwcs/wfmspec.x):
//   specN = "ap beam dtype w1 dw nw z aplow aphigh [wt_i w0_i ftype_i parameters coefficients]..."
// dtype 0: w = w1 + dw (p - 1); dtype 1: w = 10^(w1 + dw (p - 1)); dtype 2: the weighted mean of the
// functions' wt_i (w0_i + W_i(p)); all divided by (1 + z). p is the physical pixel.

#include <optional>
#include <string>
#include <vector>

namespace remap {

// One dispersion function of a dtype 2 solution.
struct DispersionFunction {
    enum Type { Chebyshev = 1, Legendre = 2, CubicSpline = 3, LinearSpline = 4, PixelArray = 5, SampledArray = 6 };
    double weight = 1.0;
    double offset = 0.0;  // w0_i
    int type = Chebyshev;
    int order = 0;  // polynomials: number of coefficients; splines: number of pieces; arrays: number of values
    double pmin = 0.0, pmax = 0.0;     // polynomials and splines: the physical pixel range of the fit
    std::vector<double> coefficients;  // arrays: the values (sampled: pixel, wavelength pairs)

    // W_i(p) without the offset.
    double evaluate(double p) const;
};

// One order's dispersion from a multispec `specN`.
struct MultispecOrder {
    int ap = 0;
    int beam = 0;
    int dtype = 0;  // -1 none, 0 linear, 1 log10, 2 non-linear
    double w1 = 0;
    double dw = 0;
    long nw = 0;
    double z = 0;
    double aplow = 0, aphigh = 0;
    std::vector<DispersionFunction> functions;  // dtype 2

    // The wavelength (in the WAT1 units) at physical pixel p (1 .. nw); outside, p is clamped to
    // [0.5, nw + 0.5] as IRAF does for non-linear solutions.
    double wavelength(double p) const;
};

// Joins WAT2_nnn values from raw header records in card order, each piece padded to 68 characters
// (the IRAF convention; trailing blanks are significant).
std::string joinWat2(const std::vector<std::string>& records);
// Finds `specN` in the joined WAT2 text; nullopt when absent. Throws std::invalid_argument when
// the entry is present but malformed (not numbers, a function with too few coefficients, an unknown
// function type).
std::optional<MultispecOrder> parseMultispecOrder(const std::string& wat2, int order);

}  // namespace remap
