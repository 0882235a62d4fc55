#include "Hdf5Support.h"

#include "base/Error.h"

#include <mutex>

namespace remap::h5 {
namespace {

struct WalkState {
    std::vector<std::string> messages;
};

herr_t collect(unsigned, const H5E_error2_t* entry, void* data)
{
    auto* state = static_cast<WalkState*>(data);
    std::string text = entry->desc ? entry->desc : "";
    char minor[256] = {};
    if (H5Eget_msg(entry->min_num, nullptr, minor, sizeof minor) > 0) {
        const std::string m(minor);
        if (text.empty())
            text = m;
        else if (text.find(m) == std::string::npos && m != "no additional error information")
            text += " (" + m + ")";
    }
    if (!text.empty() && (state->messages.empty() || state->messages.back() != text))
        state->messages.push_back(std::move(text));
    return 0;
}

}  // namespace

void silenceErrors()
{
    static std::once_flag once;
    std::call_once(once, [] {
        H5open();
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    });
}

std::string errorStackText()
{
    WalkState state;
    const hid_t stack = H5Eget_current_stack();
    if (stack >= 0) {
        // Upward: the most specific failure (where it was detected) first, the API call last.
        H5Ewalk2(stack, H5E_WALK_UPWARD, collect, &state);
        H5Eclose_stack(stack);
    }
    H5Eclear2(H5E_DEFAULT);
    if (state.messages.empty()) return "HDF5 gave no reason";
    // The innermost two messages say what went wrong; the rest repeats it at higher levels.
    std::string text = state.messages[0];
    if (state.messages.size() > 1) text += "; " + state.messages[1];
    return text;
}

void fail(const std::string& what, const std::string& file)
{
    throw Error(what + ": " + errorStackText(), file);
}

Handle& Handle::operator=(Handle&& other) noexcept
{
    if (this != &other) {
        reset();
        id_ = other.id_;
        other.id_ = H5I_INVALID_HID;
    }
    return *this;
}

void Handle::reset()
{
    if (id_ < 0) return;
    // H5Oclose-style dispatch: each identifier type has its own close call.
    switch (H5Iget_type(id_)) {
        case H5I_FILE:
            H5Fclose(id_);
            break;
        case H5I_GROUP:
            H5Gclose(id_);
            break;
        case H5I_DATASET:
            H5Dclose(id_);
            break;
        case H5I_DATASPACE:
            H5Sclose(id_);
            break;
        case H5I_DATATYPE:
            H5Tclose(id_);
            break;
        case H5I_ATTR:
            H5Aclose(id_);
            break;
        case H5I_GENPROP_LST:
            H5Pclose(id_);
            break;
        default:
            H5Idec_ref(id_);
            break;
    }
    H5Eclear2(H5E_DEFAULT);
    id_ = H5I_INVALID_HID;
}

void Handle::close(const std::string& file)
{
    if (id_ < 0) return;
    herr_t status = 0;
    switch (H5Iget_type(id_)) {
        case H5I_FILE:
            status = H5Fclose(id_);
            break;
        case H5I_DATASET:
            status = H5Dclose(id_);
            break;
        default:
            reset();
            return;
    }
    id_ = H5I_INVALID_HID;
    if (status < 0) fail("could not close the file", file);
}

Handle checked(hid_t id, const std::string& what, const std::string& file)
{
    if (id < 0) fail(what, file);
    return Handle(id);
}

void check(long long status, const std::string& what, const std::string& file)
{
    if (status < 0) fail(what, file);
}

bool hasLink(hid_t location, const std::string& name)
{
    const htri_t exists = H5Lexists(location, name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return exists > 0;
}

bool hasAttribute(hid_t object, const std::string& name)
{
    const htri_t exists = H5Aexists(object, name.c_str());
    H5Eclear2(H5E_DEFAULT);
    return exists > 0;
}

namespace {

Handle variableStringType(const std::string& file)
{
    Handle type = checked(H5Tcopy(H5T_C_S1), "could not make a string type", file);
    check(H5Tset_size(type.get(), H5T_VARIABLE), "could not make a string type", file);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "could not make a string type", file);
    return type;
}

void replaceAttribute(hid_t object, const std::string& name)
{
    if (hasAttribute(object, name)) H5Adelete(object, name.c_str());
}

}  // namespace

void writeStringAttribute(hid_t object, const std::string& name, const std::string& value, const std::string& file)
{
    replaceAttribute(object, name);
    const std::string what = "could not write the attribute '" + name + "'";
    Handle type = variableStringType(file);
    Handle space = checked(H5Screate(H5S_SCALAR), what, file);
    Handle attr =
        checked(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what, file);
    const char* data = value.c_str();
    check(H5Awrite(attr.get(), type.get(), &data), what, file);
}

void writeStringArrayAttribute(hid_t object, const std::string& name, const std::vector<std::string>& values,
                               const std::string& file)
{
    replaceAttribute(object, name);
    const std::string what = "could not write the attribute '" + name + "'";
    Handle type = variableStringType(file);
    const hsize_t n = values.size();
    Handle space = checked(H5Screate_simple(1, &n, nullptr), what, file);
    Handle attr =
        checked(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what, file);
    std::vector<const char*> data;
    for (const auto& v : values) data.push_back(v.c_str());
    check(H5Awrite(attr.get(), type.get(), data.data()), what, file);
}

void writeIntAttribute(hid_t object, const std::string& name, long long value, const std::string& file)
{
    const std::string what = "could not write the attribute '" + name + "'";
    const std::int64_t v = value;
    if (hasAttribute(object, name)) {
        // Overwrite in place (same size): the object header is not rebuilt on every append.
        Handle attr = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), what, file);
        Handle type = checked(H5Aget_type(attr.get()), what, file);
        Handle space = checked(H5Aget_space(attr.get()), what, file);
        if (H5Tget_class(type.get()) == H5T_INTEGER && H5Sget_simple_extent_npoints(space.get()) == 1) {
            check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &v), what, file);
            return;
        }
    }
    replaceAttribute(object, name);
    Handle space = checked(H5Screate(H5S_SCALAR), what, file);
    Handle attr =
        checked(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), what, file);
    check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &v), what, file);
}

