// remap::Prediction, its ParameterPosterior and the prepared network input as Python classes.
#include "Bindings.h"
#include "Prepared.h"
#include "base/Error.h"
#include "ml/ParameterBins.h"
#include "ml/Posterior.h"
#include "ml/PredictionWriter.h"

#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace remap::python {
namespace {

const ParameterPosterior& posteriorOf(py::handle self)
{
    return self.cast<const ParameterPosterior&>();
}

// The standard deviation of the histogram with the density constant inside each bin (the model the
// core's summaries use): the spread of the bin centres about the mean plus w^2/12 within the bins.
double histogramStd(const ParameterPosterior& p)
{
    const auto n = p.binCentres.size();
    if (n < 2) return 0.0;
    const double width = (p.binCentres.back() - p.binCentres.front()) / static_cast<double>(n - 1);
    double variance = width * width / 12.0;
    for (std::size_t i = 0; i < n; ++i)
        variance += p.probabilities[i] * (p.binCentres[i] - p.mean) * (p.binCentres[i] - p.mean);
    return std::sqrt(variance);
}

const ParameterPosterior& byName(const Prediction& p, const std::string& name)
{
    return p[static_cast<int>(parseParam(name))];
}

std::string describe(const Prediction& p)
{
    char buf[160];
    std::snprintf(buf, sizeof buf, "Teff %.0f K, log g %.2f, [Fe/H] %+.2f, S/N %.0f", p.teff.median, p.logg.median,
                  p.feh.median, p.snr);
    return "<remap_studio.Prediction '" + p.source + "': " + buf + (p.flags.empty() ? "" : ", flagged") + ">";
}

}  // namespace

