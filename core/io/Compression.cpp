#include "io/Compression.h"

#include "base/Error.h"

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace remap::io {

Compression compressionOf(const std::string& head)
{
    const auto byte = [&](std::size_t i) { return i < head.size() ? static_cast<unsigned char>(head[i]) : 0u; };
    if (byte(0) == 0x1f && byte(1) == 0x8b) return Compression::Gzip;
    if (byte(0) == 0x1f && byte(1) == 0x9d) return Compression::UnixCompress;
    if (head.compare(0, 3, "BZh") == 0) return Compression::Bzip2;
    return Compression::None;
}

std::string readHead(const std::string& path, std::size_t n)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the file for reading (permissions?)", path);
    std::string head(n, '\0');
    in.read(head.data(), static_cast<std::streamsize>(n));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
}

std::string readContentHead(const std::string& path, std::size_t n)
{
    std::string head = readHead(path, n);
    if (compressionOf(head) != Compression::Gzip) return head;
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw Error("cannot open the gzip-compressed file for reading", path);
    std::string out(n, '\0');
    const int got = gzread(gz, out.data(), static_cast<unsigned>(n));
    gzclose(gz);
    if (got < 0) throw Error("the gzip stream is damaged: the file could not be decompressed", path);
    out.resize(static_cast<std::size_t>(got));
    return out;
}

std::string readDecompressed(const std::string& path, std::size_t maxBytes)
{
    const Compression kind = compressionOf(readHead(path, 4));
    if (kind == Compression::Bzip2)
        throw Error("the file is bzip2-compressed, which is not supported: decompress it first (bunzip2)", path);
    if (kind == Compression::UnixCompress)
        throw Error("the file is compressed with Unix compress (.Z), which is not supported: decompress it first",
                    path);
    if (kind == Compression::None) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error("cannot open the file for reading (permissions?)", path);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw Error("cannot open the gzip-compressed file for reading", path);
    gzbuffer(gz, 1 << 17);
    std::string out;
    std::vector<char> chunk(1 << 20);
    for (;;) {
        const int got = gzread(gz, chunk.data(), static_cast<unsigned>(chunk.size()));
        if (got < 0) break;
        if (got == 0) break;
        if (out.size() + static_cast<std::size_t>(got) > maxBytes) {
            gzclose(gz);
            throw Error("the decompressed content exceeds " + std::to_string(maxBytes >> 20) + " MiB", path);
        }
        out.append(chunk.data(), static_cast<std::size_t>(got));
    }
    int code = Z_OK;
    const char* message = gzerror(gz, &code);
    const std::string what = message ? message : "";
    gzclose(gz);
    if (code != Z_OK && code != Z_STREAM_END)
        throw Error("the gzip stream is damaged or truncated (" + what + "): the file could not be decompressed", path);
    return out;
}

}  // namespace remap::io
