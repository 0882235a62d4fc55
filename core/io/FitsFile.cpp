#include "FitsFile.h"

#include "base/Error.h"
#include "io/Compression.h"
#include "io/HeaderRepair.h"

#include <fitsio.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <unordered_set>

namespace remap {

using namespace io;

std::string fitsStatusText(int status)
{
    char text[FLEN_STATUS] = {0};
    fits_get_errstatus(status, text);
    std::string out = text;
    if (status == END_OF_FILE || status == READ_ERROR) out += ", the file is probably truncated";
    return out + " (CFITSIO status " + std::to_string(status) + ")";
}

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool iequals(const std::string& a, const std::string& b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::string trimmed(std::string s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    return s.substr(start);
}

// Refuses what CFITSIO would report obscurely: missing, empty, not a regular file.
std::uintmax_t checkReadableFile(const std::string& path)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) throw Error("no such file", path);
    if (!std::filesystem::is_regular_file(status)) throw Error("not a regular file", path);
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot determine the file size: " + ec.message(), path);
    if (size == 0) throw Error("the file is empty (0 bytes), not a FITS file", path);
    return size;
}

// The start of a FITS file: "SIMPLE  =" with the value T, and at least one header block.
void checkLooksLikeFits(const std::string& head, std::uintmax_t size, const std::string& path, const char* what)
{
    if (head.size() < 9 || head.compare(0, 9, "SIMPLE  =") != 0)
        throw Error(std::string("not a FITS file: ") + what + " does not begin with a SIMPLE card", path);
    if (head.size() < 30 || trimmed(head.substr(10, 20)) != "T")
        throw Error(std::string("not a FITS file: the first card of ") + what + " is not 'SIMPLE = T'", path);
    if (size < 2880) throw Error("the file is shorter than one FITS header block (2880 bytes): truncated", path);
}

// CFITSIO statuses that mean "a header breaks the standard"; an in-memory repair may fix them.
bool isHeaderStructureError(int status)
{
    switch (status) {
        case BAD_KEYCHAR:
        case BAD_ORDER:
        case NOT_POS_INT:
        case BAD_BITPIX:
        case BAD_NAXIS:
        case BAD_NAXES:
        case BAD_PCOUNT:
        case BAD_GCOUNT:
        case BAD_TFIELDS:
        case NO_BITPIX:
        case NO_NAXIS:
        case NO_NAXES:
        case NO_XTENSION:
        case NO_PCOUNT:
        case NO_GCOUNT:
        case NO_TFIELDS:
        case UNKNOWN_EXT:
        case UNKNOWN_REC:
        case END_JUNK:
        case BAD_HEADER_FILL:
            return true;
        default:
            return false;
    }
}
}  // namespace

struct FitsFile::Impl {
    fitsfile* fptr = nullptr;
    std::string path;
    // In-memory files (decompressed or repaired): the bytes CFITSIO reads. Never resized while open.
    std::string memory;
    void* memoryPtr = nullptr;
    std::size_t memorySize = 0;
    bool inMemory = false;
    bool repaired = false;
    bool compressed = false;
    int checkedCount = -1;  // the HDU count whose tail was checked for an unparsed extension
    std::vector<std::string> notes;
    // Read-only files: each HDU's header records and the names of its keywords, read once. Format
    // detection asks for many keywords a file does not have, and CFITSIO scans the whole header for
    // each (archive headers hold thousands of cards).
    bool cacheHeaders = false;
    std::map<int, std::vector<std::string>> records;
    std::map<int, std::unordered_set<std::string>> keywords;

    int hduNumber() const
    {
        int hdu = 0;
        if (fptr) fits_get_hdu_num(fptr, &hdu);
        return hdu;
    }

