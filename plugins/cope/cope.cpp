// Contextual Position Encoding (Golovneva, Wang, Weston, Sukhbaatar 2024, "Contextual
// Position Encoding: Learning to Count What's Important"), score hook:
//
//   g_ij = sigmoid(s_ij)                   s_ij = the logit as it reaches the hook
//                                          (q_i.k_j / sqrt(d), causally masked: gate 0)
//   p_ij = min( sum_{t=j..i} g_it, npos_max - 1 )      reverse cumsum over keys, incl. i
//   z_i[n] = c * q_i . E[:, n]             n = 0..npos_max-1, E (d, npos_max) per layer,
//                                          shared across heads; c = 1/sqrt(d) (see below)
//   w = p_ij - floor(p_ij)
//   s_ij += z_i[ceil(p_ij)] * w + z_i[floor(p_ij)] * (1 - w)
//
// We follow the reference code (facebookresearch/RAM, projects/cope/src/cope/
// context_position.py, class ContextPosSelfAttn) where it is more specific than the paper:
//  - gates use the scaled logit sigmoid(q.k / sqrt(d)) (the paper writes sigmoid(q.k));
//    the hook reads the incoming logit before changing it;
//  - the position term is divided by sqrt(d) together with q.k
//    ((attn_logits + pos_logits) / sqrt(d)); config `nodiv: true` mirrors --cope-nodiv
//    (position term not divided);
//  - interpolation weights as written there: w = p - floor(p) on ceil, 1 - w on floor, so
//    at an integer p the term is z[p] (weights (ceil - p) on floor, (p - floor) on ceil would
//    give 0 there) and d/dp is 0 (ceil == floor); floor/ceil carry no gradient;
//    clamp(max = npos - 1) passes no gradient above the limit;
//  - E is zero-initialised (nn.Parameter(torch.zeros(1, head_dim, npos))). With E = 0 the
//    hook adds nothing and the gradients through the gates into q, k are 0 (dE is not).
//    Config `init_std` (default 0 = reference) draws E ~ N(0, init_std^2) instead.
// The reference's default npos is block_size + 1; ours is npos_max = 64.
//
// Gates in a stack (config `gates`). Default `logits`: g_ij = sigmoid(the logit as it reaches
// this hook), so in a stack the gates include the static biases (cope+alibi: ALiBi's bias) and
// the scores of earlier parts (shaw+cope: Shaw's term). `qk`: the reference's "CoPE + relative"
// (context_position.py: gate_logits = q k^T, gates = sigmoid(gate_logits / sqrt(d)), the relative
// term added to the attention logits afterwards): g_ij = sigmoid(q_i . k_j / sqrt(d)) from the
// hook's q and k alone, whatever else the logits carry. Alone (plain `cope`) both are the same
// gates. With `qk` the gate path of the backward goes into dq, dk (d/du = dp-sum g (1 - g),
// dq_i += du k_j / sqrt(d), dk_j += du q_i / sqrt(d)) instead of into dlogits; it costs one
// length-d dot product per unclamped key.
//
// Backward, per row i (G_ij = d loss / d(s_ij after the hook)):
//   dz[floor] += G (1 - w), dz[ceil] += G w;   dp_ij = G (z[ceil] - z[floor])
//   dg_it = sum_{j <= t} dp_ij  (a left-to-right prefix sum)
//   dlogits_it += dg_it g_it (1 - g_it)         (the hook's own path, added in place)
//   dq_i += c E dz_i;   dE += c q_i dz_i^T (summed over batch, heads, rows).
// Masked entries (-inf) stay -inf, get gate 0 and keep dlogits 0.
//
// Relative: positions are counts of gates (content only): shifting all positions changes
// nothing, exactly.
//
// Cost, per row: z (n*d for the n = min(npos_max, visible keys + 2) positions the row can
// reach; AVX-512 or AVX2+FMA kernels below), then keys right to left in blocks of 8 (SIMD
// sigmoid, in-register suffix sum, interpolation from a permuted window of z). Rows are split
// between threads in static halves. Once the running sum reaches npos_max - 1 every
// key further left is clamped: it gets z[npos_max-1] (one vector add over the rest of the
// row), needs no gate, and in the backward only adds its dlogits to dz[npos_max-1] (dp = 0
// there, so the prefix sum of dp stays 0 and those dlogits get no gate term). The state
// keeps the gates of the unclamped keys only (~2 npos_max per row at initialisation, at most
// the visible keys), packed.
// Positions are summed in the same blocks in forward and backward, so both see the same
// floors bit for bit. z[f] + w (z[f+1] - z[f]) is the reference's z[ceil] w + z[floor] (1-w)
// up to rounding.
//
// Config: npos_max (int, default 64, >= 1), init_std (double, default 0, >= 0),
//         nodiv (bool, default false), gates (logits | qk, default logits).
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

