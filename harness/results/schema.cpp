#include "results/schema.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace pebench {
namespace {

constexpr std::array<std::pair<Status, const char*>, 8> kStatusNames = {{
    {Status::kPassed, "PASSED"},
    {Status::kSkipped, "SKIPPED"},
    {Status::kFailed, "FAILED"},
    {Status::kDiverged, "DIVERGED"},
    {Status::kMistrusted, "MISTRUSTED"},
    {Status::kLoadError, "LOAD_ERROR"},
    {Status::kCrashed, "CRASHED"},
    {Status::kTimeout, "TIMEOUT"},
}};

// A row nests 2 or 3 levels (arrays, objects of a metric); the JSON library copies and writes
// values recursively, so a deeper one could overflow the stack.
constexpr int kMaxRowDepth = 64;

bool is_fixed_key(const std::string& key) {
  const auto& header = json_field_names(static_cast<const RowHeader*>(nullptr));
  const auto& provenance = json_field_names(static_cast<const Provenance*>(nullptr));
  return std::find(header.begin(), header.end(), key) != header.end() ||
         std::find(provenance.begin(), provenance.end(), key) != provenance.end();
}

}  // namespace

const char* to_string(Status s) {
  for (const auto& [status, name] : kStatusNames)
    if (status == s) return name;
  return "FAILED";
}

std::optional<Status> status_from_string(const std::string& text) {
  for (const auto& [status, name] : kStatusNames)
    if (text == name) return status;
  return std::nullopt;
}

std::string encoding_label(const Row& row) {
  const std::string& params = row.head.encoding_params;
  return row.head.encoding + (params.empty() ? "" : "[" + params + "]");
}

std::string status_cell(Status s) {
  return s == Status::kSkipped ? "n/a" : to_string(s);
}

void Row::check_metric_keys(const RowJson& j) {
  for (const auto& [key, value] : j.items())
    if (is_fixed_key(key))
      throw std::logic_error("metric '" + key + "' reuses a row header or provenance key");
}

RowJson Row::to_json() const {
  RowJson j = head;
  const RowJson prov = provenance;
  for (const auto& [key, value] : prov.items()) j[key] = value;
  for (const auto& [key, value] : metrics.items()) j[key] = value;
  return j;
}

std::string Row::to_json_line() const {
  // Invalid UTF-8 (e.g. from a plugin's error message) is replaced, never a thrown write.
  return to_json().dump(-1, ' ', false, RowJson::error_handler_t::replace);
}

Row Row::from_json(const RowJson& j) {
  if (!j.is_object()) throw RowError("a row must be a JSON object");
  const auto version = j.find("schema_version");
  if (version == j.end() || !version->is_number_integer())
    throw RowError("a row without schema_version (written by a pebench before rows had a schema)");
  // Compared as written (a cast to int would wrap 4294967298 to 2).
  if (version->is_number_unsigned() && version->get<std::uint64_t>() > kSchemaVersion)
    throw RowError("row schema_version " + version->dump() + " is newer than this pebench's (" +
                   std::to_string(kSchemaVersion) + ")");
  if (!version->is_number_unsigned() || version->get<std::uint64_t>() < 1)
    throw RowError("row schema_version " + version->dump() + " is not a version (1, 2, ...)");
  Row row;
  try {
    row.head = j.get<RowHeader>();
    row.provenance = j.get<Provenance>();
  } catch (const std::exception& e) {
    throw RowError(e.what());
  }
  for (const auto& [key, value] : j.items())
    if (!is_fixed_key(key)) row.metrics[key] = value;
  return row;
}

Row Row::from_json_line(const std::string& line) {
  RowJson j;
  try {
    j = RowJson::parse(line, json_fields::depth_limit<RowJson>(kMaxRowDepth));
  } catch (const nlohmann::json::parse_error& e) {
    throw RowError(std::string("not JSON: ") + e.what());
  } catch (const json_fields::FieldError& e) {
    throw RowError(e.what());
  }
  return from_json(j);
}

}  // namespace pebench
