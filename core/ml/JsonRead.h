#pragma once

// Internal helpers for strict JSON reading with remap::Error messages (not part of the public API).

#include "base/Error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace remap::ml_detail {

// j[key] converted to T; throws remap::Error("<where>: missing key 'key'" / "... has the wrong type").
template <class T>
T requireKey(const nlohmann::json& j, const char* key, std::string_view where)
{
    if (!j.is_object()) throw Error(std::string(where) + " is not a JSON object");
    const auto it = j.find(key);
    if (it == j.end()) throw Error(std::string(where) + ": missing key '" + key + "'");
    try {
        return it->template get<T>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string(where) + ": key '" + key + "' has the wrong type or value (" + e.what() + ")");
    }
}

}  // namespace remap::ml_detail
