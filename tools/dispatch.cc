// Command dispatch and top-level help shared by both executables; UserError -> one line, exit 2.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <system_error>

#include "src/core/error.h"
#include "src/core/printable_text.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

void PrintHelp(const std::string& program, const std::vector<Command>& commands) {
  std::cout << "usage: " << program << " COMMAND [options]    (" << program
            << " COMMAND --help for its options)\n\ncommands:\n";
  for (const Command& c : commands) std::printf("  %-18s %s\n", c.name.c_str(), c.summary.c_str());
  std::cout << "  help [COMMAND]     show this list or a command's options\n\n"
               "every command: --no-verify reads model files whose content seal does not match (damaged?)\n";
}

const Command* Find(const std::vector<Command>& commands, const Args& args, size_t* words) {
  for (const Command& c : commands) {
    if (args.size() >= 2 && c.name == args[0] + " " + args[1]) {
      *words = 2;
      return &c;
    }
  }
  for (const Command& c : commands) {
    if (!args.empty() && c.name == args[0]) {
      *words = 1;
      return &c;
    }
  }
  return nullptr;
}

// One line on stderr after whatever stdout holds; the exit code of bad input.
int ReportError(const std::string& program, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", program.c_str(), PrintableText(message).c_str());
  return kExitUserError;
}

}  // namespace

int Dispatch(const std::string& program, const std::vector<Command>& commands, const Args& args) {
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
      PrintHelp(program, commands);
      return args.empty() ? kExitUserError : 0;
    }
    Args rest = args;
    // --no-verify anywhere: read model files whose seal does not match (helpers inherit the setting).
    if (const auto it = std::find(rest.begin(), rest.end(), "--no-verify"); it != rest.end()) {
      rest.erase(it);
      setenv("ELASTIQ_NO_VERIFY", "1", 1);
    }
    bool help = false;
    if (rest[0] == "help") {
      rest.erase(rest.begin());
      help = true;
    }
    size_t words = 0;
    const Command* c = Find(commands, rest, &words);
    if (!c) {
      // A group name alone ("data") lists its subcommands.
      bool group = false;
      for (const Command& cmd : commands) {
        if (cmd.name.rfind(rest[0] + " ", 0) == 0) {
          if (!group) std::cout << "usage: " << program << " " << rest[0] << " SUBCOMMAND [options]\n";
          std::printf("  %-18s %s\n", cmd.name.c_str(), cmd.summary.c_str());
          group = true;
        }
      }
      if (group) return help || (rest.size() > 1 && (rest[1] == "--help" || rest[1] == "-h")) ? 0 : kExitUserError;
      throw UserError("unknown command \"" + rest[0] + "\"; see `" + program + " help`");
    }
    Args command_args(rest.begin() + static_cast<std::ptrdiff_t>(words), rest.end());
    if (help) command_args = {"--help"};
    return c->run(command_args);
  } catch (const UserError& e) {
    return ReportError(program, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    // A full disk, a read-only folder, a path under a file: what the system said, about which path.
    std::string what = e.what();  // "filesystem error: cannot copy file: Input/output error [from] [to]"
    if (what.rfind("filesystem error: ", 0) == 0) what = what.substr(18);
    return ReportError(program, what + " (disk full, read-only, or a path through a file?)");
  } catch (const std::system_error& e) {
    return ReportError(program, std::string(e.what()) + " (out of threads or another system resource?)");
  } catch (const std::bad_alloc&) {
    return ReportError(program, "out of memory: the model or data needs more than this machine can give");
  }
}

}  // namespace elastiq
