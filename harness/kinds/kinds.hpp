// The registered suite kinds (kinds/kinds.cpp holds the list).
#pragma once

#include <string>
#include <vector>

#include "kinds/kind.hpp"

namespace pebench {

const std::vector<const SuiteKind*>& suite_kinds();
// nullptr if no kind has that name.
const SuiteKind* find_kind(const std::string& name);
std::vector<std::string> kind_names();
// The kind of a case or row; throws std::runtime_error naming the unknown kind.
const SuiteKind& kind_of(const std::string& name);

}  // namespace pebench
