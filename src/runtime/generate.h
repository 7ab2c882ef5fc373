// Token-by-token generation on a Session, asking advisors between tokens whether to change entry
// (the memory watch, or a fixed schedule for measurements and demos). The switch itself is the
// Session's: it re-prefills the context, so generation continues where it was.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/runtime/sampler.h"
#include "src/runtime/session.h"

namespace elastiq {

struct SwitchAdvice {
  int target = -1;  // index into Session::entries()
  std::string reason;
};

class SwitchAdvisor {
 public:
  virtual ~SwitchAdvisor() = default;
  // Called after each generated token (`generated` so far); an entry to switch to, or nothing.
  virtual std::optional<SwitchAdvice> Advise(const Session& session, int generated) = 0;
};

// "16:p25,48:maxnet": after 16 generated tokens switch to p25, after 48 to maxnet.
class ScriptedSwitches : public SwitchAdvisor {
 public:
  ScriptedSwitches(const std::string& schedule, const Session& session);  // UserError for bad text/names
  std::optional<SwitchAdvice> Advise(const Session& session, int generated) override;

 private:
  std::vector<std::pair<int, int>> steps_;  // (after tokens, entry index), ascending
  size_t next_ = 0;
};

struct GenerateCallbacks {
  std::function<void(int token)> on_token;
  std::function<void(const SwitchRecord&)> on_switch;
};

struct GenerateResult {
  int generated = 0;
  int switches = 0;
  double seconds = 0.0;  // decoding, switches included
};

// Samples up to max_tokens after the context already in `session` (stops at EOS or a full context).
GenerateResult Generate(Session& session, Sampler& sampler, int max_tokens, const std::vector<SwitchAdvisor*>& advisors,
                        const GenerateCallbacks& callbacks);

}  // namespace elastiq
