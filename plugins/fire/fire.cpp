// FIRE (Li et al. 2023, "Functional Interpolation for Relative Positions Improves Long Context
// Transformers"), a learned static bias from an MLP of the normalized distance:
//
//   bias[h, i, j] = MLP_h( psi(qpos_i - kpos_j) / (psi(max(qpos_i, L)) + eps) )
//   psi(x) = log(|c x| + 1),   L = |L_multiplier * init_length|,   eps = 1e-6
//   MLP(x) = W2 relu(w1 x + b1) + b2        1 -> mlp_width (32) -> H
//
// Follows the paper's reference code (its appendix, as reproduced in public FIRE modules):
// `threshold = abs(L_multiplier * init_L)`, `pos_normalizer = max(positions, threshold)`,
// `log(abs(c * x) + 1)`, `+ eps` on the normalizer only. Trainable: w1, b1, w2, b2, c,
// L_multiplier; init_length is a constant. Init as the reference: nn.Linear's default
// (w and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)): U(-1, 1) for the first layer,
// U(-1/sqrt(32), 1/sqrt(32)) for the second), c = init_c (0.1), L_multiplier = 1.
// Derivatives follow torch's conventions at the kinks: relu'(0) = 0, d|x|/dx = sign(x)
// (0 at 0), and max(a, b) gives half the gradient to each side when a == b (this happens
// at qpos_i == L, e.g. row 512 with the default L = 512).
// The bias uses the query's absolute position through max(qpos_i, L): not relative.
// shared_across_layers (config, default false: one instance per layer) only sets the
// declaration the harness reads.
//
// Note on check-plugin: the MLP is piecewise linear in every first-layer parameter (ReLU
// kinks at x = t_k). A central difference whose step moves a breakpoint t_k = -b1_k/w1_k
// across some x of the test grid measures a blend of the two slopes, so "gradient param
// b1/w1/c" can report an element off although the analytic gradient is exact (it matches
// per-element backpropagation in tests/unit/test_fire.cpp).
//
// Cost. The MLP has one input, so it is piecewise linear in x with at most mlp_width
// breakpoints t_k = -b1_k / w1_k: between consecutive breakpoints (segment s) it is
// A[s,h] x + B[s,h]. Per row, x_j = psi(qpos_i - kpos_j) / den_i is a table lookup times a
// row constant, monotone in |qpos_i - kpos_j|: with keys in order the segments form a few
// runs of j on each side of the query, found by search (O(runs log Tk) per row), then
//   forward:  bias[h,i,j] = A[s,h] x_j + B[s,h]                 (one multiply-add per element)
//   backward: per (row, head, run) the sums of g, g x, g dpsi/dc  (three per element)
// and the MLP and (c, L) gradients follow from these sums: with G0[s,h] = sum g and
// G1[s,h] = sum g x over segment s,
//   db2_h = sum_s G0,  dW2[h,k] = sum_{s: k active} w1_k G1 + b1_k G0,
//   db1_k = sum_{s: k active} sum_h W2[h,k] G0,  dw1_k = sum_{s: k active} sum_h W2[h,k] G1,
// and per row, with D_j = sum_h g A[s_j,h], P = sum_j D_j dpsi_j/dc, Q = sum_j D_j x_j:
//   dc += (P - Q dden/dc) / den,   dL_multiplier += -Q (dden/dL_multiplier) / den.
// Rows are processed in fixed chunks whose partial sums are reduced in order: deterministic.
// The harness calls the bias hook per chunk of query rows, hundreds of times per forward at
// T=4096 (attention/attention.hpp), so the distance tables and the piecewise-linear form are
// kept between calls and rebuilt only when c, the MLP or the distance range changes.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <pebench/pebench.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr double kEps = 1e-6;            // reference: added to the normalizer
constexpr std::int64_t kChunkRows = 32;  // rows per partial sum in the backward

using pebench::contiguous;
using pebench::distance_range;
using pebench::DistanceRange;

