#pragma once

// The file around a model bundle's torch archive (bundle format 2), which makes any damage to the
// file detectable (docs/network.md "Model bundle"):
//   bytes  0-7   magic "REMAPMDL"
//          8-11  container version, uint32 little-endian (= ModelCard::kFormatVersion)
//         12-15  flags, uint32, 0
//         16-23  payload size in bytes, uint64 little-endian
//         24-55  SHA-256 of the payload
//         56-    payload: the torch::serialize archive (a zip file), whose root holds a "checksums" entry:
//                JSON {"algorithm": "sha256", "entries": {"<entry>": hex, ...}} with one SHA-256 per stored
//                value (every tensor with its dtype and shape, the card, every string and number),
//                entries named "card", "weights/stem.conv.weight", "reference/embeddings", ...
// Torch-side, internal to remap_ml and its tests.

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <string>

namespace remap::bundle_detail {

inline constexpr char kMagic[8] = {'R', 'E', 'M', 'A', 'P', 'M', 'D', 'L'};
inline constexpr std::size_t kHeaderSize = 56;

// Adds the "checksums" entry to `root` and writes the sealed file atomically (remap::Error naming `path`).
void writeSealed(torch::serialize::OutputArchive& root, const std::string& path);

// Opens a sealed file: checks the header, the payload digest and every entry's checksum, and loads
// the archive into `root`. Throws remap::Error naming the file and, where the damage lies in a stored
// value, the entry ("tensor 'weights/stages.1.0.conv1.weight' does not match its checksum").
// A zip file (a bundle of format 1, written before checksums) is refused unless allowLegacy, in which
// case it is loaded unverified.
void openSealed(const std::string& path, torch::serialize::InputArchive& root, bool allowLegacy);

}  // namespace remap::bundle_detail
