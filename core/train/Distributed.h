#pragma once

// Data-parallel training on LibTorch's own distributed layer (c10d): a TCPStore rendezvous and a
// Gloo process group on the CPU (NCCL on CUDA builds that have it). Torch-free header.
//
// How the trainer uses it: every process holds the full model, draws the same shuffled global
// batch, runs its share of the batch's micro-batches and calls allReduceSum() on the gradients
// (each already scaled by its micro-batch's share of the global batch), so every process applies the
// same update. Rank 0 alone writes the run record, checkpoints and bundles.

#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace remap::train {

struct DistributedOptions {
    int rank = 0;
    int worldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    int timeoutSeconds = 300;      // rendezvous and collective timeout
    std::string backend = "auto";  // "auto" (nccl for CUDA tensors when built with it, else gloo), "gloo", "nccl"
    bool enabled() const { return worldSize > 1; }
    // Throws remap::UsageError for rank outside [0, worldSize), a bad port, ...
    void validate() const;
};

// The communicator. A world of one process is a no-op object (no sockets).
class ProcessGroup {
public:
    // Joins the group (blocks until all worldSize processes arrived or the timeout passed; throws
    // remap::Error naming master address and port on failure). device: "cpu" or "cuda".
    static std::unique_ptr<ProcessGroup> connect(const DistributedOptions& options, const std::string& device);
    virtual ~ProcessGroup() = default;
    virtual int rank() const = 0;
    virtual int worldSize() const = 0;
    // In-place sum over all processes (tensors on the group's device).
    virtual void allReduceSum(std::vector<at::Tensor>& tensors) = 0;
    // In-place copy of rank `root`'s tensors to every process.
    virtual void broadcast(std::vector<at::Tensor>& tensors, int root) = 0;
    virtual double allReduceSum(double value) = 0;
    // Rank 0's decision reaches everyone (cancellation must stop all ranks at the same step).
    virtual bool broadcastFlag(bool value) = 0;
    virtual void barrier() = 0;
};

// `remap train ... --nproc N`: starts N copies of this program (the same arguments plus
// --rank i --world-size N --master-addr 127.0.0.1 --master-port PORT; PORT = a free port when
// masterPort is 0), forwards SIGINT/SIGTERM to them, waits, and returns the first non-zero exit
// status (or 0). When a worker fails the others are terminated. argv must not already contain --nproc.
int launchLocalWorkers(int nproc, const std::vector<std::string>& argv, int masterPort = 0);

// A TCP port that was free a moment ago on 127.0.0.1.
int findFreePort();

}  // namespace remap::train
