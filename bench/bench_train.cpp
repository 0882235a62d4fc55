// Training throughput (docs/benchmarks.md "Training throughput"): optimizer steps of the default
// network (ml/NetworkConfig.h, 4096 pixels) in C++ (LibTorch: RemapNet, asymmetricLoss, tripletLoss,
// AdamW, gradient clipping) against the Python reference (bench/python/train_reference.py) on the
// same initial weights (exported raw), the same batches (written to a file both read), the same loss
// configuration and the same thread count, in one run.
// Usage: bench_train [--steps 30] [--batch 64] [--warmup 3] [--distinct 8] [--threads 1] [--device cpu|cuda]
//                    [--rounds 3] [--python /usr/bin/python3] [--no-python] [--keep DIR]
// ROUNDS alternate C++ and Python (STEPS timed steps each); the report gives the medians.
#include "BenchSupport.h"
#include "ml/Losses.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

using namespace remap;
namespace fs = std::filesystem;

namespace {

using bench::cpuSeconds;
using bench::wallSeconds;

using bench::arg;
using bench::flag;

double medianOf(const nlohmann::json& rounds, const char* key)
{
    std::vector<double> v;
    for (const auto& r : rounds) v.push_back(r[key].get<double>());
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// The benchmark's training data, row-major float32: network input [N, 2, P], the smoothed targets of
// the three heads [N, K_p] and the labels normalized to the bin ranges [N, 3].
struct Data {
    torch::Tensor x;
    std::array<torch::Tensor, 3> targets;
    torch::Tensor normalized;
};

// Rows of a learnable toy problem: 60 absorption lines whose depths and widths follow the labels,
// S/N 100 noise, a few masked runs. The content only has to be spectrum-like; both sides read it.
Data makeData(int rows, int pixels, const LabelBins& bins, double sigmaBins, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    std::normal_distribution<double> gauss(0.0, 1.0);
    std::vector<double> centre(60), strength(60);
    for (int l = 0; l < 60; ++l) {
        centre[l] = 5.0 + (pixels - 10.0) * uni(rng);
        strength[l] = uni(rng);
    }
    Data d;
    d.x = torch::zeros({rows, 2, pixels});
    for (int p = 0; p < 3; ++p) d.targets[p] = torch::zeros({rows, bins[static_cast<Param>(p)].count});
    d.normalized = torch::zeros({rows, 3});
    auto x = d.x.accessor<float, 3>();
    auto norm = d.normalized.accessor<float, 2>();
    std::array<torch::TensorAccessor<float, 2>, 3> tgt{
        d.targets[0].accessor<float, 2>(), d.targets[1].accessor<float, 2>(), d.targets[2].accessor<float, 2>()};
    for (int r = 0; r < rows; ++r) {
        const std::array<double, 3> label{4000.0 + 2500.0 * uni(rng), 1.0 + 4.0 * uni(rng), -2.0 + 2.5 * uni(rng)};
        const double teffX = (label[0] - 3500.0) / 3500.0;
        const double width = 1.5 + label[1];  // pixels
        for (int i = 0; i < pixels; ++i) x[r][0][i] = 1.0f + static_cast<float>(gauss(rng) / 100.0);
        for (int l = 0; l < 60; ++l) {
            const double depth = 0.6 * strength[l] * (l % 2 ? teffX : 1.0 - teffX) * (0.4 + 0.2 * (label[2] + 2.5));
            const int lo = std::max(0, static_cast<int>(centre[l] - 5 * width));
            const int hi = std::min(pixels - 1, static_cast<int>(centre[l] + 5 * width));
            for (int i = lo; i <= hi; ++i) {
                const double u = (i - centre[l]) / width;
                x[r][0][i] -= static_cast<float>(depth * std::exp(-0.5 * u * u));
            }
        }
        if (uni(rng) < 0.3) {  // a masked run, flux 1 as the network input expects
            const int start = static_cast<int>(uni(rng) * (pixels - 100));
            for (int i = start; i < start + 100; ++i) {
                x[r][0][i] = 1.0f;
                x[r][1][i] = 1.0f;
            }
        }
        for (int p = 0; p < 3; ++p) {
            const auto& b = bins[static_cast<Param>(p)];
            const auto t = b.target(label[p], sigmaBins);
            for (std::size_t k = 0; k < t.size(); ++k) tgt[p][r][static_cast<long>(k)] = static_cast<float>(t[k]);
            norm[r][p] = static_cast<float>(b.normalize(label[p]));
        }
    }
    return d;
}

void writeTensor(std::ofstream& out, const torch::Tensor& t)
{
    const auto c = t.contiguous();
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), static_cast<std::streamsize>(c.numel() * 4));
}

