#include "suite/yaml_documents.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string_view>

namespace pebench {

std::vector<YAML::Mark> first_two_documents(const std::string& text) {
  struct DocumentStarts : YAML::EventHandler {
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } handler;
  std::istringstream in(text);
  YAML::Parser parser(in);
  if (parser.HandleNextDocument(handler)) parser.HandleNextDocument(handler);
  return handler.starts;
}

bool opens_a_document(const std::string& text, const YAML::Mark& at) {
  const std::size_t pos = static_cast<std::size_t>(at.pos);
  if (at.pos < 0 || pos >= text.size()) return false;
  if (text.compare(pos, 3, "---") == 0) return true;
  // The lines before `at`, last first: the first that is not blank or a comment must be '...'.
  std::size_t end = text.rfind('\n', pos == 0 ? 0 : pos - 1);
  while (end != std::string::npos && end > 0) {
    const std::size_t begin = text.rfind('\n', end - 1);
    const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
    const std::string_view line(text.data() + from, end - from);
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') return line.substr(0, 3) == "...";
    if (from == 0) break;
    end = from - 1;
  }
  return false;
}

int directive_between(const std::string& text, const YAML::Mark& first, const YAML::Mark& second) {
  int found = -1, line = 0;
  for (std::size_t pos = 0; pos < text.size() && static_cast<int>(pos) < second.pos; ++line) {
    if (static_cast<int>(pos) > first.pos && text[pos] == '%') found = line;
    pos = text.find('\n', pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return found;
}

bool surely_one_document(const YAML::Node& root, const std::string& text) {
  if (!root.IsMap() || root.Style() != YAML::EmitterStyle::Block || root.Mark().column != 0)
    return false;
  if (text.find("\xEF\xBB\xBF", 1) != std::string::npos) return false;  // a BOM opens a document
  for (std::size_t pos = 0; pos < text.size();) {
    // '%' at column 0 is a directive, which yaml-cpp takes as the start of a new document
    // (found by the shortcut check of tests/fuzz/fuzz_suite.cpp).
    if (text.compare(pos, 3, "---") == 0 || text.compare(pos, 3, "...") == 0 || text[pos] == '%')
      return false;
    pos = text.find_first_of("\r\n", pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return true;
}

}  // namespace pebench
