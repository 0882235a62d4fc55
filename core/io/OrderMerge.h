#pragma once

// Echelle orders into one spectrum.

#include "base/Spectrum.h"

#include <cstdint>
#include <string>
#include <vector>

namespace remap::io {

// One extracted order, wavelengths already in Angstrom (either direction).
struct EchelleOrder {
    int number = 0;  // 1-based image row, for messages
    std::vector<double> wavelength;
    std::vector<double> flux;
    std::vector<double> ivar;        // empty: no uncertainty in the file
    std::vector<std::uint8_t> mask;  // empty: none; 1 = bad
    std::vector<double> blaze;       // empty: none in the file (a BLAZE extension, a flat band)
};

// Relative upper envelope of one order's flux: the 90th percentile of 20 chunks, fitted by a polynomial
// of degree 4 in pixel with chunks far below the fit rejected (absorption lines). Values <= 0 where the
// fit is not positive. Used as the blaze of raw orders whose file gives none.
std::vector<double> estimateBlaze(const std::vector<double>& flux, const std::vector<std::uint8_t>& mask);

// True when most orders look like raw counts through the blaze function: their envelope falls at both
// ends to under 70 % of its peak. `envelopes`, when given, receives each order's estimateBlaze.
bool ordersAreBlazeShaped(const std::vector<EchelleOrder>& orders,
                          std::vector<std::vector<double>>* envelopes = nullptr);

struct MergedOrders {
    std::vector<double> wavelength, flux, ivar;
    std::vector<std::uint8_t> mask;
    std::size_t trimmed = 0;      // pixels dropped at order edges where the signal collapsed
    bool dividedByBlaze = false;  // orders were divided by their blaze before merging
    bool blazeEstimated = false;  // ... and the blaze was estimated (none in the file)
    std::vector<std::string> warnings;
};

// Merges the orders onto one log-uniform grid whose step is the finest median step of the orders:
//  1. masks non-finite pixels;
//  2. raw (blaze-shaped) orders, or all orders when the file gives a blaze, are divided by their blaze
//     (the file's, else estimateBlaze), and ivar scaled by blaze^2;
//  3. trims each order's ends where the signal collapses: the blaze below 10 % of its peak, or, where
//     the orders are not blaze-shaped, the running S/N below 30 % of the order's 90th percentile;
//  4. interpolates every order linearly onto the grid (a pixel next to a masked one gives nothing;
//     variance is interpolated as variance) and combines overlaps by inverse variance; without
//     uncertainties the weight is the blaze (photon noise of raw counts), else the inverse square of
//     a local DER_SNR noise estimate. ivar of the result is the sum of the weights when the file gave
//     uncertainties, 0 otherwise. Grid pixels no order covers are masked (gaps between orders).
MergedOrders mergeOrders(std::vector<EchelleOrder> orders);

// True when the orders cover mostly the same wavelengths (the apertures of a multi-object file, not
// the orders of an echelle): consecutive ranges overlap by more than half.
bool ordersOverlapLikeApertures(const std::vector<EchelleOrder>& orders);

// Fills s (wavelength, flux, ivar, mask, provenance.orders, provenance.masked.trimmed, warnings) from a
// file's orders: order `pick` (1-based, as given by the user) alone with its own pixels, or, for
// pick = 0, all orders merged with mergeOrders(). Apertures that overlap like a multi-object file's
// are not merged: the first is read, with a warning. Throws remap::Error naming s.provenance's file and
// HDU for an order that is not in the file.
void assembleOrders(std::vector<EchelleOrder> orders, int pick, Spectrum& s);

}  // namespace remap::io
