// llama.cpp's side of experiments/gguf_llamacpp_check.sh: runs an exported GGUF in llama.cpp (built
// outside this repository from its public source, linked here by the script) on token ids, the way
// elastiq's runtime is run on the same ids, so the two can be compared number for number.
//   llamacpp_check MODEL.gguf greedy IDS N      greedy continuation of the comma-separated IDS, N ids
//   llamacpp_check MODEL.gguf nll IDS_FILE SEQ [TOP1_FILE]
//                                               mean next-token NLL and perplexity over the
//                                               whitespace-separated ids, in non-overlapping windows of
//                                               SEQ tokens (elastiq eval's windows); TOP1_FILE gets the
//                                               top-1 id of every scored position (eval --predictions)
// Not built by CMake: the script compiles it against llama.cpp's headers and libraries.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "llama.h"

namespace {

std::vector<llama_token> ParseIds(const std::string& text) {
  std::string spaced = text;
  for (char& c : spaced) c = c == ',' ? ' ' : c;
  std::istringstream in(spaced);
  std::vector<llama_token> ids;
  for (llama_token id; in >> id;) ids.push_back(id);
  return ids;
}

int Argmax(const float* logits, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i) best = logits[i] > logits[best] ? i : best;
  return best;
}

double CrossEntropy(const float* logits, int n, int target) {
  const float max_logit = logits[Argmax(logits, n)];
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i] - max_logit));
  return std::log(sum) - static_cast<double>(logits[target] - max_logit);
}

llama_context* NewContext(llama_model* model, int n_ctx) {
  llama_context_params p = llama_context_default_params();
  p.n_ctx = static_cast<uint32_t>(n_ctx);
  p.n_batch = p.n_ubatch = static_cast<uint32_t>(n_ctx);
  p.n_threads = p.n_threads_batch = 2;
  return llama_init_from_model(model, p);
}

int Greedy(llama_model* model, std::vector<llama_token> ids, int n) {
  const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  llama_context* ctx = NewContext(model, static_cast<int>(ids.size()) + n + 1);
  if (llama_decode(ctx, llama_batch_get_one(ids.data(), static_cast<int32_t>(ids.size()))) != 0) return 1;
  for (int i = 0; i < n; ++i) {
    llama_token next = Argmax(llama_get_logits_ith(ctx, -1), vocab);
    std::printf("%s%d", i ? "," : "", next);
    if (llama_decode(ctx, llama_batch_get_one(&next, 1)) != 0) return 1;
  }
  std::printf("\n");
  llama_free(ctx);
  return 0;
}

int Nll(llama_model* model, const std::vector<llama_token>& ids, int seq, std::FILE* top1) {
  const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  llama_context* ctx = NewContext(model, seq);
  double nll = 0.0;
  long tokens = 0;
  for (size_t w = 0; (w + 1) * seq + 1 <= ids.size(); ++w) {
    llama_kv_cache_clear(ctx);
    llama_batch batch = llama_batch_init(seq, 0, 1);  // every position's logits
    for (int t = 0; t < seq; ++t) {
      batch.token[t] = ids[w * seq + t];
      batch.pos[t] = t;
      batch.n_seq_id[t] = 1;
      batch.seq_id[t][0] = 0;
      batch.logits[t] = true;
    }
    batch.n_tokens = seq;
    const int rc = llama_decode(ctx, batch);
    if (rc != 0) {
      llama_batch_free(batch);
      return 1;
    }
    for (int t = 0; t < seq; ++t) {
      const float* logits = llama_get_logits_ith(ctx, t);
      nll += CrossEntropy(logits, vocab, ids[w * seq + t + 1]);
      if (top1) std::fprintf(top1, "%d\n", Argmax(logits, vocab));
      ++tokens;
    }
    llama_batch_free(batch);
  }
  std::printf("nll %.10f tokens %ld perplexity %.6f\n", nll / tokens, tokens, std::exp(nll / tokens));
  llama_free(ctx);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s MODEL.gguf greedy IDS N | nll IDS_FILE SEQ [TOP1_FILE]\n", argv[0]);
    return 2;
  }
  llama_backend_init();
  llama_model* model = llama_model_load_from_file(argv[1], llama_model_default_params());
  if (!model) {
    std::fprintf(stderr, "%s: llama.cpp could not load it\n", argv[1]);
    return 1;
  }
  const std::string mode = argv[2];
  int rc = 2;
  if (mode == "greedy") rc = Greedy(model, ParseIds(argv[3]), std::atoi(argv[4]));
  if (mode == "nll") {
    std::ifstream in(argv[3]);
    std::stringstream text;
    text << in.rdbuf();
    std::FILE* top1 = argc == 6 ? std::fopen(argv[5], "w") : nullptr;
    rc = Nll(model, ParseIds(text.str()), std::atoi(argv[4]), top1);
    if (top1) std::fclose(top1);
  }
  llama_model_free(model);
  llama_backend_free();
  return rc;
}
