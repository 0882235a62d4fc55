#include "TrainingSet.h"

#include "Hdf5Support.h"
#include "base/Error.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace remap {
namespace {

using h5::check;
using h5::checked;
using h5::Handle;

constexpr int kDeflateLevel = 4;
constexpr hsize_t kColumnChunk = 1024;
constexpr std::size_t kChunkCacheBytes = 32u << 20;

const char* const kFlux = "flux";
const char* const kIvar = "ivar";
const char* const kMask = "mask";
const char* const kLabels = "labels";
const char* const kSnr = "snr";
const char* const kRv = "rv";
const char* const kSource = "source";
const char* const kInterpolated = "interpolated";
const char* const kWavelength = "wavelength";
const char* const kPhotometry = "photometry";  // optional

const char* const kAttrSchema = "remap_schema";
const char* const kAttrKind = "kind";
const char* const kAttrSpec = "preprocess_spec";
const char* const kAttrProvenance = "provenance";
const char* const kAttrDigest = "inputs_digest";
const char* const kAttrRowsComplete = "rows_complete";

enum class Shape { Rows, RowsByPixels, RowsByLabels, Pixels };
enum class Kind { Float, Byte, String };

struct ColumnInfo {
    const char* name;
    Shape shape;
    Kind kind;
};

// Every dataset of schema 1, in the order they are checked and written.
constexpr ColumnInfo kColumns[] = {
    {kFlux, Shape::RowsByPixels, Kind::Float}, {kIvar, Shape::RowsByPixels, Kind::Float},
    {kMask, Shape::RowsByPixels, Kind::Byte},  {kLabels, Shape::RowsByLabels, Kind::Float},
    {kSnr, Shape::Rows, Kind::Float},          {kRv, Shape::Rows, Kind::Float},
    {kSource, Shape::Rows, Kind::String},      {kInterpolated, Shape::Rows, Kind::Byte},
    {kWavelength, Shape::Pixels, Kind::Float},
};
constexpr std::size_t kColumnCount = std::size(kColumns);

std::string shapeText(const std::vector<hsize_t>& dims)
{
    std::string s = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

// Fixed-length strings of `size` bytes (including the terminating NUL), UTF-8.
Handle fixedStringType(std::size_t size, const std::string& file)
{
    Handle type = checked(H5Tcopy(H5T_C_S1), "could not make a string type", file);
    check(H5Tset_size(type.get(), size), "could not make a string type", file);
    check(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "could not make a string type", file);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "could not make a string type", file);
    return type;
}

Handle variableStringType(const std::string& file)
{
    Handle type = checked(H5Tcopy(H5T_C_S1), "could not make a string type", file);
    check(H5Tset_size(type.get(), H5T_VARIABLE), "could not make a string type", file);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "could not make a string type", file);
    return type;
}

// The open datasets of one file plus its row and pixel counts.
struct Datasets {
    std::string path;
    Handle file;
    std::array<Handle, kColumnCount> columns;
    std::size_t rows = 0;
    std::size_t pixels = 0;
    TrainingSetHeader header;
    int schema = 0;
    std::size_t sourceBytes = 0;  // fixed string size of /source; 0 = variable-length strings
    Handle photometry;            // /photometry when the file has it

    hid_t id(std::size_t column) const { return columns[column].get(); }
    hid_t byName(const char* name) const
    {
        for (std::size_t i = 0; i < kColumnCount; ++i)
            if (std::string_view(kColumns[i].name) == name) return columns[i].get();
        return H5I_INVALID_HID;
    }
};

Handle datasetAccess(const std::string& path)
{
    Handle dapl = checked(H5Pcreate(H5P_DATASET_ACCESS), "could not make a property list", path);
    check(H5Pset_chunk_cache(dapl.get(), 521, kChunkCacheBytes, 1.0), "could not set the chunk cache", path);
    return dapl;
}

