#include "BundleContainer.h"

#include "Sha256.h"
#include "base/AtomicFile.h"
#include "base/Error.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace remap::bundle_detail {
namespace {

constexpr std::uint32_t kContainerVersion = 2;
constexpr const char* kChecksumsKey = "checksums";

struct EntryDigest {
    std::string kind;  // "tensor", "string", "number", "flag"
    std::string hex;
};
using Digests = std::map<std::string, EntryDigest>;

std::string firstLine(const std::string& text)
{
    const auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

EntryDigest digestOf(const c10::IValue& value, const std::string& name)
{
    Sha256 h;
    EntryDigest out;
    if (value.isTensor()) {
        const auto t = value.toTensor().detach().to(torch::kCPU).contiguous();
        h.update(std::string("tensor:") + std::string(c10::toString(t.scalar_type())) + ":");
        for (const auto size : t.sizes()) {
            const std::int64_t s = size;
            h.update(&s, sizeof s);
        }
        h.update(":");
        h.update(t.data_ptr(), static_cast<std::size_t>(t.numel()) * t.element_size());
        out.kind = "tensor";
    } else if (value.isString()) {
        h.update("string:");
        h.update(value.toStringRef());
        out.kind = "string";
    } else if (value.isInt()) {
        h.update("int:" + std::to_string(value.toInt()));
        out.kind = "number";
    } else if (value.isDouble()) {
        std::ostringstream text;
        text.precision(17);
        text << value.toDouble();
        h.update("double:" + text.str());
        out.kind = "number";
    } else if (value.isBool()) {
        h.update(value.toBool() ? "bool:1" : "bool:0");
        out.kind = "flag";
    } else {
        throw Error("the bundle holds an entry '" + name + "' of an unexpected type (" + value.tagKind() + ")");
    }
    out.hex = h.hexDigest();
    return out;
}

// Digest of every stored value, by path: top-level "card", nested "weights/stem.conv.weight".
void collectDigests(torch::serialize::InputArchive& archive, const std::string& prefix, Digests& out)
{
    for (const auto& key : archive.keys()) {
        if (prefix.empty() && key == kChecksumsKey) continue;
        c10::IValue value;
        archive.read(key, value);
        const std::string name = prefix + key;
        if (value.isModule()) {
            torch::serialize::InputArchive nested;
            archive.read(key, nested);
            collectDigests(nested, prefix.empty() ? key + "/" : name + ".", out);
        } else {
            out[name] = digestOf(value, name);
        }
    }
}

std::string serialize(torch::serialize::OutputArchive& archive)
{
    std::string bytes;
    archive.save_to([&](const void* data, std::size_t size) {
        bytes.append(static_cast<const char*>(data), size);
        return size;
    });
    return bytes;
}

void putU32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void putU64(std::string& out, std::uint64_t v)
{
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t getLE(const std::string& bytes, std::size_t at, int count)
{
    std::uint64_t v = 0;
    for (int i = 0; i < count; ++i) v |= std::uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("the model file cannot be opened", path);
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) throw Error("the model file cannot be read", path);
    return s.str();
}

Digests manifestOf(torch::serialize::InputArchive& root, const std::string& path)
{
    c10::IValue value;
    if (!root.try_read(kChecksumsKey, value) || !value.isString())
        throw Error("the bundle has no checksums entry (damaged)", path);
    Digests out;
    try {
        const auto j = nlohmann::json::parse(value.toStringRef());
        if (j.at("algorithm").get<std::string>() != "sha256")
            throw Error("the bundle's checksums use an unknown algorithm", path);
        for (const auto& [name, entry] : j.at("entries").items())
            out[name] = {entry.at("kind").get<std::string>(), entry.at("sha256").get<std::string>()};
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the bundle's checksums entry is damaged (") + e.what() + ")", path);
    }
    return out;
}

// The first disagreement between the stored values and the manifest, or "" when they agree.
std::string compare(const Digests& stored, const Digests& manifest)
{
    for (const auto& [name, digest] : manifest) {
        const auto it = stored.find(name);
        if (it == stored.end()) return digest.kind + " '" + name + "' listed in the checksums is missing";
        if (it->second.hex != digest.hex || it->second.kind != digest.kind)
            return digest.kind + " '" + name + "' does not match its checksum";
    }
    for (const auto& [name, digest] : stored)
        if (!manifest.count(name)) return digest.kind + " '" + name + "' has no checksum";
    return {};
}

void loadPayload(torch::serialize::InputArchive& root, const std::string& payload)
{
    root.load_from(payload.data(), payload.size(), torch::Device(torch::kCPU));
}

}  // namespace

void writeSealed(torch::serialize::OutputArchive& root, const std::string& path)
{
    std::string payload;
    try {
        // The digests are taken from what a reader will see: the archive as serialized and read back.
        torch::serialize::InputArchive check;
        const std::string first = serialize(root);
        loadPayload(check, first);
        Digests digests;
        collectDigests(check, {}, digests);
        nlohmann::json entries = nlohmann::json::object();
        for (const auto& [name, d] : digests) entries[name] = {{"kind", d.kind}, {"sha256", d.hex}};
        root.write(kChecksumsKey, c10::IValue(nlohmann::json{{"algorithm", "sha256"}, {"entries", entries}}.dump()));
        payload = serialize(root);
    } catch (const c10::Error& err) {
        throw Error("could not write the model bundle: " + firstLine(err.what_without_backtrace()), path);
    }
    std::string header(kMagic, sizeof kMagic);
    putU32(header, kContainerVersion);
    putU32(header, 0);
    putU64(header, payload.size());
    Sha256 h;
    h.update(payload);
    const auto digest = h.digest();
    header.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    writeAtomically(path, [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
        out.close();
        if (!out) throw Error("could not write the model bundle", path);
    });
}

void openSealed(const std::string& path, torch::serialize::InputArchive& root, bool allowLegacy)
{
    const std::string file = readFile(path);
    auto unreadable = [&](const std::string& why) {
        return Error(
            "not a readable REMAP model bundle: the file is truncated, damaged or of another kind (" + why + ")", path);
    };
    if (file.size() >= 4 && file.compare(0, 4, "PK\x03\x04") == 0) {
        // A bare torch archive: a bundle of format 1 (before checksums), or another kind of file.
        try {
            loadPayload(root, file);
        } catch (const c10::Error& err) {
            throw unreadable(firstLine(err.what_without_backtrace()));
        }
        c10::IValue format;
        if (!root.try_read("format", format) || !format.isString())
            throw Error("the bundle has no 'format' entry (not a REMAP model, or damaged)", path);
        if (!allowLegacy)
            throw Error(
                "the model bundle was written in format 1, before bundles carried checksums, so its integrity "
                "cannot be verified; convert it once (ModelBundle::loadUnverifiedLegacy + save) or retrain it",
                path);
        return;
    }
    if (file.size() < kHeaderSize || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
        throw unreadable(file.size() < kHeaderSize ? "shorter than a bundle header" : "no REMAP bundle header");
    const auto version = static_cast<std::uint32_t>(getLE(file, 8, 4));
    if (version > kContainerVersion)
        throw Error("the model was written in bundle format version " + std::to_string(version) +
                        ", newer than this build reads (version " + std::to_string(kContainerVersion) +
                        "); update REMAP Studio",
                    path);
    if (version < kContainerVersion)
        throw Error("the bundle header is damaged (container version " + std::to_string(version) + ")", path);
    if (getLE(file, 12, 4) != 0) throw Error("the bundle header is damaged (unknown flags)", path);
    const auto size = getLE(file, 16, 8);
    if (size != file.size() - kHeaderSize)
        throw Error(size > file.size() - kHeaderSize
                        ? "the model file is truncated (" + std::to_string(file.size()) +
                              " bytes, the header announces " + std::to_string(size + kHeaderSize) + ")"
                        : "the model file is damaged: it is longer than its header announces",
                    path);
    const std::string payload = file.substr(kHeaderSize);
    Sha256 h;
    h.update(payload);
    const auto digest = h.digest();
    const bool intact = std::memcmp(digest.data(), file.data() + 24, digest.size()) == 0;
    if (!intact) {
        // Name the damaged value when the archive can still be read; otherwise say where the damage is.
        std::string detail;
        try {
            torch::serialize::InputArchive probe;
            loadPayload(probe, payload);
            Digests stored;
            collectDigests(probe, {}, stored);
            detail = compare(stored, manifestOf(probe, path));
        } catch (const std::exception& e) {
            detail = {};
        }
        throw Error("the model file is damaged: " +
                        (detail.empty() ? std::string("its content does not match the checksum in its header (the "
                                                      "damage lies outside the stored values, or the archive can no "
                                                      "longer be read)")
                                        : detail),
                    path);
    }
    try {
        loadPayload(root, payload);
    } catch (const c10::Error& err) {
        throw unreadable(firstLine(err.what_without_backtrace()));
    }
    Digests stored;
    collectDigests(root, {}, stored);
    if (const auto problem = compare(stored, manifestOf(root, path)); !problem.empty())
        throw Error("the model file is damaged: " + problem, path);
}

}  // namespace remap::bundle_detail
