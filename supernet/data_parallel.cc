// c10d rendezvous, collectives and failure reports (see data_parallel.h).
#include "supernet/data_parallel.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/core/parse_number.h"

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

HostPort ParseMaster(const std::string& master) {
  const size_t colon = master.rfind(':');
  const int port = colon == std::string::npos ? 0 : TryParseInt(master.substr(colon + 1)).value_or(0);
  if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535)
    throw UserError("--master \"" + master +
                    "\" must be HOST:PORT (rank 0's address and a free port, e.g. 127.0.0.1:29500)");
  return {master.substr(0, colon), static_cast<uint16_t>(port)};
}

std::string RankList(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + std::to_string(r);
  return (ranks.size() == 1 ? "rank " : "ranks ") + s;
}

std::string ToString(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

}  // namespace

struct DataParallel::Group {
  HostPort master;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

void CheckBatchDivides(int batch_size, int world_size) {
  if (world_size > 1 && batch_size % world_size != 0) {
    throw UserError("--batch-size " + std::to_string(batch_size) + " is the global batch: the world size " +
                    std::to_string(world_size) + " must divide it (each rank trains on an equal share)");
  }
}

int64_t ShareRootState(DataParallel& dp, const std::vector<torch::Tensor>& weights, AdamW& optimizer, int64_t step) {
  if (dp.world_size() == 1) return step;
  torch::Tensor shared_step = torch::tensor({step}, torch::kInt64);
  dp.Broadcast({shared_step});
  dp.Broadcast(weights);
  dp.Broadcast(optimizer.moments());
  optimizer.set_steps_taken(shared_step.item<int64_t>());
  return shared_step.item<int64_t>();
}

std::string TrainingFingerprint(const nlohmann::json& options, const ModelConfig& config,
                                const std::string& tokenizer_bytes, const TrainingData& data) {
  const nlohmann::json j = {
      {"options", options},
      {"config", ModelConfigToJson(config)},
      {"tokenizer", HexDigest64(Fnv1a64(tokenizer_bytes))},
      {"data", {data.train.ids.size(), data.val.ids.size(), data.train_set.labels.size(), data.val_set.labels.size()}}};
  return HexDigest64(Fnv1a64(j.dump()));
}

DataParallel::DataParallel(const ParallelOptions& options, const std::string& fingerprint) : options_(options) {
  if (options_.world_size <= 1) {  // one process (unresolved options included)
    options_.world_size = 1;
    options_.rank = 0;
    return;
  }
  group_ = std::make_unique<Group>();
  group_->master = ParseMaster(options_.master);
  ConnectStore();
  try {
    Rendezvous(fingerprint);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError("rank " + std::to_string(options_.rank) + ": the rendezvous at " + options_.master +
                    " ended before every rank joined (rank 0 stopped? see its output) [" +
                    std::string(e.what()).substr(0, 120) + "]");
  }
  auto gloo_options = c10d::ProcessGroupGloo::Options::create(std::chrono::seconds(options_.timeout_s));
  gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(group_->master.host));
  try {
    group_->gloo =
        c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("gloo", group_->store),
                                                    options_.rank, options_.world_size, gloo_options);
  } catch (const std::exception& e) {
    Fail("the connection of the ranks", e);
  }
}

DataParallel::~DataParallel() = default;

// Rank 0 listens at the master address; the others connect to it, retrying until the timeout.
void DataParallel::ConnectStore() {
  c10d::TCPStoreOptions store_options;
  store_options.port = group_->master.port;
  store_options.isServer = options_.rank == 0;
  store_options.numWorkers = options_.world_size;
  store_options.waitWorkers = false;  // Rendezvous names the missing ranks
  store_options.timeout = std::chrono::seconds(options_.timeout_s);
  try {
    group_->store = c10::make_intrusive<c10d::TCPStore>(group_->master.host, store_options);
  } catch (const std::exception& e) {
    throw UserError("rank " + std::to_string(options_.rank) + ": cannot " +
                    (options_.rank == 0 ? "listen at --master " : "reach rank 0 at --master ") + options_.master +
                    " within " + std::to_string(options_.timeout_s) +
                    " s; check the address and port, and that "
                    "rank 0 runs [" +
                    std::string(e.what()).substr(0, 120) + "]");
  }
}

