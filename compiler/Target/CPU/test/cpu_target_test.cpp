// cpu_target_test.cpp - reading a CPU target (CPUTarget.h): cache sizes as sysfs writes them,
// and the host's target carrying what the schedules read.
#include "compiler/Target/CPU/CPUTarget.h"

#include <gtest/gtest.h>

namespace {
TEST(ParseCacheSize, SysfsUnits) {
  EXPECT_EQ(kiln::parseCacheSize("2048K"), int64_t(2) << 20);
  EXPECT_EQ(kiln::parseCacheSize("1M"), int64_t(1) << 20);
  EXPECT_EQ(kiln::parseCacheSize("48K\n"), int64_t(48) << 10);
  EXPECT_EQ(kiln::parseCacheSize("512"), 512);
}

TEST(ParseCacheSize, AnythingElseIsUnknown) {
  for (const char *text : {"", "K", "2048KiB", "12G", "-1K", "99999999999999999999K"})
    EXPECT_EQ(kiln::parseCacheSize(text), 0) << text;
}

TEST(ResolveCPU, NamedCPUsHaveNoCacheSize) {
  std::optional<kiln::ResolvedCPU> cpu = kiln::resolveCPU("sapphirerapids");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->l2Bytes, 0);
  EXPECT_EQ(cpu->vectorBits, 512);
}
} // namespace
