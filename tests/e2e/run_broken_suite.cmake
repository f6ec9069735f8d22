# A suite with a failing case and a missing encoding still runs every case and
# writes a row for each, marked with its own status.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${EXE} --plugin-path ${PLUGIN_PATH} run ${SUITE} --out ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "a suite with failing cases must exit 2 (some cases did not pass), got ${rc}")
endif()
# Read as text: JSON rows may hold ';', which CMake lists would split on.
file(READ ${OUT}/rows.jsonl content)
# The row's status follows its seed (each check inside a row has a status of its own).
string(REGEX MATCHALL "\"seed\":3,\"status\":\"[A-Z_]+\"" statuses "${content}")
string(REPLACE "\"seed\":3," "" statuses "${statuses}")
if(NOT statuses STREQUAL "\"status\":\"PASSED\";\"status\":\"FAILED\";\"status\":\"LOAD_ERROR\";\"status\":\"PASSED\"")
  message(FATAL_ERROR "unexpected statuses: ${statuses}")
endif()
if(NOT content MATCHES "no encoding named 'no_such_encoding'")
  message(FATAL_ERROR "load error row does not say why")
endif()
if(NOT "${err}" MATCHES "__REPRO: pebench --plugin-path [^ ]+/fixture_plugins/broken run [^ ]+/suite/[0-9a-f]+/with_broken.yaml --case broken_wrong_gradient/seed=3")
  message(FATAL_ERROR "no repro line for the failing case")
endif()
# The repro line reruns that one case on its own, in this process, from the run's snapshot.
string(REGEX MATCH "__REPRO: pebench ([^\n]+broken_wrong_gradient/seed=3)" _ "${err}")
separate_arguments(repro_args UNIX_COMMAND "${CMAKE_MATCH_1}")
execute_process(COMMAND ${EXE} ${repro_args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("repro: ${out}${err}")
if(NOT rc EQUAL 2 OR NOT out MATCHES "FAILED +gradient param slope" OR NOT out MATCHES "\nFAILED [0-9]+/[0-9]+ checks passed")
  message(FATAL_ERROR "the repro line did not rerun the failing case (exit ${rc})")
endif()
