// Error and Result<T>: the library's only failure channel (no exceptions cross the API).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace isogroup {

enum class Errc {
  kInvalidInput,  // the input is malformed (parser errors)
  kInconsistent,  // the input parses but contradicts itself (duplicate address, bus loop)
  kNotFound,      // a named thing does not exist
  kIo,            // a system call failed; errno_ says which
  kPermission,    // the operation needs privileges the caller lacks
  kUnsupported,   // valid, but not modelled by this version
  kRefused,       // a safety check said no (ownership)
  kInternal,      // a broken invariant: a bug in isogroup
};

std::string_view to_string(Errc code);

// An Error says what went wrong (message_), where (context_: "file:line",
// an address, a path), the errno when a system call failed, and what the user
// can do about it (hint_), which the CLI prints on its own line.
struct Error {
  Errc code_ = Errc::kInternal;
  std::string message_;
  std::string context_;
  std::string hint_;
  int errno_ = 0;

  Error&& with_context(std::string context) && {
    context_ = context_.empty() ? std::move(context) : std::move(context) + ": " + context_;
    return std::move(*this);
  }
  Error&& with_hint(std::string hint) && {
    hint_ = std::move(hint);
    return std::move(*this);
  }

  // "context: message (strerror)" on one line; the hint is separate.
  std::string to_string() const;
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = Result<void>;

inline tl::unexpected<Error> make_error(Errc code, std::string message, std::string context = {},
                                        std::string hint = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(context), std::move(hint), 0});
}

// For a failed system call: captures errno at the call site.
tl::unexpected<Error> make_errno_error(int err, std::string message, std::string context = {},
                                       std::string hint = {});

}  // namespace isogroup
