// Inference benchmarks (docs/benchmarks.md "Inference"):
//   1. batched network throughput, C++ (LibTorch) against the Python reference (bench/python/remap_net.py)
//      on the same model (default architecture, random weights, exported raw) and the same batch size, in
//      the same run;
//   2. single-star latency: read a FITS file, prepare, predict, saliency (each method).
// Usage: bench_inference [--batch 64] [--iterations 20] [--threads 1] [--device cpu|cuda] [--repeat 20]
//                        [--python /usr/bin/python3] [--no-python] [--keep DIR]
#include "BenchSupport.h"
#include "io/RemapSpectrumWriter.h"
#include "io/SpectrumReader.h"
#include "ml/Predictor.h"
#include "ml/TorchBundle.h"
#include "prep/PreprocessSpec.h"
#include "prep/Resolution.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>

using namespace remap;
namespace fs = std::filesystem;

namespace {

using bench::cpuSeconds;
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

using bench::arg;
using bench::flag;

}  // namespace

int main(int argc, char** argv)
{
    const int batch = std::stoi(arg(argc, argv, "--batch", "64"));
    const int iterations = std::stoi(arg(argc, argv, "--iterations", "20"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "1"));
    const int repeat = std::stoi(arg(argc, argv, "--repeat", "20"));
    const std::string device = arg(argc, argv, "--device", "cpu");
    const std::string python = arg(argc, argv, "--python", "/usr/bin/python3");
    const bool runPython = !flag(argc, argv, "--no-python");
    torch::set_num_threads(threads);

    const fs::path dir = arg(argc, argv, "--keep", (fs::temp_directory_path() / "remap-bench-inference").string());
    fs::create_directories(dir);

    // The shipping architecture with random weights, the default preprocessing and an RV template.
    ModelCard card;
    card.name = "bench-random-weights";
    card.preprocess = PreprocessSpec{}.toJson();
    auto bundle = ModelBundle::create(card, 1);
    bundle.setRvTemplate(marvelsStar(0.0, 0, true));
    bundle.save((dir / "bench.remap").string());
    bundle.exportRawWeights((dir / "raw").string());
    nlohmann::json report{{"torch", TORCH_VERSION},
                          {"threads", torch::get_num_threads()},
                          {"device", device},
                          {"parameters", bundle.parameterCount()}};

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
        auto pass = [&] {
            torch::InferenceMode guard;
            const auto out = net->forward(x);
            for (const auto& l : out.logits) (void)torch::softmax(l, 1).to(torch::kCPU);
        };
        for (int i = 0; i < 2; ++i) pass();
        const double w0 = wallSeconds(), c0 = cpuSeconds();
        for (int i = 0; i < iterations; ++i) pass();
        const double wall = wallSeconds() - w0, cpu = cpuSeconds() - c0;
        report["cpp"] = {{"batch", batch},
                         {"iterations", iterations},
                         {"seconds", wall},
                         {"cpu_seconds", cpu},
                         {"spectra_per_second", batch * iterations / wall},
                         {"spectra_per_cpu_second", batch * iterations / cpu}};
        net->to(torch::kCPU);
    }
    if (runPython) {
        const std::string command = python + " " + REMAP_SOURCE_DIR "/bench/python/remap_net.py bench --weights " +
                                    (dir / "raw").string() + " --batch " + std::to_string(batch) + " --iterations " +
                                    std::to_string(iterations) + " --threads " + std::to_string(threads) +
                                    " --device " + device;
        std::string output;
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char buf[512];
            while (fgets(buf, sizeof buf, pipe)) output += buf;
            if (pclose(pipe) == 0) report["python"] = nlohmann::json::parse(output);
        }
        if (!report.contains("python"))
            std::cerr << "bench_inference: the Python reference did not run: " << command << '\n';
    }

    // 2. Single-star latency through the public API (the path `remap predict` takes).
    {
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
                               {"rv_kms", prepared.rvKms}};
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
    std::cout << report.dump(2) << std::endl;
    return 0;
}