    const std::vector<std::string>& headerRecords()
    {
        const int hdu = hduNumber();
        auto it = records.find(hdu);
        if (it != records.end()) return it->second;
        int status = 0, nkeys = 0, more = 0;
        fits_get_hdrspace(fptr, &nkeys, &more, &status);
        check(status, "reading the header");
        std::vector<std::string> out;
        out.reserve(static_cast<std::size_t>(nkeys));
        char card[FLEN_CARD];
        for (int i = 1; i <= nkeys; ++i) {
            fits_read_record(fptr, i, card, &status);
            check(status, "reading header record " + std::to_string(i));
            out.emplace_back(card);
        }
        if (!cacheHeaders) {
            records.erase(-1);
            return records[-1] = std::move(out);
        }
        return records[hdu] = std::move(out);
    }

    // False when the current header certainly lacks `key` (a plain keyword of up to 8 characters).
    bool mayHaveKey(const std::string& key)
    {
        if (!cacheHeaders || key.size() > 8 || key.find(' ') != std::string::npos) return true;
        const int hdu = hduNumber();
        auto it = keywords.find(hdu);
        if (it == keywords.end()) {
            std::unordered_set<std::string> names;
            for (const auto& card : headerRecords()) {
                std::string name = card.substr(0, std::min<std::size_t>(8, card.size()));
                while (!name.empty() && name.back() == ' ') name.pop_back();
                for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                names.insert(std::move(name));
            }
            it = keywords.emplace(hdu, std::move(names)).first;
        }
        std::string upper = key;
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return it->second.count(upper) > 0;
    }

    // Bytes CFITSIO sees: the decompressed or repaired buffer, else the file on disk.
    std::uintmax_t logicalSize() const
    {
        if (inMemory) return memory.size();
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        return ec ? 0 : size;
    }

    // Refuses to read data the file does not hold (a truncated file whose header promises
    // gigabytes must not make us allocate them). One block of slack: an unpadded last HDU is fine.
    void requireDataInFile()
    {
        LONGLONG headStart = 0, dataStart = 0, dataEnd = 0;
        int status = 0;
        fits_get_hduaddrll(fptr, &headStart, &dataStart, &dataEnd, &status);
        check(status, "locating the HDU data");
        const auto size = logicalSize();
        if (size == 0) return;
        if (dataEnd > static_cast<LONGLONG>(size) + 2880) {
            int hdu = 0;
            fits_get_hdu_num(fptr, &hdu);
            throw Error("the file is truncated: the header promises data up to byte " + std::to_string(dataEnd) +
                            " but the " + (compressed ? "decompressed " : "") + "file has only " +
                            std::to_string(size) + " bytes",
                        path, hdu - 1);
        }
    }

    // True when an "XTENSION" record follows the data of HDU `count` (1-based, the last CFITSIO saw).
    bool extensionAfter(int count)
    {
        int current = 0, status = 0, type = 0;
        fits_get_hdu_num(fptr, &current);
        fits_movabs_hdu(fptr, count, &type, &status);
        LONGLONG headStart = 0, dataStart = 0, dataEnd = 0;
        if (status == 0) fits_get_hduaddrll(fptr, &headStart, &dataStart, &dataEnd, &status);
        int back = 0;
        fits_movabs_hdu(fptr, current, &type, &back);
        fits_clear_errmsg();
        if (status != 0) return false;
        const auto next = static_cast<std::uintmax_t>(((dataEnd + 2879) / 2880) * 2880);
        if (logicalSize() < next + 80) return false;
        std::string head;
        if (inMemory) {
            head = memory.substr(static_cast<std::size_t>(next), 8);
        } else {
            std::ifstream in(path, std::ios::binary);
            in.seekg(static_cast<std::streamoff>(next));
            head.resize(8);
            in.read(head.data(), 8);
            if (in.gcount() != 8) return false;
        }
        return head == "XTENSION";
    }

    // Opens `memory` (already filled) with CFITSIO; returns the status.
    int openMemory()
    {
        memoryPtr = memory.data();
        memorySize = memory.size();
        inMemory = true;
        int status = 0;
        // A neutral name: CFITSIO parses the name given here with its extended syntax ('[1]' = HDU 1);
        // messages use `path`.
        fits_open_memfile(&fptr, "memory.fits", READONLY, &memoryPtr, &memorySize, 0, nullptr, &status);
        if (status != 0) fptr = nullptr;
        return status;
    }

