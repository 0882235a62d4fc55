#include "DatasetBuilder.h"

#include "GridInterpolator.h"
#include "base/Csv.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/SpectrumReader.h"
#include "prep/Preprocessor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <thread>

namespace remap {
namespace fs = std::filesystem;

namespace {

constexpr double kRangeSlack = 1e-9;

// FNV-1a, 64 bit: a stable digest (std::hash is not stable across runs or platforms).
std::string digestOf(const std::string& text)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json labelJson(const LabelRow& labels)
{
    nlohmann::json j = nlohmann::json::array();
    for (double v : labels) j.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
    return j;
}

// ---------------------------------------------------------------------------------------------
// Ordered parallel map: work(i) runs on worker threads, results reach the calling thread in index
// order, at most `window` results ahead of the consumer (bounded memory).

template <typename Result>
class OrderedPool {
public:
    OrderedPool(std::size_t begin, std::size_t end, unsigned threads, std::size_t window,
                std::function<Result(std::size_t)> work)
        : next_(begin), consumed_(begin), end_(end), window_(std::max<std::size_t>(window, 1)), work_(std::move(work))
    {
        const std::size_t n = std::min<std::size_t>(std::max(1u, threads), end > begin ? end - begin : 1);
        for (std::size_t t = 0; t < n; ++t) threads_.emplace_back([this] { run(); });
    }
    OrderedPool(const OrderedPool&) = delete;
    OrderedPool& operator=(const OrderedPool&) = delete;
    ~OrderedPool()
    {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        for (auto& t : threads_) t.join();
    }

    // The result of index i (call with consecutive indices from `begin`).
    Result take(std::size_t i)
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return done_.count(i) > 0; });
        auto node = done_.extract(i);
        consumed_ = i + 1;
        lock.unlock();
        cv_.notify_all();
        if (node.mapped().error) std::rethrow_exception(node.mapped().error);
        return std::move(*node.mapped().value);
    }

private:
    struct Slot {
        std::optional<Result> value;
        std::exception_ptr error;
    };

    void run()
    {
        for (;;) {
            std::size_t i;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return stop_ || next_ >= end_ || next_ < consumed_ + window_; });
                if (stop_ || next_ >= end_) return;
                i = next_++;
            }
            Slot slot;
            try {
                slot.value.emplace(work_(i));
            } catch (...) {
                slot.error = std::current_exception();
            }
            {
                std::lock_guard lock(mutex_);
                done_.emplace(i, std::move(slot));
            }
            cv_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t next_, consumed_, end_, window_;
    bool stop_ = false;
    std::map<std::size_t, Slot> done_;
    std::function<Result(std::size_t)> work_;
    std::vector<std::thread> threads_;
};

// What one input became: a row, or the reason it failed.
struct Outcome {
    std::optional<TrainingRow> row;
    std::string error;
};

unsigned threadCount(unsigned requested)
{
    if (requested) return requested;
    return std::max(1u, std::thread::hardware_concurrency());
}

// Where a previous, interrupted build of the same thing stopped.
struct ResumePoint {
    std::size_t rows = 0;           // rows in the partial file
    std::size_t gridRows = 0;       // of which prepared from inputs
    std::size_t nextInput = 0;      // first input not yet tried
    std::set<std::size_t> written;  // inputs with a row
};

