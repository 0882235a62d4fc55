// Data-parallel communicator on c10d (TCPStore rendezvous + Gloo, or NCCL for CUDA when built with
// it) and the local launcher behind `--nproc N`. See docs/distributed.md.

#include "train/Distributed.h"

#include "base/Error.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(USE_C10D_NCCL) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define REMAP_HAVE_NCCL 1
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace remap::train {

namespace {

// ProcessGroupGloo and ProcessGroupNCCL derive from c10d::Backend since LibTorch 2.0.
#if TORCH_VERSION_MAJOR >= 2
using C10dBackend = c10d::Backend;
#else
using C10dBackend = c10d::ProcessGroup;
#endif

std::string endpoint(const DistributedOptions& o)
{
    return o.masterAddr + ":" + std::to_string(o.masterPort);
}

std::string whoAndWhere(const DistributedOptions& o)
{
    return "rank " + std::to_string(o.rank) + " of " + std::to_string(o.worldSize) + " (master " + endpoint(o) + ")";
}

// c10::Error::what() carries a C++ backtrace; the short form is what a user can act on.
std::string causeOf(const std::exception& e)
{
    if (const auto* c10Error = dynamic_cast<const c10::Error*>(&e)) return c10Error->what_without_backtrace();
    return e.what();
}

bool isLoopback(const std::string& address)
{
    return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

// A world of one: every collective is the identity.
class LocalGroup final : public ProcessGroup {
public:
    int rank() const override { return 0; }
    int worldSize() const override { return 1; }
    void allReduceSum(std::vector<at::Tensor>&) override {}
    void broadcast(std::vector<at::Tensor>&, int) override {}
    double allReduceSum(double value) override { return value; }
    bool broadcastFlag(bool value) override { return value; }
    void barrier() override {}
};

// Gloo and NCCL reduce one tensor per call (a list means "the same tensor on several local devices"),
// so the tensors are packed into one flat buffer per dtype: one collective per dtype, whatever the
// number of parameters. Gloo runs on the CPU: CUDA tensors are staged through host memory.
class C10dGroup final : public ProcessGroup {
public:
    C10dGroup(DistributedOptions options, c10::intrusive_ptr<c10d::Store> store,
              c10::intrusive_ptr<C10dBackend> backend, bool stageOnCpu)
        : options_(std::move(options)),
          store_(std::move(store)),
          backend_(std::move(backend)),
          stageOnCpu_(stageOnCpu),
          scalarDevice_(stageOnCpu ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA))
    {
    }

    int rank() const override { return options_.rank; }
    int worldSize() const override { return options_.worldSize; }

    void allReduceSum(std::vector<at::Tensor>& tensors) override
    {
        forEachBucket(tensors, "all-reduce", [this](std::vector<at::Tensor>& flat) {
            c10d::AllreduceOptions opts;
            opts.reduceOp = c10d::ReduceOp::SUM;
            backend_->allreduce(flat, opts)->wait();
        });
    }

    void broadcast(std::vector<at::Tensor>& tensors, int root) override
    {
        if (root < 0 || root >= options_.worldSize)
            throw Error("broadcast from rank " + std::to_string(root) + " outside the group of " +
                        std::to_string(options_.worldSize));
        forEachBucket(tensors, "broadcast", [this, root](std::vector<at::Tensor>& flat) {
            c10d::BroadcastOptions opts;
            opts.rootRank = root;
            backend_->broadcast(flat, opts)->wait();
        });
    }

    double allReduceSum(double value) override
    {
        std::vector<at::Tensor> t{torch::full({1}, value, torch::dtype(torch::kFloat64).device(scalarDevice_))};
        allReduceSum(t);
        return t[0].item<double>();
    }

    bool broadcastFlag(bool value) override
    {
        std::vector<at::Tensor> t{torch::full({1}, value ? 1 : 0, torch::dtype(torch::kInt32).device(scalarDevice_))};
        broadcast(t, 0);
        return t[0].item<int>() != 0;
    }

    void barrier() override
    {
        guarded("barrier", [this] { backend_->barrier(c10d::BarrierOptions())->wait(); });
    }

private:
    template <class Op>
    void forEachBucket(std::vector<at::Tensor>& tensors, const char* what, Op op)
    {
        if (tensors.empty()) return;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            if (!tensors[i].defined())
                throw Error(std::string(what) + ": tensor " + std::to_string(i) + " is undefined on " +
                            whoAndWhere(options_));
        }
        // Buckets by dtype, in first-seen order (the same on every rank).
        std::vector<std::vector<std::size_t>> buckets;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            auto it = std::find_if(buckets.begin(), buckets.end(), [&](const std::vector<std::size_t>& b) {
                return tensors[b.front()].scalar_type() == tensors[i].scalar_type();
            });
            if (it == buckets.end())
                buckets.push_back({i});
            else
                it->push_back(i);
        }
        for (const auto& bucket : buckets) {
            const at::Tensor& first = tensors[bucket.front()];
            const bool staged = stageOnCpu_ && !first.is_cpu();
            // A single contiguous tensor on the right device is reduced in place.
            if (bucket.size() == 1 && first.is_contiguous() && !staged) {
                std::vector<at::Tensor> flat{first};
                guarded(what, [&] { op(flat); });
                continue;
            }
            std::vector<at::Tensor> pieces;
            pieces.reserve(bucket.size());
            for (std::size_t i : bucket) pieces.push_back(tensors[i].reshape({-1}));
            at::Tensor buffer = torch::cat(pieces);
            if (staged) buffer = buffer.to(torch::kCPU);
            std::vector<at::Tensor> flat{buffer};
            guarded(what, [&] { op(flat); });
            int64_t offset = 0;
            for (std::size_t i : bucket) {
                at::Tensor& t = tensors[i];
                t.copy_(buffer.narrow(0, offset, t.numel()).view(t.sizes()));
                offset += t.numel();
            }
        }
    }

    template <class F>
    void guarded(const char* what, F&& f)
    {
        try {
            f();
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(std::string("data-parallel ") + what + " failed on " + whoAndWhere(options_) + ": " +
                        causeOf(e) + " (did another worker stop?)");
        }
    }

    DistributedOptions options_;
    c10::intrusive_ptr<c10d::Store> store_;  // kept alive: NCCL exchanges its ids through it lazily
    c10::intrusive_ptr<C10dBackend> backend_;
    bool stageOnCpu_;             // Gloo: collectives on host memory
    torch::Device scalarDevice_;  // where the scalar collectives' one-element tensors live
};