// 4 float lanes (GCC/Clang vector extensions; the auto-vectorizer keeps float compares
// scalar under -ftrapping-math).
using v4f = float __attribute__((vector_size(16)));
using v4i = std::int32_t __attribute__((vector_size(16)));
using v8f = float __attribute__((vector_size(32)));
using v8i = std::int32_t __attribute__((vector_size(32)));

constexpr float kMasked = -std::numeric_limits<float>::infinity();

v4f splat(float c) {
  return v4f{} + c;
}

// Lanes [0, n) from p, the others `pad`.
v4f load(const float* p, std::int64_t n, float pad) {
  v4f v = splat(pad);
  std::memcpy(&v, p, sizeof(float) * static_cast<std::size_t>(n));
  return v;
}
void store(float* p, v4f v, std::int64_t n) {
  std::memcpy(p, &v, sizeof(float) * static_cast<std::size_t>(n));
}
v4f load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// 8 lanes: always inlined, see sigmoid.
[[gnu::always_inline]] inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline v8f load8(const float* p, std::int64_t n, float pad) {
  v8f v = v8f{} + pad;
  std::memcpy(&v, p, sizeof(float) * static_cast<std::size_t>(n));
  return v;
}
[[gnu::always_inline]] inline void store8(float* p, const v8f& v, std::int64_t n = 8) {
  std::memcpy(p, &v, sizeof(float) * static_cast<std::size_t>(n));
}

// sigmoid(x) = 1 / (1 + exp(-x)); exp by range reduction 2^k e^r (|r| <= ln2/2) and a
// degree-6 Taylor polynomial (relative error < 2e-7). x < -80 (and -inf) gives exactly 0.
// V: 4 or 8 float lanes, VI the int32 vector of as many lanes. Always inlined, like every
// 8-lane helper here: no call passes a 32-byte vector once inlined, and none crosses the
// plugin's interface. GCC still warns that such a return without AVX changes the ABI (the
// file ignores -Wpsabi) and notes it for by-value parameters (which no pragma silences in
// GCC 12: hence the const references).
template <typename V, typename VI>
[[gnu::always_inline]] inline V sigmoid(const V& x) {
  V y = -x;
  y = y < -88.0f ? V{} - 88.0f : y;
  y = y > 88.0f ? V{} + 88.0f : y;
  const V k = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(y / ln2)
  const V r = (y - k * 0.693145751953125f) - k * 1.428606765330187e-06f;
  V e = V{} + 1.0f / 720.0f;
  e = e * r + 1.0f / 120.0f;
  e = e * r + 1.0f / 24.0f;
  e = e * r + 1.0f / 6.0f;
  e = e * r + 0.5f;
  e = e * r + 1.0f;
  e = e * r + 1.0f;
  const VI bits = (__builtin_convertvector(k, VI) + 127) << 23;  // 2^k, k in [-127, 127]
  const V g = 1.0f / (1.0f + e * (V)bits);
  return x < -80.0f ? V{} : g;
}

v4f sigmoid4(v4f x) {
  return sigmoid<v4f, v4i>(x);
}

// Positions of one block of 8 keys: p_l = min(carry + g_l + ... + g_7, cap); carry becomes
// carry + g_0 + ... + g_7 (the running sum from the right). A suffix scan in 3 shifted adds:
// the chain from block to block is one add per 8 keys (blocks of 4: one per 4 keys; without
// sigmoid, z and interpolation a row cost 293 instead of 223 TSC ticks at T=256, measured).
// The forward and the backward both sum through this function, so they see the same
// positions bit for bit.
[[gnu::always_inline]] inline v8f block_positions(const v8f& g, float& carry, float cap) {
  const v8f zero{};
  v8f t = g + __builtin_shufflevector(g, zero, 1, 2, 3, 4, 5, 6, 7, 8);
  t = t + __builtin_shufflevector(t, zero, 2, 3, 4, 5, 6, 7, 8, 8);
  t = t + __builtin_shufflevector(t, zero, 4, 5, 6, 7, 8, 8, 8, 8);
  const v8f cum = t + carry;
  carry = cum[0];
  return cum < cap ? cum : v8f{} + cap;
}