std::optional<ResumePoint> findResumePoint(TrainingSetWriter& writer, const std::vector<DatasetInput>& inputs,
                                           std::string& note)
{
    ResumePoint point;
    point.rows = writer.rows();
    if (point.rows == 0) return point;
    const auto sources = writer.sources();
    const auto interpolated = writer.interpolated();
    std::map<std::string, std::size_t> indexOfSource;
    for (std::size_t i = 0; i < inputs.size(); ++i) indexOfSource.emplace(inputs[i].source, i);
    std::size_t cursor = 0;
    for (std::size_t r = 0; r < point.rows; ++r) {
        if (interpolated[r]) {
            // Interpolated rows follow all prepared rows: every input was tried.
            for (std::size_t q = r; q < point.rows; ++q)
                if (!interpolated[q]) {
                    note = "rows in the partial file are out of order";
                    return std::nullopt;
                }
            cursor = inputs.size();
            break;
        }
        const auto it = indexOfSource.find(sources[r]);
        if (it == indexOfSource.end() || it->second < cursor) {
            note = "the partial file holds '" + sources[r] + "', which is not among this build's inputs";
            return std::nullopt;
        }
        point.written.insert(it->second);
        cursor = it->second + 1;
        ++point.gridRows;
    }
    point.nextInput = cursor;
    return point;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

bool LabelRange::contains(double value) const
{
    return std::isfinite(value) && value >= min - kRangeSlack && value <= max + kRangeSlack;
}

LabelRange parseLabelRange(const std::string& text, const std::string& what)
{
    // The separator is the ':' that is not a sign: "a:b" with a and b possibly negative.
    const auto colon = text.find(':');
    const auto bad = [&] {
        return UsageError(what + " range '" + text + "' should be MIN:MAX, e.g. " +
                          (what == "Teff" ? "3500:7000" : "-2.5:0.5"));
    };
    if (colon == std::string::npos) throw bad();
    LabelRange r;
    try {
        std::size_t used = 0;
        const std::string a = csv::trim(text.substr(0, colon)), b = csv::trim(text.substr(colon + 1));
        r.min = std::stod(a, &used);
        if (used != a.size()) throw bad();
        r.max = std::stod(b, &used);
        if (used != b.size()) throw bad();
    } catch (const std::logic_error&) {
        throw bad();
    }
    if (!(r.min <= r.max)) throw UsageError(what + " range '" + text + "' has MIN > MAX");
    return r;
}

bool LabelFilter::accepts(const LabelRow& labels) const
{
    return teff.contains(labels[kLabelTeff]) && logg.contains(labels[kLabelLogg]) && feh.contains(labels[kLabelFeh]);
}

nlohmann::json LabelFilter::toJson() const
{
    return {{"teff", {teff.min, teff.max}}, {"logg", {logg.min, logg.max}}, {"feh", {feh.min, feh.max}}};
}

bool isPhoenixHiResName(const std::string& fileName)
{
    static const std::regex pattern(
        R"(lte\d{5}[-+]\d+\.\d+[-+]\d+\.\d+(\.Alpha=[-+]\d+\.\d+)?\.PHOENIX-ACES-AGSS-COND-2011-HiRes\.fits)");
    return std::regex_match(fileName, pattern);
}

PhoenixScan scanPhoenixGrid(const std::string& dir, const LabelFilter& filter, ProgressObserver& progress)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error("not a folder (expected the PHOENIX grid's top folder)", dir);
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && isPhoenixHiResName(it->path().filename().string())) files.push_back(it->path());
    }
    if (ec) throw Error("could not list the folder: " + ec.message(), dir);
    std::vector<std::pair<std::string, fs::path>> named;
    for (const auto& f : files) named.emplace_back(fs::relative(f, dir).generic_string(), f);
    std::sort(named.begin(), named.end());

    PhoenixScan scan;
    scan.found = named.size();
    for (std::size_t i = 0; i < named.size(); ++i) {
        throwIfCancelled(progress);
        const auto& [relative, path] = named[i];
        try {
            FitsFile fits = FitsFile::open(path.string());
            DatasetInput input;
            input.path = path.string();
            input.source = relative;
            const auto teff = fits.keyDouble("PHXTEFF"), logg = fits.keyDouble("PHXLOGG"),
                       feh = fits.keyDouble("PHXM_H"), alpha = fits.keyDouble("PHXALPHA");
            if (!teff || !logg || !feh) throw Error("the header lacks PHXTEFF, PHXLOGG or PHXM_H", path.string(), 0);
            input.labels = {*teff, *logg, *feh, alpha.value_or(0.0)};
            if (filter.accepts(input.labels)) scan.selected.push_back(std::move(input));
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            scan.failures.push_back({relative, e.what()});
        }
        progress.onProgress(i + 1, named.size(), "reading headers");
    }
    return scan;
}

