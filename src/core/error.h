// Two tiers of errors: ELASTIQ_ASSERT aborts with file:line on a programmer bug; UserError is a
// user or data problem whose message names the file/field and the fix. The CLI prints a UserError
// as one line on stderr and exits with kExitUserError. Validate at load time, never in hot loops.
#pragma once

#include <stdexcept>
#include <string>

namespace elastiq {

inline constexpr int kExitUserError = 2;

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

[[noreturn]] void AssertFail(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace elastiq

#define ELASTIQ_ASSERT(cond, ...)                                                            \
  do {                                                                                       \
    if (!(cond)) ::elastiq::AssertFail(#cond, __FILE__, __LINE__, std::string{__VA_ARGS__}); \
  } while (0)