Handle openFile(const std::string& path, bool readWrite)
{
    h5::silenceErrors();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("the training set does not exist", path);
    if (std::filesystem::is_directory(path, ec)) throw Error("this is a folder, not a training set", path);
    const htri_t isHdf5 = H5Fis_hdf5(path.c_str());
    if (isHdf5 == 0) {
        h5::errorStackText();
        throw Error("not an HDF5 file (no HDF5 signature found)", path);
    }
    if (isHdf5 < 0) h5::fail("could not open as HDF5", path);
    const hid_t id = H5Fopen(path.c_str(), readWrite ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        const std::string why = h5::errorStackText();
        // HDF5 says "truncated file: eof = N, sblock->base_addr = 0, stored_eof = M": say it plainly.
        unsigned long long have = 0, want = 0;
        const auto at = why.find("eof = ");
        const auto stored = why.find("stored_eof = ");
        if (why.find("truncated file") != std::string::npos && at != std::string::npos && stored != std::string::npos &&
            std::sscanf(why.c_str() + at, "eof = %llu", &have) == 1 &&
            std::sscanf(why.c_str() + stored, "stored_eof = %llu", &want) == 1)
            throw Error("the file is truncated: it has " + std::to_string(have) + " bytes but its HDF5 header says " +
                            std::to_string(want) + " (an interrupted copy or download?)",
                        path);
        throw Error("could not open the HDF5 file (corrupt?): " + why, path);
    }
    return Handle(id);
}

// Reads the root attributes and opens and checks every dataset. `rowsLimit` (appending) allows
// datasets longer than rows_complete and cuts them back later; reading requires equal lengths.
Datasets openDatasets(const std::string& path, bool readWrite)
{
    Datasets d;
    d.path = path;
    d.file = openFile(path, readWrite);
    const hid_t root = d.file.get();

    if (!h5::hasAttribute(root, kAttrSchema))
        throw Error("not a REMAP training set: the root attribute 'remap_schema' is missing", path);
    const long long schema = h5::readIntAttribute(root, kAttrSchema, path);
    if (schema != kTrainingSetSchema)
        throw Error("unsupported training-set schema version " + std::to_string(schema) + " (this program reads " +
                        std::to_string(kTrainingSetSchema) + ")",
                    path);
    d.schema = static_cast<int>(schema);
    d.header.kind = parseDatasetKind(h5::readStringAttribute(root, kAttrKind, path));
    try {
        d.header.preprocessSpec = nlohmann::json::parse(h5::readStringAttribute(root, kAttrSpec, path));
        d.header.provenance = nlohmann::json::parse(h5::readStringAttribute(root, kAttrProvenance, path));
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("a JSON attribute is not valid JSON: ") + e.what(), path);
    }
    if (h5::hasAttribute(root, kAttrDigest)) d.header.inputsDigest = h5::readStringAttribute(root, kAttrDigest, path);

    Handle dapl = datasetAccess(path);
    std::array<std::vector<hsize_t>, kColumnCount> shapes;
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        const ColumnInfo& c = kColumns[i];
        if (!h5::hasLink(root, c.name)) throw Error(std::string("the dataset '/") + c.name + "' is missing", path);
        d.columns[i] =
            checked(H5Dopen2(root, c.name, dapl.get()), std::string("could not open '/") + c.name + "'", path);
        Handle type = checked(H5Dget_type(d.id(i)), std::string("could not read the type of '/") + c.name + "'", path);
        const H5T_class_t cls = H5Tget_class(type.get());
        const bool typeOk = (c.kind == Kind::Float && cls == H5T_FLOAT) ||
                            (c.kind == Kind::Byte && cls == H5T_INTEGER && H5Tget_size(type.get()) == 1) ||
                            (c.kind == Kind::String && cls == H5T_STRING);
        if (!typeOk)
            throw Error(std::string("the dataset '/") + c.name + "' has the wrong type (expected " +
                            (c.kind == Kind::Float  ? "floating point"
                             : c.kind == Kind::Byte ? "8-bit integers"
                                                    : "strings") +
                            ")",
                        path);
        if (c.kind == Kind::String && H5Tis_variable_str(type.get()) <= 0) d.sourceBytes = H5Tget_size(type.get());
        shapes[i] = h5::datasetShape(d.id(i), c.name, path);
        const std::size_t rank = (c.shape == Shape::RowsByPixels || c.shape == Shape::RowsByLabels) ? 2 : 1;
        if (shapes[i].size() != rank)
            throw Error(std::string("the dataset '/") + c.name + "' should have " + std::to_string(rank) +
                            " dimension(s) but has shape " + shapeText(shapes[i]),
                        path);
    }

    const auto& labelShape = shapes[3];
    const auto& waveShape = shapes[8];
    d.pixels = static_cast<std::size_t>(waveShape[0]);
    if (d.pixels == 0) throw Error("the dataset '/wavelength' is empty", path);
    if (labelShape[1] != kLabelCount)
        throw Error("the dataset '/labels' should have " + std::to_string(kLabelCount) + " columns but has shape " +
                        shapeText(labelShape),
                    path);
    std::size_t rows = static_cast<std::size_t>(labelShape[0]);
    std::size_t shortest = rows;
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        const ColumnInfo& c = kColumns[i];
        if (c.shape == Shape::RowsByPixels && shapes[i][1] != d.pixels)
            throw Error(std::string("the dataset '/") + c.name + "' has shape " + shapeText(shapes[i]) + " but '/" +
                            kWavelength + "' has " + std::to_string(d.pixels) + " pixels",
                        path);
        if (c.shape == Shape::Pixels) continue;
        shortest = std::min<std::size_t>(shortest, shapes[i][0]);
        if (!readWrite && shapes[i][0] != rows)
            throw Error(std::string("mismatched shapes: '/") + c.name + "' has " + std::to_string(shapes[i][0]) +
                            " rows but '/labels' has " + std::to_string(rows),
                        path);
    }
    if (h5::hasLink(root, kPhotometry)) {
        d.photometry = checked(H5Dopen2(root, kPhotometry, dapl.get()), "could not open '/photometry'", path);
        Handle type = checked(H5Dget_type(d.photometry.get()), "could not read the type of '/photometry'", path);
        const auto shape = h5::datasetShape(d.photometry.get(), kPhotometry, path);
        if (H5Tget_class(type.get()) != H5T_FLOAT || shape.size() != 2 || shape[1] != kPhotometryCount)
            throw Error("the dataset '/photometry' should hold floating-point values of shape [rows, " +
                            std::to_string(kPhotometryCount) + "] but has shape " + shapeText(shape),
                        path);
        if (!readWrite && shape[0] != rows)
            throw Error("mismatched shapes: '/photometry' has " + std::to_string(shape[0]) +
                            " rows but '/labels' has " + std::to_string(rows),
                        path);
        shortest = std::min<std::size_t>(shortest, shape[0]);
        d.header.photometry = true;
    }
    if (h5::hasAttribute(root, kAttrRowsComplete)) {
        const long long complete = h5::readIntAttribute(root, kAttrRowsComplete, path);
        if (complete < 0 || static_cast<std::size_t>(complete) > shortest)
            throw Error("the attribute 'rows_complete' (" + std::to_string(complete) +
                            ") exceeds the rows the datasets hold (" + std::to_string(shortest) + ")",
                        path);
        rows = static_cast<std::size_t>(complete);
    } else {
        rows = shortest;
    }
    d.rows = rows;

    // The model grid is small; keep it with the header.
    d.header.wavelength.resize(d.pixels);
    check(H5Dread(d.id(8), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.header.wavelength.data()),
          "could not read '/wavelength'", path);
    return d;
}