// z[f] + (p - f) (z[f+1] - z[f]) per lane, f = floor(p), for the positions of one block (p >= 0:
// truncation); slope[f] holds z[f+1] - z[f]. Positions fall from lane 0 to lane 7 by less than
// 7 (seven gates below 1; clamping only narrows it), so every lane's floor lies in
// [f_7, f_7 + 7]: one 8-wide window of z and of slope, permuted (vpermps with AVX2), replaces
// 16 scalar loads (those made the 8-lane block ~20% slower than blocks of 4, measured).
// z and slope must be readable up to f_7 + 7 (kTablePad).
[[gnu::always_inline]] inline v8f interpolate(const v8f& p, const float* z, const float* slope) {
  const v8i f = __builtin_convertvector(p, v8i);
  const v8f w = p - __builtin_convertvector(f, v8f);
  const std::int32_t base = f[7];
  const v8i lane = f - base;
  return __builtin_shuffle(load8(z + base), lane) +
         w * __builtin_shuffle(load8(slope + base), lane);
}
constexpr std::int64_t kTablePad = 8;

// z[n] = c q . E[:, n] for n in [0, count): the position logits of one query row, E (d, npos)
// row-major. It is a (1 x d) x (d x npos) product per row and was CoPE's largest cost (the
// 4-wide loop kept z in memory: ~1.5x nope's whole forward at T=256, npos 64, measured
// through npos 8 vs 64). The AVX2+FMA kernel keeps up to 64 outputs in 8 registers per pass;
// chosen at run time (plugins are built without -march), with a plain loop as the fallback.
template <int Vectors>
__attribute__((target("avx2,fma"))) void logits_block_avx2(float* z, const float* q, const float* e,
                                                           std::int64_t d, std::int64_t npos,
                                                           float c) {
  __m256 acc[Vectors];
  for (int u = 0; u < Vectors; ++u) acc[u] = _mm256_setzero_ps();
  for (std::int64_t ch = 0; ch < d; ++ch) {
    const __m256 qc = _mm256_set1_ps(c * q[ch]);
    const float* row = e + ch * npos;
    for (int u = 0; u < Vectors; ++u)
      acc[u] = _mm256_fmadd_ps(qc, _mm256_loadu_ps(row + 8 * u), acc[u]);
  }
  for (int u = 0; u < Vectors; ++u) _mm256_storeu_ps(z + 8 * u, acc[u]);
}

__attribute__((target("avx2,fma"))) void position_logits_avx2(float* z, const float* q,
                                                              const float* e, std::int64_t d,
                                                              std::int64_t npos, std::int64_t count,
                                                              float c) {
  std::int64_t n0 = 0;
  for (; n0 + 64 <= count; n0 += 64) logits_block_avx2<8>(z + n0, q, e + n0, d, npos, c);
  // The rest in one pass of up to 8 vectors, reading E past `count` (not past npos) and
  // keeping only what is asked.
  const std::int64_t vectors = std::min<std::int64_t>((npos - n0) / 8, (count - n0 + 7) / 8);
  using Block = void (*)(float*, const float*, const float*, std::int64_t, std::int64_t, float);
  static constexpr Block kBlocks[9] = {nullptr,
                                       logits_block_avx2<1>,
                                       logits_block_avx2<2>,
                                       logits_block_avx2<3>,
                                       logits_block_avx2<4>,
                                       logits_block_avx2<5>,
                                       logits_block_avx2<6>,
                                       logits_block_avx2<7>,
                                       logits_block_avx2<8>};
  float block[64];
  if (vectors > 0) kBlocks[vectors](block, q, e + n0, d, npos, c);
  const std::int64_t done = std::min(count, n0 + 8 * vectors);
  std::copy(block, block + (done - n0), z + n0);
  for (std::int64_t n = done; n < count; ++n) {  // the last npos % 8 outputs
    float a = 0.0f;
    for (std::int64_t ch = 0; ch < d; ++ch) a += c * q[ch] * e[ch * npos + n];
    z[n] = a;
  }
}

// The same with 16-float vectors where the CPU has AVX-512: half the instructions per output
// (the AVX2 kernel is at its FMA bound, 2 x 8 lanes per cycle, and z was ~1/3 of the hook's
// time per row, measured). The last vector of a pass is masked, so no tail loop.
template <int Vectors>
__attribute__((target("avx512f"))) void logits_block_avx512(float* z, const float* q,
                                                            const float* e, std::int64_t d,
                                                            std::int64_t npos, float c,
                                                            __mmask16 last) {
  __m512 acc[Vectors];
  for (int u = 0; u < Vectors; ++u) acc[u] = _mm512_setzero_ps();
  for (std::int64_t ch = 0; ch < d; ++ch) {
    const __m512 qc = _mm512_set1_ps(c * q[ch]);
    const float* row = e + ch * npos;
    for (int u = 0; u + 1 < Vectors; ++u)
      acc[u] = _mm512_fmadd_ps(qc, _mm512_loadu_ps(row + 16 * u), acc[u]);
    acc[Vectors - 1] = _mm512_fmadd_ps(qc, _mm512_maskz_loadu_ps(last, row + 16 * (Vectors - 1)),
                                       acc[Vectors - 1]);
  }
  for (int u = 0; u + 1 < Vectors; ++u) _mm512_storeu_ps(z + 16 * u, acc[u]);
  _mm512_mask_storeu_ps(z + 16 * (Vectors - 1), last, acc[Vectors - 1]);
}

