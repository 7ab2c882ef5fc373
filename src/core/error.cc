// Programmer-bug reporting: print where and abort (a core dump beats a wrong answer).
#include "src/core/error.h"

#include <cstdio>
#include <cstdlib>

namespace elastiq {

void AssertFail(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "%s:%d: internal error: assertion `%s` failed%s%s\n", file, line, expr, msg.empty() ? "" : ": ",
               msg.c_str());
  std::abort();
}

}  // namespace elastiq