std::vector<DatasetInput> readObservedCatalog(const std::string& csvPath)
{
    std::ifstream in(csvPath);
    if (!in) throw Error("could not open the catalog", csvPath);
    const fs::path base = fs::path(csvPath).parent_path();
    std::string line;
    std::vector<std::string> header;
    std::size_t lineNo = 0;
    while (header.empty() && std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (csv::trim(line).empty() || csv::trim(line)[0] == '#') continue;
        header = csv::splitLine(line);
    }
    if (header.empty()) throw Error("the catalog is empty (expected a header line with a 'file' column)", csvPath);
    int fileCol = -1;
    std::array<int, kLabelCount> labelCol{-1, -1, -1, -1};
    for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string name = csv::toLower(header[c]);
        if (name == "file") fileCol = static_cast<int>(c);
        for (std::size_t l = 0; l < kLabelCount; ++l)
            if (name == labelColumnNames()[l]) labelCol[l] = static_cast<int>(c);
    }
    if (fileCol < 0) throw Error("the catalog's header has no 'file' column", csvPath);

    std::vector<DatasetInput> out;
    std::set<std::string> seen;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (csv::trim(line).empty() || csv::trim(line)[0] == '#') continue;
        const auto cells = csv::splitLine(line);
        const std::string where = "line " + std::to_string(lineNo);
        if (cells.size() != header.size())
            throw Error(where + " has " + std::to_string(cells.size()) + " fields but the header has " +
                            std::to_string(header.size()),
                        csvPath);
        DatasetInput input;
        input.source = cells[static_cast<std::size_t>(fileCol)];
        if (input.source.empty()) throw Error(where + " has an empty 'file' field", csvPath);
        if (!seen.insert(input.source).second) throw Error(where + " repeats the file '" + input.source + "'", csvPath);
        const fs::path p(input.source);
        input.path = (p.is_absolute() ? p : base / p).string();
        for (std::size_t l = 0; l < kLabelCount; ++l) {
            if (labelCol[l] < 0) continue;
            const std::string cell = csv::toLower(cells[static_cast<std::size_t>(labelCol[l])]);
            if (cell.empty() || cell == "nan" || cell == "-" || cell == "null") continue;
            try {
                std::size_t used = 0;
                input.labels[l] = std::stod(cell, &used);
                if (used != cell.size()) throw std::invalid_argument(cell);
            } catch (const std::logic_error&) {
                throw Error(where + ": '" + cells[static_cast<std::size_t>(labelCol[l])] + "' in column '" +
                                labelColumnNames()[l] + "' is not a number",
                            csvPath);
            }
        }
        out.push_back(std::move(input));
    }
    return out;
}

std::string partialPathFor(const std::string& outPath)
{
    return outPath + ".partial";
}