#if defined(USE_C10D_GLOO)
// Gloo binds one socket per process; peers connect to the address it advertises. On loopback that is
// 127.0.0.1; across nodes it is this host's name (or GLOO_SOCKET_IFNAME's interfaces, like PyTorch).
std::vector<std::shared_ptr<::gloo::transport::Device>> glooDevices(const DistributedOptions& o)
{
    std::vector<std::shared_ptr<::gloo::transport::Device>> devices;
    if (const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME"); ifnames && *ifnames) {
        std::string list = ifnames;
        std::size_t start = 0;
        while (start <= list.size()) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            if (comma > start)
                devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(list.substr(start, comma - start)));
            start = comma + 1;
        }
    } else if (isLoopback(o.masterAddr)) {
        devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(
            o.masterAddr == "localhost" ? std::string("127.0.0.1") : o.masterAddr));
    } else {
        devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    return devices;
}
#endif

#if defined(REMAP_HAVE_NCCL)
// NCCL needs one GPU per process: the process's local rank (LOCAL_RANK from torchrun, SLURM_LOCALID
// from srun, else the global rank) modulo the GPUs it sees becomes the current device, where
// torch::Device("cuda") then places the model.
void selectLocalGpu(const DistributedOptions& o)
{
    const int count = c10::cuda::device_count();
    if (count <= 0) throw Error("--device cuda with the nccl backend, but no CUDA device is visible");
    int local = o.rank;
    for (const char* name : {"LOCAL_RANK", "SLURM_LOCALID"})
        if (const char* v = std::getenv(name); v && *v) {
            local = std::atoi(v);
            break;
        }
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(local % count));
}
#endif