// Selects rows [first, first + count) of a 1-D or 2-D dataset; returns (file space, memory space).
std::pair<Handle, Handle> selectRows(hid_t dataset, std::size_t first, std::size_t count, const char* name,
                                     const std::string& path)
{
    const std::string what = std::string("could not select rows of '/") + name + "'";
    Handle fileSpace = checked(H5Dget_space(dataset), what, path);
    const int rank = H5Sget_simple_extent_ndims(fileSpace.get());
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(fileSpace.get(), dims, nullptr);
    const hsize_t start[2] = {first, 0};
    const hsize_t n[2] = {count, rank == 2 ? dims[1] : 1};
    check(H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start, nullptr, n, nullptr), what, path);
    Handle memSpace = checked(H5Screate_simple(rank, n, nullptr), what, path);
    return {std::move(fileSpace), std::move(memSpace)};
}

template <typename T>
void readRows(const Datasets& d, const char* name, hid_t memType, std::size_t first, std::size_t count,
              std::vector<T>& out, std::size_t perRow)
{
    out.resize(count * perRow);
    if (count == 0) return;
    const hid_t ds = d.byName(name);
    auto [fileSpace, memSpace] = selectRows(ds, first, count, name, d.path);
    check(H5Dread(ds, memType, memSpace.get(), fileSpace.get(), H5P_DEFAULT, out.data()),
          std::string("could not read '/") + name + "' (corrupt file?)", d.path);
}

