// A minimal test harness for the 'cuda' device's host-side C++ tests (flint_cuda_tests): each
// TEST registers itself; CHECK records a failure with its line and goes on.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace flint_test {
struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Register {
  Register(const char* n, std::function<void()> f) { cases().push_back({n, std::move(f)}); }
};
}  // namespace flint_test

#define FLINT_CAT2(a, b) a##b
#define FLINT_CAT(a, b) FLINT_CAT2(a, b)
#define TEST(name)                                                                     \
  static void FLINT_CAT(test_, name)();                                                \
  static flint_test::Register FLINT_CAT(reg_, name)(#name, FLINT_CAT(test_, name)); \
  static void FLINT_CAT(test_, name)()
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      flint_test::failures()++;                                                  \
    }                                                                            \
  } while (0)
// Expects `stmt` to throw a flint::Error whose message contains `needle`.
#define CHECK_THROWS(stmt, needle)                                                       \
  do {                                                                                   \
    bool thrown_ = false;                                                                \
    try {                                                                                \
      stmt;                                                                              \
    } catch (const std::exception& e_) {                                                 \
      thrown_ = true;                                                                    \
      if (std::string(e_.what()).find(needle) == std::string::npos) {                   \
        std::fprintf(stderr, "  %s:%d: wrong error: %s\n", __FILE__, __LINE__, e_.what()); \
        flint_test::failures()++;                                                        \
      }                                                                                  \
    }                                                                                    \
    if (!thrown_) {                                                                      \
      std::fprintf(stderr, "  %s:%d: expected an error from %s\n", __FILE__, __LINE__, #stmt); \
      flint_test::failures()++;                                                          \
    }                                                                                    \
  } while (0)