double sign(double x) {
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

// The MLP as a piecewise-linear function of its scalar input.
struct PiecewiseLinear {
  std::vector<float> t;           // sorted breakpoints (m)
  std::vector<float> a, b;        // (m+1, H): slope and intercept per segment and head
  std::vector<unsigned char> on;  // (m+1, W): hidden unit k active in segment s
  std::int64_t segments() const { return static_cast<std::int64_t>(t.size()) + 1; }
  // Segment s holds t[s-1] < x <= t[s].
  std::int64_t find(float x) const { return std::lower_bound(t.begin(), t.end(), x) - t.begin(); }
};

// The runs of keys of one query row whose x lies in one segment: keys [start[r],
// end(r)) are in segment segment[r].
struct Runs {
  std::vector<std::int64_t> start, segment;
  void clear() { start.clear(), segment.clear(); }
  void push(std::int64_t j, std::int64_t seg) {
    if (!segment.empty() && segment.back() == seg) return;  // continues the previous run
    start.push_back(j), segment.push_back(seg);
  }
  std::int64_t size() const { return static_cast<std::int64_t>(start.size()); }
  std::int64_t end(std::int64_t r, std::int64_t keys) const {
    return r + 1 < size() ? start[r + 1] : keys;
  }
};

// psi(d) = log(|c d| + 1) and d psi / d c = sign(c) |d| / (|c d| + 1) for d in [-reach, reach]
// (index reach + d), for one value of c. Kept between calls: the harness calls the bias hook
// once per chunk of query rows (hundreds of calls per forward at T=4096), and refilling the
// table (one log1p per distance) each time cost more than the bias itself.
struct DistanceTables {
  float c = 0.0f;
  std::int64_t reach = -1;
  std::vector<float> psi, dpsi;
  const float* psi_at(std::int64_t d) const { return psi.data() + reach + d; }
  const float* dpsi_at(std::int64_t d) const { return dpsi.data() + reach + d; }
};

// out[j] = table[-kpos_j] * scale for keys [0, n): one row of x (scale = 1/den) or of dpsi/dc
// (scale = 1). Dense keys read the table backwards, contiguously.
PEBENCH_MULTIVERSION void row_values(float* out, const float* table, pebench::Positions kpos,
                                     bool dense, float scale) {
  const std::int64_t n = kpos.size;
  if (dense) {
    const float* base = table - kpos[0];
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) out[j] = base[-j] * scale;
  } else {
    for (std::int64_t j = 0; j < n; ++j) out[j] = table[-kpos[j]] * scale;
  }
}

// bias[h, i, j] = a[s, h] x_j + b[s, h] for every head h, s the segment of j's run.
// Runs are written left to right in whole vectors of kVec keys: a run's last vector may spill
// into the next run, which then overwrites it; only a vector that would pass Tk is cut to a
// scalar tail. Runs are short (~15 per row, ~35 visible keys each at T=1024 with the
// reference init, measured). Heads outside, runs inside: the other order (each x vector
// stored to every head's row) measured 1.5-2.4x slower.
constexpr std::int64_t kVec = 8;

PEBENCH_MULTIVERSION void fill_row(float* out, std::int64_t head_stride, std::int64_t H,
                                   const float* x, const Runs& runs, std::int64_t Tk,
                                   const float* a, const float* b) {
  for (std::int64_t h = 0; h < H; ++h, out += head_stride)
    for (std::int64_t r = 0; r < runs.size(); ++r) {
      const std::int64_t j0 = runs.start[r], j1 = runs.end(r, Tk), sh = runs.segment[r] * H + h;
      const float ah = a[sh], bh = b[sh];
      std::int64_t j = j0;
      for (; j < j1 && j + kVec <= Tk; j += kVec) {
#pragma omp simd
        for (std::int64_t l = 0; l < kVec; ++l) out[j + l] = ah * x[j + l] + bh;
      }
      for (; j < j1; ++j) out[j] = ah * x[j] + bh;
    }
}

// For one row's dbias (every head): G0[s, h] += sum g, G1[s, h] += sum g x over each run, and
// P += sum a[s, h] g dpsi/dc, Q += sum a[s, h] g x (float sums per run, double across runs).
PEBENCH_MULTIVERSION void row_sums(const float* g, std::int64_t head_stride, std::int64_t H,
                                   const float* x, const float* dpsi, const Runs& runs,
                                   std::int64_t Tk, const float* a, double* G0, double* G1,
                                   double& P, double& Q) {
  for (std::int64_t h = 0; h < H; ++h, g += head_stride)
    for (std::int64_t r = 0; r < runs.size(); ++r) {
      const std::int64_t j0 = runs.start[r], j1 = runs.end(r, Tk), sh = runs.segment[r] * H + h;
      float s0 = 0, s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s0, s1, s2)
      for (std::int64_t j = j0; j < j1; ++j) {
        s0 += g[j];
        s1 += g[j] * x[j];
        s2 += g[j] * dpsi[j];
      }
      G0[sh] += s0;
      G1[sh] += s1;
      P += double(a[sh]) * s2;
      Q += double(a[sh]) * s1;
    }
}