__attribute__((target("avx512f"))) void position_logits_avx512(float* z, const float* q,
                                                               const float* e, std::int64_t d,
                                                               std::int64_t npos,
                                                               std::int64_t count, float c) {
  using Block =
      void (*)(float*, const float*, const float*, std::int64_t, std::int64_t, float, __mmask16);
  static constexpr Block kBlocks[5] = {nullptr, logits_block_avx512<1>, logits_block_avx512<2>,
                                       logits_block_avx512<3>, logits_block_avx512<4>};
  for (std::int64_t n0 = 0; n0 < count; n0 += 64) {
    const std::int64_t n = std::min<std::int64_t>(64, count - n0);
    const auto last = static_cast<__mmask16>(n % 16 == 0 ? 0xFFFFu : (1u << (n % 16)) - 1u);
    kBlocks[(n + 15) / 16](z + n0, q, e + n0, d, npos, c, last);
  }
}

void position_logits_generic(float* z, const float* q, const float* e, std::int64_t d,
                             std::int64_t npos, std::int64_t count, float c) {
  std::fill(z, z + count, 0.0f);
  for (std::int64_t ch = 0; ch < d; ++ch) {
    const float qc = c * q[ch];
    const float* row = e + ch * npos;
    for (std::int64_t n = 0; n < count; ++n) z[n] += qc * row[n];
  }
}

using PositionLogits = void (*)(float*, const float*, const float*, std::int64_t, std::int64_t,
                                std::int64_t, float);

PositionLogits position_logits_kernel() {
  static const PositionLogits f = __builtin_cpu_supports("avx512f") ? position_logits_avx512
                                  : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                      ? position_logits_avx2
                                      : position_logits_generic;
  return f;
}

// Where the gates come from: the logits as they reach the hook (q = nullptr), or the
// reference's "CoPE + relative" convention, sigmoid(scale q_i . k_j) from q and k alone.
struct GateLogits {
  const float* q = nullptr;  // row i of q; null: the incoming logits
  pebench::ConstSpan<4> k;
  std::int64_t b = 0, h = 0, d = 0;
  float scale = 1.0f;
  // Lanes j0 .. j0+n-1 (n <= 4) of the gate logits; the others -inf (gate 0).
  v4f load(const float* logits, std::int64_t j0, std::int64_t n) const {
    if (q == nullptr) return n == 4 ? load4(logits + j0) : ::load(logits + j0, n, kMasked);
    v4f u = splat(kMasked);
    for (std::int64_t l = 0; l < n; ++l)
      u[l] = scale * pebench::simd::dot(q, k.row(b, h, j0 + l), d);
    return u;
  }
};

// Gate buffers are recycled between forwards (like a caching allocator): a fresh
// allocation per call costs more in page faults than the hook itself. The harness calls the
// hook once per chunk of rows, hundreds of times per forward at T=4096, so the pool keeps
// every buffer released (by size, best fit) up to kMaxFreeBytes.
class BufferPool {
 public:
  struct Buffer {
    std::unique_ptr<float[]> data;
    std::size_t capacity = 0;
  };
  Buffer acquire(std::size_t n) {
    n = std::max<std::size_t>(n, 1);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(n);  // the smallest free buffer that fits
    if (it == free_.end()) return Buffer{std::unique_ptr<float[]>(new float[n]), n};
    Buffer b = std::move(it->second);
    free_.erase(it);
    free_bytes_ -= b.capacity * sizeof(float);
    return b;
  }
  void release(Buffer b) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_bytes_ += b.capacity * sizeof(float);
    free_.emplace(b.capacity, std::move(b));
    while (free_bytes_ > kMaxFreeBytes && !free_.empty()) {  // drop the smallest
      free_bytes_ -= free_.begin()->first * sizeof(float);
      free_.erase(free_.begin());
    }
  }

 private:
  static constexpr std::size_t kMaxFreeBytes = std::size_t(4) << 30;
  std::mutex mutex_;
  std::multimap<std::size_t, Buffer> free_;
  std::size_t free_bytes_ = 0;
};

