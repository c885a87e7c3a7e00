#include "isogroup/core/error.h"

#include <cstring>

namespace isogroup {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::kInvalidInput: return "invalid input";
    case Errc::kInconsistent: return "inconsistent input";
    case Errc::kNotFound: return "not found";
    case Errc::kIo: return "I/O error";
    case Errc::kPermission: return "permission denied";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kRefused: return "refused";
    case Errc::kInternal: return "internal error";
  }
  return "error";
}

std::string Error::to_string() const {
  std::string out;
  if (!context_.empty()) {
    out += context_;
    out += ": ";
  }
  out += message_;
  if (errno_ != 0) {
    out += " (";
    out += std::strerror(errno_);
    out += ")";
  }
  return out;
}

tl::unexpected<Error> make_errno_error(int err, std::string message, std::string context,
                                       std::string hint) {
  Error e{Errc::kIo, std::move(message), std::move(context), std::move(hint), err};
  if (err == EACCES || err == EPERM) e.code_ = Errc::kPermission;
  if (err == ENOENT) e.code_ = Errc::kNotFound;
  return tl::unexpected<Error>(std::move(e));
}

}  // namespace isogroup
