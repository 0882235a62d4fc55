#pragma once

// SHA-256 (FIPS 180-4), for the integrity checksums of model bundles. Written here to avoid a crypto
// dependency for one hash; tests/ml/test_ml_checksum.cpp checks it against the standard's vectors and
// Python's hashlib.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace remap {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view text) { update(text.data(), text.size()); }
    std::array<std::uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
    std::string hexDigest();                // 64 lower-case hex digits

private:
    void block(const std::uint8_t* data);
    std::array<std::uint32_t, 8> state_;
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;  // bytes
};

std::string sha256Hex(std::string_view data);

}  // namespace remap