// What the backward needs of row r (B*H*Tq rows): its visible length, the clamped keys
// [0, stop) and the gates of keys [stop, len), packed one row after another in the arena of
// the thread that computed the row (keys [len, Tk) are masked). Packed, not at key offsets of
// a (rows, Tk) buffer: ~2 npos_max gates per row are written in sequence instead of a few
// lines on a different page per row (the hook ~8% faster at T=1024, 2 threads, measured), and
// the state holds H*T*~2 npos_max floats instead of H*T*T/2.
struct CopeState : pebench::HookState {
  std::shared_ptr<BufferPool> pool;
  std::vector<BufferPool::Buffer> arenas;  // one per thread
  std::vector<std::int64_t> len, stop;
  std::vector<const float*> gates;  // row r: gates[r][t - stop[r]] is the gate of key t
  ~CopeState() override {
    if (pool)
      for (auto& a : arenas) pool->release(std::move(a));
  }
};

// Appends n floats to a thread's arena (used floats so far), growing it through the pool.
// Returns their offset in the arena (a pointer would dangle when a later append moves it).
std::int64_t append(BufferPool& pool, BufferPool::Buffer& arena, std::int64_t& used, const float* x,
                    std::int64_t n, std::size_t initial) {
  const auto need = static_cast<std::size_t>(used + n);
  if (need > arena.capacity) {
    BufferPool::Buffer bigger = pool.acquire(std::max({need, 2 * arena.capacity, initial}));
    if (used > 0) std::memcpy(bigger.data.get(), arena.data.get(), sizeof(float) * used);
    if (arena.data) pool.release(std::move(arena));
    arena = std::move(bigger);
  }
  std::memcpy(arena.data.get() + used, x, sizeof(float) * static_cast<std::size_t>(n));
  used += n;
  return used - n;
}

class Cope final : public pebench::Encoding {
 public:
  Cope(const pebench::Config& config, const pebench::AttentionShape& shape)
      : npos_(config.get_int("npos_max", 64)),
        init_std_(config.get_double("init_std", 0.0)),
        nodiv_(config.get_bool("nodiv", false)),
        gates_from_qk_(config.get_choice("gates", "logits", {"logits", "qk"}) == "qk"),
        d_(shape.head_dim) {
    if (npos_ < 1)
      throw std::invalid_argument("cope: config key 'npos_max' must be >= 1, got " +
                                  std::to_string(npos_));
    if (npos_ > (1 << 20))
      throw std::invalid_argument("cope: config key 'npos_max' must be <= 2^20");
    if (!(init_std_ >= 0.0))
      throw std::invalid_argument("cope: config key 'init_std' must be >= 0");
    if (d_ < 1) throw std::invalid_argument("cope: head_dim must be >= 1");
    c_ = nodiv_ ? 1.0f : 1.0f / std::sqrt(static_cast<float>(d_));
    gate_scale_ = 1.0f / std::sqrt(static_cast<float>(d_));
    cap_ = static_cast<float>(npos_ - 1);
    auto e = declare_parameter("pos_emb", {d_, npos_});
    e_ = e.value, de_ = e.grad;
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "cope";
    i.version = "1.2.0";  // 1.2.0: positions summed 8 keys at a time (last-bit changes), packed
                          // gate state; 1.1.1: 8-lane gates
    i.paper =
        "Golovneva et al. 2024, Contextual Position Encoding: Learning to Count What's Important";
    i.hooks = pebench::kHookScore;
    i.relative = true;
    i.shared_across_layers = false;
    i.parameter_formula = "d*npos_max per layer (npos_max = " + std::to_string(npos_) +
                          ", gates = " + (gates_from_qk_ ? "qk" : "logits") + ")";
    i.extrapolates = "yes";  // runs at any length; contextual positions saturate at npos_max-1
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    for (auto& x : e_) x = init_std_ > 0 ? static_cast<float>(rng.normal() * init_std_) : 0.0f;
  }