std::string chooseBackend(const DistributedOptions& o, const std::string& device)
{
    if (o.backend == "gloo" || o.backend == "nccl") return o.backend;
#if defined(REMAP_HAVE_NCCL)
    if (device == "cuda") return "nccl";
#else
    (void)device;
#endif
    return "gloo";
}

}  // namespace

void DistributedOptions::validate() const
{
    if (worldSize < 1) throw UsageError("--world-size must be at least 1 (got " + std::to_string(worldSize) + ")");
    if (rank < 0 || rank >= worldSize)
        throw UsageError("--rank " + std::to_string(rank) + " is outside the group of " + std::to_string(worldSize) +
                         " processes (ranks 0 to " + std::to_string(worldSize - 1) + ")");
    if (masterPort < 0 || masterPort > 65535)
        throw UsageError("--master-port " + std::to_string(masterPort) + " is not a TCP port (1 to 65535)");
    if (enabled() && masterPort == 0) throw UsageError("--master-port is required for a group of several processes");
    if (enabled() && masterAddr.empty()) throw UsageError("--master-addr is empty");
    if (timeoutSeconds <= 0)
        throw UsageError("the data-parallel timeout must be positive (got " + std::to_string(timeoutSeconds) + " s)");
    if (backend != "auto" && backend != "gloo" && backend != "nccl")
        throw UsageError("unknown data-parallel backend '" + backend + "' (expected auto, gloo or nccl)");
}

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const DistributedOptions& options, const std::string& device)
{
    options.validate();
    if (device != "cpu" && device != "cuda")
        throw UsageError("data-parallel device must be cpu or cuda (got '" + device + "')");
    if (!options.enabled()) return std::make_unique<LocalGroup>();

    const std::string backend = chooseBackend(options, device);
#if !defined(REMAP_HAVE_NCCL)
    if (backend == "nccl")
        throw UsageError("this build of LibTorch has no NCCL; use the gloo backend for data-parallel training");
#endif
#if !defined(USE_C10D_GLOO)
    if (backend == "gloo")
        throw UsageError("this build of LibTorch has no Gloo: data-parallel training is unavailable");
#endif
    if (backend == "nccl" && device != "cuda") throw UsageError("the nccl backend needs --device cuda");

    // A C++ process dies silently on SIGPIPE when a peer closes its socket mid-send; with the signal
    // ignored the send fails and the collective throws an error that names the peer (Python does this too).
    struct sigaction previous {};
    if (sigaction(SIGPIPE, nullptr, &previous) == 0 && previous.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);

    const auto timeout = std::chrono::milliseconds(int64_t{options.timeoutSeconds} * 1000);
    try {
        c10d::TCPStoreOptions storeOptions;
        storeOptions.port = static_cast<std::uint16_t>(options.masterPort);
        storeOptions.isServer = options.rank == 0;
        storeOptions.numWorkers = static_cast<std::size_t>(options.worldSize);
        storeOptions.waitWorkers = true;
        storeOptions.timeout = timeout;
        auto store = c10::make_intrusive<c10d::TCPStore>(options.masterAddr, storeOptions);

        c10::intrusive_ptr<C10dBackend> group;
        bool stageOnCpu = false;
#if defined(REMAP_HAVE_NCCL)
        if (backend == "nccl") {
            selectLocalGpu(options);
            auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
            ncclOptions->timeout = timeout;
            group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, options.rank, options.worldSize, ncclOptions);
        }
#endif
#if defined(USE_C10D_GLOO)
        if (backend == "gloo") {
            auto glooOptions = c10d::ProcessGroupGloo::Options::create(timeout);
            glooOptions->devices = glooDevices(options);
            group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, options.rank, options.worldSize, glooOptions);
            stageOnCpu = true;
        }
#endif
        return std::make_unique<C10dGroup>(options, std::move(store), std::move(group), stageOnCpu);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error("cannot join the data-parallel group as " + whoAndWhere(options) + " (" + backend + ", timeout " +
                    std::to_string(options.timeoutSeconds) + " s): " + causeOf(e));
    }
}

