// `elastiq data prepare` and `elastiq tokenizer train`.
#include <cstdio>

#include "src/core/error.h"
#include "src/text/corpus_prepare.h"
#include "src/text/data_dir.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"

namespace elastiq {

int RunDataPrepare(const Args& args) {
  PrepareOptions o;
  po::options_description d("data prepare options");
  // clang-format off
  d.add_options()
      ("corpus", po::value(&o.corpora)->multitoken()->required(),
       "corpus names (brown, sotu, moby-dick, all = the three; spam = labelled e-mails) and/or text files or folders")
      ("out", po::value(&o.out_dir)->required(), "folder to write train/val/test splits and manifest.json to")
      ("cache", po::value(&o.cache_dir), "where downloaded corpora are kept (default $ELASTIQ_CACHE or ~/.cache/elastiq)")
      ("val-permille", po::value(&o.val_permille)->default_value(o.val_permille), "share of documents for validation, per 1000")
      ("test-permille", po::value(&o.test_permille)->default_value(o.test_permille), "share of documents for test, per 1000");
  // clang-format on
  po::variables_map vm;
  if (!ParseCommandLine("elastiq data prepare --corpus NAME|PATH... --out DIR", d, args, vm)) return 0;
  if (o.val_permille < 0 || o.test_permille < 0 || o.val_permille + o.test_permille >= 1000) {
    throw UserError("--val-permille and --test-permille must be >= 0 and sum to less than 1000");
  }
  PrepareResult r = PrepareData(o);
  std::printf("prepared %s data in %s\n", r.labelled ? "labelled" : "text", o.out_dir.c_str());
  for (const SplitStats& s : r.stats) std::printf("  %s\n", FormatStats(s).c_str());
  return 0;
}

int RunTokenizerTrain(const Args& args) {
  std::string data, out;
  TokenizerTrainOptions o;
  po::options_description d("tokenizer train options");
  // clang-format off
  d.add_options()
      ("data", po::value(&data)->required(), "prepared data folder (its train split is the training text)")
      ("vocab-size", po::value(&o.vocab_size)->default_value(o.vocab_size), "number of pieces (>= 300: 256 byte pieces + specials)")
      ("out", po::value(&out)->required(), "output .model file")
      ("max-lines", po::value(&o.max_lines)->default_value(o.max_lines), "lines sampled for training")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)");
  // clang-format on
  po::variables_map vm;
  if (!ParseCommandLine("elastiq tokenizer train --data DIR --vocab-size N --out FILE.model", d, args, vm)) return 0;
  DataDir dir = OpenDataDir(data);
  std::vector<std::string> lines = ReadTrainingLines(dir);
  TrainTokenizer(lines, o, out);
  Tokenizer t = Tokenizer::FromFile(out);
  std::printf("trained a %d-piece BPE tokenizer on %zu lines of %s -> %s\n", t.vocab_size(), lines.size(), data.c_str(),
              out.c_str());
  return 0;
}

}  // namespace elastiq