DatasetBuildReport buildTrainingSet(DatasetKind kind, const std::vector<DatasetInput>& inputs,
                                    const std::string& outPath, const DatasetBuildOptions& options,
                                    const nlohmann::json& inputsDescription, ProgressObserver& progress)
{
    if (inputs.empty()) throw Error("no input spectra to build a training set from", outPath);
    if (options.interpolate > 0 && kind != DatasetKind::PhoenixGrid)
        throw UsageError("grid interpolation (--interpolate) needs a PHOENIX grid build");
    std::error_code ec;
    const fs::path outDir = fs::path(outPath).has_parent_path() ? fs::path(outPath).parent_path() : fs::path(".");
    if (!fs::is_directory(outDir, ec)) throw Error("the output folder does not exist", outDir.string());

    // Fail before any work when interpolation has nothing to interpolate between.
    if (options.interpolate > 0) {
        std::vector<LabelRow> labels;
        for (const auto& in : inputs) labels.push_back(in.labels);
        if (GridInterpolator(labels).cells().empty())
            throw Error(
                "grid interpolation needs at least one complete grid cell (the 8 models at the corners of a "
                "Teff x log g x [Fe/H] box) among the selected models; widen the ranges or drop --interpolate",
                outPath);
    }
    const std::size_t batchRows = std::max<std::size_t>(1, options.batchRows);
    const unsigned threads = threadCount(options.threads);
    std::optional<Spectrum> rvTemplate;
    if (!options.rvTemplate.empty()) rvTemplate = readSpectrum(options.rvTemplate);
    const Preprocessor preprocessor(options.spec, std::move(rvTemplate));
    const std::vector<double> grid = options.spec.grid();

    // Everything that decides the rows, and nothing else (no paths of the output, no time).
    nlohmann::json identity;
    identity["kind"] = toString(kind);
    identity["spec"] = options.spec.toJson();
    identity["rv_template"] = options.rvTemplate;
    identity["interpolate"] = {{"count", options.interpolate}, {"seed", options.seed}};
    identity["inputs"] = nlohmann::json::array();
    for (const auto& in : inputs) identity["inputs"].push_back({in.source, labelJson(in.labels)});
    TrainingSetHeader header;
    header.kind = kind;
    header.preprocessSpec = options.spec.toJson();
    header.wavelength = grid;
    header.inputsDigest = digestOf(identity.dump());
    header.sourceLength = ("interpolated:" + std::to_string(options.interpolate)).size();
    for (const auto& in : inputs) header.sourceLength = std::max(header.sourceLength, in.source.size());

    nlohmann::json provenance;
    provenance["command"] = options.command;
    provenance["version"] = options.programVersion;
    provenance["inputs"] = inputsDescription;
    provenance["inputs"]["count"] = inputs.size();
    provenance["inputs"]["digest"] = header.inputsDigest;
    if (!options.rvTemplate.empty()) provenance["rv_template"] = options.rvTemplate;
    if (kind == DatasetKind::PhoenixGrid) provenance["filters"] = options.filter.toJson();
    if (options.interpolate > 0)
        provenance["interpolation"] = {{"count", options.interpolate},
                                       {"seed", options.seed},
                                       {"method", "trilinear in (teff, logg, feh) per alpha; cells drawn uniformly"}};
    if (options.timestamp) provenance["time"] = utcNow();
    header.provenance = provenance;

    DatasetBuildReport report;
    report.output = outPath;
    report.inputs = inputs.size();

    // Continue an interrupted build of the same thing, or start over.
    const std::string partial = partialPathFor(outPath);
    std::optional<TrainingSetWriter> writer;
    ResumePoint resume;
    if (fs::exists(partial, ec)) {
        std::string note;
        if (options.resume) {
            try {
                TrainingSetWriter existing = TrainingSetWriter::openForAppend(partial);
                if (existing.header().inputsDigest != header.inputsDigest || existing.pixels() != grid.size()) {
                    note = "it was started with another spec, other inputs or other options";
                } else if (auto point = findResumePoint(existing, inputs, note)) {
                    resume = *point;
                    writer.emplace(std::move(existing));
                }
            } catch (const Error& e) {
                note = std::string("it cannot be continued (") + e.problem() + ")";
            }
        } else {
            note = "resuming was switched off";
        }
        if (writer) {
            report.resumedRows = resume.rows;
            report.notes.push_back("continuing the interrupted build in " + partial + " after " +
                                   std::to_string(resume.rows) + " rows");
        } else {
            report.notes.push_back("starting over: " + partial + " exists but " + note);
            fs::remove(partial, ec);
        }
    }
    if (!writer) writer.emplace(TrainingSetWriter::create(partial, header, batchRows));
    writer->setProvenance(provenance);

    // Inputs the interrupted run tried without producing a row failed then.
    for (std::size_t i = 0; i < resume.nextInput; ++i)
        if (!resume.written.count(i))
            report.failures.push_back({inputs[i].source, "failed in the interrupted run (see its messages)"});

    const std::size_t total = inputs.size() + options.interpolate;
    std::size_t done = resume.nextInput + (resume.rows - resume.gridRows);
    std::size_t gridRows = resume.gridRows;
    TrainingBatch batch(grid.size());
    const auto flush = [&] {
        writer->append(batch);
        batch.clear();
    };
    const auto runStage = [&](std::size_t begin, std::size_t end, const std::string& stage,
                              const std::function<Outcome(std::size_t)>& work,
                              const std::function<void(std::size_t, Outcome&)>& accept) {
        if (begin >= end) return;
        OrderedPool<Outcome> pool(begin, end, threads, 2 * batchRows + 2 * threads, [&](std::size_t i) {
            if (progress.cancelRequested()) return Outcome{std::nullopt, "cancelled"};
            return work(i);
        });
        try {
            for (std::size_t i = begin; i < end; ++i) {
                Outcome outcome = pool.take(i);
                throwIfCancelled(progress);
                accept(i, outcome);
                // Write whole chunks: an append never rewrites a chunk that holds finished rows.
                if ((writer->rows() + batch.size()) % writer->chunkRows() == 0) flush();
                progress.onProgress(++done, total, stage);
            }
        } catch (const Cancelled&) {
            // Keep what is finished: the rows in hand go to the file before stopping.
            if (!batch.empty()) flush();
            throw;
        }
        if (!batch.empty()) flush();
    };

    runStage(
        resume.nextInput, inputs.size(), "preparing",
        [&](std::size_t i) {
            Outcome out;
            try {
                const Spectrum spectrum = readSpectrum(inputs[i].path);
                PreparedSpectrum prepared = preprocessor.prepare(spectrum);
                TrainingRow row;
                row.flux = std::move(prepared.flux);
                row.ivar = std::move(prepared.ivar);
                row.mask = std::move(prepared.mask);
                row.labels = inputs[i].labels;
                row.snr = prepared.snr;
                row.rv = prepared.rvKms;
                row.source = inputs[i].source;
                if (row.flux.size() != grid.size() || row.ivar.size() != grid.size() || row.mask.size() != grid.size())
                    throw Error("the prepared spectrum has " + std::to_string(row.flux.size()) +
                                    " pixels instead of the grid's " + std::to_string(grid.size()),
                                inputs[i].path);
                out.row = std::move(row);
            } catch (const Cancelled&) {
                out.error = "cancelled";
            } catch (const Error& e) {
                out.error = e.what();
            } catch (const std::bad_alloc&) {
                out.error = "out of memory";
            } catch (const std::exception& e) {
                // One odd file must not end a long build: report it like any other failure.
                out.error = std::string("unexpected error: ") + e.what();
            }
            return out;
        },
        [&](std::size_t i, Outcome& outcome) {
            if (outcome.row) {
                batch.append(*outcome.row);
                ++gridRows;
            } else {
                report.failures.push_back({inputs[i].source, outcome.error});
            }
        });

    if (gridRows == 0) {
        writer.reset();
        fs::remove(partial, ec);
        std::string reason = report.failures.empty() ? "" : " (first failure: " + report.failures.front().reason + ")";
        throw Error("none of the " + std::to_string(inputs.size()) + " input spectra could be prepared" + reason,
                    outPath);
    }

    if (options.interpolate > 0) {
        const TrainingBatch nodes = writer->read(0, gridRows);
        const GridInterpolator interpolator(nodes.labels);
        const std::size_t already = writer->rows() - gridRows;
        runStage(
            already, options.interpolate, "interpolating",
            [&](std::size_t k) {
                TrainingRow row = blendRows(nodes, interpolator.draw(options.seed, k));
                row.source = "interpolated:" + std::to_string(k);
                return Outcome{std::move(row), {}};
            },
            [&](std::size_t, Outcome& outcome) { batch.append(*outcome.row); });
        report.interpolatedRows = options.interpolate;
    }

    report.preparedRows = gridRows;
    report.rows = writer->rows();
    provenance["rows"] = report.rows;
    provenance["failed_inputs"] = report.failures.size();
    if (options.timestamp) provenance["finished"] = utcNow();
    writer->setProvenance(provenance);
    writer->close();
    writer.reset();
    fs::rename(partial, outPath, ec);
    if (ec) throw Error("could not move the finished file into place: " + ec.message(), outPath);
    return report;
}

