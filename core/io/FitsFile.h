#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace remap {

// RAII wrapper over one CFITSIO handle. Every CFITSIO failure becomes a remap::Error naming
// the file, the current HDU (0-based) and CFITSIO's words for the status. One handle per
// thread: CFITSIO handles must never be shared between threads.
class FitsFile {
public:
    enum class HduType { Image, AsciiTable, BinaryTable };

    struct Column {
        int index = 0;     // 1-based CFITSIO column number
        std::string name;  // TTYPEn as written
        std::string unit;  // TUNITn, may be empty
        int typecode = 0;  // CFITSIO type code (TDOUBLE, TSTRING, ...)
        long repeat = 1;   // elements per cell
    };

    // What a column holds, from its CFITSIO type code (Other: bits, complex numbers).
    enum class ColumnKind { Text, Logical, Integer, Float, Other };
    static ColumnKind columnKind(const Column& column);

    // Opens an existing file read-only (or read-write). A gzip-compressed file is decompressed in
    // memory (read-only). Headers that break the standard in ways astropy tolerates (mandatory keywords
    // out of order, missing PCOUNT/GCOUNT, ...) are repaired in memory and the repairs listed in
    // notes(); the file itself is never changed. Throws remap::Error on failure.
    static FitsFile open(const std::string& path, bool readWrite = false);
    // Creates a new file, replacing any existing one at `path`.
    static FitsFile create(const std::string& path);

    FitsFile(FitsFile&&) noexcept;
    FitsFile& operator=(FitsFile&&) noexcept;
    FitsFile(const FitsFile&) = delete;
    FitsFile& operator=(const FitsFile&) = delete;
    ~FitsFile();

    const std::string& path() const;
    // The header repairs opening needed, one sentence each; empty for a standard file.
    const std::vector<std::string>& notes() const;
    bool compressed() const;  // decompressed in memory from gzip
    // Closes the file, throwing if CFITSIO reports an error (a failed flush on write).
    void close();

    // HDUs are 0-based here (the primary HDU is 0).
    int hduCount();
    void moveTo(int hdu);
    // Moves to the first extension whose EXTNAME equals `name` (case-insensitive); false if none.
    bool moveToNamed(const std::string& name);
    int currentHdu() const;
    HduType hduType();
    std::string extensionName();  // EXTNAME of the current HDU, or empty

    // Header keywords of the current HDU.
    bool hasKey(const std::string& key);
    std::optional<std::string> keyString(const std::string& key);
    std::optional<double> keyDouble(const std::string& key);
    std::optional<long long> keyInt(const std::string& key);
    std::optional<bool> keyBool(const std::string& key);
    // All 80-character header records of the current HDU, in order (for HISTORY, WAT2_nnn).
    std::vector<std::string> records();

    // Images.
    std::vector<long> imageShape();  // NAXIS1, NAXIS2, ...
    // All pixels of the current image as double; undefined (BLANK) pixels become NaN.
    std::vector<double> readImage();
    // One row (0-based) of a 2-D image.
    std::vector<double> readImageRow(long row);

    // Tables.
    long rowCount();
    std::vector<Column> columns();
    // Column by name, case-insensitive.
    std::optional<Column> findColumn(const std::string& name);
    // A numeric column as double: all rows of a scalar column, or the cell of `row` (0-based)
    // of a vector column. Logical columns read as 0/1. Null values become NaN.
    std::vector<double> readColumn(const Column& column, long row = -1);
    std::vector<std::string> readStringColumn(const Column& column);

    // Writing.
    void createImage(const std::vector<double>& data, int bitpix);  // bitpix -32 or -64
    // An N-D image: `shape` is NAXIS1, NAXIS2, ... (NAXIS1 varies fastest in `data`); any BITPIX.
    void createImage(const std::vector<double>& data, const std::vector<long>& shape, int bitpix);
    void createImage(const std::vector<std::uint8_t>& data);
    void createEmptyPrimary();
    struct ColumnSpec {
        std::string name;
        std::string form;  // TFORM, e.g. "D", "E", "B", "J", "20A"
        std::string unit;
    };
    void createTable(const std::string& extname, const std::vector<ColumnSpec>& columns, long rows);
    void writeColumn(int column, const std::vector<double>& values);
    void writeColumn(int column, const std::vector<std::uint8_t>& values);
    void writeColumn(int column, const std::vector<std::string>& values);
    // A 64-bit integer column (TFORM K) and a logical column (TFORM L).
    void writeColumn(int column, const std::vector<std::int64_t>& values);
    void writeLogicalColumn(int column, const std::vector<bool>& values);
    // Text cells padded with NUL bytes rather than blanks (both are legal FITS): numpy-based readers
    // such as astropy keep trailing blanks as part of the text but drop NULs.
    void writeNulPaddedColumn(int column, const std::vector<std::string>& values);
    void writeKey(const std::string& key, const std::string& value, const std::string& comment = {});
    void writeKey(const std::string& key, double value, const std::string& comment = {});
    void writeKey(const std::string& key, long long value, const std::string& comment = {});
    void writeKey(const std::string& key, bool value, const std::string& comment = {});
    void writeHistory(const std::string& text);
    // Appends one raw header record (up to 80 characters, written as given: no quoting or trimming).
    void writeRecord(const std::string& card);

    // Throws remap::Error for the current file and HDU.
    [[noreturn]] void fail(const std::string& problem);

private:
    struct Impl;
    explicit FitsFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// CFITSIO status code in words, e.g. "END keyword not found (status 107)".
std::string fitsStatusText(int status);

}  // namespace remap
