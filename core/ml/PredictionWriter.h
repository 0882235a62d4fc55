#pragma once

// Prediction tables: CSV, FITS binary table or HDF5, chosen by the output's extension, plus the
// JSON form the CLI prints. Torch-free.

#include "ml/Posterior.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <string>
#include <vector>

namespace remap {

// Labels a catalog gave for a star (NaN = unknown), written beside the predictions as *_ref.
using ReferenceLabels = std::array<double, 3>;

// Writes one row per prediction, atomically, in the format of the extension:
//   .csv          file, <p>_mean, _median, _mode, _p16, _p84, _hdi68_lo, _hdi68_hi, _hdi95_lo, _hdi95_hi,
//                 _multimodal, _edge (p = teff, logg, feh), snr, rv_kms, masked_fraction, [<p>_ref], flags
//                 (flags joined with "; "; fields with commas or quotes are quoted);
//   .fits / .fit  the same columns in a binary table PREDICTIONS, plus EMBEDDING and the full posteriors
//                 <P>_PROB (one vector per row; bin centres in the keywords <P>_MIN, <P>_MAX, <P>_NBIN);
//   .h5 / .hdf5   one dataset per column under /predictions, /predictions/embedding [N, E] and
//                 /posteriors/<p>/{bin_centres [K], probabilities [N, K]}.
// `reference` is empty or has one entry per prediction. `modelName` goes into the file's metadata.
// Throws remap::Error for an unknown extension or a failed write (the old file is kept).
void writePredictions(const std::string& path, const std::vector<Prediction>& predictions,
                      const std::vector<ReferenceLabels>& reference = {}, const std::string& modelName = {});

// {"file", "teff": {"mean","median","mode","p16","p84","hdi68","hdi95","multimodal","edge_pile_up"},
//  "logg": ..., "feh": ..., "flags": [...], "snr", "rv_kms", "masked_fraction"}; rv_kms is null when not measured.
nlohmann::json predictionToJson(const Prediction& prediction, bool withHistograms = false);

}  // namespace remap