std::vector<std::string> readSourceRows(const Datasets& d, std::size_t first, std::size_t count)
{
    std::vector<std::string> out;
    if (count == 0) return out;
    const hid_t ds = d.byName(kSource);
    const std::string what = "could not read '/source' (corrupt file?)";
    Handle fileType = checked(H5Dget_type(ds), what, d.path);
    auto [fileSpace, memSpace] = selectRows(ds, first, count, kSource, d.path);
    out.reserve(count);
    if (H5Tis_variable_str(fileType.get()) > 0) {
        Handle memType = variableStringType(d.path);
        std::vector<char*> data(count, nullptr);
        check(H5Dread(ds, memType.get(), memSpace.get(), fileSpace.get(), H5P_DEFAULT, data.data()), what, d.path);
        for (char* s : data) out.emplace_back(s ? s : "");
        H5Dvlen_reclaim(memType.get(), memSpace.get(), H5P_DEFAULT, data.data());
    } else {
        const std::size_t size = H5Tget_size(fileType.get());
        Handle memType = checked(H5Tcopy(fileType.get()), what, d.path);  // same size and character set
        check(H5Tset_size(memType.get(), size), what, d.path);
        std::vector<char> data(size * count, '\0');
        check(H5Dread(ds, memType.get(), memSpace.get(), fileSpace.get(), H5P_DEFAULT, data.data()), what, d.path);
        for (std::size_t i = 0; i < count; ++i) {
            const char* s = data.data() + i * size;
            out.emplace_back(s, std::find(s, s + size, '\0') - s);
        }
    }
    return out;
}

std::vector<LabelRow> readLabelRows(const Datasets& d, std::size_t first, std::size_t count)
{
    std::vector<double> flat;
    readRows(d, kLabels, H5T_NATIVE_DOUBLE, first, count, flat, kLabelCount);
    std::vector<LabelRow> out(count);
    for (std::size_t r = 0; r < count; ++r)
        std::copy_n(flat.begin() + static_cast<std::ptrdiff_t>(r * kLabelCount), kLabelCount, out[r].begin());
    return out;
}

TrainingBatch readBatch(const Datasets& d, std::size_t first, std::size_t count)
{
    if (first > d.rows || count > d.rows - first)
        throw Error("rows " + std::to_string(first) + " to " + std::to_string(first + count) +
                        " requested but the training set has " + std::to_string(d.rows),
                    d.path);
    TrainingBatch b(d.pixels);
    readRows(d, kFlux, H5T_NATIVE_FLOAT, first, count, b.flux, d.pixels);
    readRows(d, kIvar, H5T_NATIVE_FLOAT, first, count, b.ivar, d.pixels);
    readRows(d, kMask, H5T_NATIVE_UINT8, first, count, b.mask, d.pixels);
    b.labels = readLabelRows(d, first, count);
    readRows(d, kSnr, H5T_NATIVE_DOUBLE, first, count, b.snr, 1);
    readRows(d, kRv, H5T_NATIVE_DOUBLE, first, count, b.rv, 1);
    b.source = readSourceRows(d, first, count);
    readRows(d, kInterpolated, H5T_NATIVE_UINT8, first, count, b.interpolated, 1);
    b.photometry.assign(count, missingPhotometry());
    if (d.photometry.valid() && count > 0) {
        auto [fileSpace, memSpace] = selectRows(d.photometry.get(), first, count, kPhotometry, d.path);
        check(H5Dread(d.photometry.get(), H5T_NATIVE_DOUBLE, memSpace.get(), fileSpace.get(), H5P_DEFAULT,
                      b.photometry.data()),
              "could not read '/photometry' (corrupt file?)", d.path);
    }
    return b;
}

}  // namespace

PhotometryRow missingPhotometry()
{
    PhotometryRow row;
    row.fill(kUnknownLabel);
    return row;
}

const std::array<std::string, kLabelCount>& labelColumnNames()
{
    static const std::array<std::string, kLabelCount> names{"teff", "logg", "feh", "alpha"};
    return names;
}

std::string toString(DatasetKind kind)
{
    return kind == DatasetKind::PhoenixGrid ? "phoenix-grid" : "observed";
}

DatasetKind parseDatasetKind(const std::string& text)
{
    if (text == "phoenix-grid") return DatasetKind::PhoenixGrid;
    if (text == "observed") return DatasetKind::Observed;
    throw Error("unknown training-set kind '" + text + "' (expected phoenix-grid or observed)");
}

void TrainingBatch::clear()
{
    flux.clear();
    ivar.clear();
    mask.clear();
    labels.clear();
    snr.clear();
    rv.clear();
    source.clear();
    interpolated.clear();
    photometry.clear();
}