    // Replaces the open file by a repaired in-memory copy. False when nothing could be repaired (the
    // caller reports CFITSIO's error); throws remap::Error when the repair finds the exact problem.
    bool reopenRepaired()
    {
        if (repaired) return false;
        const std::string original = inMemory ? memory : readDecompressed(path);
        RepairedFits fixed = repairFitsHeaders(original, path);
        if (fixed.notes.empty()) return false;
        if (fptr) {
            int status = 0;
            fits_close_file(fptr, &status);
            fits_clear_errmsg();
            fptr = nullptr;
        }
        memory = std::move(fixed.bytes);
        repaired = true;
        records.clear();
        keywords.clear();
        const int status = openMemory();
        if (status != 0) {
            fits_clear_errmsg();
            throw Error("cannot open as FITS even after repairing its headers in memory: " + fitsStatusText(status),
                        path);
        }
        for (auto& note : fixed.notes)
            notes.push_back("non-standard FITS header, repaired in memory (the file is unchanged): " + note);
        return true;
    }

    void check(int status, const std::string& doing)
    {
        if (status == 0) return;
        fits_clear_errmsg();
        int hdu = 0;
        if (fptr) fits_get_hdu_num(fptr, &hdu);
        throw Error(doing + ": " + fitsStatusText(status), path, hdu - 1);
    }
};

FitsFile::FitsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FitsFile::FitsFile(FitsFile&&) noexcept = default;
FitsFile& FitsFile::operator=(FitsFile&&) noexcept = default;

FitsFile::~FitsFile()
{
    if (impl_ && impl_->fptr) {
        int status = 0;
        fits_close_file(impl_->fptr, &status);
        fits_clear_errmsg();
    }
}

FitsFile::ColumnKind FitsFile::columnKind(const Column& column)
{
    switch (column.typecode) {
        case TSTRING:
            return ColumnKind::Text;
        case TLOGICAL:
            return ColumnKind::Logical;
        case TBYTE:
        case TSBYTE:
        case TSHORT:
        case TUSHORT:
        case TINT:
        case TUINT:
        case TLONG:
        case TULONG:
        case TLONGLONG:
        case TULONGLONG:
            return ColumnKind::Integer;
        case TFLOAT:
        case TDOUBLE:
            return ColumnKind::Float;
        default:
            return ColumnKind::Other;
    }
}

FitsFile FitsFile::open(const std::string& path, bool readWrite)
{
    const auto size = checkReadableFile(path);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->cacheHeaders = !readWrite;
    const std::string head = readHead(path, 80);
    const Compression compression = compressionOf(head);
    if (compression != Compression::None) {
        if (readWrite) throw Error("a compressed FITS file cannot be opened for writing", path);
        impl->memory = readDecompressed(path);  // names bzip2 and .Z as unsupported
        checkLooksLikeFits(impl->memory.substr(0, 80), impl->memory.size(), path, "the decompressed content");
        impl->compressed = true;
        int status = impl->openMemory();
        if (status != 0 && isHeaderStructureError(status)) {
            fits_clear_errmsg();
            if (impl->reopenRepaired()) status = 0;
        }
        if (status != 0) {
            fits_clear_errmsg();
            throw Error("cannot open the decompressed content as FITS: " + fitsStatusText(status), path);
        }
        return FitsFile(std::move(impl));
    }
    checkLooksLikeFits(head, size, path, "the file");
    int status = 0;
    // The disk-file variant: names may contain ':', '[', '=' and '+' that CFITSIO's extended
    // filename syntax would otherwise try to interpret.
    fits_open_diskfile(&impl->fptr, path.c_str(), readWrite ? READWRITE : READONLY, &status);
    if (status != 0) {
        impl->fptr = nullptr;
        fits_clear_errmsg();
        if (!readWrite && isHeaderStructureError(status) && impl->reopenRepaired()) return FitsFile(std::move(impl));
        throw Error("cannot open as FITS: " + fitsStatusText(status), path);
    }
    return FitsFile(std::move(impl));
}

