// VOTable reading with expat (streaming, no DTD entities): the first TABLE's FIELDs, PARAMs and its
// TABLEDATA cells. BINARY, BINARY2 and FITS serializations are refused with a clear message.

#include "base/Error.h"
#include "tables/TableReaders.h"
#include "tables/TextFormat.h"

#include <expat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>

namespace remap::tables {
namespace {

struct FieldInfo {
    std::string name, datatype, arraysize, unit, ucd, description, nullValue;
};

struct ParamInfo {
    std::string name, datatype, value, description;
};

// Strips a namespace prefix: "vot:TABLE" -> "TABLE" (expat runs without namespace processing).
std::string localName(const char* name)
{
    std::string n(name);
    const auto colon = n.find(':');
    return colon == std::string::npos ? n : n.substr(colon + 1);
}

std::string attribute(const char** attrs, const char* wanted)
{
    for (int i = 0; attrs[i]; i += 2)
        if (localName(attrs[i]) == wanted) return attrs[i + 1];
    return {};
}

std::string trimmed(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

class Parser {
public:
    explicit Parser(std::string path) : path_(std::move(path)) {}

    ResultTable parse()
    {
        std::ifstream in(path_, std::ios::binary);
        if (!in) throw Error("cannot open the file for reading", path_);
        XML_Parser parser = XML_ParserCreate(nullptr);
        if (!parser) throw Error("cannot create an XML parser (out of memory?)", path_);
        parser_ = parser;
        XML_SetUserData(parser, this);
        XML_SetElementHandler(parser, &Parser::onStart, &Parser::onEnd);
        XML_SetCharacterDataHandler(parser, &Parser::onText);
        XML_SetEntityDeclHandler(parser, &Parser::onEntityDecl);
        char buffer[1 << 16];
        bool done = false;
        while (!done && !finished_) {
            in.read(buffer, sizeof buffer);
            const auto n = in.gcount();
            done = n == 0 || in.eof();
            if (XML_Parse(parser, buffer, static_cast<int>(n), done) == XML_STATUS_ERROR && !finished_) {
                std::string why = problem_.empty() ? XML_ErrorString(XML_GetErrorCode(parser)) : problem_;
                const auto line = XML_GetCurrentLineNumber(parser);
                XML_ParserFree(parser);
                throw Error("not a readable VOTable: " + why + " at line " + std::to_string(line), path_);
            }
        }
        XML_ParserFree(parser);
        if (!sawVotable_) throw Error("not a VOTable: there is no VOTABLE element", path_);
        if (!sawTable_) throw Error("the VOTable holds no TABLE", path_);
        return build();
    }

private:
    static void onStart(void* self, const char* name, const char** attrs)
    {
        static_cast<Parser*>(self)->start(localName(name), attrs);
    }
    static void onEnd(void* self, const char* name) { static_cast<Parser*>(self)->end(localName(name)); }
    static void onText(void* self, const char* text, int length)
    {
        auto* p = static_cast<Parser*>(self);
        if (p->collecting_) p->text_.append(text, static_cast<std::size_t>(length));
    }
    static void onEntityDecl(void* self, const char*, int, const char*, int, const char*, const char*, const char*,
                             const char*)
    {
        static_cast<Parser*>(self)->stop("the file declares XML entities, which a VOTable never needs");
    }

    void stop(const std::string& problem)
    {
        problem_ = problem;
        XML_StopParser(parser_, XML_FALSE);
    }

    void start(const std::string& name, const char** attrs)
    {
        if (name == "VOTABLE") sawVotable_ = true;
        if (!sawVotable_) return stop("the root element is not VOTABLE");
        if (name == "TABLE") {
            ++tableDepth_;
            if (!sawTable_) {
                sawTable_ = true;
                inFirstTable_ = true;
                table_.name = attribute(attrs, "name");
            }
            return;
        }
        if (!inFirstTable_) return;
        if (name == "FIELD") {
            fields_.push_back({attribute(attrs, "name"),
                               attribute(attrs, "datatype"),
                               attribute(attrs, "arraysize"),
                               attribute(attrs, "unit"),
                               attribute(attrs, "ucd"),
                               {},
                               {}});
            if (fields_.back().name.empty()) fields_.back().name = attribute(attrs, "ID");
            owner_ = Owner::Field;
        } else if (name == "PARAM") {
            params_.push_back({attribute(attrs, "name"), attribute(attrs, "datatype"), attribute(attrs, "value"), {}});
            owner_ = Owner::Param;
        } else if (name == "VALUES") {
            if (owner_ == Owner::Field) fields_.back().nullValue = attribute(attrs, "null");
        } else if (name == "DESCRIPTION") {
            collecting_ = true;
            text_.clear();
        } else if (name == "BINARY" || name == "BINARY2" || name == "FITS") {
            return stop("the table data are serialized as " + name + "; only TABLEDATA is read");
        } else if (name == "TR") {
            cells_.emplace_back();
        } else if (name == "TD") {
            collecting_ = true;
            text_.clear();
        }
    }

    void end(const std::string& name)
    {
        if (name == "TABLE") {
            --tableDepth_;
            if (inFirstTable_ && tableDepth_ == 0) {
                inFirstTable_ = false;
                finished_ = true;
                XML_StopParser(parser_, XML_FALSE);
            }
            return;
        }
        if (!inFirstTable_) return;
        if (name == "DESCRIPTION") {
            collecting_ = false;
            const std::string text = trimmed(text_);
            if (owner_ == Owner::Field)
                fields_.back().description = text;
            else if (owner_ == Owner::Param)
                params_.back().description = text;
            else
                table_.description = text;
        } else if (name == "FIELD" || name == "PARAM") {
            owner_ = Owner::Table;
        } else if (name == "TD") {
            collecting_ = false;
            if (cells_.empty()) return stop("a TD outside a TR");
            cells_.back().push_back(text_);
        } else if (name == "TR") {
            if (cells_.back().size() != fields_.size())
                return stop("row " + std::to_string(cells_.size()) + " has " + std::to_string(cells_.back().size()) +
                            " cells for " + std::to_string(fields_.size()) + " FIELDs");
        }
    }

    static bool isText(const FieldInfo& f) { return f.datatype == "char" || f.datatype == "unicodeChar"; }
    static bool isInteger(const std::string& t)
    {
        return t == "short" || t == "int" || t == "long" || t == "unsignedByte";
    }
    static bool isFloat(const std::string& t) { return t == "float" || t == "double"; }
    static bool isScalar(const FieldInfo& f) { return f.arraysize.empty() || f.arraysize == "1"; }

    std::optional<double> number(const std::string& text) const
    {
        const std::string t = trimmed(text);
        if (t.empty()) return std::numeric_limits<double>::quiet_NaN();
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(t.c_str(), &end);  // reads NaN, +Inf, -Inf too
        if (end != t.c_str() + t.size()) return std::nullopt;
        return v;
    }

    TableColumn convert(const FieldInfo& f, std::size_t index) const
    {
        TableColumn column{f.name, f.unit, f.description, f.ucd, {}};
        const auto cellText = [&](std::size_t row) -> const std::string& { return cells_[row][index]; };
        const std::size_t rows = cells_.size();
        auto bad = [&](std::size_t row) {
            return Error("row " + std::to_string(row + 1) + " of column '" + f.name + "': '" + cellText(row) +
                             "' is not a " + f.datatype,
                         path_);
        };
        if (f.datatype == "boolean" || f.datatype == "bit") {
            std::vector<bool> v(rows);
            for (std::size_t r = 0; r < rows; ++r) {
                const std::string t = detail::lower(trimmed(cellText(r)));
                v[r] = t == "t" || t == "true" || t == "1";
                if (!v[r] && !(t == "f" || t == "false" || t == "0" || t == "?" || t.empty())) throw bad(r);
            }
            column.values = std::move(v);
        } else if (isInteger(f.datatype)) {
            std::vector<std::int64_t> ints(rows);
            std::vector<double> asDouble(rows);
            bool anyNull = false;
            for (std::size_t r = 0; r < rows; ++r) {
                const std::string t = trimmed(cellText(r));
                if (t.empty() || (!f.nullValue.empty() && t == f.nullValue)) {
                    anyNull = true;
                    asDouble[r] = std::numeric_limits<double>::quiet_NaN();
                    continue;
                }
                char* end = nullptr;
                errno = 0;
                const long long v = std::strtoll(t.c_str(), &end, 0);
                if (end != t.c_str() + t.size() || errno == ERANGE) throw bad(r);
                ints[r] = v;
                asDouble[r] = static_cast<double>(v);
            }
            if (anyNull)
                column.values = std::move(asDouble);
            else
                column.values = std::move(ints);
        } else if (isFloat(f.datatype)) {
            std::vector<double> v(rows);
            for (std::size_t r = 0; r < rows; ++r) {
                const auto n = number(cellText(r));
                if (!n) throw bad(r);
                v[r] = *n;
            }
            column.values = std::move(v);
        } else {
            std::vector<std::string> v(rows);
            for (std::size_t r = 0; r < rows; ++r) v[r] = isText(f) ? cellText(r) : trimmed(cellText(r));
            column.values = std::move(v);
        }
        return column;
    }

    void addParam(const ParamInfo& p)
    {
        std::string key = p.name;
        for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!isFitsKeywordName(key) || table_.findKeyword(key)) return;
        TableKeyword k{key, p.value, p.description};
        if (isFloat(p.datatype)) {
            if (const auto n = number(p.value)) k.value = *n;
        } else if (isInteger(p.datatype)) {
            char* end = nullptr;
            const long long v = std::strtoll(p.value.c_str(), &end, 0);
            if (!p.value.empty() && end == p.value.c_str() + p.value.size()) k.value = static_cast<std::int64_t>(v);
        } else if (p.datatype == "boolean") {
            const std::string t = detail::lower(trimmed(p.value));
            k.value = t == "t" || t == "true" || t == "1";
        }
        table_.keywords.push_back(std::move(k));
    }

    ResultTable build()
    {
        for (const auto& p : params_) addParam(p);
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            const auto& f = fields_[i];
            // Text is an array of characters; any other array column is skipped.
            if (!isText(f) && !isScalar(f)) continue;
            if (f.name.empty() || table_.findColumn(f.name)) continue;
            table_.addColumn(convert(f, i));
        }
        return std::move(table_);
    }

    enum class Owner { Table, Field, Param };

    std::string path_;
    XML_Parser parser_ = nullptr;
    std::string problem_;
    bool sawVotable_ = false, sawTable_ = false, inFirstTable_ = false, finished_ = false, collecting_ = false;
    int tableDepth_ = 0;
    Owner owner_ = Owner::Table;
    std::string text_;
    std::vector<FieldInfo> fields_;
    std::vector<ParamInfo> params_;
    std::vector<std::vector<std::string>> cells_;
    ResultTable table_;
};

}  // namespace

ResultTable readVoTable(const std::string& path)
{
    return Parser(path).parse();
}

}  // namespace remap::tables