void TrainingBatch::append(const TrainingRow& row)
{
    if (row.flux.size() != pixels || row.ivar.size() != pixels || row.mask.size() != pixels)
        throw Error("a prepared spectrum has " + std::to_string(row.flux.size()) + " pixels but the training set has " +
                        std::to_string(pixels),
                    row.source);
    flux.insert(flux.end(), row.flux.begin(), row.flux.end());
    ivar.insert(ivar.end(), row.ivar.begin(), row.ivar.end());
    mask.insert(mask.end(), row.mask.begin(), row.mask.end());
    labels.push_back(row.labels);
    snr.push_back(row.snr);
    rv.push_back(row.rv);
    source.push_back(row.source);
    interpolated.push_back(row.interpolated ? 1 : 0);
    photometry.push_back(row.photometry);
}

TrainingRow TrainingBatch::row(std::size_t index) const
{
    TrainingRow r;
    const auto begin = static_cast<std::ptrdiff_t>(index * pixels);
    const auto end = begin + static_cast<std::ptrdiff_t>(pixels);
    r.flux.assign(flux.begin() + begin, flux.begin() + end);
    r.ivar.assign(ivar.begin() + begin, ivar.begin() + end);
    r.mask.assign(mask.begin() + begin, mask.begin() + end);
    r.labels = labels.at(index);
    r.snr = snr.at(index);
    r.rv = rv.at(index);
    r.source = source.at(index);
    r.interpolated = interpolated.at(index) != 0;
    if (index < photometry.size()) r.photometry = photometry[index];
    return r;
}

// ---------------------------------------------------------------------------------------------
// Writer

struct TrainingSetWriter::Impl {
    Datasets d;
    std::size_t chunkRows = 1;

    void writeRows(const char* name, hid_t memType, std::size_t first, std::size_t count, const void* data)
    {
        writeRows(d.byName(name), name, memType, first, count, data);
    }
    void writeRows(hid_t ds, const char* name, hid_t memType, std::size_t first, std::size_t count, const void* data)
    {
        const std::string what = std::string("could not write '/") + name + "'";
        Handle space = checked(H5Dget_space(ds), what, d.path);
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        dims[0] = first + count;
        check(H5Dset_extent(ds, dims), what, d.path);
        auto [fileSpace, memSpace] = selectRows(ds, first, count, name, d.path);
        check(H5Dwrite(ds, memType, memSpace.get(), fileSpace.get(), H5P_DEFAULT, data), what, d.path);
    }

    void flush() { check(H5Fflush(d.file.get(), H5F_SCOPE_LOCAL), "could not flush the file to disk", d.path); }
};

TrainingSetWriter::TrainingSetWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrainingSetWriter::TrainingSetWriter(TrainingSetWriter&&) noexcept = default;
TrainingSetWriter& TrainingSetWriter::operator=(TrainingSetWriter&&) noexcept = default;
TrainingSetWriter::~TrainingSetWriter() = default;