// ---- local launcher ---------------------------------------------------------------------------------

int findFreePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(std::string("cannot open a socket to find a free port: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
    const int error = errno;
    ::close(fd);
    if (!ok) throw Error(std::string("cannot find a free TCP port on 127.0.0.1: ") + std::strerror(error));
    return ntohs(addr.sin_port);
}

namespace {

// What the signal handler needs: written only while SIGINT/SIGTERM are blocked.
constexpr int kMaxWorkers = 1024;
std::array<pid_t, kMaxWorkers> gWorkers{};
std::atomic<int> gWorkerCount{0};
std::atomic<bool> gForwarded{false};
std::atomic<bool> gLauncherActive{false};

extern "C" void forwardSignal(int sig)
{
    const int saved = errno;
    const int n = gWorkerCount.load();
    for (int i = 0; i < n; ++i)
        if (gWorkers[i] > 0) ::kill(gWorkers[i], sig);
    gForwarded.store(true);
    errno = saved;
}

int exitCodeOf(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

bool isReservedFlag(const std::string& arg)
{
    for (const char* flag : {"--nproc", "--rank", "--world-size", "--master-addr", "--master-port"}) {
        const std::string f = flag;
        if (arg == f || arg.rfind(f + "=", 0) == 0) return true;
    }
    return false;
}

std::string selfExecutable()
{
    std::string path(4096, '\0');
    const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (n <= 0) throw Error(std::string("cannot locate this program (/proc/self/exe): ") + std::strerror(errno));
    path.resize(static_cast<std::size_t>(n));
    return path;
}

// Restores the launcher's signal state however launchLocalWorkers leaves.
class LauncherState {
public:
    LauncherState()
    {
        if (gLauncherActive.exchange(true)) throw Error("launchLocalWorkers is already running in this process");
        gWorkerCount.store(0);
        gForwarded.store(false);
        struct sigaction action {};
        action.sa_handler = forwardSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, &oldInt_);
        ::sigaction(SIGTERM, &action, &oldTerm_);
    }
    ~LauncherState()
    {
        ::sigaction(SIGINT, &oldInt_, nullptr);
        ::sigaction(SIGTERM, &oldTerm_, nullptr);
        gWorkerCount.store(0);
        gLauncherActive.store(false);
    }
    LauncherState(const LauncherState&) = delete;
    LauncherState& operator=(const LauncherState&) = delete;

private:
    struct sigaction oldInt_ {};
    struct sigaction oldTerm_ {};
};

}  // namespace

int launchLocalWorkers(int nproc, const std::vector<std::string>& argv, int masterPort)
{
    if (nproc < 1 || nproc > kMaxWorkers)
        throw UsageError("--nproc must be between 1 and " + std::to_string(kMaxWorkers) + " (got " +
                         std::to_string(nproc) + ")");
    if (argv.empty()) throw UsageError("launchLocalWorkers needs the program's arguments (argv[0] at least)");
    for (const auto& arg : argv)
        if (isReservedFlag(arg))
            throw UsageError("'" + arg + "' cannot be combined with --nproc (it sets it per worker)");
    if (masterPort < 0 || masterPort > 65535)
        throw UsageError("--master-port " + std::to_string(masterPort) + " is not a TCP port (1 to 65535)");

    const int port = masterPort > 0 ? masterPort : findFreePort();
    const std::string exe = selfExecutable();

    // Every argument vector is built before forking: the child may only call async-signal-safe functions.
    std::vector<std::vector<std::string>> args(static_cast<std::size_t>(nproc));
    std::vector<std::vector<char*>> argPointers(static_cast<std::size_t>(nproc));
    for (int i = 0; i < nproc; ++i) {
        auto& a = args[static_cast<std::size_t>(i)];
        a = argv;
        for (const std::string& extra : {std::string("--rank"), std::to_string(i), std::string("--world-size"),
                                         std::to_string(nproc), std::string("--master-addr"), std::string("127.0.0.1"),
                                         std::string("--master-port"), std::to_string(port)})
            a.push_back(extra);
        for (auto& s : a) argPointers[static_cast<std::size_t>(i)].push_back(s.data());
        argPointers[static_cast<std::size_t>(i)].push_back(nullptr);
    }

    const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    LauncherState state;
    sigset_t forwarded, previousMask;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGINT);
    sigaddset(&forwarded, SIGTERM);

    const pid_t launcher = ::getpid();
    int spawnError = 0;
    for (int i = 0; i < nproc; ++i) {
        // Blocked between fork and recording the pid, so a forwarded signal reaches every worker.
        ::sigprocmask(SIG_BLOCK, &forwarded, &previousMask);
        const pid_t pid = ::fork();
        if (pid == 0) {
            // Own process group: Ctrl+C reaches the workers once, through the launcher, not twice.
            ::setpgid(0, 0);
            // A launcher killed with SIGKILL leaves no orphans behind.
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != launcher) ::_exit(128 + SIGTERM);
            if (devNull >= 0) ::dup2(devNull, STDIN_FILENO);
            struct sigaction byDefault {};
            byDefault.sa_handler = SIG_DFL;
            ::sigaction(SIGINT, &byDefault, nullptr);
            ::sigaction(SIGTERM, &byDefault, nullptr);
            ::sigprocmask(SIG_SETMASK, &previousMask, nullptr);
            ::execv(exe.c_str(), argPointers[static_cast<std::size_t>(i)].data());
            ::_exit(127);
        }
        if (pid < 0) spawnError = errno;
        if (pid > 0) {
            gWorkers[static_cast<std::size_t>(i)] = pid;
            gWorkerCount.store(i + 1);
        }
        ::sigprocmask(SIG_SETMASK, &previousMask, nullptr);
        if (pid < 0) break;
    }
    if (devNull >= 0) ::close(devNull);

    const int started = gWorkerCount.load();
    std::vector<bool> running(static_cast<std::size_t>(started), true);
    int alive = started;
    int firstFailure = spawnError != 0 ? 1 : 0;
    using Clock = std::chrono::steady_clock;
    constexpr auto kGrace = std::chrono::seconds(10);
    Clock::time_point killAt = Clock::time_point::max();  // max: no SIGKILL pending
    auto terminateOthers = [&] {
        for (int i = 0; i < started; ++i)
            if (running[static_cast<std::size_t>(i)]) ::kill(gWorkers[static_cast<std::size_t>(i)], SIGTERM);
        killAt = Clock::now() + kGrace;
    };
    if (spawnError != 0) terminateOthers();

    while (alive > 0) {
        bool reaped = false;
        for (int i = 0; i < started; ++i) {
            if (!running[static_cast<std::size_t>(i)]) continue;
            int status = 0;
            const pid_t r = ::waitpid(gWorkers[static_cast<std::size_t>(i)], &status, WNOHANG);
            if (r == 0 || (r < 0 && errno == EINTR)) continue;
            running[static_cast<std::size_t>(i)] = false;
            --alive;
            reaped = true;
            const int code = r < 0 ? 1 : exitCodeOf(status);
            if (code != 0 && firstFailure == 0) {
                firstFailure = code;
                // After a forwarded Ctrl+C the workers are stopping together (rank 0 may be writing
                // the checkpoint): let them finish. Otherwise a failed worker leaves the rest stuck.
                if (!gForwarded.load() && killAt == Clock::time_point::max()) terminateOthers();
            }
        }
        if (alive == 0) break;
        if (Clock::now() >= killAt) {
            for (int i = 0; i < started; ++i)
                if (running[static_cast<std::size_t>(i)]) ::kill(gWorkers[static_cast<std::size_t>(i)], SIGKILL);
            killAt = Clock::time_point::max();
        }
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (spawnError != 0)
        throw Error("cannot start data-parallel worker " + std::to_string(started) + " of " + std::to_string(nproc) +
                    ": " + std::strerror(spawnError));
    return firstFailure;
}

}  // namespace remap::train
