// Runs every TEST of flint_cuda_tests and prints `N passed, N failed`.
#include "check.h"

int main() {
  int passed = 0, failed = 0;
  for (auto& c : flint_test::cases()) {
    const int before = flint_test::failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  uncaught: %s\n", e.what());
      flint_test::failures()++;
    }
    const bool ok = flint_test::failures() == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
    (ok ? passed : failed)++;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
