#pragma once

#include <stdexcept>
#include <string>

namespace remap {

// The project's one exception type. It carries the file and HDU it concerns so the CLI and
// the GUI can say exactly what went wrong where; what() is already a complete sentence.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& problem, std::string file = {}, int hdu = -1);

    const std::string& problem() const noexcept { return problem_; }
    const std::string& file() const noexcept { return file_; }
    int hdu() const noexcept { return hdu_; }

private:
    std::string problem_;
    std::string file_;
    int hdu_;
};

// Bad command-line usage (exit status 2 at the CLI edge).
class UsageError : public Error {
public:
    using Error::Error;
};

// Work stopped because the user asked for it.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled by user") {}
};

}  // namespace remap
