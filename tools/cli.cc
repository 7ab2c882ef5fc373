// Boost.Program_options wrappers and fork/exec of the training helper.
#include "tools/cli.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "src/core/cpu_features.h"
#include "src/core/error.h"

namespace elastiq {

bool ParseCommandLine(const std::string& usage, const po::options_description& options, const Args& args,
                      po::variables_map& vm, const char* positional) {
  po::options_description all(options);
  // clang-format off
  all.add_options()("help,h", "show this help");
  // clang-format on
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    po::positional_options_description pos;
    if (positional) {
      pos.add(positional, -1);
      parser.positional(pos);
    }
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n\n" << options << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UserError(std::string(e.what()) + " (see `" + usage.substr(0, usage.find(" [")) + " --help`)");
  }
  return true;
}

void CheckThreadCount(int threads) {
  const int cores = CoreCount();
  if (threads < 0 || threads > 4 * cores) {
    throw UserError("--threads must be 0 (one per core) to " + std::to_string(4 * cores) + " (4 x the " +
                    std::to_string(cores) + " cores), got " + std::to_string(threads));
  }
}

std::string TrainingHelperPath() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path helper = self.parent_path() / "elastiq-train";
  if (ec || !std::filesystem::exists(helper)) {
    throw UserError(
        "this elastiq was built without the training side (ELASTIQ_WITH_TORCH=OFF); "
        "rebuild with -DELASTIQ_WITH_TORCH=ON to train or evaluate with LibTorch");
  }
  return helper.string();
}

namespace {

std::vector<char*> Argv(const std::string& program, const Args& args, std::vector<std::string>& storage) {
  storage.clear();
  storage.push_back(program);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

// libgomp's threads spin at every barrier by default; with one other busy process on a 2-core
// machine that made 2-thread training 3.6x slower, sleeping threads 1.6x, at 12% less speed on a
// quiet machine (experiments/results/scaleout.md). The helper sleeps unless the user chose: any
// OMP_WAIT_POLICY (ACTIVE; or set and empty: libgomp's default) or GOMP_SPINCOUNT is left alone.
void PreferSleepingOpenMpThreads() {
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  if (WIFSIGNALED(status))
    std::fprintf(stderr, "elastiq: the training helper was killed by signal %d\n", WTERMSIG(status));
  return ExitCodeOf(status);
}

}  // namespace

int RunTrainingHelper(const Args& args) { return RunTrainingHelperStreaming(args, nullptr); }

int RunTrainingHelperStreaming(const Args& args, const std::function<void(const std::string&)>& on_line) {
  int fds[2] = {-1, -1};
  if (on_line && pipe(fds) != 0) throw UserError("cannot create a pipe to the training helper");
  const pid_t pid = StartChild(TrainingHelperPath(), args, fds[1], fds[0]);
  if (on_line) {
    close(fds[1]);
    FILE* in = fdopen(fds[0], "r");
    char* line = nullptr;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
      std::string s(line, static_cast<size_t>(len));
      if (!s.empty() && s.back() == '\n') s.pop_back();
      on_line(s);
    }
    free(line);
    fclose(in);
  }
  return WaitFor(pid);
}

pid_t StartChild(const std::string& program, const Args& args, int stdout_fd, int close_fd) {
  std::vector<std::string> storage;
  std::vector<char*> argv = Argv(program, args, storage);
  std::fflush(stdout);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw UserError("cannot start " + program + " (fork failed)");
  if (pid > 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);                // not SIGTERM: a caller may have it ignored or blocked
  if (getppid() != parent) _exit(kExitUserError);  // the parent is already gone
  PreferSleepingOpenMpThreads();
  if (stdout_fd >= 0) {
    dup2(stdout_fd, STDOUT_FILENO);
    close(stdout_fd);
  }
  if (close_fd >= 0) close(close_fd);
  execv(program.c_str(), argv.data());
  std::fprintf(stderr, "elastiq: cannot run %s\n", program.c_str());
  _exit(127);
}

int ExitCodeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace elastiq
