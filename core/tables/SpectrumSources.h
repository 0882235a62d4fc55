#pragma once

// Which spectra a table lists: the column holding a file path or URL per row (what TOPCAT, an SSA
// query or REMAP's own result tables carry), found by UCD or by name, and an optional name column.
// This is how an incoming table.load.votable / table.load.fits becomes a catalog of spectra.

#include "tables/ResultTable.h"

#include <optional>
#include <string>
#include <vector>

namespace remap::tables {

struct SpectrumSource {
    std::size_t row = 0;   // 0-based row in the table
    std::string location;  // an absolute local path, or a URL when isUrl
    bool isUrl = false;    // http(s)/ftp: the caller downloads it
    std::string name;      // from the name column, or empty
};

struct SpectrumSourceList {
    std::string locationColumn;  // the column the locations came from
    std::string nameColumn;      // empty when the table has none
    std::vector<SpectrumSource> sources;
    std::vector<std::size_t> emptyRows;  // rows without a location (not in `sources`)
};

// `tableFolder` resolves relative paths (the folder of the table file; empty: the current folder).
// The location column is the first String column whose UCD is meta.ref.url, meta.ref.uri or
// meta.file, else the first named (case-insensitive) access_url, accref, url, uri, file, filename,
// file_name, path, filepath, location, spectrum, spectrum_file, spec_file. Throws remap::Error listing
// what was looked for when there is none.
SpectrumSourceList spectrumSources(const ResultTable& table, const std::string& tableFolder = {});

// "file:///a%20b/x.fits", "file:/a/x.fits" and "file://localhost/a/x.fits" -> "/a b/x.fits";
// nullopt for anything else (another scheme, another host, a relative or malformed URL).
std::optional<std::string> localPathFromFileUrl(const std::string& url);

}  // namespace remap::tables
