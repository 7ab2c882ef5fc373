// `elastiq launch`: starts this machine's ranks of a data-parallel training command (like torchrun),
// forwards SIGINT/SIGTERM to them, and stops the others when one fails.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "src/core/cpu_features.h"
#include "src/core/error.h"
#include "src/core/loopback_port.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

constexpr const char* kLaunchUsage =
    "elastiq launch --nproc N [--nnodes M --node-rank K --master HOST:PORT] -- pretrain|distill|mlfs|quantize ARGS...";
// After one rank fails, the others normally stop within seconds (their next collective fails);
// a rank that does not is stopped after this long.
constexpr auto kGraceAfterFailure = std::chrono::seconds(60);

struct LaunchOptions {
  int nproc = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master;
};

std::vector<pid_t>& Children() {
  static std::vector<pid_t> children;
  return children;
}

void ForwardSignal(int sig) {
  for (pid_t pid : Children())
    if (pid > 0) kill(pid, sig);
}

void CheckLaunchOptions(LaunchOptions& o, const Args& command) {
  if (command.empty()) throw UserError("launch: give the training command after --: " + std::string(kLaunchUsage));
  static const std::vector<std::string> parallel = {"pretrain", "distill", "mlfs", "quantize"};
  if (std::find(parallel.begin(), parallel.end(), command[0]) == parallel.end()) {
    throw UserError("launch: \"" + command[0] +
                    "\" has no training loop to share; launch runs pretrain, distill, mlfs and quantize --qat-steps");
  }
  if (o.nproc < 1 || o.nnodes < 1) throw UserError("launch: --nproc and --nnodes must be at least 1");
  if (o.node_rank < 0 || o.node_rank >= o.nnodes) {
    throw UserError("launch: --node-rank " + std::to_string(o.node_rank) + " is out of range for --nnodes " +
                    std::to_string(o.nnodes) + " (0.." + std::to_string(o.nnodes - 1) + ")");
  }
  if (o.master.empty() && o.nnodes > 1) {
    throw UserError("launch: --nnodes " + std::to_string(o.nnodes) +
                    " needs --master HOST:PORT, an address of node 0 every node can reach");
  }
  if (o.master.empty()) o.master = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
}

// The command line of one rank: the user's command, the rank's place, and (unless given) its share
// of this machine's cores.
Args RankArgs(const LaunchOptions& o, const Args& command, int local_rank) {
  Args args = command;
  const int world = o.nproc * o.nnodes, rank = o.node_rank * o.nproc + local_rank;
  args.insert(args.end(),
              {"--world-size", std::to_string(world), "--world-rank", std::to_string(rank), "--master", o.master});
  if (std::find(command.begin(), command.end(), "--threads") == command.end())
    args.insert(args.end(), {"--threads", std::to_string(std::max(1, CoreCount() / o.nproc))});
  return args;
}

// Waits for every rank; after the first failure, stops those still running past the grace period.
int WaitForRanks(int first_rank) {
  std::vector<pid_t>& children = Children();
  int result = 0;
  auto deadline = std::chrono::steady_clock::time_point::max();
  size_t running = children.size();
  while (running > 0) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = std::find(children.begin(), children.end(), pid);
      if (it == children.end()) continue;
      *it = -1;
      --running;
      if (ExitCodeOf(status) != 0 && result == 0) {
        result = ExitCodeOf(status);
        std::fprintf(stderr,
                     "elastiq launch: rank %d exited with code %d; the others stop at their next collective (or are "
                     "killed in %lld s)\n",
                     first_rank + static_cast<int>(it - children.begin()), result,
                     static_cast<long long>(kGraceAfterFailure.count()));
        deadline = std::chrono::steady_clock::now() + kGraceAfterFailure;
      }
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ForwardSignal(SIGKILL);
      deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return result;
}

}  // namespace

int RunLaunch(const Args& args) {
  const auto dashes = std::find(args.begin(), args.end(), std::string("--"));
  const Args own(args.begin(), dashes), command(dashes == args.end() ? dashes : dashes + 1, args.end());
  LaunchOptions o;
  po::options_description d("launch options");
  // clang-format off
  d.add_options()
      ("nproc", po::value(&o.nproc)->default_value(o.nproc), "ranks on this machine (each gets cores / N threads unless the command sets --threads)")
      ("nnodes", po::value(&o.nnodes)->default_value(o.nnodes), "machines taking part, each running one launch with the same --nproc")
      ("node-rank", po::value(&o.node_rank)->default_value(o.node_rank), "this machine's place, 0..nnodes-1 (node 0 hosts the rendezvous)")
      ("master", po::value(&o.master), "HOST:PORT of node 0's rendezvous (default with one node: a free port on 127.0.0.1)");
  // clang-format on
  po::variables_map vm;
  if (!ParseCommandLine(kLaunchUsage, d, own, vm)) return 0;
  CheckLaunchOptions(o, command);
  const int first_rank = o.node_rank * o.nproc;
  std::printf("launch: ranks %d..%d of %d, rendezvous at %s\n", first_rank, first_rank + o.nproc - 1,
              o.nproc * o.nnodes, o.master.c_str());
  std::fflush(stdout);
  struct sigaction forward {};
  forward.sa_handler = ForwardSignal;
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  for (int i = 0; i < o.nproc; ++i) Children().push_back(StartChild(self, RankArgs(o, command, i)));
  return WaitForRanks(first_rank);
}

}  // namespace elastiq
