#include "tables/SpectrumSources.h"

#include "base/Error.h"
#include "tables/TextFormat.h"

#include <filesystem>

namespace remap::tables {
namespace {

const char* kLocationNames[] = {"access_url", "accref",        "url",      "uri",      "file",
                                "filename",   "file_name",     "path",     "filepath", "location",
                                "spectrum",   "spectrum_file", "spec_file"};
const char* kNameNames[] = {"name", "object", "obj_name", "objname", "target", "star", "designation", "apogee_id"};

bool hasUcd(const TableColumn& c, const char* ucd)
{
    const std::string u = detail::lower(c.ucd);
    std::size_t start = 0;
    while (start <= u.size()) {
        const auto end = u.find(';', start);
        if (u.substr(start, end == std::string::npos ? std::string::npos : end - start) == ucd) return true;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return false;
}

const TableColumn* stringColumnNamed(const ResultTable& table, const char* name)
{
    const TableColumn* c = table.findColumn(name);
    return c && c->type() == ColumnType::String ? c : nullptr;
}

const TableColumn* locationColumn(const ResultTable& table)
{
    for (const char* ucd : {"meta.ref.url", "meta.ref.uri", "meta.file"})
        for (const auto& c : table.columns())
            if (c.type() == ColumnType::String && hasUcd(c, ucd)) return &c;
    for (const char* name : kLocationNames)
        if (const auto* c = stringColumnNamed(table, name)) return c;
    return nullptr;
}

const TableColumn* nameColumn(const ResultTable& table)
{
    for (const auto& c : table.columns())
        if (c.type() == ColumnType::String && hasUcd(c, "meta.main") && hasUcd(c, "meta.id")) return &c;
    for (const char* name : kNameNames)
        if (const auto* c = stringColumnNamed(table, name)) return c;
    return nullptr;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool hasScheme(const std::string& text, const char* scheme)
{
    return detail::lower(text.substr(0, std::char_traits<char>::length(scheme))) == scheme;
}

}  // namespace

std::optional<std::string> localPathFromFileUrl(const std::string& url)
{
    if (!hasScheme(url, "file:")) return std::nullopt;
    std::string rest = url.substr(5);
    if (rest.rfind("//", 0) == 0) {
        rest = rest.substr(2);
        const auto slash = rest.find('/');
        if (slash == std::string::npos) return std::nullopt;
        const std::string host = detail::lower(rest.substr(0, slash));
        if (!host.empty() && host != "localhost") return std::nullopt;
        rest = rest.substr(slash);
    }
    if (rest.empty() || rest.front() != '/') return std::nullopt;
    std::string path;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '%') {
            if (i + 2 >= rest.size() || hexValue(rest[i + 1]) < 0 || hexValue(rest[i + 2]) < 0) return std::nullopt;
            path += static_cast<char>(hexValue(rest[i + 1]) * 16 + hexValue(rest[i + 2]));
            i += 2;
        } else if (rest[i] == '?' || rest[i] == '#') {
            break;
        } else {
            path += rest[i];
        }
    }
    if (path.find('\0') != std::string::npos) return std::nullopt;
    return path;
}

SpectrumSourceList spectrumSources(const ResultTable& table, const std::string& tableFolder)
{
    const TableColumn* location = locationColumn(table);
    if (!location) {
        std::string names;
        for (const char* n : kLocationNames) names += std::string(names.empty() ? "" : ", ") + n;
        throw Error(
            "the table has no column with the spectra's files or URLs (looked for a text column with UCD "
            "meta.ref.url, meta.ref.uri or meta.file, or named " +
            names + ")");
    }
    const TableColumn* name = nameColumn(table);
    SpectrumSourceList list;
    list.locationColumn = location->name;
    if (name) list.nameColumn = name->name;
    const std::filesystem::path folder =
        tableFolder.empty() ? std::filesystem::current_path() : std::filesystem::path(tableFolder);
    for (std::size_t r = 0; r < table.rowCount(); ++r) {
        std::string value = location->strings()[r];
        const auto b = value.find_first_not_of(" \t");
        value = b == std::string::npos ? std::string() : value.substr(b, value.find_last_not_of(" \t") - b + 1);
        if (value.empty()) {
            list.emptyRows.push_back(r);
            continue;
        }
        SpectrumSource source;
        source.row = r;
        if (name) source.name = name->strings()[r];
        if (hasScheme(value, "file:")) {
            const auto path = localPathFromFileUrl(value);
            if (!path)
                throw Error("row " + std::to_string(r + 1) + " of column '" + location->name + "': '" + value +
                            "' is not a local file URL");
            source.location = *path;
        } else if (hasScheme(value, "http://") || hasScheme(value, "https://") || hasScheme(value, "ftp://")) {
            source.location = value;
            source.isUrl = true;
        } else {
            const std::filesystem::path p(value);
            source.location = (p.is_absolute() ? p : folder / p).lexically_normal().string();
        }
        list.sources.push_back(std::move(source));
    }
    return list;
}

}  // namespace remap::tables