  std::unique_ptr<pebench::HookState> score_forward(pebench::Span<4> s, pebench::ConstSpan<4> q,
                                                    pebench::ConstSpan<4> k, pebench::Positions,
                                                    pebench::Positions) override {
    check_dim(q.size(3));
    const std::int64_t B = s.size(0), H = s.size(1), Tq = s.size(2), Tk = s.size(3);
    const std::int64_t rows = B * H * Tq;
    auto state = std::make_unique<CopeState>();
    state->pool = pool_;
    state->len.assign(static_cast<std::size_t>(rows), 0);
    state->stop.assign(static_cast<std::size_t>(rows), 0);
    state->gates.assign(static_cast<std::size_t>(rows), nullptr);
    std::vector<std::int64_t> arena_of(static_cast<std::size_t>(rows), 0), offset(arena_of.size());

#pragma omp parallel
    {
#pragma omp single
      state->arenas.resize(static_cast<std::size_t>(omp_get_num_threads()));  // then a barrier
      // A first size for each arena: gates are ~0.5 at initialisation, so ~2 npos_max keys of
      // a row stay unclamped; arenas grow when a thread gets more.
      const auto initial = static_cast<std::size_t>((rows / omp_get_num_threads() + 8) *
                                                    std::min<std::int64_t>(Tk, 2 * npos_ + 8));
      const int thread = omp_get_thread_num();
      BufferPool::Buffer& arena = state->arenas[static_cast<std::size_t>(thread)];
      std::int64_t used = 0;
      // z and slope padded for interpolate's 8-wide windows.
      std::vector<float> z(static_cast<std::size_t>(npos_ + kTablePad)), slope(z.size());
      std::vector<float> g(static_cast<std::size_t>(Tk));  // gates of one row, by key
      // Static halves, (b, h, i) order, as the softmax after it: rows of one chunk cost
      // about the same. With schedule(dynamic, 8) the hook took ~30% longer (T=256 and 1024,
      // 2 threads, measured; likely rows landing on another core than the one that wrote
      // them, untested).
#pragma omp for schedule(static)
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t b = r / (H * Tq), h = (r / Tq) % H, i = r % Tq;
        float* row = s.row(b, h, i);
        std::int64_t len = Tk;  // 1 + the last key that is not masked
        while (len > 0 && row[len - 1] == kMasked) --len;
        state->len[r] = len;
        if (len == 0) continue;
        position_logits(z.data(), slope.data(), q.row(b, h, i), logit_count(len));
        const GateLogits source{
            gates_from_qk_ ? q.row(b, h, i) : nullptr, k, b, h, d_, gate_scale_};
        const std::int64_t stop =
            (this->*forward_row)(row, len, z.data(), slope.data(), g.data(), source);
        state->stop[r] = stop;
        arena_of[r] = thread;
        offset[r] = append(*pool_, arena, used, g.data() + stop, len - stop, initial);
      }
    }
    for (std::int64_t r = 0; r < rows; ++r)
      if (state->len[r] > 0) state->gates[r] = state->arenas[arena_of[r]].data.get() + offset[r];
    return state;
  }

  void score_backward(pebench::HookState* base, pebench::Span<4> ds, pebench::Span<4> dq,
                      pebench::Span<4> dk, pebench::ConstSpan<4> q, pebench::ConstSpan<4> k,
                      pebench::Positions, pebench::Positions) override {
    check_dim(q.size(3));
    auto* state = static_cast<CopeState*>(base);
    const std::int64_t B = ds.size(0), H = ds.size(1), Tq = ds.size(2), Tk = ds.size(3);
    const std::int64_t rows = B * H * Tq;
    if (state == nullptr || static_cast<std::int64_t>(state->stop.size()) != rows)
      throw std::invalid_argument("cope: score_backward got a state of another shape");
    const std::int64_t* len_of = state->len.data();
    const std::int64_t* stop_of = state->stop.data();
    std::vector<float> dz_all(static_cast<std::size_t>(rows * npos_), 0.0f);
    // Gates from q.k: d loss / d(gate logit) per unclamped key, row r's keys [stop, len) from
    // du_offset[r] on.
    std::vector<std::int64_t> du_offset;
    std::vector<float> du;
    if (gates_from_qk_) {
      du_offset.assign(static_cast<std::size_t>(rows + 1), 0);
      for (std::int64_t r = 0; r < rows; ++r)
        du_offset[r + 1] = du_offset[r] + (len_of[r] - stop_of[r]);
      du.assign(static_cast<std::size_t>(du_offset[rows]), 0.0f);
    }

#pragma omp parallel
    {
      std::vector<float> z(static_cast<std::size_t>(npos_)), slope(z.size());
      std::vector<float> p(static_cast<std::size_t>(Tk));
#pragma omp for schedule(static)  // as the forward: rows stay on their core
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t len = len_of[r];
        if (len == 0) continue;
        const std::int64_t b = r / (H * Tq), h = (r / Tq) % H, i = r % Tq;
        const float* qi = q.row(b, h, i);
        float* dz = dz_all.data() + r * npos_;
        const std::int64_t count = logit_count(len);
        position_logits(z.data(), slope.data(), qi, count);
        float* du_row = du.empty() ? nullptr : du.data() + du_offset[r];
        backward_row(ds.row(b, h, i), dz, stop_of[r], len, state->gates[r], slope.data(), p.data(),
                     du_row);
        // dq_i += c E dz
        float* dqi = dq.row(b, h, i);
        for (std::int64_t ch = 0; ch < d_; ++ch) {
          const float* e = e_.data() + ch * npos_;
          dqi[ch] += c_ * pebench::simd::dot(e, dz, count);  // dz[count..] = 0
        }
        if (du_row) {  // dq_i += scale sum_t du_t k_t
          for (std::int64_t t = stop_of[r]; t < len; ++t) {
            const float g = gate_scale_ * du_row[t - stop_of[r]];
            pebench::simd::axpy(dqi, g, k.row(b, h, t), d_);
          }
        }
      }
    }

    // Gates from q.k: dk_t += scale sum_i du_it q_i, parallel over (b, h, t), i in order.
    if (gates_from_qk_) {
#pragma omp parallel for collapse(2) schedule(static)
      for (std::int64_t bh = 0; bh < B * H; ++bh)
        for (std::int64_t t = 0; t < Tk; ++t) {
          const std::int64_t b = bh / H, h = bh % H;
          float* dkt = dk.row(b, h, t);
          for (std::int64_t i = 0; i < Tq; ++i) {
            const std::int64_t r = bh * Tq + i;
            if (t < stop_of[r] || t >= len_of[r]) continue;
            const float g = gate_scale_ * du[du_offset[r] + t - stop_of[r]];
            pebench::simd::axpy(dkt, g, q.row(b, h, i), d_);
          }
        }
    }

    // dE[ch, :] += c sum_rows q[row, ch] dz[row, :]: parallel over ch, fixed order inside.