bool sorted(pebench::Positions k) {
  return std::is_sorted(k.data, k.data + k.size);
}

// The first j' in (j, hi) with pred(j') false, given pred(j) true and pred true-then-false
// on [j, hi); hi if none. Galloping, then bisection: O(log run length).
template <typename Pred>
std::int64_t first_false(std::int64_t j, std::int64_t hi, Pred pred) {
  std::int64_t lo = j, step = 1, probe = j + 1;
  while (probe < hi && pred(probe)) lo = probe, step *= 2, probe = lo + step;
  std::int64_t up = std::min(probe, hi);
  while (up - lo > 1) {  // branch-free steps (selects): the outcome is unpredictable
    const std::int64_t mid = lo + (up - lo) / 2;
    const bool p = pred(mid);
    lo = p ? mid : lo;
    up = p ? up : mid;
  }
  return up;
}

class Fire final : public pebench::Encoding {
 public:
  Fire(const pebench::Config& config, const pebench::AttentionShape& shape)
      : heads_(shape.heads),
        width_(config.get_int("mlp_width", 32)),
        init_length_(config.get_double("init_length", 512.0)),
        init_c_(config.get_double("init_c", 0.1)),
        shared_(config.get_bool("shared_across_layers", false)) {
    if (width_ < 1)
      throw std::invalid_argument("fire: config key 'mlp_width' must be >= 1, got " +
                                  std::to_string(width_));
    if (!(init_length_ > 0.0))
      throw std::invalid_argument("fire: config key 'init_length' must be > 0");
    if (!(init_c_ > 0.0)) throw std::invalid_argument("fire: config key 'init_c' must be > 0");
    auto w1 = declare_parameter("w1", {width_, 1}), b1 = declare_parameter("b1", {width_});
    auto w2 = declare_parameter("w2", {heads_, width_}), b2 = declare_parameter("b2", {heads_});
    auto c = declare_parameter("c", {1}), lm = declare_parameter("L_multiplier", {1});
    w1_ = w1.value, b1_ = b1.value, w2_ = w2.value, b2_ = b2.value, c_ = c.value, lm_ = lm.value;
    dw1_ = w1.grad, db1_ = b1.grad, dw2_ = w2.grad, db2_ = b2.grad, dc_ = c.grad, dlm_ = lm.grad;
  }

  pebench::EncodingInfo info() const override {
    pebench::EncodingInfo i;
    i.name = "fire";
    i.version = "1.1.1";  // 1.0.1: FMA inner loops; 1.1.0: bias_rows (ABI 2), run-spilling fill;
                          // 1.1.1: rows at or below L copied from a distance table (same bits)
    i.paper =
        "Li et al. 2023, Functional Interpolation for Relative Positions Improves Long Context "
        "Transformers (FIRE)";
    i.hooks = pebench::kHookStaticBias;
    i.relative = false;  // psi(max(qpos_i, L)) depends on the absolute query position
    i.shared_across_layers = shared_;
    i.parameter_formula = "mlp_width*(H+2)+H+2 (33*H+66)";
    i.extrapolates = "yes";
    return i;
  }

  void init_parameters(std::uint64_t seed) override {
    pebench::Rng rng(seed);
    const double bound2 = 1.0 / std::sqrt(static_cast<double>(width_));
    for (auto& v : w1_) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (auto& v : b1_) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (auto& v : w2_) v = static_cast<float>(rng.uniform(-bound2, bound2));
    for (auto& v : b2_) v = static_cast<float>(rng.uniform(-bound2, bound2));
    c_[0] = static_cast<float>(init_c_);
    lm_[0] = 1.0f;
  }