// Every rank checks in with its fingerprint; each waits for all, then compares. Rank 0 (which
// holds the store) waits until everyone has compared, so each rank can report a difference.
void DataParallel::Rendezvous(const std::string& fingerprint) {
  const auto timeout = std::chrono::seconds(options_.timeout_s);
  c10d::Store& store = *group_->store;
  if (store.add("joined/" + std::to_string(options_.rank), 1) > 1)
    throw UserError("rank " + std::to_string(options_.rank) +
                    " was started twice; give each process its own --world-rank");
  store.set("fingerprint/" + std::to_string(options_.rank),
            std::vector<uint8_t>(fingerprint.begin(), fingerprint.end()));
  // Wait for every rank, then compare what each was started with.
  std::vector<std::string> keys;
  for (int r = 0; r < options_.world_size; ++r) keys.push_back("fingerprint/" + std::to_string(r));
  const auto deadline = Clock::now() + timeout;
  while (!store.check(keys)) {
    if (Clock::now() > deadline) {
      std::vector<int> missing;
      for (int r = 0; r < options_.world_size; ++r)
        if (!store.check({keys[r]})) missing.push_back(r);
      throw UserError(RankList(missing) + " of " + std::to_string(options_.world_size) + " did not join at " +
                      options_.master + " within " + std::to_string(options_.timeout_s) +
                      " s; start every rank (elastiq launch, or one command per rank with --world-rank)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<int> differing;
  for (int r = 0; r < options_.world_size; ++r)
    if (ToString(store.get(keys[r])) != fingerprint) differing.push_back(r);
  store.add("compared", 1);
  while (options_.rank == 0 && store.add("compared", 0) < options_.world_size && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!differing.empty()) {
    throw UserError("rank " + std::to_string(options_.rank) + ": " + RankList(differing) +
                    " started with other options, model or data (their fingerprints differ); start every rank "
                    "with the same command and files");
  }
}

// Which ranks still answer: each survivor checks in at the store; those that do not within a
// few seconds are named. If the store itself is gone, rank 0 (which held it) is.
void DataParallel::Fail(const std::string& during, const std::exception& e) const {
  std::vector<int> silent;
  try {
    c10d::Store& store = *group_->store;
    store.setTimeout(std::chrono::seconds(5));
    store.set("failed/" + std::to_string(options_.rank), std::vector<uint8_t>{1});
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    for (int r = 0; r < options_.world_size; ++r) {
      const std::string key = "failed/" + std::to_string(r);
      while (!store.check({key}) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!store.check({key})) silent.push_back(r);
    }
  } catch (const std::exception&) {
    silent = {0};
  }
  const std::string who = silent.empty() ? "another rank failed" : RankList(silent) + " stopped answering";
  throw UserError("rank " + std::to_string(options_.rank) + ": " + who + " during " + during +
                  " (killed or crashed? see that rank's output); the last checkpoint stays valid: rerun every rank "
                  "with --resume [" +
                  std::string(e.what()).substr(0, 120) + "]");
}

TaskBatch DataParallel::Shard(const TaskBatch& global) const {
  if (options_.world_size == 1) return global;
  const int64_t rows = global.inputs.size(0) / options_.world_size, begin = rows * options_.rank;
  TaskBatch local{global.inputs.narrow(0, begin, rows), global.targets.narrow(0, begin, rows), {}};
  if (global.padding.defined()) local.padding = global.padding.narrow(0, begin, rows);
  return local;
}

void DataParallel::Broadcast(const std::vector<torch::Tensor>& tensors) {
  if (options_.world_size == 1) return;
  torch::NoGradGuard no_grad;
  for (const torch::Tensor& t : tensors) {
    std::vector<torch::Tensor> one{t.detach()};
    try {
      group_->gloo->broadcast(one)->wait();
    } catch (const std::exception& e) {
      Fail("the broadcast of rank 0's state", e);
    }
  }
}

c10::intrusive_ptr<c10d::Work> DataParallel::StartSum(torch::Tensor tensor) {
  std::vector<torch::Tensor> one{std::move(tensor)};
  return group_->gloo->allreduce(one);
}

void DataParallel::RecordReduce(double exposed_seconds, int64_t bytes, size_t buckets_started_early, size_t buckets) {
  reduce_seconds_ += exposed_seconds;
  reduce_bytes_ += bytes;
  buckets_started_early_ += static_cast<int64_t>(buckets_started_early);
  buckets_ += static_cast<int64_t>(buckets);
  ++reductions_;
}

std::vector<double> DataParallel::Average(std::vector<double> values) {
  if (options_.world_size == 1) return values;
  std::vector<torch::Tensor> one{torch::tensor(values, torch::kFloat64)};
  try {
    group_->gloo->allreduce(one)->wait();
  } catch (const std::exception& e) {
    Fail("the average of the losses", e);
  }
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = one[0][static_cast<int64_t>(i)].item<double>() / options_.world_size;
  return values;
}

void DataParallel::PrintReduceCost() const {
  if (options_.world_size == 1 || reductions_ == 0) return;
  std::printf(
      "data parallel: %d ranks; gradient allreduce %.2f MB per step in %.1f buckets, %.1f of them started during "
      "the backward pass; %.2f ms per step waited for after it (mean of %lld steps)\n",
      options_.world_size, static_cast<double>(reduce_bytes_) / 1e6 / static_cast<double>(reductions_),
      static_cast<double>(buckets_) / static_cast<double>(reductions_),
      static_cast<double>(buckets_started_early_) / static_cast<double>(reductions_),
      1e3 * reduce_seconds_ / static_cast<double>(reductions_), static_cast<long long>(reductions_));
}

void DataParallel::Barrier() {
  if (options_.world_size == 1) return;
  try {
    group_->gloo->barrier()->wait();
  } catch (const std::exception& e) {
    Fail("a barrier", e);
  }
}

}  // namespace elastiq
