// A process of test_train_distributed: joins a c10d group, runs every collective of ProcessGroup on
// rank-dependent values and checks the results against closed forms. Exit status 0 = all correct,
// 1 = a wrong result, 2 = an error (message on stderr), 3 = told to fail (--fail-rank).
//
//   distributed_worker --rank R --world-size N --master-addr A --master-port P [--timeout S]
//   distributed_worker --launch N [--fail-rank R] [--timeout S]   (launchLocalWorkers: N copies of itself)

#include "base/Error.h"
#include "train/Distributed.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what)
{
    if (ok) return;
    std::fprintf(stderr, "distributed_worker: wrong result: %s\n", what.c_str());
    ++failures;
}

bool sameValues(const at::Tensor& actual, const at::Tensor& expected)
{
    return actual.sizes() == expected.sizes() && torch::equal(actual.contiguous(), expected);
}

int runCollectives(const remap::train::DistributedOptions& options)
{
    auto group = remap::train::ProcessGroup::connect(options, "cpu");
    const int r = group->rank();
    const int n = group->worldSize();
    expect(r == options.rank && n == options.worldSize, "rank/world size of the group");

    // Two float tensors of different shapes (one a non-contiguous view), one double and one int64:
    // three dtype buckets, packing and unpacking. Rank r contributes (r + 1) * base.
    const double factor = r + 1.0;
    const double sumOfFactors = n * (n + 1) / 2.0;
    at::Tensor base = torch::arange(12, torch::kFloat32).reshape({3, 4});
    at::Tensor storage = (base * factor).t().contiguous();  // 4 x 3, transposed back below
    std::vector<at::Tensor> tensors{torch::full({5}, factor, torch::kFloat32), storage.t(),
                                    torch::full({2, 2}, factor / 3.0, torch::kFloat64),
                                    torch::full({3}, int64_t{r + 1}, torch::kInt64)};
    group->allReduceSum(tensors);
    expect(sameValues(tensors[0], torch::full({5}, sumOfFactors, torch::kFloat32)), "all-reduce of a float vector");
    expect(sameValues(tensors[1], base * sumOfFactors), "all-reduce of a transposed view");
    expect(torch::allclose(tensors[2], torch::full({2, 2}, sumOfFactors / 3.0, torch::kFloat64), 1e-15, 0),
           "all-reduce of a double matrix");
    expect(sameValues(tensors[3], torch::full({3}, int64_t(n * (n + 1) / 2), torch::kInt64)),
           "all-reduce of an int64 vector");

    // Broadcast from the last rank: everyone ends with its values.
    const int root = n - 1;
    std::vector<at::Tensor> mine{torch::full({7}, 100.0 * r + 0.25, torch::kFloat32),
                                 torch::full({1}, r, torch::kInt32)};
    group->broadcast(mine, root);
    expect(sameValues(mine[0], torch::full({7}, 100.0 * root + 0.25, torch::kFloat32)), "broadcast of a float vector");
    expect(mine[1].item<int>() == root, "broadcast of an int");

    expect(group->allReduceSum(r + 0.5) == n * n / 2.0, "all-reduce of a double");
    expect(group->broadcastFlag(r == 0) == true, "rank 0's flag (true)");
    expect(group->broadcastFlag(r != 0) == false, "rank 0's flag (false)");
    group->barrier();
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv)
{
    remap::train::DistributedOptions options;
    int launch = 0;
    int failRank = -1;
    std::vector<std::string> forwarded{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        const std::string value = hasValue ? argv[i + 1] : std::string();
        if (!hasValue) {
            std::fprintf(stderr, "distributed_worker: %s needs a value\n", arg.c_str());
            return 2;
        }
        ++i;
        if (arg == "--rank") {
            options.rank = std::atoi(value.c_str());
        } else if (arg == "--world-size") {
            options.worldSize = std::atoi(value.c_str());
        } else if (arg == "--master-addr") {
            options.masterAddr = value;
        } else if (arg == "--master-port") {
            options.masterPort = std::atoi(value.c_str());
        } else if (arg == "--launch") {
            launch = std::atoi(value.c_str());
            continue;  // not forwarded
        } else if (arg == "--fail-rank") {
            failRank = std::atoi(value.c_str());
        } else if (arg == "--timeout") {
            options.timeoutSeconds = std::atoi(value.c_str());
        } else {
            std::fprintf(stderr, "distributed_worker: unknown argument %s\n", arg.c_str());
            return 2;
        }
        forwarded.push_back(arg);
        forwarded.push_back(value);
    }
    try {
        if (launch > 0) return remap::train::launchLocalWorkers(launch, forwarded);
        if (options.rank == failRank) return 3;
        return runCollectives(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "distributed_worker: %s\n", e.what());
        return 2;
    }
}
