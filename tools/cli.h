// Shared plumbing of the elastiq command line: option parsing with --help on every command,
// and handing work to the LibTorch helper `elastiq-train` built beside `elastiq`.
#pragma once

#include <sys/types.h>

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace elastiq {

namespace po = boost::program_options;

using Args = std::vector<std::string>;

struct Command {
  std::string name;     // "data prepare", "pretrain", ...
  std::string summary;  // one line for `elastiq help`
  std::function<int(const Args&)> run;
};

// Parses `args` into `vm`. Returns false after printing help when --help/-h was given. Unknown
// options and bad values become UserError. `positional` maps a leading bare argument to an option.
bool ParseCommandLine(const std::string& usage, const po::options_description& options, const Args& args,
                      po::variables_map& vm, const char* positional = nullptr);

// ParseCommandLine over the options that `register_options` add to `o` (e.g. AddPretrainOptions,
// AddTrainLoopInternalOptions), under the heading `title`: the parsed values (for which were given),
// or nullopt after printing help.
template <typename Options, typename... Register>
std::optional<po::variables_map> ParseOptions(const char* title, const std::string& usage, const Args& args, Options& o,
                                              Register... register_options) {
  po::options_description d(title);
  (register_options(d, o), ...);
  po::variables_map vm;
  if (!ParseCommandLine(usage, d, args, vm)) return std::nullopt;
  return vm;
}

// --threads of the runtime commands: 0 (one per core) up to 4 x this machine's cores (more only
// makes the spinning workers wait on each other); UserError otherwise.
void CheckThreadCount(int threads);

// Starts `program` with `args` as a child process that dies with this one (PR_SET_PDEATHSIG: a killed
// front end leaves nothing training) and, unless the user chose an OpenMP wait policy, sleeps at
// OpenMP barriers. `stdout_fd` >= 0 becomes its stdout; `close_fd` >= 0 is closed in it.
pid_t StartChild(const std::string& program, const Args& args, int stdout_fd = -1, int close_fd = -1);
// A child's wait status as a shell reports it: its exit code, or 128 + the signal that killed it.
int ExitCodeOf(int status);

// Path of elastiq-train next to the running executable; UserError if this build has none.
std::string TrainingHelperPath();
// Runs the helper with `args` and returns its exit code (stdout/stderr are inherited).
int RunTrainingHelper(const Args& args);
// Runs the helper with its stdout connected to `on_line`, called once per line as it arrives.
int RunTrainingHelperStreaming(const Args& args, const std::function<void(const std::string&)>& on_line);

}  // namespace elastiq