TrainingSetWriter TrainingSetWriter::create(const std::string& path, const TrainingSetHeader& header,
                                            std::size_t chunkRows)
{
    h5::silenceErrors();
    if (header.wavelength.empty()) throw Error("a training set needs a model grid (no wavelengths given)", path);
    chunkRows = std::max<std::size_t>(1, chunkRows);
    auto impl = std::make_unique<Impl>();
    Datasets& d = impl->d;
    d.path = path;
    d.pixels = header.wavelength.size();
    d.header = header;
    d.schema = kTrainingSetSchema;
    d.sourceBytes = (header.sourceLength ? header.sourceLength : kDefaultSourceLength) + 1;

    // No modification times in object headers: the same input gives the same bytes.
    Handle fcpl = checked(H5Pcreate(H5P_FILE_CREATE), "could not make a property list", path);
    H5Pset_obj_track_times(fcpl.get(), false);
    H5Eclear2(H5E_DEFAULT);
    d.file =
        checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), "could not create the file", path);
    const hid_t root = d.file.get();
    h5::writeIntAttribute(root, kAttrSchema, kTrainingSetSchema, path);
    h5::writeStringAttribute(root, kAttrKind, toString(header.kind), path);
    h5::writeStringAttribute(root, kAttrSpec, header.preprocessSpec.dump(), path);
    h5::writeStringAttribute(root, kAttrProvenance, header.provenance.dump(), path);
    h5::writeStringAttribute(root, kAttrDigest, header.inputsDigest, path);
    h5::writeIntAttribute(root, kAttrRowsComplete, 0, path);

    const hsize_t pixels = d.pixels;
    Handle dapl = datasetAccess(path);
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        const ColumnInfo& c = kColumns[i];
        const std::string what = std::string("could not create '/") + c.name + "'";
        Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), what, path);
        check(H5Pset_obj_track_times(dcpl.get(), false), what, path);
        hsize_t dims[2] = {0, 0};
        hsize_t maxDims[2] = {H5S_UNLIMITED, 0};
        hsize_t chunk[2] = {kColumnChunk, 0};
        int rank = 1;
        switch (c.shape) {
            case Shape::RowsByPixels:
                rank = 2;
                maxDims[1] = dims[1] = chunk[1] = pixels;
                chunk[0] = chunkRows;
                break;
            case Shape::RowsByLabels:
                rank = 2;
                maxDims[1] = dims[1] = chunk[1] = kLabelCount;
                break;
            case Shape::Rows:
                break;
            case Shape::Pixels:
                dims[0] = maxDims[0] = pixels;
                break;
        }
        hid_t fileType = H5T_IEEE_F64LE;
        Handle stringType;
        if (c.kind == Kind::Byte) fileType = H5T_STD_U8LE;
        if (c.kind == Kind::String) {
            stringType = fixedStringType(d.sourceBytes, path);
            fileType = stringType.get();
        }
        if (c.shape == Shape::RowsByPixels && c.kind == Kind::Float) fileType = H5T_IEEE_F32LE;
        if (c.shape != Shape::Pixels) {
            check(H5Pset_chunk(dcpl.get(), rank, chunk), what, path);
            if (c.kind != Kind::String) check(H5Pset_shuffle(dcpl.get()), what, path);
            check(H5Pset_deflate(dcpl.get(), kDeflateLevel), what, path);
        }
        Handle space = checked(H5Screate_simple(rank, dims, maxDims), what, path);
        d.columns[i] =
            checked(H5Dcreate2(root, c.name, fileType, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()), what, path);
    }
    // Label column names, so the file explains itself to h5py users.
    h5::writeStringArrayAttribute(d.byName(kLabels), "columns", {labelColumnNames().begin(), labelColumnNames().end()},
                                  path);
    h5::writeStringAttribute(d.byName(kWavelength), "unit", "Angstrom", path);
    if (header.photometry) {
        const std::string what = "could not create '/photometry'";
        Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), what, path);
        check(H5Pset_obj_track_times(dcpl.get(), false), what, path);
        const hsize_t dims[2] = {0, kPhotometryCount}, maxDims[2] = {H5S_UNLIMITED, kPhotometryCount},
                      chunk[2] = {kColumnChunk, kPhotometryCount};
        check(H5Pset_chunk(dcpl.get(), 2, chunk), what, path);
        check(H5Pset_shuffle(dcpl.get()), what, path);
        check(H5Pset_deflate(dcpl.get(), kDeflateLevel), what, path);
        Handle space = checked(H5Screate_simple(2, dims, maxDims), what, path);
        d.photometry =
            checked(H5Dcreate2(root, kPhotometry, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
                    what, path);
        h5::writeStringArrayAttribute(d.photometry.get(), "columns", {kPhotometryNames.begin(), kPhotometryNames.end()},
                                      path);
    }
    check(H5Dwrite(d.byName(kWavelength), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, header.wavelength.data()),
          "could not write '/wavelength'", path);
    impl->chunkRows = chunkRows;
    impl->flush();
    return TrainingSetWriter(std::move(impl));
}

