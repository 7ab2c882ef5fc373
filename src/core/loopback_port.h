// A TCP port free on the loopback now: for a rendezvous address chosen on one machine.
#pragma once

namespace elastiq {

// A port the kernel says is free now on 127.0.0.1 (whoever binds it next, a moment later, gets it
// unless another process got there first); UserError when none can be had.
int FreeLoopbackPort();

}  // namespace elastiq