#pragma omp parallel
    {
      std::vector<float> acc(static_cast<std::size_t>(npos_));
#pragma omp for schedule(static)
      for (std::int64_t ch = 0; ch < d_; ++ch) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (std::int64_t r = 0; r < rows; ++r) {
          if (len_of[r] == 0) continue;
          const float qv = q.row(r / (H * Tq), (r / Tq) % H, r % Tq)[ch];
          const float* dz = dz_all.data() + r * npos_;
          const std::int64_t count = logit_count(len_of[r]);
          pebench::simd::axpy(acc.data(), qv, dz, count);
        }
        float* de = de_.data() + ch * npos_;
        for (std::int64_t n = 0; n < npos_; ++n) de[n] += c_ * acc[n];
      }
    }
  }

 private:
  // One row, keys [0, len) right to left in blocks of 8 ending at len: writes the gates
  // into g[key] (keys [stop, len)), adds the interpolated position logit to row[key]. Returns
  // `stop`: keys [0, stop) are clamped (they got z[npos_max-1]; their gates are not computed).
  // Compiled twice: for AVX2 + FMA (the window permutes become vpermps) and for the baseline;
  // the constructor picks one (PEBENCH_MULTIVERSION's FMA clone may not use AVX2).
  using ForwardRow = std::int64_t (Cope::*)(float*, std::int64_t, const float*, const float*,
                                            float*, const GateLogits&) const;
  __attribute__((target("avx2,fma"))) std::int64_t forward_row_avx2(
      float* row, std::int64_t len, const float* z, const float* slope, float* g,
      const GateLogits& source) const {
    return forward_row_body(row, len, z, slope, g, source);
  }
  std::int64_t forward_row_generic(float* row, std::int64_t len, const float* z, const float* slope,
                                   float* g, const GateLogits& source) const {
    return forward_row_body(row, len, z, slope, g, source);
  }
  [[gnu::always_inline]] inline std::int64_t forward_row_body(float* row, std::int64_t len,
                                                              const float* z, const float* slope,
                                                              float* g,
                                                              const GateLogits& source) const {
    float carry = 0.0f;
    std::int64_t j = len;
    // Segments of kSegment keys (a multiple of 8, so blocks stay aligned to len): the gates
    // of a whole segment first, 8 lanes at a time with no dependency between them, then
    // the blocks' running sum, which is a chain from block to block. Computing each block's
    // gates inside that chain cost ~8 cycles per key (T=256, one thread, measured).
    constexpr std::int64_t kSegment = 64;
    while (j > 0 && carry < cap_) {
      const std::int64_t j0 = std::max<std::int64_t>(0, j - kSegment);
      if (source.q == nullptr) {
        std::int64_t t = j0;
        for (; t + 8 <= j; t += 8) {
          v8f x;
          std::memcpy(&x, row + t, sizeof x);
          const v8f gv = sigmoid<v8f, v8i>(x);
          std::memcpy(g + t, &gv, sizeof gv);
        }
        for (; t < j; t += 4) {
          const std::int64_t n = std::min<std::int64_t>(4, j - t);
          store(g + t, sigmoid4(load(row + t, n, kMasked)), n);
        }
      } else {
        for (std::int64_t t = j0; t < j; t += 4) {
          const std::int64_t n = std::min<std::int64_t>(4, j - t);
          store(g + t, sigmoid4(source.load(row, t, n)), n);
        }
      }
      for (; j - 8 >= j0 && carry < cap_; j -= 8) {
        const v8f y = load8(row + j - 8) +
                      interpolate(block_positions(load8(g + j - 8), carry, cap_), z, slope);
        store8(row + j - 8, y);
      }
      if (j > j0 && carry < cap_) {  // keys [0, j), j < 8: the others are pad lanes, gate 0
        const v8f y = load8(row, j, kMasked) +
                      interpolate(block_positions(load8(g, j, 0.0f), carry, cap_), z, slope);
        store8(row, y, j);
        j = 0;
      }
    }
    const float z_cap = z[npos_ - 1];
    for (std::int64_t t = 0; t < j; ++t) row[t] += z_cap;
    return j;
  }

  // G = dlogits of one row (changed in place); gk[t - stop] = the gate of key t in [stop, len).
  // du (gates from q.k): receives d loss / d(gate logit) of keys [stop, len), indexed as gk;
  // null: that path goes into G (the gates came from the incoming logits).
  PEBENCH_MULTIVERSION void backward_row(float* G, float* dz, std::int64_t stop, std::int64_t len,
                                         const float* gk, const float* slope, float* p,
                                         float* du) const {
    // The forward's positions, bit for bit (same blocks, same gates).
    float carry = 0.0f;
    std::int64_t j = len;
    for (; j - 8 >= stop; j -= 8)
      store8(p + j - 8, block_positions(load8(gk + (j - 8 - stop)), carry, cap_));
    // A partial block only at the row's start (forward_row clamps whole blocks): stop = 0.
    if (j > stop) store8(p, block_positions(load8(gk, j, 0.0f), carry, cap_), j);
    // Clamped keys: w = 0 and dp = 0, so only dz[npos_max-1] += their dlogits.
    float clamped = 0.0f;
#pragma omp simd reduction(+ : clamped)
    for (std::int64_t t = 0; t < stop; ++t) clamped += G[t];
    dz[npos_ - 1] += clamped;
    if (stop == len) return;
    // Left to right: p shrinks, so floor(p) changes rarely; dz summed per run of floors.
    float acc = 0.0f;  // sum_{j <= t} d loss / d p_ij
    float floor_p = std::floor(p[stop]), run_floor = 0.0f, run_ceil = 0.0f;
    auto f = static_cast<std::int64_t>(floor_p);
    float slope_f = slope[f];
    for (std::int64_t t = stop; t < len; ++t) {
      const float pt = p[t];
      if (pt < floor_p || pt >= floor_p + 1.0f) {  // a new floor
        dz[f] += run_floor;
        if (run_ceil != 0.0f) dz[f + 1] += run_ceil;
        run_floor = run_ceil = 0.0f;
        floor_p = std::floor(pt);
        f = static_cast<std::int64_t>(floor_p);
        slope_f = slope[f];
      }
      const float Gt = G[t];
      const float w = pt - floor_p;
      run_floor += Gt * (1.0f - w);
      run_ceil += Gt * w;  // 0 at an integer p (ceil == floor in the reference)
      acc += w > 0.0f ? Gt * slope_f : 0.0f;
      const float gt = gk[t - stop];
      const float gate_path = acc * (gt * (1.0f - gt));
      if (du) {
        du[t - stop] = gate_path;
      } else {
        G[t] += gate_path;
      }
    }
    dz[f] += run_floor;
    if (run_ceil != 0.0f) dz[f + 1] += run_ceil;
  }

  // z[n] = c q . E[:, n] and slope[n] = z[n+1] - z[n] for n < count = min(npos_max, len + 2):
  // a row of len visible keys has positions p <= len (each gate <= 1), so floor(p) <= len and
  // only z[0..len+1] can be read; slope[count-1] = 0 (npos_max - 1: clamped p; else unread).
  void position_logits(float* z, float* slope, const float* qi, std::int64_t count) const {
    position_logits_kernel()(z, qi, e_.data(), d_, npos_, count, c_);
    for (std::int64_t n = 0; n + 1 < count; ++n) slope[n] = z[n + 1] - z[n];
    slope[count - 1] = 0.0f;
  }

  std::int64_t logit_count(std::int64_t len) const {
    return std::min(npos_, len + 2);
  }

  void check_dim(std::int64_t d) const {
    if (d != d_)
      throw std::invalid_argument("cope: head dim " + std::to_string(d) +
                                  " != the AttentionShape's " + std::to_string(d_));
  }

  std::int64_t npos_;
  double init_std_;
  bool nodiv_;
  bool gates_from_qk_;
  std::int64_t d_;
  float c_ = 1.0f, cap_ = 0.0f;
  float gate_scale_ = 1.0f;  // 1/sqrt(d): the reference divides the gate logits always
  pebench::ParameterBuffer e_, de_;
  std::shared_ptr<BufferPool> pool_ = std::make_shared<BufferPool>();
  const ForwardRow forward_row = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                     ? &Cope::forward_row_avx2
                                     : &Cope::forward_row_generic;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Cope)
