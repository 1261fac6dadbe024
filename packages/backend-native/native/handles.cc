#include "handles.h"

#include <cmath>

#include "buffer.h"

namespace flint {

namespace {
// Makes room for n elements, growing geometrically (reserve(n) alone would reallocate per add).
template <class T> void room(std::vector<T>& v, size_t n) {
  if (v.capacity() < n) v.reserve(n < 64 ? 64 : 2 * n);
}
}  // namespace

Handles::~Handles() {
  // The environment is going away: give every buffer still held back to its context (which
  // frees it, or pools it until the context itself is destroyed).
  for (Buf* b : slots_)
    if (b != nullptr) {
      b->ctx->release(b);
      delete b;
    }
}

double Handles::add(Buf* b) {
  if (live() >= limit_) throw Error("too many live buffers (" + std::to_string(live()) + ")");
  size_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    // Room first, so that neither push_back can throw half-way.
    room(slots_, slots_.size() + 1);
    room(gens_, gens_.size() + 1);
    room(free_, slots_.size() + 1);  // retire() must not throw either
    slot = slots_.size();
    slots_.push_back(nullptr);
    gens_.push_back(1);  // generation ≥ 1: no handle is 0 or otherwise falsy
  }
  slots_[slot] = b;
  return static_cast<double>(gens_[slot]) * kSlots + static_cast<double>(slot);
}

Buf* Handles::find(double id, size_t* slot_out) const {
  // Every op looks up its inputs and free() its buffer: integer arithmetic, not fmod/floor.
  // Generations stay below 2^30, so a live handle is below 2^52; the range test comes first so
  // that the conversion is defined (NaN fails it too).
  if (!(id >= kSlots && id < 4503599627370496.0)) return nullptr;
  const uint64_t u = static_cast<uint64_t>(id);
  if (static_cast<double>(u) != id) return nullptr;  // not an integer
  const size_t slot = static_cast<size_t>(u & (kSlotsInt - 1));
  const uint64_t gen = u >> 22;
  if (slot >= slots_.size() || slots_[slot] == nullptr || gens_[slot] != gen) return nullptr;
  if (slot_out) *slot_out = slot;
  return slots_[slot];
}

void Handles::retire(size_t slot) {
  delete slots_[slot];
  slots_[slot] = nullptr;
  if (++gens_[slot] >= (1u << 30)) gens_[slot] = 1;
  free_.push_back(static_cast<uint32_t>(slot));
}

void Handles::retire_context(const Context* ctx) {
  for (size_t i = 0; i < slots_.size(); i++)
    if (slots_[i] != nullptr && slots_[i]->ctx.get() == ctx) retire(i);
}

}  // namespace flint
