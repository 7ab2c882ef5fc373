// ISA selection: ELASTIQ_ISA forces a supported ISA, and an unknown or unsupported name is a clear
// UserError; without it the best supported ISA is picked, and only the target's ISA family exists;
// avx2 comes with the features its kernels use.
#include "src/kernels/isa.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "src/core/cpu_features.h"
#include "src/core/error.h"

namespace elastiq {
namespace {

constexpr Isa kAll[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kNeon};

class ForcedIsa : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("ELASTIQ_ISA"); }
};

std::string ErrorOf(const char* forced) {
  setenv("ELASTIQ_ISA", forced, 1);
  try {
    SelectIsa();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST_F(ForcedIsa, SupportedNamesAreObeyed) {
  for (Isa isa : kAll) {
    if (!IsaSupported(isa)) continue;
    setenv("ELASTIQ_ISA", IsaName(isa), 1);
    EXPECT_EQ(SelectIsa(), isa) << IsaName(isa);
  }
}

TEST_F(ForcedIsa, UnknownAndUnsupportedNamesAreUserErrors) {
  const std::string unknown = ErrorOf("sse9");
  EXPECT_NE(unknown.find("ELASTIQ_ISA=sse9"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("scalar, avx2, avx512 or neon"), std::string::npos) << unknown;
  int unsupported = 0;
  for (Isa isa : kAll) {
    if (IsaSupported(isa)) continue;
    ++unsupported;
    const std::string message = ErrorOf(IsaName(isa));
    EXPECT_NE(message.find("does not support"), std::string::npos) << IsaName(isa) << ": " << message;
  }
  EXPECT_GE(unsupported, 1);  // no CPU has both the x86 and the Arm families
}

TEST_F(ForcedIsa, DefaultIsTheBestSupported) {
  unsetenv("ELASTIQ_ISA");
  const Isa chosen = SelectIsa();
  EXPECT_TRUE(IsaSupported(chosen));
#if defined(__x86_64__)
  EXPECT_FALSE(IsaSupported(Isa::kNeon));
  if (IsaSupported(Isa::kAvx512)) {
    EXPECT_EQ(chosen, Isa::kAvx512);
  }
#elif defined(__aarch64__)
  EXPECT_FALSE(IsaSupported(Isa::kAvx2));
  if (IsaSupported(Isa::kNeon)) {
    EXPECT_EQ(chosen, Isa::kNeon);
  }
#endif
}

// The avx2 kernels read fp16 KV-cache rows with F16C: the ISA is offered only where the CPU has it.
TEST(IsaFeatures, Avx2NeedsFmaAndF16c) {
  if (!IsaSupported(Isa::kAvx2)) GTEST_SKIP() << "avx2 not supported on this CPU";
  EXPECT_TRUE(GetCpuFeatures().fma);
  EXPECT_TRUE(GetCpuFeatures().f16c);
}

}  // namespace
}  // namespace elastiq
