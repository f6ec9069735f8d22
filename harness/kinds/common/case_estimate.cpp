#include "kinds/common/case_estimate.hpp"

#include <algorithm>

namespace pebench {
namespace {

constexpr double kFloat = 4;        // bytes
constexpr double kBlockRows = 256;  // CausalAttention's default block_rows

// Parameters with their gradients and AdamW's two moments: 4 floats each.
double parameter_bytes(const ModelConfig& m, int copies) {
  const double D = double(m.d_model), F = double(m.hidden()), L = double(m.layers);
  const double V = double(m.vocab > 0 ? m.vocab : 256);  // vocab 0: the task's (small)
  return copies * kFloat * (L * (4 * D * D + 2 * D * F) + 2 * V * D);
}

}  // namespace

double attention_probs_bytes(std::int64_t batch, std::int64_t heads, std::int64_t seq_len) {
  // sum over blocks of rows x keys = T (T + 1) / 2 plus the part of each block above its
  // diagonal (< 256 x T / 2).
  const double T = double(seq_len);
  return double(batch) * double(heads) * kFloat * (T * (T + 1) / 2 + kBlockRows * T / 2);
}

double workload_bytes(const WorkloadShape& s) {
  if (s.is_model()) {
    const ModelConfig m = s.model_config();
    return s.mode == "train_step" ? model_train_bytes(m, s.batch, s.seq_len)
                                  : model_inference_bytes(m, s.batch, s.seq_len);
  }
  const double B = double(s.batch), H = double(s.heads), T = double(s.seq_len);
  const double io = B * H * T * double(s.head_dim) * kFloat;  // q, k, v or out
  const double block_scores = H * std::min(kBlockRows, T) * T * kFloat;
  if (s.mode == "attention_fwd_bwd")  // inputs, outputs and their gradients; scratch
    return 8 * io + attention_probs_bytes(s.batch, s.heads, s.seq_len) + 2 * block_scores;
  return 4 * io + block_scores;
}

double model_train_bytes(const ModelConfig& m, std::int64_t batch, std::int64_t seq_len) {
  const double BT = double(batch) * double(seq_len), D = double(m.d_model);
  const double F = double(m.hidden()), L = double(m.layers);
  const double activations = L * BT * (16 * D + 4 * F) * kFloat;
  const double probs = attention_probs_bytes(batch, m.heads, seq_len);
  const double logits = 3 * BT * double(m.vocab > 0 ? m.vocab : 256) * kFloat;
  return parameter_bytes(m, 4) + activations + (L + 1) * probs + logits;
}

double model_inference_bytes(const ModelConfig& m, std::int64_t batch, std::int64_t seq_len) {
  const double BT = double(batch) * double(seq_len), D = double(m.d_model);
  const double T = double(seq_len);
  const double block_scores = double(m.heads) * std::min(kBlockRows, T) * T * kFloat;
  const double logits = BT * double(m.vocab > 0 ? m.vocab : 256) * kFloat;
  return parameter_bytes(m, 1) + BT * (8 * D + 2 * double(m.hidden())) * kFloat + block_scores +
         logits;
}

CaseEstimate training_estimate(const ModelConfig& model, std::int64_t steps, std::int64_t batch,
                               std::int64_t seq_len) {
  CaseEstimate e;
  e.bytes = model_train_bytes(model, batch, seq_len);
  e.flops = double(steps) * 3 * model_forward_flops(model, batch, seq_len);
  return e;
}

CaseEstimate then(const CaseEstimate& a, const CaseEstimate& b) {
  return {std::max(a.bytes, b.bytes), a.flops + b.flops, a.min_seconds + b.min_seconds};
}

}  // namespace pebench