DatasetBuildReport buildPhoenixTrainingSet(const std::string& phoenixDir, const std::string& outPath,
                                           const DatasetBuildOptions& options, ProgressObserver& progress)
{
    PhoenixScan scan = scanPhoenixGrid(phoenixDir, options.filter, progress);
    if (scan.found == 0)
        throw Error("no PHOENIX HiRes files (lte*.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits) found in this folder",
                    phoenixDir);
    if (scan.selected.empty())
        throw Error("none of the " + std::to_string(scan.found) +
                        " PHOENIX HiRes files found passes the label filters " + options.filter.toJson().dump(),
                    phoenixDir);
    nlohmann::json description = {{"phoenix", phoenixDir}, {"found", scan.found}};
    DatasetBuildReport report =
        buildTrainingSet(DatasetKind::PhoenixGrid, scan.selected, outPath, options, description, progress);
    report.found = scan.found;
    report.failures.insert(report.failures.begin(), scan.failures.begin(), scan.failures.end());
    return report;
}

DatasetBuildReport buildObservedTrainingSet(const std::string& catalogPath, const std::string& outPath,
                                            const DatasetBuildOptions& options, ProgressObserver& progress)
{
    const auto inputs = readObservedCatalog(catalogPath);
    if (inputs.empty()) throw Error("the catalog lists no spectra", catalogPath);
    nlohmann::json description = {{"catalog", catalogPath}};
    DatasetBuildReport report =
        buildTrainingSet(DatasetKind::Observed, inputs, outPath, options, description, progress);
    report.found = inputs.size();
    return report;
}

