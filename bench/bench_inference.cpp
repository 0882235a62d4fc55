// Inference benchmarks (docs/benchmarks.md "Inference"):
//   1. batched network throughput on one model (default architecture or the options below, random
//      weights, exported raw) and one batch: the C++ network as trained (RemapNet::forward, batch norm
//      unfolded), the C++ inference plan (batch norm folded; fp32 and bf16) and the Python reference
//      (bench/python/remap_net.py bench: fp32, and bf16 under torch.autocast), in ROUNDS that alternate
//      all variants, so a slow spell of the shared machine hits each; medians and ratios. Each round
//      also measures the core's FMA peak (bench/PeakFlops.h) to put the achieved GFLOP/s against it;
//   2. single-star latency through the public API: read a FITS file, prepare, predict, saliency.
// Usage: bench_inference [--batch 64] [--iterations 20] [--rounds 5] [--threads 1] [--device cpu|cuda]
//                        [--precisions fp32,bf16] [--attention LAYERS] [--photometry] [--repeat 20]
//                        [--python /usr/bin/python3] [--no-python] [--no-single] [--no-peak] [--keep DIR]
#include "BenchSupport.h"
#include "PeakFlops.h"
#include "io/RemapSpectrumWriter.h"
#include "io/SpectrumReader.h"
#include "ml/NetworkInference.h"
#include "ml/Predictor.h"
#include "ml/TorchBundle.h"
#include "prep/PreprocessSpec.h"
#include "prep/Resolution.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

using namespace remap;
namespace fs = std::filesystem;

namespace {

using bench::arg;
using bench::cpuSeconds;
using bench::flag;
using bench::wallSeconds;

struct Timing {
    double wall = 0, cpu = 0;
};

// Median wall and CPU time of `repeat` calls.
Timing medianTime(int repeat, const std::function<void()>& fn)
{
    std::vector<double> walls, cpus;
    fn();  // warm-up
    for (int i = 0; i < repeat; ++i) {
        const double w0 = wallSeconds(), c0 = cpuSeconds();
        fn();
        walls.push_back(wallSeconds() - w0);
        cpus.push_back(cpuSeconds() - c0);
    }
    std::sort(walls.begin(), walls.end());
    std::sort(cpus.begin(), cpus.end());
    return {walls[walls.size() / 2], cpus[cpus.size() / 2]};
}

double median(std::vector<double> v)
{
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double medianOf(const nlohmann::json& rounds, const char* key)
{
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r[key].get<double>());
    return median(v);
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

// Floating-point operations of one spectrum's forward pass (multiply and add counted separately):
// the convolutions, the attention stage and the linear layers; element-wise work is left out.
double forwardFlops(const NetworkConfig& c, const std::array<int, 3>& bins)
{
    double flops = 0.0;
    auto conv = [&](int cin, int cout, int kernel, int outLength) { flops += 2.0 * cin * cout * kernel * outLength; };
    const auto lengths = c.featureLengths();
    const int stemOut = (c.inputLength - 1) / c.stemStride + 1;
    conv(2, c.stemWidth, c.stemKernel, stemOut);
    int width = c.stemWidth;
    for (std::size_t s = 0; s < c.stageWidths.size(); ++s)
        for (int b = 0; b < c.blocksPerStage[s]; ++b) {
            const int w = c.stageWidths[s], l = lengths[s + 1], k = c.stageKernels[s];
            conv(width, w, k, l);
            conv(w, w, k, l);
            if (b == 0 && (s > 0 || width != w)) conv(width, w, 1, l);
            width = w;
        }
    const double l = lengths.back(), w = width;
    for (int i = 0; i < c.attention.layers; ++i)
        flops += 2.0 * l * w * 3 * w + 2.0 * 2 * l * l * w + 2.0 * l * w * w +
                 2.0 * 2 * l * w * w * c.attention.ffMultiplier;
    if (c.photometry.enabled) {
        const double e = static_cast<double>(c.photometry.names().size()), p = c.photometry.width;
        flops += 2.0 * (2 * e * p + p * p + (w + p) * w + w * w);
    }
    flops += 2.0 * w * (c.embeddingSize + bins[0] + bins[1] + bins[2]);
    return flops;
}

// MARVELS-like star: 4096 pixels over 4990-5710 A in air at R 22000, an RV, S/N 80 noise.
Spectrum marvelsStar(double rvKms, std::uint64_t seed, bool noiseless = false)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::uniform_real_distribution<double> lineCentre(4990.0, 5710.0), depth(0.05, 0.6);
    std::vector<std::pair<double, double>> lines;
    std::mt19937_64 lineRng(1);  // the same lines for every star and the template
    for (int i = 0; i < 400; ++i) lines.emplace_back(lineCentre(lineRng), depth(lineRng));
    Spectrum s;
    const double shift = 1.0 + rvKms / 299792.458;
    const double sigma = 5350.0 / 22000.0 / 2.3548;
    for (int i = 0; i < 4096; ++i) {
        const double w = 4990.0 + 720.0 * i / 4095.0;
        double f = 1.0 + 1e-4 * (w - 5350.0);
        for (const auto& [c, d] : lines) {
            const double x = (w - c * shift) / sigma;
            if (std::abs(x) < 6) f *= 1.0 - d * std::exp(-0.5 * x * x);
        }
        s.wavelength.push_back(w);
        s.flux.push_back(noiseless ? f : f * (1.0 + noise(rng) / 80.0));
        s.ivar.push_back(noiseless ? 0.0 : std::pow(80.0 / f, 2));
    }
    s.medium = Medium::Air;
    s.metadata[kResolvingPowerKey] = "22000";
    s.objectName = noiseless ? "template" : "bench star";
    s.finalize();
    return s;
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// Runs a command, returns its stdout parsed as JSON (null when it failed).
nlohmann::json runJson(const std::string& command)
{
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buf[512];
        while (fgets(buf, sizeof buf, pipe)) output += buf;
        if (pclose(pipe) == 0) return nlohmann::json::parse(output, nullptr, false);
    }
    return nullptr;
}

}  // namespace

