// The generation loop and the scripted switch schedule.
#include "src/runtime/generate.h"

#include <sstream>

#include "src/core/error.h"
#include "src/core/parse_number.h"
#include "src/text/special_tokens.h"

namespace elastiq {

ScriptedSwitches::ScriptedSwitches(const std::string& schedule, const Session& session) {
  std::istringstream in(schedule);
  for (std::string step; std::getline(in, step, ',');) {
    const size_t colon = step.find(':');
    const std::string help = "--switch-at: \"" + step + "\" is not AFTER_TOKENS:ENTRY (e.g. 16:p25,48:maxnet)";
    if (colon == std::string::npos) throw UserError(help);
    const int after = TryParseInt(step.substr(0, colon)).value_or(-1);
    if (after < 0 || (!steps_.empty() && after < steps_.back().first)) throw UserError(help + ", in ascending order");
    const std::string name = step.substr(colon + 1);
    int index = -1;
    for (size_t i = 0; i < session.entries().size(); ++i) {
      if (session.entries()[i].name == name) index = static_cast<int>(i);
    }
    if (index < 0) throw UserError("--switch-at: no runnable palette entry \"" + name + "\"");
    steps_.emplace_back(after, index);
  }
  if (steps_.empty()) throw UserError("--switch-at: empty schedule (e.g. 16:p25,48:maxnet)");
}

std::optional<SwitchAdvice> ScriptedSwitches::Advise(const Session&, int generated) {
  if (next_ >= steps_.size() || generated < steps_[next_].first) return std::nullopt;
  const int target = steps_[next_++].second;
  return SwitchAdvice{target, "scheduled after " + std::to_string(generated) + " tokens"};
}

GenerateResult Generate(Session& session, Sampler& sampler, int max_tokens, const std::vector<SwitchAdvisor*>& advisors,
                        const GenerateCallbacks& callbacks) {
  GenerateResult result;
  const auto start = std::chrono::steady_clock::now();
  std::span<const float> logits = session.last_logits();
  if (logits.empty()) throw UserError("generation needs a context: feed at least one token (e.g. BOS) first");
  while (result.generated < max_tokens) {
    const int next = sampler.Sample(logits);
    if (next == kEosId) break;
    if (callbacks.on_token) callbacks.on_token(next);
    ++result.generated;
    if (static_cast<int>(session.tokens().size()) >= session.context() || result.generated >= max_tokens) break;
    logits = session.Append(std::span(&next, 1));
    for (SwitchAdvisor* advisor : advisors) {
      std::optional<SwitchAdvice> advice = advisor->Advise(session, result.generated);
      if (!advice || advice->target == session.current()) continue;
      const SwitchRecord record = session.SwitchTo(advice->target, advice->reason);
      logits = session.last_logits();
      ++result.switches;
      if (callbacks.on_switch) callbacks.on_switch(record);
      break;  // one switch per token
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace elastiq