const std::vector<std::string>& FitsFile::notes() const
{
    return impl_->notes;
}

bool FitsFile::compressed() const
{
    return impl_->compressed;
}

FitsFile FitsFile::create(const std::string& path)
{
    std::error_code ec;
    std::filesystem::remove(path, ec);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    int status = 0;
    fits_create_diskfile(&impl->fptr, path.c_str(), &status);
    if (status != 0) {
        impl->fptr = nullptr;
        fits_clear_errmsg();
        throw Error("cannot create FITS file: " + fitsStatusText(status), path);
    }
    return FitsFile(std::move(impl));
}

const std::string& FitsFile::path() const
{
    return impl_->path;
}

void FitsFile::close()
{
    if (!impl_->fptr) return;
    int status = 0;
    fits_close_file(impl_->fptr, &status);
    impl_->fptr = nullptr;
    if (status != 0) {
        fits_clear_errmsg();
        throw Error("closing the file failed: " + fitsStatusText(status), impl_->path);
    }
}

void FitsFile::fail(const std::string& problem)
{
    throw Error(problem, impl_->path, currentHdu());
}

int FitsFile::hduCount()
{
    int status = 0, n = 0;
    fits_get_num_hdus(impl_->fptr, &n, &status);
    impl_->check(status, "counting HDUs");
    if (!impl_->repaired && impl_->checkedCount != n && impl_->extensionAfter(n)) {
        // CFITSIO stops counting at an extension whose header it cannot parse: repair and count again.
        fits_clear_errmsg();
        if (impl_->reopenRepaired()) {
            fits_get_num_hdus(impl_->fptr, &n, &status);
            impl_->check(status, "counting HDUs");
        }
    }
    impl_->checkedCount = n;
    return n;
}

void FitsFile::moveTo(int hdu)
{
    int status = 0, type = 0;
    fits_movabs_hdu(impl_->fptr, hdu + 1, &type, &status);
    if (status != 0 && isHeaderStructureError(status)) {
        // A later HDU breaks the standard: repair the whole file in memory once and retry.
        fits_clear_errmsg();
        if (impl_->reopenRepaired()) {
            status = 0;
            fits_movabs_hdu(impl_->fptr, hdu + 1, &type, &status);
        }
    }
    if (status != 0) {
        fits_clear_errmsg();
        throw Error("cannot move to HDU " + std::to_string(hdu) + ": " + fitsStatusText(status), impl_->path, hdu);
    }
}

bool FitsFile::moveToNamed(const std::string& name)
{
    const int n = hduCount();
    for (int h = 1; h < n; ++h) {
        moveTo(h);
        if (iequals(extensionName(), name)) return true;
    }
    return false;
}

int FitsFile::currentHdu() const
{
    int hdu = 0;
    if (impl_->fptr) fits_get_hdu_num(impl_->fptr, &hdu);
    return hdu - 1;
}

FitsFile::HduType FitsFile::hduType()
{
    int status = 0, type = 0;
    fits_get_hdu_type(impl_->fptr, &type, &status);
    impl_->check(status, "reading the HDU type");
    if (type == ASCII_TBL) return HduType::AsciiTable;
    if (type == BINARY_TBL) return HduType::BinaryTable;
    return HduType::Image;
}

std::string FitsFile::extensionName()
{
    return keyString("EXTNAME").value_or("");
}

bool FitsFile::hasKey(const std::string& key)
{
    if (!impl_->mayHaveKey(key)) return false;
    char card[FLEN_CARD];
    int status = 0;
    fits_read_card(impl_->fptr, key.c_str(), card, &status);
    fits_clear_errmsg();
    return status == 0;
}

