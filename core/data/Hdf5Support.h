#pragma once

// Private to remap_data: the only header that includes hdf5.h. Never include it from a public header.

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace remap::h5 {

// Switches HDF5's own error printing off (once per process); errors reach users as remap::Error.
void silenceErrors();

// HDF5's current error stack in words (most specific message first), then clears it.
std::string errorStackText();

// Throws remap::Error("<what>: <HDF5's words>", file).
[[noreturn]] void fail(const std::string& what, const std::string& file);

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, attribute, property list)
// and closes it with the matching H5*close on destruction.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    void reset();
    // Closes now and reports a failure (a failed final write) instead of swallowing it.
    void close(const std::string& file);

private:
    hid_t id_ = H5I_INVALID_HID;
};

// Wraps a returned identifier; throws remap::Error naming `what` and the file if it is negative.
Handle checked(hid_t id, const std::string& what, const std::string& file);
// Throws remap::Error if an herr_t (or other signed status) is negative.
void check(long long status, const std::string& what, const std::string& file);

bool hasLink(hid_t location, const std::string& name);
bool hasAttribute(hid_t object, const std::string& name);

// Attributes on an object (the file's root group, a dataset).
void writeStringAttribute(hid_t object, const std::string& name, const std::string& value, const std::string& file);
void writeStringArrayAttribute(hid_t object, const std::string& name, const std::vector<std::string>& values,
                               const std::string& file);
void writeIntAttribute(hid_t object, const std::string& name, long long value, const std::string& file);
std::string readStringAttribute(hid_t object, const std::string& name, const std::string& file);
std::vector<std::string> readStringArrayAttribute(hid_t object, const std::string& name, const std::string& file);
long long readIntAttribute(hid_t object, const std::string& name, const std::string& file);

// Shape of a dataset's dataspace.
std::vector<hsize_t> datasetShape(hid_t dataset, const std::string& name, const std::string& file);

}  // namespace remap::h5
