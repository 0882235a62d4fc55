#include "PhysicsData.h"

#include "base/Error.h"

#include <zlib.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace remap::synth {

namespace embedded {
// Defined in the generated EmbeddedPhysicsData.cpp (core/synth/EmbedPhysicsData.cmake).
struct File {
    const char* name;
    const unsigned char* begin;
    const unsigned char* end;
};
const File* physicsFiles();
std::size_t physicsFileCount();
}  // namespace embedded

std::string gunzip(std::string_view compressed, const std::string& what)
{
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error("cannot initialise zlib", what);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    zs.avail_in = static_cast<uInt>(compressed.size());
    std::string out;
    char buffer[1 << 16];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&zs);
            throw Error("the data are not a valid gzip stream (zlib error " + std::to_string(rc) + ")", what);
        }
        out.append(buffer, sizeof buffer - zs.avail_out);
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            throw Error("the gzip stream is truncated", what);
        }
    }
    inflateEnd(&zs);
    return out;
}

std::vector<double> parseNumbers(std::string_view line, bool fortranExponents)
{
    std::vector<double> out;
    auto separator = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r'; };
    std::size_t i = 0;
    std::string word;
    while (i < line.size()) {
        while (i < line.size() && separator(line[i])) ++i;
        const std::size_t start = i;
        while (i < line.size() && !separator(line[i])) ++i;
        if (i == start) break;
        word.assign(line.substr(start, i - start));
        if (fortranExponents) {
            const auto minus = word.find('-', 1);
            if (minus != std::string::npos && word[minus - 1] != 'e' && word[minus - 1] != 'E') word.insert(minus, "e");
        }
        const char* b = word.c_str();
        if (*b == '+') ++b;
        double v = 0;
        const auto r = std::from_chars(b, word.c_str() + word.size(), v);
        if (r.ec == std::errc() && r.ptr == word.c_str() + word.size()) out.push_back(v);
    }
    return out;
}

std::string readFileText(const std::string& path, const std::string& what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the " + what, path);
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) throw Error("cannot read the " + what, path);
    return s.str();
}

namespace {

bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string readOverride(const std::string& dir, std::string_view name)
{
    return readFileText(dir + "/" + std::string(name), "physics data file (REMAP_PHYSICS_DIR is set)");
}

}  // namespace

std::string_view physicsFile(std::string_view name)
{
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<std::string>, std::less<>> cache;
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(name); it != cache.end()) return *it->second;
    std::string raw;
    const char* dir = std::getenv("REMAP_PHYSICS_DIR");
    if (dir && *dir) {
        raw = readOverride(dir, name);
    } else {
        const embedded::File* files = embedded::physicsFiles();
        const embedded::File* found = nullptr;
        for (std::size_t i = 0; i < embedded::physicsFileCount(); ++i)
            if (name == files[i].name) found = &files[i];
        if (!found) throw Error("no physics data file '" + std::string(name) + "' is compiled into the synthesizer");
        raw.assign(reinterpret_cast<const char*>(found->begin), static_cast<std::size_t>(found->end - found->begin));
    }
    const std::string label = "physics data " + std::string(name);
    auto text = std::make_unique<std::string>(endsWith(name, ".gz") ? gunzip(raw, label) : std::move(raw));
    return *cache.emplace(std::string(name), std::move(text)).first->second;
}

std::vector<std::string> physicsFileNames()
{
    std::vector<std::string> names;
    for (std::size_t i = 0; i < embedded::physicsFileCount(); ++i) names.emplace_back(embedded::physicsFiles()[i].name);
    return names;
}

}  // namespace remap::synth