std::optional<std::string> FitsFile::keyString(const std::string& key)
{
    if (!impl_->mayHaveKey(key)) return std::nullopt;
    char* value = nullptr;
    int status = 0;
    fits_read_key_longstr(impl_->fptr, key.c_str(), &value, nullptr, &status);
    if (status == KEY_NO_EXIST || status == VALUE_UNDEFINED) {
        fits_clear_errmsg();
        return std::nullopt;
    }
    impl_->check(status, "reading keyword " + key);
    std::string out = value ? trimmed(value) : std::string();
    if (value) fits_free_memory(value, &status);
    return out;
}

std::optional<double> FitsFile::keyDouble(const std::string& key)
{
    if (!impl_->mayHaveKey(key)) return std::nullopt;
    double value = 0;
    int status = 0;
    fits_read_key(impl_->fptr, TDOUBLE, key.c_str(), &value, nullptr, &status);
    if (status == KEY_NO_EXIST || status == VALUE_UNDEFINED) {
        fits_clear_errmsg();
        return std::nullopt;
    }
    if (status != 0) {
        fits_clear_errmsg();
        fail("keyword " + key + " is not a number");
    }
    return value;
}

std::optional<long long> FitsFile::keyInt(const std::string& key)
{
    const auto value = keyDouble(key);
    if (!value) return std::nullopt;
    if (!std::isfinite(*value) || std::floor(*value) != *value) fail("keyword " + key + " is not an integer");
    return static_cast<long long>(*value);
}

std::optional<bool> FitsFile::keyBool(const std::string& key)
{
    if (!impl_->mayHaveKey(key)) return std::nullopt;
    int value = 0;
    int status = 0;
    fits_read_key(impl_->fptr, TLOGICAL, key.c_str(), &value, nullptr, &status);
    if (status == KEY_NO_EXIST || status == VALUE_UNDEFINED) {
        fits_clear_errmsg();
        return std::nullopt;
    }
    if (status != 0) {
        fits_clear_errmsg();
        fail("keyword " + key + " is not a logical value");
    }
    return value != 0;
}

std::vector<std::string> FitsFile::records()
{
    return impl_->headerRecords();
}

std::vector<long> FitsFile::imageShape()
{
    if (hduType() != HduType::Image) return {};
    int status = 0, naxis = 0;
    fits_get_img_dim(impl_->fptr, &naxis, &status);
    impl_->check(status, "reading the image dimensions");
    std::vector<long> shape(static_cast<std::size_t>(naxis), 0);
    if (naxis > 0) fits_get_img_size(impl_->fptr, naxis, shape.data(), &status);
    impl_->check(status, "reading the image size");
    return shape;
}

std::vector<double> FitsFile::readImage()
{
    const auto shape = imageShape();
    if (shape.empty()) fail("the HDU holds no image data");
    long long n = 1;
    for (long d : shape) n *= d;
    if (n <= 0) fail("the image has no pixels");
    impl_->requireDataInFile();
    std::vector<double> data(static_cast<std::size_t>(n));
    double nulval = kNaN;
    int anynul = 0, status = 0;
    fits_read_img(impl_->fptr, TDOUBLE, 1, n, &nulval, data.data(), &anynul, &status);
    impl_->check(status, "reading image pixels");
    return data;
}

std::vector<double> FitsFile::readImageRow(long row)
{
    const auto shape = imageShape();
    if (shape.size() != 2) fail("expected a 2-D image");
    if (row < 0 || row >= shape[1])
        fail("row " + std::to_string(row) + " is outside the image (" + std::to_string(shape[1]) + " rows)");
    impl_->requireDataInFile();
    std::vector<double> data(static_cast<std::size_t>(shape[0]));
    long first[2] = {1, row + 1};
    double nulval = kNaN;
    int anynul = 0, status = 0;
    fits_read_pix(impl_->fptr, TDOUBLE, first, shape[0], &nulval, data.data(), &anynul, &status);
    impl_->check(status, "reading image row " + std::to_string(row));
    return data;
}

long FitsFile::rowCount()
{
    long rows = 0;
    int status = 0;
    fits_get_num_rows(impl_->fptr, &rows, &status);
    impl_->check(status, "reading the table size");
    return rows;
}