// ---------------------------------------------------------------------------------------------

nlohmann::json summarizeTrainingSet(const TrainingSetReader& reader, std::size_t histogramBins)
{
    histogramBins = std::max<std::size_t>(1, histogramBins);
    nlohmann::json j;
    j["file"] = reader.path();
    j["schema"] = reader.schemaVersion();
    j["kind"] = toString(reader.kind());
    j["rows"] = reader.rows();
    j["pixels"] = reader.pixels();
    j["wave_min"] = reader.wavelength().front();
    j["wave_max"] = reader.wavelength().back();
    const auto interpolated = reader.interpolated();
    j["interpolated"] = std::count(interpolated.begin(), interpolated.end(), std::uint8_t{1});
    const auto labels = reader.labels();
    nlohmann::json lab = nlohmann::json::object();
    for (std::size_t c = 0; c < kLabelCount; ++c) {
        std::vector<double> v;
        for (const auto& row : labels)
            if (std::isfinite(row[c])) v.push_back(row[c]);
        nlohmann::json col;
        col["known"] = v.size();
        col["unknown"] = labels.size() - v.size();
        if (!v.empty()) {
            const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            col["min"] = *lo;
            col["max"] = *hi;
            std::vector<std::size_t> counts(histogramBins, 0);
            const double width = (*hi - *lo) / static_cast<double>(histogramBins);
            for (double x : v) {
                std::size_t b = width > 0 ? static_cast<std::size_t>((x - *lo) / width) : 0;
                counts[std::min(b, histogramBins - 1)]++;
            }
            nlohmann::json edges = nlohmann::json::array();
            for (std::size_t b = 0; b <= histogramBins; ++b) edges.push_back(*lo + width * static_cast<double>(b));
            col["histogram"] = {{"edges", edges}, {"counts", counts}};
        }
        lab[labelColumnNames()[c]] = col;
    }
    j["labels"] = lab;
    auto snr = reader.snr();
    snr.erase(std::remove_if(snr.begin(), snr.end(), [](double x) { return !std::isfinite(x); }), snr.end());
    if (!snr.empty()) {
        std::sort(snr.begin(), snr.end());
        j["snr"] = {{"min", snr.front()}, {"median", snr[snr.size() / 2]}, {"max", snr.back()}};
    }
    j["preprocess_spec"] = reader.header().preprocessSpec;
    j["provenance"] = reader.provenance();
    return j;
}

}  // namespace remap
