// `elastiq data prepare` and `elastiq tokenizer train`.
#include <cstdio>

#include "src/core/error.h"
#include "src/text/corpus_prepare.h"
#include "src/text/data_dir.h"
#include "src/text/tokenizer.h"
#include "tools/commands.h"

namespace elastiq {
namespace {

void PrintPrepared(const PrepareResult& r, const std::string& out_dir) {
  std::printf("prepared %s data in %s\n", r.labelled ? "labelled" : "text", out_dir.c_str());
  for (const SplitStats& s : r.stats) std::printf("  %s\n", FormatStats(s).c_str());
  std::string classes;
  for (const std::string& c : r.classes) classes += (classes.empty() ? "" : ", ") + c;
  if (r.labelled) std::printf("  classes: %s\n", classes.c_str());
  if (r.skipped.total() > 0) {
    std::printf("  skipped %lld bad row%s: %s\n", static_cast<long long>(r.skipped.total()),
                r.skipped.total() == 1 ? "" : "s", r.skipped.Summary().c_str());
  }
}

}  // namespace

int RunDataPrepare(const Args& args) {
  PrepareOptions o;
  po::options_description d("data prepare options");
  // clang-format off
  d.add_options()
      ("corpus", po::value(&o.corpora)->multitoken(),
       "corpus names (brown, sotu, moby-dick, all = the three; spam = labelled e-mails) and/or text files or folders; a .jsonl file is one document per line, its \"text\" field")
      ("labelled", po::value(&o.labelled)->multitoken(),
       "instead of --corpus: your labelled examples, .tsv/.csv files with a header row or .jsonl files of objects, or folders of them")
      ("text-column", po::value(&o.columns.text)->default_value(o.columns.text), "--labelled: the column (JSONL: key) holding the text")
      ("label-column", po::value(&o.columns.label)->default_value(o.columns.label), "--labelled: the column (JSONL: key) holding the label (JSONL: a string or an integer)")
      ("strict", po::bool_switch(&o.strict), "refuse the first bad row (FILE:LINE and why) instead of skipping and counting bad rows")
      ("out", po::value(&o.out_dir)->required(), "folder to write train/val/test splits and manifest.json to")
      ("cache", po::value(&o.cache_dir), "where downloaded corpora are kept (default $ELASTIQ_CACHE or ~/.cache/elastiq)")
      ("val-permille", po::value(&o.val_permille)->default_value(o.val_permille), "share of documents for validation, per 1000")
      ("test-permille", po::value(&o.test_permille)->default_value(o.test_permille), "share of documents for test, per 1000");
  // clang-format on
  po::variables_map vm;
  if (!ParseCommandLine("elastiq data prepare --corpus NAME|PATH... | --labelled FILE|DIR... --out DIR", d, args, vm)) {
    return 0;
  }
  if (o.labelled.empty() && (!vm["text-column"].defaulted() || !vm["label-column"].defaulted())) {
    throw UserError("--text-column and --label-column name the columns of --labelled files; add --labelled FILE...");
  }
  if (o.val_permille < 0 || o.test_permille < 0 || o.val_permille + o.test_permille >= 1000) {
    throw UserError("--val-permille and --test-permille must be >= 0 and sum to less than 1000");
  }
  PrintPrepared(PrepareData(o), o.out_dir);
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