std::vector<FitsFile::Column> FitsFile::columns()
{
    if (hduType() == HduType::Image) return {};
    int status = 0, ncols = 0;
    fits_get_num_cols(impl_->fptr, &ncols, &status);
    impl_->check(status, "reading the table columns");
    std::vector<Column> out;
    for (int c = 1; c <= ncols; ++c) {
        Column col;
        col.index = c;
        col.name = keyString("TTYPE" + std::to_string(c)).value_or("");
        col.unit = keyString("TUNIT" + std::to_string(c)).value_or("");
        long width = 0;
        fits_get_coltype(impl_->fptr, c, &col.typecode, &col.repeat, &width, &status);
        impl_->check(status, "reading the type of column " + std::to_string(c));
        out.push_back(std::move(col));
    }
    return out;
}

std::optional<FitsFile::Column> FitsFile::findColumn(const std::string& name)
{
    for (auto& col : columns())
        if (iequals(col.name, name)) return col;
    return std::nullopt;
}

std::vector<double> FitsFile::readColumn(const Column& column, long row)
{
    if (column.typecode == TSTRING || column.typecode == TBIT) fail("column '" + column.name + "' is not numeric");
    const long rows = rowCount();
    long long firstRow = 1, count = rows;
    if (row >= 0) {
        if (row >= rows)
            fail("row " + std::to_string(row) + " is outside the table (" + std::to_string(rows) + " rows)");
        firstRow = row + 1;
        count = column.repeat;
    } else if (column.repeat != 1) {
        count = static_cast<long long>(rows) * column.repeat;
    }
    impl_->requireDataInFile();
    std::vector<double> data(static_cast<std::size_t>(count));
    int status = 0, anynul = 0;
    if (count == 0) return data;
    if (column.typecode == TLOGICAL) {
        std::vector<char> flags(static_cast<std::size_t>(count));
        char nul = 0;
        fits_read_col(impl_->fptr, TLOGICAL, column.index, firstRow, 1, count, &nul, flags.data(), &anynul, &status);
        impl_->check(status, "reading column '" + column.name + "'");
        std::transform(flags.begin(), flags.end(), data.begin(), [](char f) { return f ? 1.0 : 0.0; });
        return data;
    }
    double nulval = kNaN;
    fits_read_col(impl_->fptr, TDOUBLE, column.index, firstRow, 1, count, &nulval, data.data(), &anynul, &status);
    impl_->check(status, "reading column '" + column.name + "'");
    return data;
}

std::vector<std::string> FitsFile::readStringColumn(const Column& column)
{
    const long rows = rowCount();
    int status = 0, anynul = 0;
    int displayWidth = 0;
    fits_get_col_display_width(impl_->fptr, column.index, &displayWidth, &status);
    impl_->check(status, "reading column '" + column.name + "'");
    long width = displayWidth;
    if (column.typecode == TSTRING) width = std::max<long>(width, column.repeat);
    std::vector<std::string> out;
    std::vector<char> buffer(static_cast<std::size_t>(width) + 1);
    for (long r = 1; r <= rows; ++r) {
        char* ptr = buffer.data();
        char nul[] = "";
        fits_read_col_str(impl_->fptr, column.index, r, 1, 1, nul, &ptr, &anynul, &status);
        impl_->check(status, "reading column '" + column.name + "'");
        out.push_back(trimmed(buffer.data()));
    }
    return out;
}

void FitsFile::createImage(const std::vector<double>& data, int bitpix)
{
    int status = 0;
    long naxes[1] = {static_cast<long>(data.size())};
    fits_create_img(impl_->fptr, bitpix, 1, naxes, &status);
    impl_->check(status, "creating an image HDU");
    fits_write_img(impl_->fptr, TDOUBLE, 1, static_cast<LONGLONG>(data.size()), const_cast<double*>(data.data()),
                   &status);
    impl_->check(status, "writing image pixels");
}