TrainingSetWriter TrainingSetWriter::openForAppend(const std::string& path)
{
    auto impl = std::make_unique<Impl>();
    impl->d = openDatasets(path, true);
    Datasets& d = impl->d;
    // Cut back datasets an interrupted append extended beyond the last complete row.
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        if (kColumns[i].shape == Shape::Pixels) continue;
        auto dims = h5::datasetShape(d.id(i), kColumns[i].name, path);
        if (dims[0] == d.rows) continue;
        dims[0] = d.rows;
        check(H5Dset_extent(d.id(i), dims.data()), std::string("could not trim '/") + kColumns[i].name + "'", path);
    }
    if (d.photometry.valid()) {
        auto dims = h5::datasetShape(d.photometry.get(), kPhotometry, path);
        dims[0] = d.rows;
        check(H5Dset_extent(d.photometry.get(), dims.data()), "could not trim '/photometry'", path);
    }
    // Reading the last complete row decompresses the chunk an interrupted append may have damaged.
    if (d.rows > 0) readBatch(d, d.rows - 1, 1);
    Handle dcpl = checked(H5Dget_create_plist(d.byName(kFlux)), "could not read the chunk layout of '/flux'", path);
    hsize_t chunk[2] = {0, 0};
    if (H5Pget_chunk(dcpl.get(), 2, chunk) != 2 || chunk[0] == 0)
        throw Error("'/flux' is not chunked, so rows cannot be appended", path);
    impl->chunkRows = static_cast<std::size_t>(chunk[0]);
    return TrainingSetWriter(std::move(impl));
}

const std::string& TrainingSetWriter::path() const
{
    return impl_->d.path;
}
const TrainingSetHeader& TrainingSetWriter::header() const
{
    return impl_->d.header;
}
std::size_t TrainingSetWriter::rows() const
{
    return impl_->d.rows;
}
std::size_t TrainingSetWriter::pixels() const
{
    return impl_->d.pixels;
}
std::size_t TrainingSetWriter::chunkRows() const
{
    return impl_->chunkRows;
}

void TrainingSetWriter::append(const TrainingBatch& batch)
{
    Datasets& d = impl_->d;
    if (!d.file.valid()) throw Error("the training set was already closed", d.path);
    const std::size_t n = batch.size();
    if (n == 0) return;
    if (batch.pixels != d.pixels || batch.flux.size() != n * d.pixels || batch.ivar.size() != n * d.pixels ||
        batch.mask.size() != n * d.pixels || batch.snr.size() != n || batch.rv.size() != n ||
        batch.source.size() != n || batch.interpolated.size() != n)
        throw Error("inconsistent batch of " + std::to_string(n) + " rows (expected " + std::to_string(d.pixels) +
                        " pixels per row)",
                    d.path);
    const std::size_t first = d.rows;
    impl_->writeRows(kFlux, H5T_NATIVE_FLOAT, first, n, batch.flux.data());
    impl_->writeRows(kIvar, H5T_NATIVE_FLOAT, first, n, batch.ivar.data());
    impl_->writeRows(kMask, H5T_NATIVE_UINT8, first, n, batch.mask.data());
    std::vector<double> labels;
    labels.reserve(n * kLabelCount);
    for (const auto& row : batch.labels) labels.insert(labels.end(), row.begin(), row.end());
    impl_->writeRows(kLabels, H5T_NATIVE_DOUBLE, first, n, labels.data());
    impl_->writeRows(kSnr, H5T_NATIVE_DOUBLE, first, n, batch.snr.data());
    impl_->writeRows(kRv, H5T_NATIVE_DOUBLE, first, n, batch.rv.data());
    if (d.sourceBytes > 0) {
        // Fixed-length strings live in the chunks themselves: no global heap that a killed
        // process could leave half-written.
        std::vector<char> packed(n * d.sourceBytes, '\0');
        for (std::size_t r = 0; r < n; ++r) {
            if (batch.source[r].size() >= d.sourceBytes)
                throw Error("the source name '" + batch.source[r] + "' is longer than the " +
                                std::to_string(d.sourceBytes - 1) + " bytes '/source' holds",
                            d.path);
            std::copy(batch.source[r].begin(), batch.source[r].end(),
                      packed.begin() + static_cast<std::ptrdiff_t>(r * d.sourceBytes));
        }
        Handle stringType = fixedStringType(d.sourceBytes, d.path);
        impl_->writeRows(kSource, stringType.get(), first, n, packed.data());
    } else {
        std::vector<const char*> sources;
        sources.reserve(n);
        for (const auto& s : batch.source) sources.push_back(s.c_str());
        Handle stringType = variableStringType(d.path);
        impl_->writeRows(kSource, stringType.get(), first, n, sources.data());
    }
    impl_->writeRows(kInterpolated, H5T_NATIVE_UINT8, first, n, batch.interpolated.data());
    if (d.photometry.valid()) {
        std::vector<PhotometryRow> photometry = batch.photometry;
        photometry.resize(n, missingPhotometry());  // rows appended without photometry: none known
        impl_->writeRows(d.photometry.get(), kPhotometry, H5T_NATIVE_DOUBLE, first, n, photometry.data());
    }
    // Rows count only once every dataset holds them: an append cut short leaves rows_complete behind.
    h5::writeIntAttribute(d.file.get(), kAttrRowsComplete, static_cast<long long>(first + n), d.path);
    impl_->flush();
    d.rows = first + n;
}

