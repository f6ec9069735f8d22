// A synthetic task: a seeded generator of token sequences with the answer tokens
// marked, and the error metric the papers report.
//
// A batch is B rows of T tokens. targets[i] is the token that should be predicted
// at position i (the next token), loss_mask[i] is 1 where the loss counts, and
// answer[i] >= 0 groups target positions into answers: an answer is right only if
// the argmax prediction is right at every position of the group (flip-flop: each
// read bit is one answer; selective copy and counting: the whole answer).
// Sequences shorter than T are padded with pad_token(), mask 0, answer -1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pebench/config.hpp"
#include "pebench/random.hpp"

namespace pebench {

struct TaskBatch {
  std::int64_t batch = 0, seq_len = 0;  // B, T
  std::vector<std::int32_t> tokens;     // (B, T) inputs
  std::vector<std::int32_t> targets;    // (B, T) next-token targets (pad where unused)
  std::vector<float> loss_mask;         // (B, T) 1 = counts in the loss
  std::vector<std::int32_t> answer;     // (B, T) answer index within its row, -1 = none
};

// Counts of answers and wrong answers; error rate = wrong / answers.
struct AnswerErrors {
  std::int64_t answers = 0, wrong = 0;
  double rate() const { return answers ? double(wrong) / double(answers) : 0.0; }
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual std::int32_t vocab_size() const = 0;
  virtual std::int32_t pad_token() const = 0;
  virtual std::string token_text(std::int32_t token) const = 0;
  // Shortest T that holds every sequence this task generates; sample() throws
  // std::invalid_argument (naming the task and the lengths) for a smaller T.
  virtual std::int64_t min_seq_len() const = 0;
  // True when sequences fill whatever T they get (min_seq_len is only a floor): a suite
  // must then name the training length (flip-flop would otherwise train at T = 4).
  virtual bool any_length() const { return false; }
  // B sequences drawn from rng (deterministic in its state).
  virtual TaskBatch sample(Rng& rng, std::int64_t batch, std::int64_t seq_len) const = 0;
};

// Scores argmax predictions (B, T) against a batch.
AnswerErrors score_answers(const TaskBatch& batch, const std::vector<std::int32_t>& predictions);

// Creates a task by name ("flip_flop", "selective_copy", "counting") from its
// config; unknown names and keys throw std::invalid_argument naming them (the
// caller checks config.unused_keys()).
std::unique_ptr<Task> make_task(const std::string& name, const Config& config);
std::vector<std::string> task_names();

}  // namespace pebench
