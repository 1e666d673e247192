// The runtime's internal error type and the thread-local last-error message.
#ifndef KILN_RUNTIME_SRC_ERROR_H
#define KILN_RUNTIME_SRC_ERROR_H

#include "kiln/runtime.h"

#include <stdexcept>
#include <string>

namespace kiln {

/// An error carrying the C API status it maps to. Thrown inside the runtime,
/// caught at the C API boundary.
class Error : public std::runtime_error {
public:
  Error(kiln_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  kiln_status status() const { return status_; }

private:
  kiln_status status_;
};

/// Records `message` as this thread's last error and returns `status`.
kiln_status setLastError(kiln_status status, const std::string &message);

/// Runs `body` and converts any exception to a status and a last-error message.
template <typename Fn> kiln_status guard(Fn &&body) {
  try {
    body();
    return KILN_OK;
  } catch (const Error &e) {
    return setLastError(e.status(), e.what());
  } catch (const std::bad_alloc &) {
    return setLastError(KILN_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return setLastError(KILN_ERROR_INTERNAL, e.what());
  } catch (...) {
    return setLastError(KILN_ERROR_INTERNAL, "unknown internal error");
  }
}

} // namespace kiln

#endif // KILN_RUNTIME_SRC_ERROR_H