void FitsFile::createImage(const std::vector<double>& data, const std::vector<long>& shape, int bitpix)
{
    long long n = shape.empty() ? 0 : 1;
    for (long d : shape) n *= d;
    if (n != static_cast<long long>(data.size()))
        fail("image shape holds " + std::to_string(n) + " pixels but " + std::to_string(data.size()) + " were given");
    int status = 0;
    std::vector<long> naxes(shape);
    fits_create_img(impl_->fptr, bitpix, static_cast<int>(naxes.size()), naxes.data(), &status);
    impl_->check(status, "creating an image HDU");
    if (n == 0) return;
    fits_write_img(impl_->fptr, TDOUBLE, 1, static_cast<LONGLONG>(n), const_cast<double*>(data.data()), &status);
    impl_->check(status, "writing image pixels");
}

void FitsFile::createImage(const std::vector<std::uint8_t>& data)
{
    int status = 0;
    long naxes[1] = {static_cast<long>(data.size())};
    fits_create_img(impl_->fptr, BYTE_IMG, 1, naxes, &status);
    impl_->check(status, "creating an image HDU");
    fits_write_img(impl_->fptr, TBYTE, 1, static_cast<LONGLONG>(data.size()), const_cast<std::uint8_t*>(data.data()),
                   &status);
    impl_->check(status, "writing image pixels");
}

void FitsFile::createEmptyPrimary()
{
    int status = 0;
    fits_create_img(impl_->fptr, BYTE_IMG, 0, nullptr, &status);
    impl_->check(status, "creating the primary HDU");
}

void FitsFile::createTable(const std::string& extname, const std::vector<ColumnSpec>& cols, long rows)
{
    std::vector<char*> names, forms, units;
    for (const auto& c : cols) {
        names.push_back(const_cast<char*>(c.name.c_str()));
        forms.push_back(const_cast<char*>(c.form.c_str()));
        units.push_back(const_cast<char*>(c.unit.c_str()));
    }
    int status = 0;
    fits_create_tbl(impl_->fptr, BINARY_TBL, rows, static_cast<int>(cols.size()), names.data(), forms.data(),
                    units.data(), extname.c_str(), &status);
    impl_->check(status, "creating table " + extname);
}

void FitsFile::writeColumn(int column, const std::vector<double>& values)
{
    int status = 0;
    fits_write_col(impl_->fptr, TDOUBLE, column, 1, 1, static_cast<LONGLONG>(values.size()),
                   const_cast<double*>(values.data()), &status);
    impl_->check(status, "writing column " + std::to_string(column));
}

void FitsFile::writeColumn(int column, const std::vector<std::uint8_t>& values)
{
    int status = 0;
    fits_write_col(impl_->fptr, TBYTE, column, 1, 1, static_cast<LONGLONG>(values.size()),
                   const_cast<std::uint8_t*>(values.data()), &status);
    impl_->check(status, "writing column " + std::to_string(column));
}

void FitsFile::writeColumn(int column, const std::vector<std::string>& values)
{
    std::vector<char*> ptrs;
    for (const auto& v : values) ptrs.push_back(const_cast<char*>(v.c_str()));
    int status = 0;
    fits_write_col_str(impl_->fptr, column, 1, 1, static_cast<LONGLONG>(ptrs.size()), ptrs.data(), &status);
    impl_->check(status, "writing column " + std::to_string(column));
}

void FitsFile::writeColumn(int column, const std::vector<std::int64_t>& values)
{
    std::vector<LONGLONG> data(values.begin(), values.end());
    int status = 0;
    fits_write_col(impl_->fptr, TLONGLONG, column, 1, 1, static_cast<LONGLONG>(data.size()), data.data(), &status);
    impl_->check(status, "writing column " + std::to_string(column));
}

void FitsFile::writeLogicalColumn(int column, const std::vector<bool>& values)
{
    std::vector<char> data(values.begin(), values.end());
    int status = 0;
    fits_write_col(impl_->fptr, TLOGICAL, column, 1, 1, static_cast<LONGLONG>(data.size()), data.data(), &status);
    impl_->check(status, "writing column " + std::to_string(column));
}

