// The buffer handles of one Node environment (the main thread or one worker thread). A handle is
// a plain number, slot + generation · 2^22, so handing one to JS allocates no object and no weak
// callback (a major GC cost per op otherwise); a freed or made-up number never matches a live
// slot's generation. Buffers dropped without free() are reclaimed by core, whose
// FinalizationRegistry frees a collected tensor's buffer; whatever is still held when the
// environment goes away (a worker exits or is terminated) is freed by the destructor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace flint {

constexpr double kSlots = 4194304.0;  // 2^22
constexpr uint64_t kSlotsInt = uint64_t(1) << 22;

class Handles {
 public:
  Handles() = default;
  Handles(const Handles&) = delete;
  Handles& operator=(const Handles&) = delete;
  ~Handles();

  // Registers b and returns its handle. When the table is full it throws Error and leaves b to
  // the caller (who must release it).
  double add(Buf* b);
  // The Buf behind a handle number, or null when it names no live slot.
  Buf* find(double id, size_t* slot_out = nullptr) const;
  // Deletes the Buf in `slot` (its data already released) and retires the handle.
  void retire(size_t slot);
  // Retires every handle whose buffer belongs to ctx (after ctx released their data).
  void retire_context(const Context* ctx);
  // Live handles; and a cap on them below the table's size (0 restores the default), which lets
  // tests fill the table without allocating four million buffers.
  size_t live() const { return slots_.size() - free_.size(); }
  void set_limit(size_t n) { limit_ = n == 0 || n > kDefaultLimit ? kDefaultLimit : n; }

 private:
  static constexpr size_t kDefaultLimit = static_cast<size_t>(kSlots);
  std::vector<Buf*> slots_;
  std::vector<uint32_t> gens_;
  std::vector<uint32_t> free_;
  size_t limit_ = kDefaultLimit;
};

}  // namespace flint