void bindPrediction(py::module_& m)
{
    py::class_<ParameterPosterior>(m, "Posterior", R"doc(
One parameter's posterior: the network head's softmax over equal bins (a histogram, density constant
inside each bin) and what is read off it (docs/network.md, "What a prediction is").)doc")
        .def_property_readonly(
            "bin_centres", [](py::object self) { return readOnlyView(posteriorOf(self).binCentres, self); },
            "Bin centres (float64, K, Teff in K, log g and [Fe/H] in dex), read-only.")
        .def_property_readonly(
            "probabilities", [](py::object self) { return readOnlyView(posteriorOf(self).probabilities, self); },
            "Probability of each bin (float64, sums to 1), read-only.")
        .def_readonly("mean", &ParameterPosterior::mean, "Posterior mean, sum p_i c_i.")
        .def_readonly("median", &ParameterPosterior::median, "Median of the piecewise-linear CDF.")
        .def_readonly("mode", &ParameterPosterior::mode, "Centre of the most probable bin (the first on ties).")
        .def_readonly("p16", &ParameterPosterior::p16, "16th percentile (piecewise-linear CDF).")
        .def_readonly("p84", &ParameterPosterior::p84, "84th percentile (piecewise-linear CDF).")
        .def_property_readonly("sigma", &ParameterPosterior::sigma,
                               "(p84 - p16) / 2, the 1-sigma half-width the CLI's table prints.")
        .def_property_readonly("std", &histogramStd,
                               "Standard deviation of the histogram (density constant inside each bin: "
                               "sqrt(sum p_i (c_i - mean)^2 + w^2/12)).")
        .def_property_readonly(
            "hdi68", [](const ParameterPosterior& p) { return py::make_tuple(p.hdi68Lo, p.hdi68Hi); },
            "(lo, hi): the 68 % highest-density interval (the envelope when the set splits).")
        .def_property_readonly(
            "hdi95", [](const ParameterPosterior& p) { return py::make_tuple(p.hdi95Lo, p.hdi95Hi); },
            "(lo, hi): the 95 % highest-density interval (the envelope when the set splits).")
        .def_readonly("multimodal", &ParameterPosterior::multimodal,
                      "True when the 68 % set splits and its second piece holds >= 10 % of the probability.")
        .def_readonly("edge_pile_up", &ParameterPosterior::edgePileUp,
                      "True when probability piles up at an end of the range: the star is probably outside the "
                      "trained range.")
        .def(
            "to_dict",
            [](const ParameterPosterior& p, bool histogram) { return toPython(posteriorToJson(p, histogram)); },
            py::arg("histogram") = false,
            "The summary as `remap predict --json` prints it: {'mean', 'median', 'mode', 'p16', 'p84', 'hdi68', "
            "'hdi95', 'multimodal', 'edge_pile_up'} (+ 'probabilities' with histogram=True).")
        .def("__repr__", [](const ParameterPosterior& p) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "<remap_studio.Posterior median %.4g, 68 %% HDI [%.4g, %.4g]%s>", p.median,
                          p.hdi68Lo, p.hdi68Hi, p.multimodal ? ", multimodal" : "");
            return std::string(buf);
        });

    py::class_<Prediction>(m, "Prediction", R"doc(
What the network says about one spectrum: posteriors of Teff, log g and [Fe/H] (r.teff, r.logg, r.feh
or r["teff"]), flags, S/N, radial velocity and the embedding. r.to_dict() is exactly the JSON object
`remap predict --json` prints for the same file.)doc")
        .def_readonly("source", &Prediction::source, "The file (as given) or the object name of the spectrum.")
        .def_readonly("teff", &Prediction::teff, "Posterior of the effective temperature (K).")
        .def_readonly("logg", &Prediction::logg, "Posterior of the surface gravity (dex, cgs).")
        .def_readonly("feh", &Prediction::feh, "Posterior of the metallicity [Fe/H] (dex).")
        .def(
            "__getitem__",
            [](const Prediction& p, const std::string& name) -> const ParameterPosterior& { return byName(p, name); },
            py::return_value_policy::reference_internal, py::arg("param"), "The posterior of 'teff', 'logg' or 'feh'.")
        .def_readonly("flags", &Prediction::flags,
                      "Problems worth a look (stable strings): 'low_snr', 'many_masked_pixels', "
                      "'outside_trained_range:<param>', 'multimodal:<param>', 'preprocessing: <text>'.")
        .def_property_readonly(
            "embedding", [](py::object self) { return readOnlyView(self.cast<const Prediction&>().embedding, self); },
            "The network's unit-length embedding (float32), read-only.")
        .def_readonly("snr", &Prediction::snr, "S/N per pixel (DER_SNR) of the prepared spectrum.")
        .def_readonly("rv", &Prediction::rv,
                      "Radial velocity removed by the preprocessing, km/s; NaN when it was not measured.")
        .def_readonly("masked_fraction", &Prediction::maskedFraction,
                      "Fraction of the network input pixels that are masked (filled by preprocessing).")
        .def(
            "to_dict", [](const Prediction& p, bool histograms) { return toPython(predictionToJson(p, histograms)); },
            py::arg("histograms") = false,
            "The prediction as `remap predict --json` prints it: {'file', 'teff', 'logg', 'feh' (each as "
            "Posterior.to_dict), 'flags', 'snr', 'rv_kms' (None when not measured), 'masked_fraction'}.")
        .def("__repr__", &describe);

    py::class_<PreparedInput>(m, "Prepared", R"doc(
A spectrum as the network sees it: resampled onto the model grid (wavelength), continuum-normalized,
radial velocity removed, by the model's one preprocessing chain. Model.prepare(spectrum) makes it;
Model.predict and Model.saliency take it directly.)doc")
        .def_property_readonly(
            "wavelength", [](py::object self) { return readOnlyView(self.cast<const PreparedInput&>().grid, self); },
            "The model grid in Angstrom (float64), read-only.")
        .def_property_readonly(
            "flux", [](py::object self) { return readOnlyView(self.cast<const PreparedInput&>().spectrum.flux, self); },
            "Normalized flux (float32); masked pixels hold the model's fill value. Read-only.")
        .def_property_readonly(
            "ivar", [](py::object self) { return readOnlyView(self.cast<const PreparedInput&>().spectrum.ivar, self); },
            "Inverse variance of the normalized flux (float32); 0 where masked or unknown. Read-only.")
        .def_property_readonly(
            "mask",
            [](py::object self) {
                return readOnlyView<std::uint8_t, bool>(self.cast<const PreparedInput&>().spectrum.mask, self);
            },
            "Pixels filled by the preprocessing (bool, True = not real data: gaps, bad pixels, outside the input).")
        .def_property_readonly(
            "snr", [](const PreparedInput& p) { return p.spectrum.snr; },
            "DER_SNR per input pixel over the grid range; 0 for a noiseless spectrum.")
        .def_property_readonly(
            "rv", [](const PreparedInput& p) { return p.spectrum.rvKms; },
            "Measured and removed radial velocity, km/s; NaN when not measured.")
        .def_property_readonly(
            "rv_error", [](const PreparedInput& p) { return p.spectrum.rvErrKms; },
            "1-sigma error of rv, km/s; NaN when not measured.")
        .def_property_readonly(
            "warnings", [](const PreparedInput& p) { return p.spectrum.warnings; },
            "What the preprocessing noticed (unknown medium, RV failed, partial coverage, low S/N ...).")
        .def_readonly("source", &PreparedInput::source, "The name its prediction is reported under.")
        .def("__len__", [](const PreparedInput& p) { return p.spectrum.flux.size(); })
        .def("__repr__", [](const PreparedInput& p) {
            return "<remap_studio.Prepared '" + p.source + "' " + std::to_string(p.spectrum.flux.size()) + " px>";
        });
}

}  // namespace remap::python