void FitsFile::writeNulPaddedColumn(int column, const std::vector<std::string>& values)
{
    // The cell's byte offset in a row: the widths of the columns before it.
    LONGLONG offset = 0;
    long cellWidth = 0;
    int status = 0;
    for (int c = 1; c <= column; ++c) {
        int typecode = 0;
        long repeat = 0, width = 0;
        fits_get_coltype(impl_->fptr, c, &typecode, &repeat, &width, &status);
        impl_->check(status, "reading the type of column " + std::to_string(c));
        const long bytes = typecode == TSTRING ? repeat : typecode == TBIT ? (repeat + 7) / 8 : repeat * width;
        if (c < column)
            offset += bytes;
        else if (typecode == TSTRING)
            cellWidth = bytes;
        else
            fail("column " + std::to_string(column) + " is not a text column");
    }
    std::vector<unsigned char> cell(static_cast<std::size_t>(cellWidth));
    for (std::size_t r = 0; r < values.size(); ++r) {
        if (values[r].size() > cell.size())
            fail("row " + std::to_string(r) + " of column " + std::to_string(column) + " is wider than the column");
        std::fill(cell.begin(), cell.end(), 0);
        std::copy(values[r].begin(), values[r].end(), cell.begin());
        fits_write_tblbytes(impl_->fptr, static_cast<LONGLONG>(r) + 1, offset + 1, cellWidth, cell.data(), &status);
        impl_->check(status, "writing column " + std::to_string(column));
    }
}

void FitsFile::writeKey(const std::string& key, const std::string& value, const std::string& comment)
{
    int status = 0;
    if (value.size() > 68)
        fits_update_key_longstr(impl_->fptr, key.c_str(), value.c_str(), comment.c_str(), &status);
    else
        fits_update_key(impl_->fptr, TSTRING, key.c_str(), const_cast<char*>(value.c_str()), comment.c_str(), &status);
    impl_->check(status, "writing keyword " + key);
}

void FitsFile::writeKey(const std::string& key, double value, const std::string& comment)
{
    int status = 0;
    if (!std::isfinite(value)) {
        fits_update_key(impl_->fptr, TDOUBLE, key.c_str(), &value, comment.c_str(), &status);
        impl_->check(status, "writing keyword " + key);
        return;
    }
    // The shortest text that reads back as the same double (CFITSIO's default keeps only 15
    // significant digits, which does not round-trip), in FITS style: a decimal point, upper-case E.
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    std::string text(buffer, result.ptr);
    const auto e = text.find('e');
    if (e != std::string::npos) text[e] = 'E';
    if (text.find('.') == std::string::npos) text.insert(e == std::string::npos ? text.size() : e, ".0");
    char card[FLEN_CARD] = {0};
    fits_make_key(key.c_str(), text.data(), comment.c_str(), card, &status);
    impl_->check(status, "formatting keyword " + key);
    fits_update_card(impl_->fptr, key.c_str(), card, &status);
    impl_->check(status, "writing keyword " + key);
}

void FitsFile::writeKey(const std::string& key, long long value, const std::string& comment)
{
    int status = 0;
    LONGLONG v = value;
    fits_update_key(impl_->fptr, TLONGLONG, key.c_str(), &v, comment.c_str(), &status);
    impl_->check(status, "writing keyword " + key);
}

void FitsFile::writeKey(const std::string& key, bool value, const std::string& comment)
{
    int status = 0;
    int v = value ? 1 : 0;
    fits_update_key(impl_->fptr, TLOGICAL, key.c_str(), &v, comment.c_str(), &status);
    impl_->check(status, "writing keyword " + key);
}

void FitsFile::writeRecord(const std::string& card)
{
    if (card.size() > 80) fail("a header record has at most 80 characters, got " + std::to_string(card.size()));
    int status = 0;
    fits_write_record(impl_->fptr, card.c_str(), &status);
    impl_->check(status, "writing a header record");
}

void FitsFile::writeHistory(const std::string& text)
{
    int status = 0;
    fits_write_history(impl_->fptr, text.c_str(), &status);
    impl_->check(status, "writing HISTORY");
}

}  // namespace remap