  void bias_forward(pebench::Span<3> bias, pebench::Positions qpos,
                    pebench::Positions kpos) override {
    const std::int64_t H = bias.size(0), Tq = bias.size(1), Tk = bias.size(2);
    check_heads(H);
    if (Tq == 0 || Tk == 0) return;
    const auto rows = Fire::bias_rows(qpos, kpos);  // one row is what the harness gets too
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < Tq; ++i)
      rows->row(i, pebench::View<float, 2>{bias.row(0, i), {H, Tk}, {bias.stride[0], 1}});
  }

  // Rows for the harness to compute inside its softmax (pebench::BiasRows): the tables and
  // the piecewise-linear form are fetched once here. bias_forward is these rows.
  std::unique_ptr<pebench::BiasRows> bias_rows(pebench::Positions qpos,
                                               pebench::Positions kpos) override {
    if (qpos.size == 0 || kpos.size == 0) return nullptr;
    auto [pwl, tables] = cached(distance_range(qpos, kpos));
    return std::make_unique<Rows>(*this, qpos, kpos, std::move(pwl), std::move(tables));
  }

  void bias_backward(pebench::ConstSpan<3> dbias, pebench::Positions qpos,
                     pebench::Positions kpos) override {
    const std::int64_t H = dbias.size(0), Tq = dbias.size(1), Tk = dbias.size(2);
    check_heads(H);
    if (Tq == 0 || Tk == 0) return;
    const auto [pwl_ptr, tables] = cached(distance_range(qpos, kpos));
    const PiecewiseLinear& pwl = *pwl_ptr;
    const std::int64_t S = pwl.segments();

    // Per chunk of rows: G0 (S,H), G1 (S,H), dc, dL.
    const std::int64_t chunks = (Tq + kChunkRows - 1) / kChunkRows;
    const std::int64_t stride = 2 * S * H + 2;
    std::vector<double> partial(static_cast<std::size_t>(chunks * stride), 0.0);
    const double c = c_[0], abs_c = std::fabs(c),
                 threshold = std::fabs(double(lm_[0]) * init_length_);
    const bool dense = contiguous(kpos), in_order = sorted(kpos);
#pragma omp parallel
    {
      Runs runs;
      std::vector<float> x(static_cast<std::size_t>(Tk)), dpsi(x.size());
#pragma omp for schedule(static)
      for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
        double* g0 = partial.data() + chunk * stride;
        double* g1 = g0 + S * H;
        double& dc = g1[S * H];
        double& dl = g1[S * H + 1];
        for (std::int64_t i = chunk * kChunkRows; i < std::min(Tq, (chunk + 1) * kChunkRows); ++i) {
          const Row row = make_row(*tables, qpos[i]);
          find_runs(pwl, row, qpos[i], kpos, in_order, runs);
          row_values(x.data(), row.psi, kpos, dense, row.inv);
          row_values(dpsi.data(), row.dpsi, kpos, dense, 1.0f);
          double P = 0, Q = 0;
          row_sums(dbias.row(0, i), dbias.stride[0], H, x.data(), dpsi.data(), runs, Tk,
                   pwl.a.data(), g0, g1, P, Q);
          // den = log(|c| n + 1) + eps, n = max(qpos_i, threshold)
          const double q = static_cast<double>(qpos[i]);
          const double n = std::max(q, threshold);
          const double dden_dc = sign(c) * n / (abs_c * n + 1.0);
          const double dn_dl = q < threshold ? 1.0 : (q == threshold ? 0.5 : 0.0);
          const double dden_dl = abs_c / (abs_c * n + 1.0) * dn_dl * sign(lm_[0]) * init_length_;
          dc += (P - Q * dden_dc) / row.den;
          dl += -Q * dden_dl / row.den;
        }
      }
    }

    // Reduce the chunks in order, then map segment sums to parameter gradients.
    std::vector<double> G0(static_cast<std::size_t>(S * H), 0.0), G1(G0.size(), 0.0);
    double dc = 0, dl = 0;
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
      const double* p = partial.data() + chunk * stride;
      for (std::int64_t e = 0; e < S * H; ++e) G0[e] += p[e], G1[e] += p[S * H + e];
      dc += p[2 * S * H];
      dl += p[2 * S * H + 1];
    }
    for (std::int64_t h = 0; h < H; ++h) {
      double sum = 0;
      for (std::int64_t sg = 0; sg < S; ++sg) sum += G0[sg * H + h];
      db2_[h] += static_cast<float>(sum);
    }
    for (std::int64_t k = 0; k < width_; ++k) {
      double db1 = 0, dw1 = 0;
      for (std::int64_t h = 0; h < H; ++h) {
        double dw2 = 0;
        const double w2 = w2_[h * width_ + k];
        for (std::int64_t sg = 0; sg < S; ++sg) {
          if (!pwl.on[sg * width_ + k]) continue;
          dw2 += double(w1_[k]) * G1[sg * H + h] + double(b1_[k]) * G0[sg * H + h];
          db1 += w2 * G0[sg * H + h];
          dw1 += w2 * G1[sg * H + h];
        }
        dw2_[h * width_ + k] += static_cast<float>(dw2);
      }
      db1_[k] += static_cast<float>(db1);
      dw1_[k] += static_cast<float>(dw1);
    }
    dc_[0] += static_cast<float>(dc);
    dlm_[0] += static_cast<float>(dl);
  }

 private:
  void check_heads(std::int64_t H) const {
    if (H != heads_)
      throw std::invalid_argument("fire: bias has " + std::to_string(H) +
                                  " heads, the encoding was created for " + std::to_string(heads_));
  }

  PiecewiseLinear piecewise_linear() const {
    const std::int64_t W = width_, H = heads_;
    PiecewiseLinear p;
    std::vector<std::int64_t> units;  // hidden units with a breakpoint, sorted by it
    for (std::int64_t k = 0; k < W; ++k)
      if (w1_[k] != 0.0f) units.push_back(k);
    auto breakpoint = [&](std::int64_t k) { return -b1_[k] / w1_[k]; };
    std::stable_sort(units.begin(), units.end(),
                     [&](std::int64_t a, std::int64_t b) { return breakpoint(a) < breakpoint(b); });
    std::vector<std::int64_t> rank(static_cast<std::size_t>(W), -1);
    for (std::size_t r = 0; r < units.size(); ++r) {
      rank[units[r]] = static_cast<std::int64_t>(r);
      p.t.push_back(breakpoint(units[r]));
    }
    const std::int64_t S = p.segments();
    p.on.assign(static_cast<std::size_t>(S * W), 0);
    p.a.assign(static_cast<std::size_t>(S * H), 0.0f);
    p.b.assign(static_cast<std::size_t>(S * H), 0.0f);
    for (std::int64_t s = 0; s < S; ++s) {
      // x in segment s lies right of the breakpoints of rank < s and left of (or on) the rest.
      for (std::int64_t k = 0; k < W; ++k) {
        const bool on = w1_[k] > 0 ? s > rank[k] : (w1_[k] < 0 ? s <= rank[k] : b1_[k] > 0);
        p.on[s * W + k] = on;
      }
      for (std::int64_t h = 0; h < H; ++h) {
        double a = 0, b = b2_[h];
        for (std::int64_t k = 0; k < W; ++k)
          if (p.on[s * W + k]) {
            a += double(w2_[h * W + k]) * w1_[k];
            b += double(w2_[h * W + k]) * b1_[k];
          }
        p.a[s * H + h] = static_cast<float>(a);
        p.b[s * H + h] = static_cast<float>(b);
      }
    }
    return p;
  }

  // The piecewise-linear MLP and the distance tables for the current parameters, covering
  // `range`; rebuilt only when a parameter changed or the range grew. Shared pointers: a
  // concurrent call that rebuilds them leaves this call's copies intact.
  std::pair<std::shared_ptr<const PiecewiseLinear>, std::shared_ptr<const DistanceTables>> cached(
      const DistanceRange& range) const {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    std::vector<float> key;  // the MLP's parameters, bit for bit
    for (const auto* v : {&w1_, &b1_, &w2_, &b2_}) key.insert(key.end(), v->begin(), v->end());
    if (!pwl_ || key.size() != pwl_key_.size() ||
        std::memcmp(key.data(), pwl_key_.data(), key.size() * sizeof(float)) != 0) {
      pwl_ = std::make_shared<const PiecewiseLinear>(piecewise_linear());
      pwl_key_ = std::move(key);
    }
    const std::int64_t need = std::max(std::abs(range.min), std::abs(range.max));
    if (!tables_ || std::memcmp(&tables_->c, c_.data(), sizeof(float)) != 0 ||
        tables_->reach < need)
      tables_ =
          distance_tables(std::max(need, tables_ && tables_->c == c_[0] ? 2 * tables_->reach : 0));
    return {pwl_, tables_};
  }

  std::shared_ptr<const DistanceTables> distance_tables(std::int64_t reach) const {
    auto t = std::make_shared<DistanceTables>();
    t->c = c_[0];
    t->reach = reach;
    t->psi.resize(static_cast<std::size_t>(2 * reach + 1));
    t->dpsi.resize(t->psi.size());
    const double c = c_[0];
    for (std::int64_t e = -reach; e <= reach; ++e) {
      const double d = std::fabs(double(e));
      const double u = std::fabs(c) * d;
      t->psi[reach + e] = static_cast<float>(std::log1p(u));
      t->dpsi[reach + e] = static_cast<float>(sign(c) * d / (u + 1.0));
    }
    return t;
  }

  // One query row: psi and dpsi/dc indexed by -kpos (row.psi[-kpos_j] is psi at qpos_i -
  // kpos_j), 1/den and den = psi(max(qpos_i, L)) + eps.
  struct Row {
    const float *psi, *dpsi;
    double den;
    float inv;
  };

  // L = |L_multiplier * init_length|: queries at or below it share the normalizer.
  double threshold() const {
    return std::fabs(double(lm_[0]) * init_length_);
  }

  Row make_row(const DistanceTables& tables, std::int64_t qi) const {
    const double n = std::max(static_cast<double>(qi), threshold());
    const double den = std::log1p(std::fabs(double(c_[0])) * n) + kEps;
    return {tables.psi_at(qi), tables.dpsi_at(qi), den, static_cast<float>(1.0 / den)};
  }

  // Splits keys [0, Tk) into runs of one segment. x_j = psi_j * inv (float) is what forward
  // and backward evaluate; with keys in order, x is non-increasing in j up to the query
  // position and non-decreasing after it (psi is monotone in |distance|), so each run's end
  // is found by search; otherwise (unsorted keys) a walk over every key.
  void find_runs(const PiecewiseLinear& pwl, const Row& row, std::int64_t qi,
                 pebench::Positions kpos, bool in_order, Runs& runs) const {
    runs.clear();
    const std::int64_t Tk = kpos.size, m = static_cast<std::int64_t>(pwl.t.size());
    auto x = [&](std::int64_t j) { return row.psi[-kpos[j]] * row.inv; };
    if (!in_order) {
      for (std::int64_t j = 0; j < Tk; ++j) runs.push(j, pwl.find(x(j)));
      return;
    }
    const std::int64_t jz = std::lower_bound(kpos.data, kpos.data + Tk, qi) - kpos.data;
    for (std::int64_t j = 0; j < jz;) {  // keys before the query: x non-increasing
      const std::int64_t seg = pwl.find(x(j));
      const std::int64_t end =
          seg == 0
              ? jz
              : first_false(j, jz, [&, lo = pwl.t[seg - 1]](std::int64_t k) { return x(k) > lo; });
      runs.push(j, seg);
      j = end;
    }
    for (std::int64_t j = jz; j < Tk;) {  // keys at or after the query: x non-decreasing
      const std::int64_t seg = pwl.find(x(j));
      const std::int64_t end =
          seg == m
              ? Tk
              : first_false(j, Tk, [&, hi = pwl.t[seg]](std::int64_t k) { return x(k) <= hi; });
      runs.push(j, seg);
      j = end;
    }
  }

  // Bias rows of one set of positions. A query at or below the threshold L has the
  // normalizer psi(L) + eps, the same for every such row, so there the bias is a function of
  // the distance alone (FIRE is relative up to L): those rows are copied from a per-head
  // table over their distances, built once with the arithmetic of a row (a row of virtual
  // keys at every distance: the same bits). At T=1024 with the reference L = 512 that is half
  // the rows, and a copy instead of ~15 runs of multiply-adds per head.
  class Rows final : public pebench::BiasRows {
   public:
    Rows(const Fire& fire, pebench::Positions qpos, pebench::Positions kpos,
         std::shared_ptr<const PiecewiseLinear> pwl, std::shared_ptr<const DistanceTables> tables)
        : fire_(fire),
          qpos_(qpos),
          kpos_(kpos),
          pwl_(std::move(pwl)),
          tables_(std::move(tables)),
          dense_(contiguous(kpos)),
          in_order_(sorted(kpos)),
          threshold_(fire.threshold()) {
      build_near_table();
    }

    void row(std::int64_t i, pebench::Span<2> out) const override {
      const std::int64_t n = out.size(1);
      fire_.check_heads(out.size(0));
      if (i < 0 || i >= qpos_.size || n < 0 || n > kpos_.size)
        throw std::out_of_range("fire: bias row " + std::to_string(i) + " with " +
                                std::to_string(n) + " keys is outside the positions given");
      if (n == 0) return;
      if (!near_.empty() && near(qpos_[i])) {
        copy_near_row(qpos_[i], n, out);
        return;
      }
      const pebench::Positions keys{kpos_.data, n};
      // Per-thread scratch, kept between rows (three allocations per row cost ~5% of the
      // bias at T=1024). glibc keeps the library loaded while a thread holds it.
      thread_local Runs runs;
      thread_local std::vector<float> x;
      if (x.size() < static_cast<std::size_t>(n)) x.resize(static_cast<std::size_t>(n));
      const Row row = fire_.make_row(*tables_, qpos_[i]);
      fire_.find_runs(*pwl_, row, qpos_[i], keys, in_order_, runs);
      row_values(x.data(), row.psi, keys, dense_, row.inv);
      fill_row(out.row(0), out.stride[0], out.size(0), x.data(), runs, n, pwl_->a.data(),
               pwl_->b.data());
    }

   private:
    bool near(std::int64_t q) const { return static_cast<double>(q) <= threshold_; }

    // near_ (H, count): column t is distance near_max_ - t, for the distances between the
    // rows at or below the threshold and every key; built when two or more rows use it.
    void build_near_table() {
      std::int64_t rows = 0, qmin = 0, qmax = 0;
      for (std::int64_t i = 0; i < qpos_.size; ++i)
        if (near(qpos_[i])) {
          qmin = rows == 0 ? qpos_[i] : std::min(qmin, qpos_[i]);
          qmax = rows == 0 ? qpos_[i] : std::max(qmax, qpos_[i]);
          ++rows;
        }
      if (rows < 2) return;
      const auto [kmin, kmax] = std::minmax_element(kpos_.data, kpos_.data + kpos_.size);
      near_max_ = qmax - *kmin;
      near_count_ = near_max_ - (qmin - *kmax) + 1;
      // Virtual keys at positions -near_max_ .. : a query at 0 (also below the threshold)
      // sees them at distances near_max_, near_max_ - 1, ...
      std::vector<std::int64_t> keys(static_cast<std::size_t>(near_count_));
      for (std::int64_t t = 0; t < near_count_; ++t) keys[t] = t - near_max_;
      const pebench::Positions virtual_keys{keys.data(), near_count_};
      const std::int64_t H = fire_.heads_;
      Runs runs;
      std::vector<float> x(static_cast<std::size_t>(near_count_));
      const Row row = fire_.make_row(*tables_, 0);
      fire_.find_runs(*pwl_, row, 0, virtual_keys, true, runs);
      row_values(x.data(), row.psi, virtual_keys, true, row.inv);
      near_.resize(static_cast<std::size_t>(H * near_count_));
      fill_row(near_.data(), near_count_, H, x.data(), runs, near_count_, pwl_->a.data(),
               pwl_->b.data());
    }

    // Row of query position q (at or below the threshold) for keys [0, n): key j is at
    // distance q - kpos_j, column near_max_ - q + kpos_j; contiguous keys are one copy a head.
    void copy_near_row(std::int64_t q, std::int64_t n, pebench::Span<2> out) const {
      const std::int64_t offset = near_max_ - q;
      for (std::int64_t h = 0; h < out.size(0); ++h) {
        const float* table = near_.data() + h * near_count_ + offset;
        float* o = out.row(h);
        if (dense_) {
          std::memcpy(o, table + kpos_[0], sizeof(float) * static_cast<std::size_t>(n));
        } else {
          for (std::int64_t j = 0; j < n; ++j) o[j] = table[kpos_[j]];
        }
      }
    }

    const Fire& fire_;
    pebench::Positions qpos_, kpos_;
    std::shared_ptr<const PiecewiseLinear> pwl_;
    std::shared_ptr<const DistanceTables> tables_;
    bool dense_, in_order_;
    double threshold_;
    std::vector<float> near_;
    std::int64_t near_max_ = 0, near_count_ = 0;
  };

  std::int64_t heads_, width_;
  double init_length_, init_c_;
  bool shared_;
  pebench::ParameterBuffer w1_, b1_, w2_, b2_, dw1_, db1_, dw2_, db2_;
  pebench::ParameterBuffer c_, lm_, dc_, dlm_;  // one float each
  mutable std::mutex cache_mutex_;
  mutable std::shared_ptr<const PiecewiseLinear> pwl_;
  mutable std::vector<float> pwl_key_;
  mutable std::shared_ptr<const DistanceTables> tables_;
};

}  // namespace

PEBENCH_EXPORT_ENCODING(Fire)
