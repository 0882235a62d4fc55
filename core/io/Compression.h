#pragma once

// Whole-file decompression for spectra shipped compressed (.fits.gz, .fit.gz, .txt.gz).

#include <cstddef>
#include <string>

namespace remap::io {

enum class Compression { None, Gzip, Bzip2, UnixCompress };

// The compression of `head` (the first bytes of a file), by its magic number.
Compression compressionOf(const std::string& head);

// The first `n` bytes of a file (fewer when it is shorter). Throws remap::Error when it cannot be read.
std::string readHead(const std::string& path, std::size_t n);

// The first `n` bytes of the content: decompressed for a gzip file, else as stored.
std::string readContentHead(const std::string& path, std::size_t n);

// The whole file, decompressed when it is gzip-compressed (several members are concatenated, as gunzip
// does). Throws remap::Error naming the file for a truncated or corrupt stream, an unsupported compression
// (bzip2, Unix compress) or content beyond `maxBytes`.
std::string readDecompressed(const std::string& path, std::size_t maxBytes = std::size_t{8} << 30);

}  // namespace remap::io
