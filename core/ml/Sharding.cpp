#include "Sharding.h"

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/FitsFile.h"

#include <hdf5.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

namespace remap {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// ---- CSV ---------------------------------------------------------------------------------------

std::size_t mergeCsv(const std::vector<std::string>& shards, const std::string& output)
{
    std::string header, body;
    std::size_t rows = 0;
    for (const auto& path : shards) {
        std::ifstream in(path);
        if (!in) throw Error("cannot open the shard", path);
        std::string line, first;
        if (!std::getline(in, first)) throw Error("the shard is empty (no header line)", path);
        if (header.empty())
            header = first;
        else if (first != header)
            throw Error("the shard's columns differ from those of " + shards.front() +
                            " (written by another command or model?)",
                        path);
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            body += line + '\n';
            ++rows;
        }
        if (in.bad()) throw Error("could not read the shard", path);
    }
    writeAtomically(output, [&](const std::string& tmp) {
        std::ofstream out(tmp);
        out << header << '\n' << body;
        out.close();
        if (!out) throw Error("could not write the merged table", output);
    });
    return rows;
}

// ---- HDF5 --------------------------------------------------------------------------------------

struct H5Id {
    hid_t id = -1;
    herr_t (*closer)(hid_t) = nullptr;
    H5Id(hid_t i, herr_t (*c)(hid_t), const std::string& what, const std::string& file) : id(i), closer(c)
    {
        if (id < 0) throw Error("HDF5: could not " + what, file);
    }
    ~H5Id()
    {
        if (id >= 0) closer(id);
    }
    H5Id(const H5Id&) = delete;
    H5Id& operator=(const H5Id&) = delete;
};

// One dataset of a prediction file, read whole: numbers as double (written back in `fileClass`'s
// precision) or variable-length strings.
struct Column {
    std::vector<hsize_t> dims;
    bool strings = false;
    bool single = false;  // float32 in the file
    std::vector<double> numbers;
    std::vector<std::string> text;
};