TrainingBatch TrainingSetWriter::read(std::size_t first, std::size_t count) const
{
    return readBatch(impl_->d, first, count);
}

std::vector<std::string> TrainingSetWriter::sources() const
{
    return readSourceRows(impl_->d, 0, impl_->d.rows);
}

std::vector<std::uint8_t> TrainingSetWriter::interpolated() const
{
    std::vector<std::uint8_t> out;
    readRows(impl_->d, kInterpolated, H5T_NATIVE_UINT8, 0, impl_->d.rows, out, 1);
    return out;
}

void TrainingSetWriter::setProvenance(const nlohmann::json& provenance)
{
    Datasets& d = impl_->d;
    h5::writeStringAttribute(d.file.get(), kAttrProvenance, provenance.dump(), d.path);
    d.header.provenance = provenance;
    impl_->flush();
}

void TrainingSetWriter::close()
{
    Datasets& d = impl_->d;
    if (!d.file.valid()) return;
    impl_->flush();
    for (auto& c : d.columns) c.close(d.path);
    if (d.photometry.valid()) d.photometry.close(d.path);
    d.file.close(d.path);
}

// ---------------------------------------------------------------------------------------------
// Reader

struct TrainingSetReader::Impl {
    Datasets d;
};

TrainingSetReader::TrainingSetReader(const std::string& path) : impl_(std::make_unique<Impl>())
{
    impl_->d = openDatasets(path, false);
}

TrainingSetReader::TrainingSetReader(TrainingSetReader&&) noexcept = default;
TrainingSetReader& TrainingSetReader::operator=(TrainingSetReader&&) noexcept = default;
TrainingSetReader::~TrainingSetReader() = default;

const std::string& TrainingSetReader::path() const
{
    return impl_->d.path;
}
std::size_t TrainingSetReader::rows() const
{
    return impl_->d.rows;
}
std::size_t TrainingSetReader::pixels() const
{
    return impl_->d.pixels;
}
int TrainingSetReader::schemaVersion() const
{
    return impl_->d.schema;
}
DatasetKind TrainingSetReader::kind() const
{
    return impl_->d.header.kind;
}
const TrainingSetHeader& TrainingSetReader::header() const
{
    return impl_->d.header;
}
const std::vector<double>& TrainingSetReader::wavelength() const
{
    return impl_->d.header.wavelength;
}
const nlohmann::json& TrainingSetReader::provenance() const
{
    return impl_->d.header.provenance;
}

PreprocessSpec TrainingSetReader::preprocessSpec() const
{
    try {
        return PreprocessSpec::fromJson(impl_->d.header.preprocessSpec);
    } catch (const Error& e) {
        throw Error("the preprocess_spec attribute is not a valid spec: " + e.problem(), impl_->d.path);
    } catch (const std::exception& e) {
        throw Error(std::string("the preprocess_spec attribute is not a valid spec: ") + e.what(), impl_->d.path);
    }
}

TrainingBatch TrainingSetReader::read(std::size_t first, std::size_t count) const
{
    return readBatch(impl_->d, first, count);
}

std::vector<LabelRow> TrainingSetReader::labels() const
{
    return readLabelRows(impl_->d, 0, impl_->d.rows);
}

std::vector<double> TrainingSetReader::snr() const
{
    std::vector<double> out;
    readRows(impl_->d, kSnr, H5T_NATIVE_DOUBLE, 0, impl_->d.rows, out, 1);
    return out;
}

std::vector<double> TrainingSetReader::rv() const
{
    std::vector<double> out;
    readRows(impl_->d, kRv, H5T_NATIVE_DOUBLE, 0, impl_->d.rows, out, 1);
    return out;
}

std::vector<std::string> TrainingSetReader::sources() const
{
    return readSourceRows(impl_->d, 0, impl_->d.rows);
}

std::vector<std::uint8_t> TrainingSetReader::interpolated() const
{
    std::vector<std::uint8_t> out;
    readRows(impl_->d, kInterpolated, H5T_NATIVE_UINT8, 0, impl_->d.rows, out, 1);
    return out;
}

}  // namespace remap