struct Losses {
    torch::Tensor total;
    std::array<double, 4> tasks{};
};

Losses computeLoss(RemapNet& net, const torch::Tensor& x, const std::array<torch::Tensor, 3>& targets,
                   const torch::Tensor& normalized, const LossConfig& loss)
{
    const auto out = net->forward(x);
    std::array<torch::Tensor, 4> task;
    for (int p = 0; p < 3; ++p) task[p] = asymmetricLoss(out.logits[p], targets[p], loss.asl);
    task[3] = tripletLoss(out.embedding, normalized, loss.triplet).loss;
    Losses l;
    l.total = task[0] * loss.headWeights[0] + task[1] * loss.headWeights[1] + task[2] * loss.headWeights[2] +
              task[3] * loss.embeddingWeight;
    for (int t = 0; t < 4; ++t) l.tasks[t] = task[t].item<double>();
    return l;
}

}  // namespace

int main(int argc, char** argv)
{
    const int steps = std::stoi(arg(argc, argv, "--steps", "30"));
    const int batch = std::stoi(arg(argc, argv, "--batch", "64"));
    const int warmup = std::stoi(arg(argc, argv, "--warmup", "3"));
    const int distinct = std::stoi(arg(argc, argv, "--distinct", "8"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "1"));
    const std::string device = arg(argc, argv, "--device", "cpu");
    const std::string python = arg(argc, argv, "--python", "/usr/bin/python3");
    const bool runPython = !flag(argc, argv, "--no-python");
    const int rounds = std::max(1, std::stoi(arg(argc, argv, "--rounds", "3")));
    nlohmann::json pythonRounds = nlohmann::json::array();
    torch::set_num_threads(threads);

    const fs::path dir = arg(argc, argv, "--keep", (fs::temp_directory_path() / "remap-bench-train").string());
    fs::create_directories(dir);

    // The default architecture and bins with random weights, exported for Python.
    ModelCard card;
    card.name = "bench-train";
    auto bundle = ModelBundle::create(card, 1);
    bundle.exportRawWeights((dir / "raw").string());
    const LossConfig loss;  // the defaults: ASL (gamma- 4, clip 0.05), batch-hard triplet, fixed weights
    const double learningRate = 1e-3, weightDecay = 1e-2, clip = 5.0;

    const int pixels = card.network.inputLength;
    const int rows = distinct * batch;
    const Data data = makeData(rows, pixels, card.bins, loss.targetSigmaBins, 7);
    {
        std::ofstream out(dir / "data.bin", std::ios::binary);
        writeTensor(out, data.x);
        for (const auto& t : data.targets) writeTensor(out, t);
        writeTensor(out, data.normalized);
        nlohmann::json meta{
            {"rows", rows},     {"batch", batch},
            {"pixels", pixels}, {"bins", card.bins.counts()},
            {"loss", loss},     {"optimizer", {{"lr", learningRate}, {"weight_decay", weightDecay}, {"clip", clip}}}};
        std::ofstream(dir / "data.json") << meta.dump(1);
    }

    nlohmann::json report{{"torch", TORCH_VERSION},
                          {"threads", torch::get_num_threads()},
                          {"device", device},
                          {"parameters", bundle.parameterCount()},
                          {"pixels", pixels},
                          {"batch", batch},
                          {"distinct_batches", distinct}};
    // One run of the Python reference (its own warm-up, then STEPS timed steps); its report is kept
    // per round, the last one whole.
    const std::string command = python + " " + REMAP_SOURCE_DIR "/bench/python/train_reference.py --weights " +
                                (dir / "raw").string() + " --data " + dir.string() + " --steps " +
                                std::to_string(steps) + " --warmup " + std::to_string(warmup) + " --threads " +
                                std::to_string(threads) + " --device " + device;
    auto runPythonRound = [&] {
        std::string output;
        if (FILE* pipe = popen(command.c_str(), "r")) {
            char buf[512];
            while (fgets(buf, sizeof buf, pipe)) output += buf;
            if (pclose(pipe) == 0) {
                report["python"] = nlohmann::json::parse(output);
                pythonRounds.push_back({{"seconds", report["python"]["seconds"]},
                                        {"spectra_per_second", report["python"]["spectra_per_second"]},
                                        {"spectra_per_cpu_second", report["python"]["spectra_per_cpu_second"]}});
            }
        }
    };
    {
        const torch::Device dev = device == "cuda" ? torch::kCUDA : torch::kCPU;
        auto& net = bundleNetwork(bundle);
        net->to(dev);
        const auto x = data.x.to(dev);
        std::array<torch::Tensor, 3> targets;
        for (int p = 0; p < 3; ++p) targets[p] = data.targets[p].to(dev);
        const auto normalized = data.normalized.to(dev);
        auto slice = [&](const torch::Tensor& t, int step) {
            return t.narrow(0, static_cast<long>(step % distinct) * batch, batch);
        };
        auto sliceTargets = [&](int step) {
            return std::array<torch::Tensor, 3>{slice(targets[0], step), slice(targets[1], step),
                                                slice(targets[2], step)};
        };

        // Parity: the loss of the first batch in eval mode (no dropout, running BN statistics) must be
        // the same number on both sides.
        net->eval();
        {
            torch::NoGradGuard noGrad;
            const Losses l = computeLoss(net, slice(x, 0), sliceTargets(0), slice(normalized, 0), loss);
            report["cpp"]["eval_loss"] = l.total.item<double>();
            report["cpp"]["eval_task_losses"] = l.tasks;
        }
        net->train();
        torch::optim::AdamW optimizer(
            net->parameters(),
            torch::optim::AdamWOptions(learningRate).betas({0.9, 0.999}).eps(1e-8).weight_decay(weightDecay));
        std::vector<double> losses;
        auto step = [&](int s) {
            optimizer.zero_grad();
            const Losses l = computeLoss(net, slice(x, s), sliceTargets(s), slice(normalized, s), loss);
            l.total.backward();
            torch::nn::utils::clip_grad_norm_(net->parameters(), clip);
            optimizer.step();
            losses.push_back(l.total.item<double>());
        };
        for (int s = 0; s < warmup; ++s) step(s);
        if (dev.is_cuda()) torch::cuda::synchronize();
        // Rounds alternate C++ and Python, so that a slow spell of the (shared) machine hits both.
        int done = warmup;
        for (int round = 0; round < rounds; ++round) {
            const double w0 = wallSeconds(), c0 = cpuSeconds();
            for (int s = done; s < done + steps; ++s) step(s);
            done += steps;
            if (dev.is_cuda()) torch::cuda::synchronize();
            const double wall = wallSeconds() - w0, cpu = cpuSeconds() - c0;
            report["cpp"]["rounds"].push_back({{"seconds", wall},
                                               {"cpu_seconds", cpu},
                                               {"spectra_per_second", batch * steps / wall},
                                               {"spectra_per_cpu_second", batch * steps / cpu}});
            if (runPython) runPythonRound();
        }
        report["cpp"].update({{"steps", steps},
                              {"spectra_per_second", medianOf(report["cpp"]["rounds"], "spectra_per_second")},
                              {"spectra_per_cpu_second", medianOf(report["cpp"]["rounds"], "spectra_per_cpu_second")},
                              {"first_loss", losses.front()},
                              {"last_loss", losses.back()}});
    }
    if (runPython) {
        if (!report.contains("python") || pythonRounds.size() != static_cast<std::size_t>(rounds)) {
            std::cerr << "bench_train: the Python reference did not run: " << command << '\n';
        } else {
            report["python"]["rounds"] = pythonRounds;
            report["python"]["spectra_per_second"] = medianOf(pythonRounds, "spectra_per_second");
            report["python"]["spectra_per_cpu_second"] = medianOf(pythonRounds, "spectra_per_cpu_second");
            const auto& c = report["cpp"];
            const auto& p = report["python"];
            report["cpp_over_python"] = {
                {"spectra_per_second", c["spectra_per_second"].get<double>() / p["spectra_per_second"].get<double>()},
                {"spectra_per_cpu_second",
                 c["spectra_per_cpu_second"].get<double>() / p["spectra_per_cpu_second"].get<double>()}};
            report["eval_loss_difference"] = c["eval_loss"].get<double>() - p["eval_loss"].get<double>();
        }
    }
    std::cout << report.dump(2) << std::endl;
    return 0;
}