Column readDataset(hid_t parent, const std::string& name, const std::string& file)
{
    H5Id set(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "open dataset " + name, file);
    H5Id space(H5Dget_space(set.id), H5Sclose, "read the shape of " + name, file);
    H5Id type(H5Dget_type(set.id), H5Tclose, "read the type of " + name, file);
    Column c;
    c.dims.resize(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(space.id))));
    H5Sget_simple_extent_dims(space.id, c.dims.data(), nullptr);
    hsize_t count = 1;
    for (auto d : c.dims) count *= d;
    if (H5Tget_class(type.id) == H5T_STRING) {
        c.strings = true;
        H5Id mem(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type", file);
        H5Tset_size(mem.id, H5T_VARIABLE);
        H5Tset_cset(mem.id, H5T_CSET_UTF8);
        std::vector<char*> ptrs(count, nullptr);
        if (count && H5Dread(set.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
            throw Error("HDF5: could not read dataset " + name, file);
        for (char* p : ptrs) c.text.emplace_back(p ? p : "");
        if (count) H5Dvlen_reclaim(mem.id, space.id, H5P_DEFAULT, ptrs.data());
    } else {
        c.single = H5Tget_class(type.id) == H5T_FLOAT && H5Tget_size(type.id) == 4;
        c.numbers.resize(count);
        if (count && H5Dread(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.numbers.data()) < 0)
            throw Error("HDF5: could not read dataset " + name, file);
    }
    return c;
}

void writeDataset(hid_t parent, const std::string& name, const Column& c, const std::string& file)
{
    H5Id space(H5Screate_simple(static_cast<int>(c.dims.size()), c.dims.data(), nullptr), H5Sclose, "make a dataspace",
               file);
    if (c.strings) {
        H5Id type(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type", file);
        H5Tset_size(type.id, H5T_VARIABLE);
        H5Tset_cset(type.id, H5T_CSET_UTF8);
        H5Id set(H5Dcreate2(parent, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                 "create dataset " + name, file);
        std::vector<const char*> ptrs;
        for (const auto& s : c.text) ptrs.push_back(s.c_str());
        if (!ptrs.empty() && H5Dwrite(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
            throw Error("HDF5: could not write dataset " + name, file);
        return;
    }
    H5Id set(H5Dcreate2(parent, name.c_str(), c.single ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space.id, H5P_DEFAULT,
                        H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "create dataset " + name, file);
    if (!c.numbers.empty() && H5Dwrite(set.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.numbers.data()) < 0)
        throw Error("HDF5: could not write dataset " + name, file);
}

herr_t collectName(hid_t, const char* name, const H5L_info_t*, void* out)
{
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
}

std::vector<std::string> memberNames(hid_t group)
{
    std::vector<std::string> names;
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collectName, &names);
    return names;
}

// Appends a shard's rows (the first dimension) to `into`; the other dimensions must agree.
void appendRows(Column& into, const Column& from, const std::string& name, const std::string& file)
{
    if (into.dims.size() != from.dims.size() || into.strings != from.strings ||
        !std::equal(into.dims.begin() + 1, into.dims.end(), from.dims.begin() + 1))
        throw Error("dataset " + name + " has another shape or type than in the first shard", file);
    into.dims[0] += from.dims[0];
    into.numbers.insert(into.numbers.end(), from.numbers.begin(), from.numbers.end());
    into.text.insert(into.text.end(), from.text.begin(), from.text.end());
}

bool sameContent(const Column& a, const Column& b)
{
    return a.dims == b.dims && a.numbers == b.numbers && a.text == b.text;
}

std::size_t mergeHdf5(const std::vector<std::string>& shards, const std::string& output)
{
    // name -> merged column; per-row datasets are every /predictions member but "model", and every
    // /posteriors/<p>/probabilities; "model" and the bin centres must be the same in every shard.
    std::map<std::string, Column> merged;
    std::vector<std::string> order;
    std::size_t rows = 0;
    for (const auto& path : shards) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open the shard", path);
        std::vector<std::pair<std::string, bool>> datasets;  // path, per row
        {
            H5Id table(H5Gopen2(file.id, "predictions", H5P_DEFAULT), H5Gclose, "open /predictions", path);
            for (const auto& n : memberNames(table.id)) datasets.emplace_back("predictions/" + n, n != "model");
        }
        if (H5Lexists(file.id, "posteriors", H5P_DEFAULT) > 0) {
            H5Id posteriors(H5Gopen2(file.id, "posteriors", H5P_DEFAULT), H5Gclose, "open /posteriors", path);
            for (const auto& p : memberNames(posteriors.id)) {
                datasets.emplace_back("posteriors/" + p + "/bin_centres", false);
                datasets.emplace_back("posteriors/" + p + "/probabilities", true);
            }
        }
        const bool first = merged.empty();
        std::size_t shardRows = 0;
        for (const auto& [name, perRow] : datasets) {
            Column c = readDataset(file.id, name, path);
            if (name == "predictions/file") shardRows = c.dims.empty() ? 0 : c.dims[0];
            if (first) {
                order.push_back(name);
                merged[name] = std::move(c);
                continue;
            }
            const auto it = merged.find(name);
            if (it == merged.end()) throw Error("dataset /" + name + " is not in the first shard " + shards[0], path);
            if (perRow)
                appendRows(it->second, c, "/" + name, path);
            else if (!sameContent(it->second, c))
                throw Error("/" + name + " differs from the first shard's (another model?)", path);
        }
        if (!first && datasets.size() != merged.size())
            throw Error("the shard lacks datasets the first shard " + shards[0] + " has", path);
        rows += shardRows;
    }
    writeAtomically(output, [&](const std::string& tmp) {
        H5Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create the file", output);
        for (const auto& name : order) {
            const auto slash = name.rfind('/');
            const std::string group = name.substr(0, slash);
            for (std::size_t at = 0; at != std::string::npos;) {  // each level of "posteriors/teff"
                at = group.find('/', at + 1);
                const std::string level = group.substr(0, at);
                if (H5Lexists(file.id, level.c_str(), H5P_DEFAULT) <= 0)
                    H5Id(H5Gcreate2(file.id, level.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                         "create group " + level, output);
            }
            H5Id parent(H5Gopen2(file.id, group.c_str(), H5P_DEFAULT), H5Gclose, "open group " + group, output);
            writeDataset(parent.id, name.substr(slash + 1), merged[name], output);
        }
    });
    return rows;
}

// ---- FITS --------------------------------------------------------------------------------------

std::string formOf(const FitsFile::Column& c, std::size_t stringWidth)
{
    if (c.typecode == 16 /* TSTRING */) return std::to_string(std::max<std::size_t>(1, stringWidth)) + "A";
    const std::string repeat = c.repeat > 1 ? std::to_string(c.repeat) : "";
    switch (c.typecode) {
        case 11:  // TBYTE
            return repeat + "B";
        case 42:  // TFLOAT
            return repeat + "E";
        default:
            return repeat + "D";
    }
}

std::size_t mergeFits(const std::vector<std::string>& shards, const std::string& output)
{
    struct Merged {
        FitsFile::Column column;
        std::vector<double> numbers;
        std::vector<std::string> text;
        std::size_t width = 1;
    };
    std::vector<Merged> columns;
    std::vector<std::pair<std::string, std::string>> primaryKeys;
    std::vector<std::pair<std::string, double>> tableKeys;
    std::size_t rows = 0;
    const std::vector<std::string> binKeys{"TEFF_MIN",  "TEFF_MAX", "TEFF_NBIN", "LOGG_MIN", "LOGG_MAX",
                                           "LOGG_NBIN", "FEH_MIN",  "FEH_MAX",   "FEH_NBIN"};
    for (std::size_t s = 0; s < shards.size(); ++s) {
        auto file = FitsFile::open(shards[s]);
        const std::string model = file.keyString("MODEL").value_or("");
        if (s == 0)
            primaryKeys = {{"ORIGIN", file.keyString("ORIGIN").value_or("REMAP Studio")}, {"MODEL", model}};
        else if (model != primaryKeys[1].second)
            throw Error("the shard was written with model '" + model + "', the first shard with '" +
                            primaryKeys[1].second + "'",
                        shards[s]);
        if (!file.moveToNamed("PREDICTIONS")) throw Error("the shard has no PREDICTIONS table", shards[s]);
        for (const auto& key : binKeys) {
            const auto v = file.keyDouble(key);
            if (s == 0 && v) tableKeys.emplace_back(key, *v);
            if (s > 0 && v) {
                const auto it =
                    std::find_if(tableKeys.begin(), tableKeys.end(), [&](auto& k) { return k.first == key; });
                if (it == tableKeys.end() || it->second != *v)
                    throw Error("the shard's posterior bins (" + key + ") differ from the first shard's", shards[s]);
            }
        }
        const auto cols = file.columns();
        if (s == 0) {
            for (const auto& c : cols) columns.push_back({c, {}, {}, 1});
        } else if (cols.size() != columns.size()) {
            throw Error("the shard's table has other columns than the first shard's", shards[s]);
        }
        for (std::size_t k = 0; k < cols.size(); ++k) {
            auto& m = columns[k];
            if (cols[k].name != m.column.name || (cols[k].typecode == 16) != (m.column.typecode == 16) ||
                (cols[k].typecode != 16 && cols[k].repeat != m.column.repeat))
                throw Error("column " + cols[k].name + " differs from the first shard's", shards[s]);
            if (cols[k].typecode == 16) {
                for (auto& t : file.readStringColumn(cols[k])) {
                    m.width = std::max(m.width, t.size());
                    m.text.push_back(std::move(t));
                }
            } else {
                const auto v = file.readColumn(cols[k]);
                m.numbers.insert(m.numbers.end(), v.begin(), v.end());
            }
        }
        rows += static_cast<std::size_t>(file.rowCount());
    }
    writeAtomically(output, [&](const std::string& tmp) {
        auto file = FitsFile::create(tmp);
        file.createEmptyPrimary();
        for (const auto& [key, value] : primaryKeys)
            if (!value.empty()) file.writeKey(key, value);
        std::vector<FitsFile::ColumnSpec> specs;
        for (const auto& m : columns) specs.push_back({m.column.name, formOf(m.column, m.width), m.column.unit});
        file.createTable("PREDICTIONS", specs, static_cast<long>(rows));
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const auto& m = columns[k];
            const int index = static_cast<int>(k) + 1;
            if (m.column.typecode == 16) {
                file.writeColumn(index, m.text);
            } else if (m.column.typecode == 11) {
                file.writeColumn(index, std::vector<std::uint8_t>(m.numbers.begin(), m.numbers.end()));
            } else {
                file.writeColumn(index, m.numbers);
            }
        }
        for (const auto& [key, value] : tableKeys) {
            if (key.ends_with("_NBIN"))
                file.writeKey(key, static_cast<long long>(value));
            else
                file.writeKey(key, value);
        }
        file.close();
    });
    return rows;
}

}  // namespace

Shard parseShard(const std::string& text)
{
    const auto slash = text.find('/');
    Shard s;
    auto number = [&](std::string_view part, int& out) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size() && !part.empty();
    };
    const std::string_view all(text);
    if (slash == std::string::npos || !number(all.substr(0, slash), s.index) ||
        !number(all.substr(slash + 1), s.count) || s.count < 1 || s.index < 1 || s.index > s.count)
        throw UsageError("--shard takes K/N with 1 <= K <= N (e.g. 3/10), not '" + text + "'");
    return s;
}

void requireShardOutput(const std::string& output)
{
    if (output.empty()) throw UsageError("--shard needs -o OUT (each shard writes OUT's shard file)");
}

std::pair<std::size_t, std::size_t> shardRange(std::size_t total, const Shard& shard)
{
    const auto n = static_cast<std::size_t>(shard.count), k = static_cast<std::size_t>(shard.index - 1);
    return {total * k / n, total * (k + 1) / n};
}

std::string shardPath(const std::string& output, const Shard& shard)
{
    const fs::path p(output);
    const std::string count = std::to_string(shard.count);
    std::string index = std::to_string(shard.index);
    index.insert(0, count.size() - index.size(), '0');
    const std::string name = p.stem().string() + ".shard-" + index + "-of-" + count + p.extension().string();
    return (p.parent_path() / name).string();
}

std::vector<std::string> findShardFiles(const std::string& output)
{
    const fs::path p(output);
    const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    const std::string stem = p.stem().string(), ext = p.extension().string();
    std::map<int, std::string> found;
    std::optional<int> count;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const std::string prefix = stem + ".shard-";
        if (name.size() <= prefix.size() + ext.size() || name.compare(0, prefix.size(), prefix) != 0 ||
            name.compare(name.size() - ext.size(), ext.size(), ext) != 0)
            continue;
        const std::string middle = name.substr(prefix.size(), name.size() - prefix.size() - ext.size());
        static const std::regex pattern("([0-9]+)-of-([0-9]+)");
        std::smatch m;
        if (!std::regex_match(middle, m, pattern)) continue;
        const int k = std::stoi(m[1]), n = std::stoi(m[2]);
        if (count && *count != n)
            throw Error("shard files of different splits lie next to it (of " + std::to_string(*count) + " and of " +
                            std::to_string(n) + "); remove the stale ones",
                        output);
        count = n;
        if (!found.emplace(k, (p.parent_path() / name).string()).second)
            throw Error("shard " + std::to_string(k) + " exists twice (" + found[k] + ", " + name + ")", output);
    }
    if (!count) throw Error("no shard files (" + stem + ".shard-K-of-N" + ext + ") to merge", output);
    std::string missing;
    for (int k = 1; k <= *count; ++k)
        if (!found.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
    if (!missing.empty())
        throw Error("shards " + missing + " of " + std::to_string(*count) + " are missing (still running or failed?)",
                    output);
    for (const auto& [k, path] : found)
        if (k < 1 || k > *count)
            throw Error("shard " + std::to_string(k) + " lies outside 1.." + std::to_string(*count), path);
    std::vector<std::string> out;
    for (const auto& [k, path] : found) out.push_back(path);
    return out;
}

std::size_t mergeShards(const std::string& output)
{
    const auto shards = findShardFiles(output);
    const std::string ext = lower(fs::path(output).extension().string());
    if (ext == ".csv") return mergeCsv(shards, output);
    if (ext == ".h5" || ext == ".hdf5") return mergeHdf5(shards, output);
    if (ext == ".fits" || ext == ".fit") return mergeFits(shards, output);
    throw Error("cannot merge tables of this kind (expected .csv, .fits or .h5)", output);
}

}  // namespace remap
