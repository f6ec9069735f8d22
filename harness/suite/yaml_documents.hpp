// How many YAML documents a suite's text holds, without YAML::LoadAll: on a ',' where a
// document could start (a line starting with ',' after a block that ends there, or after a
// quoted or flow root), yaml-cpp 0.7.0 reports one empty document after another without
// consuming input, so LoadAll never returns (memory grows ~220 MB/s; jbeder/yaml-cpp#1040,
// fixed after 0.8.0; found by tests/fuzz, inputs in tests/fuzz/regressions/suite/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace pebench {

// Where the first two documents of `text` start (at most two: asking yaml-cpp for the next
// document at most twice always returns). Throws YAML::ParserException on a syntax error.
std::vector<YAML::Mark> first_two_documents(const std::string& text);

// True if the second document that first_two_documents found at `at` really opens one (a
// '---', or any content after a '...' line); false if it is yaml-cpp's stuck state, i.e. a
// syntax error at `at`.
bool opens_a_document(const std::string& text, const YAML::Mark& at);

// The 0-based line of the last directive ('%' at column 0) between the starts of the first
// two documents, or -1: a '%' line inside a document ends it there.
int directive_between(const std::string& text, const YAML::Mark& first, const YAML::Mark& second);

// True when `text`, whose first document is `root`, certainly holds no second one, so that
// first_two_documents (a second parse: 0.3 s of a 1.5 MB suite listing 200k seeds, AMD EPYC)
// can be skipped. A second document needs a line starting with '---', '...' or '%' (a
// directive); yaml-cpp's
// stuck state needs the root to end before the end of the text, and a block mapping at column
// 0 ends nowhere else (a ',' inside it is "end of map not found"). tests/fuzz/fuzz_suite.cpp
// checks this against first_two_documents on every input.
bool surely_one_document(const YAML::Node& root, const std::string& text);

}  // namespace pebench
