// The list of suite kinds. Adding a kind: a folder kinds/<kind>/ whose .cpp files define
// `const SuiteKind& <kind>_kind()`, and one X(<kind>) below (docs/architecture.md).
#include "kinds/kinds.hpp"

#include <stdexcept>

#define PEBENCH_SUITE_KINDS(X) X(conformance) X(synthetic) X(speed) X(memory) X(extrapolation)

namespace pebench {

#define PEBENCH_DECLARE_KIND(k) const SuiteKind& k##_kind();
PEBENCH_SUITE_KINDS(PEBENCH_DECLARE_KIND)
#undef PEBENCH_DECLARE_KIND

const std::vector<const SuiteKind*>& suite_kinds() {
#define PEBENCH_LIST_KIND(k) &k##_kind(),
  static const std::vector<const SuiteKind*> kinds = {PEBENCH_SUITE_KINDS(PEBENCH_LIST_KIND)};
#undef PEBENCH_LIST_KIND
  return kinds;
}

const SuiteKind* find_kind(const std::string& name) {
  for (const SuiteKind* k : suite_kinds())
    if (k->name() == name) return k;
  return nullptr;
}

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const SuiteKind* k : suite_kinds()) names.push_back(k->name());
  return names;
}

const SuiteKind& kind_of(const std::string& name) {
  const SuiteKind* k = find_kind(name);
  if (!k) throw std::runtime_error("unknown kind '" + name + "' (this pebench has no such kind)");
  return *k;
}

}  // namespace pebench
