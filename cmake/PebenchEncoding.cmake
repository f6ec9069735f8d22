# pebench_add_encoding(<name> <sources>... [OUTPUT_DIRECTORY <dir>] [NO_INSTALL] [SANITIZE])
#
# SANITIZE: compiled with AddressSanitizer (-fsanitize=address, -g), not linked to its
# runtime: it loads only under `pebench check-plugin --asan`, which preloads the runtime, so
# that an out-of-bounds read or write in a hook is reported with its stack (docs/encodings.md).
#
# Builds one encoding as a plugin: a MODULE library named pebench-<name>.so,
# hidden visibility (only the two Boost.DLL aliases are exported), linked to the
# header-only SDK. In the pebench tree it lands in the build's plugins/ folder
# and is installed with pebench; elsewhere it lands in the caller's build folder.
function(pebench_add_encoding name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL;SANITIZE" "OUTPUT_DIRECTORY" "")
  set(sources ${arg_UNPARSED_ARGUMENTS})
  if(NOT sources)
    message(FATAL_ERROR "pebench_add_encoding(${name}): no sources given")
  endif()
  set(target pebench_encoding_${name})
  add_library(${target} MODULE ${sources})
  # Plugins may use OpenMP (`#pragma omp parallel for`): the same runtime oneDNN uses here.
  find_package(OpenMP REQUIRED)
  target_link_libraries(${target} PRIVATE pebench::sdk OpenMP::OpenMP_CXX)
  if(arg_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address -fno-omit-frame-pointer -g)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "pebench-${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  elseif(DEFINED PEBENCH_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${PEBENCH_PLUGIN_OUTPUT_DIR}")
  endif()
  if(DEFINED PEBENCH_INSTALL_PLUGIN_DIR AND NOT arg_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION "${PEBENCH_INSTALL_PLUGIN_DIR}")
  endif()
endfunction()