int main(int argc, char** argv)
{
    const int batch = std::stoi(arg(argc, argv, "--batch", "64"));
    const int iterations = std::stoi(arg(argc, argv, "--iterations", "20"));
    const int rounds = std::max(1, std::stoi(arg(argc, argv, "--rounds", "5")));
    const int threads = std::stoi(arg(argc, argv, "--threads", "1"));
    const int repeat = std::stoi(arg(argc, argv, "--repeat", "20"));
    const std::string device = arg(argc, argv, "--device", "cpu");
    const std::string python = arg(argc, argv, "--python", "/usr/bin/python3");
    const auto precisions = splitList(arg(argc, argv, "--precisions", "fp32,bf16"));
    const bool runPython = !flag(argc, argv, "--no-python");
    const bool single = !flag(argc, argv, "--no-single");
    const bool peak = !flag(argc, argv, "--no-peak");
    torch::set_num_threads(threads);

    const fs::path dir = arg(argc, argv, "--keep", (fs::temp_directory_path() / "remap-bench-inference").string());
    fs::create_directories(dir);

    // The shipping architecture (optionally with attention / photometry) with random weights, the default
    // preprocessing and an RV template.
    ModelCard card;
    card.name = "bench-random-weights";
    card.preprocess = PreprocessSpec{}.toJson();
    card.network.attention.layers = std::stoi(arg(argc, argv, "--attention", "0"));
    card.network.photometry.enabled = flag(argc, argv, "--photometry");
    auto bundle = ModelBundle::create(card, 1);
    bundle.setRvTemplate(marvelsStar(0.0, 0, true));
    bundle.save((dir / "bench.remap").string());
    bundle.exportRawWeights((dir / "raw").string());
    const double flops = forwardFlops(card.network, card.bins.counts());
    nlohmann::json report{{"torch", TORCH_VERSION},
                          {"threads", torch::get_num_threads()},
                          {"device", device},
                          {"parameters", bundle.parameterCount()},
                          {"attention_layers", card.network.attention.layers},
                          {"photometry", card.network.photometry.enabled},
                          {"batch", batch},
                          {"iterations", iterations},
                          {"rounds", rounds},
                          {"gflop_per_spectrum", flops * 1e-9},
                          {"cpu_native_bf16", cpuHasNativeBf16()},
                          {"load_average_start", loadAverage()}};

    // 1. Batched throughput: forward + softmax + copy to the CPU, exactly what remap_net.py bench does.
    {
        auto& net = bundleNetwork(bundle);
        const torch::Device dev = device == "cuda" ? torch::kCUDA : torch::kCPU;
        net->to(dev);
        net->eval();
        torch::manual_seed(1);
        auto x = 1.0 - 0.2 * torch::rand({batch, 2, card.network.inputLength});
        x.select(1, 1).zero_();
        x = x.to(dev);
        std::vector<Photometry> stars(static_cast<std::size_t>(batch));
        for (auto& s : stars) {
            s.set(kPhotG, 11.0);
            s.set(kPhotBpRp, 0.9);
            s.set(kParallax, 3.0);
        }
        const auto phot = card.network.photometry.enabled ? makePhotometryInput(stars, card.network.photometry).to(dev)
                                                          : torch::Tensor();
        std::vector<std::pair<std::string, std::function<NetworkOutput()>>> variants;
        variants.emplace_back("cpp_network", [&] { return net->forward(x, phot); });
        std::vector<std::unique_ptr<InferencePlan>> plans;
        for (const auto& p : precisions) {
            plans.push_back(std::make_unique<InferencePlan>(net, dev, chooseInferencePrecision(p)));
            const InferencePlan* plan = plans.back().get();
            variants.emplace_back("cpp_plan_" + p, [plan, &x, &phot] { return plan->forward(x, phot); });
        }
        auto timeVariant = [&](const std::function<NetworkOutput()>& fn) {
            torch::InferenceMode guard;
            auto pass = [&] {
                const auto out = fn();
                for (const auto& l : out.logits) (void)torch::softmax(l, 1).to(torch::kCPU);
            };
            for (int i = 0; i < 2; ++i) pass();
            if (dev.is_cuda()) torch::cuda::synchronize();
            const double w0 = wallSeconds(), c0 = cpuSeconds();
            for (int i = 0; i < iterations; ++i) pass();
            if (dev.is_cuda()) torch::cuda::synchronize();
            const double wall = wallSeconds() - w0, cpu = cpuSeconds() - c0;
            const double n = static_cast<double>(batch) * iterations;
            return nlohmann::json{{"seconds", wall},
                                  {"cpu_seconds", cpu},
                                  {"spectra_per_second", n / wall},
                                  {"spectra_per_cpu_second", n / cpu},
                                  {"gflops", n * flops / wall * 1e-9}};
        };
        auto pythonCommand = [&](const std::string& precision) {
            return python + " " + REMAP_SOURCE_DIR "/bench/python/remap_net.py bench --weights " +
                   (dir / "raw").string() + " --batch " + std::to_string(batch) + " --iterations " +
                   std::to_string(iterations) + " --threads " + std::to_string(threads) + " --device " + device +
                   " --precision " + precision;
        };
        nlohmann::json perRound = nlohmann::json::object(), peaks = nlohmann::json::array();
        for (int round = 0; round < rounds; ++round) {
            if (dev.is_cpu() && peak)
                peaks.push_back({{"fp32_gflops", bench::measuredPeakFp32Gflops()},
                                 {"bf16_gflops", bench::measuredPeakBf16Gflops()}});
            for (const auto& [name, fn] : variants) perRound[name].push_back(timeVariant(fn));
            if (!runPython) continue;
            for (const auto& p : precisions) {
                auto r = runJson(pythonCommand(p));
                if (r.is_object()) {
                    r["gflops"] = r["spectra_per_second"].get<double>() * flops * 1e-9;
                    perRound["python_" + p].push_back(r);
                } else {
                    std::cerr << "bench_inference: the Python reference did not run: " << pythonCommand(p) << '\n';
                }
            }
        }
        nlohmann::json batched = nlohmann::json::object();
        for (const auto& [name, list] : perRound.items()) {
            nlohmann::json slim = nlohmann::json::array();
            for (const auto& r : list)
                slim.push_back({{"spectra_per_second", r["spectra_per_second"]},
                                {"spectra_per_cpu_second", r["spectra_per_cpu_second"]}});
            batched[name] = {{"rounds", slim},
                             {"spectra_per_second", medianOf(list, "spectra_per_second")},
                             {"spectra_per_cpu_second", medianOf(list, "spectra_per_cpu_second")},
                             {"gflops", medianOf(list, "gflops")}};
        }
        if (!peaks.empty()) {
            report["peak_gflops_one_core"] = {
                {"fp32", medianOf(peaks, "fp32_gflops")}, {"bf16", medianOf(peaks, "bf16_gflops")}, {"rounds", peaks}};
            for (auto& [name, b] : batched.items()) {
                const bool low = name.find("bf16") != std::string::npos;
                const double peak = report["peak_gflops_one_core"][low ? "bf16" : "fp32"].get<double>();
                if (peak > 0) b["fraction_of_peak_per_thread"] = b["gflops"].get<double>() / threads / peak;
            }
        }
        auto ratio = [&](const char* a, const char* b) -> nlohmann::json {
            if (!batched.contains(a) || !batched.contains(b)) return nullptr;
            return batched[a]["spectra_per_second"].get<double>() / batched[b]["spectra_per_second"].get<double>();
        };
        report["batched"] = batched;
        report["ratios"] = {{"cpp_plan_fp32_over_python_fp32", ratio("cpp_plan_fp32", "python_fp32")},
                            {"cpp_network_over_python_fp32", ratio("cpp_network", "python_fp32")},
                            {"cpp_plan_bf16_over_python_bf16", ratio("cpp_plan_bf16", "python_bf16")},
                            {"cpp_plan_bf16_over_python_fp32", ratio("cpp_plan_bf16", "python_fp32")},
                            {"cpp_plan_fp32_over_cpp_network", ratio("cpp_plan_fp32", "cpp_network")}};
        net->to(torch::kCPU);
    }

    // 2. Single-star latency through the public API (the path `remap predict` takes).
    if (single) {
        PredictorOptions options;
        options.device = device;
        options.threads = threads;
        const Predictor predictor((dir / "bench.remap").string(), options);
        const std::string file = (dir / "star.fits").string();
        writeRemapSpectrum(marvelsStar(37.0, 2), file);
        Spectrum spectrum;
        PreparedSpectrum prepared;
        Prediction prediction;
        const auto read = medianTime(repeat, [&] { spectrum = readSpectrum(file); });
        const auto prep = medianTime(repeat, [&] { prepared = predictor.prepare(spectrum); });
        const auto predict = medianTime(repeat, [&] { prediction = predictor.predictPrepared({prepared}).front(); });
        nlohmann::json latency{{"read_ms", 1e3 * read.wall},       {"prepare_ms", 1e3 * prep.wall},
                               {"predict_ms", 1e3 * predict.wall}, {"read_cpu_ms", 1e3 * read.cpu},
                               {"prepare_cpu_ms", 1e3 * prep.cpu}, {"predict_cpu_ms", 1e3 * predict.cpu},
                               {"rv_kms", prepared.rvKms},         {"precision", predictor.precisionName()}};
        for (auto method : {SaliencyMethod::Gradient, SaliencyMethod::GradientTimesInput, SaliencyMethod::SmoothGrad,
                            SaliencyMethod::IntegratedGradients}) {
            const auto t = medianTime(std::max(3, repeat / 4),
                                      [&] { (void)predictor.saliencyPrepared(prepared, Param::Teff, method); });
            latency[std::string("saliency_") + std::string(saliencyMethodName(method)) + "_ms"] = 1e3 * t.wall;
            latency[std::string("saliency_") + std::string(saliencyMethodName(method)) + "_cpu_ms"] = 1e3 * t.cpu;
        }
        latency["total_with_grad_ms"] =
            1e3 * (read.wall + prep.wall + predict.wall) + latency["saliency_grad_ms"].get<double>();
        latency["total_with_ig_ms"] =
            1e3 * (read.wall + prep.wall + predict.wall) + latency["saliency_ig_ms"].get<double>();
        report["single_star"] = latency;
    }
    report["load_average_end"] = loadAverage();
    std::cout << report.dump(2) << std::endl;
    return 0;
}