namespace {

// Reads all strings of a string attribute (scalar or 1-D; fixed or variable length).
std::vector<std::string> readStrings(hid_t object, const std::string& name, const std::string& file)
{
    const std::string what = "could not read the attribute '" + name + "'";
    if (!hasAttribute(object, name)) throw Error("the attribute '" + name + "' is missing", file);
    Handle attr = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), what, file);
    Handle fileType = checked(H5Aget_type(attr.get()), what, file);
    if (H5Tget_class(fileType.get()) != H5T_STRING) throw Error("the attribute '" + name + "' is not a string", file);
    Handle space = checked(H5Aget_space(attr.get()), what, file);
    const hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (count < 0) fail(what, file);
    std::vector<std::string> out;
    if (H5Tis_variable_str(fileType.get()) > 0) {
        Handle memType = variableStringType(file);
        std::vector<char*> data(static_cast<std::size_t>(count), nullptr);
        check(H5Aread(attr.get(), memType.get(), data.data()), what, file);
        for (char* s : data) out.emplace_back(s ? s : "");
        H5Dvlen_reclaim(memType.get(), space.get(), H5P_DEFAULT, data.data());
    } else {
        const std::size_t size = H5Tget_size(fileType.get());
        Handle memType = checked(H5Tcopy(fileType.get()), what, file);  // same size and character set
        check(H5Tset_size(memType.get(), size), what, file);
        std::vector<char> data(size * static_cast<std::size_t>(count) + 1, '\0');
        check(H5Aread(attr.get(), memType.get(), data.data()), what, file);
        for (hssize_t i = 0; i < count; ++i) {
            const char* s = data.data() + static_cast<std::size_t>(i) * size;
            std::size_t len = 0;
            while (len < size && s[len] != '\0') ++len;
            out.emplace_back(s, len);
        }
    }
    return out;
}

}  // namespace

std::string readStringAttribute(hid_t object, const std::string& name, const std::string& file)
{
    auto values = readStrings(object, name, file);
    if (values.size() != 1) throw Error("the attribute '" + name + "' should hold one string", file);
    return values.front();
}

std::vector<std::string> readStringArrayAttribute(hid_t object, const std::string& name, const std::string& file)
{
    return readStrings(object, name, file);
}

long long readIntAttribute(hid_t object, const std::string& name, const std::string& file)
{
    const std::string what = "could not read the attribute '" + name + "'";
    if (!hasAttribute(object, name)) throw Error("the attribute '" + name + "' is missing", file);
    Handle attr = checked(H5Aopen(object, name.c_str(), H5P_DEFAULT), what, file);
    Handle type = checked(H5Aget_type(attr.get()), what, file);
    if (H5Tget_class(type.get()) != H5T_INTEGER) throw Error("the attribute '" + name + "' is not an integer", file);
    Handle space = checked(H5Aget_space(attr.get()), what, file);
    if (H5Sget_simple_extent_npoints(space.get()) != 1)
        throw Error("the attribute '" + name + "' should hold one integer", file);
    std::int64_t v = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), what, file);
    return v;
}

std::vector<hsize_t> datasetShape(hid_t dataset, const std::string& name, const std::string& file)
{
    Handle space = checked(H5Dget_space(dataset), "could not read the shape of '" + name + "'", file);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) fail("could not read the shape of '" + name + "'", file);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    return dims;
}

}  // namespace remap::h5
