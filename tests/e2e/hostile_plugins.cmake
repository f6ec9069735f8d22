# Plugins that exit(0), abort or hang while loading, and one that exits on a param. Discovery
# and validate's creations run in child processes: each hostile plugin costs its own entry or
# rows, with a message that says what happened during what; nothing hangs or exits silently.
set(hostile --plugin-timeout 2 --plugin-path ${PLUGIN_PATH})
set(hang_msg "did not finish within 2 s while running its factory with the default configuration")
set(exit_msg "the plugin exited the process with status 0 while running its factory")
set(abort_msg "killed by signal 6 [(]Aborted[)] while loading the library")

function(expect what rc expected_rc text)
  foreach(regex ${ARGN})
    if(NOT "${text}" MATCHES "${regex}")
      message(FATAL_ERROR "${what}: no match for '${regex}' in:\n${text}")
    endif()
  endforeach()
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "${what}: exit ${rc}, expected ${expected_rc}:\n${text}")
  endif()
endfunction()

# list: every good encoding, and one warning per hostile plugin.
execute_process(COMMAND ${EXE} ${hostile} list RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 60)
expect(list "${rc}" 0 "${out}${err}" "\nalibi " "\nbroken_exits_on_params "
       "hangs_in_factory.so: ${hang_msg}" "exits_in_factory.so: ${exit_msg}"
       "aborts_at_load.so: the process was ${abort_msg}")

# validate: the hanging plugin named at its entry with its fate; the exit on a param too.
execute_process(COMMAND ${EXE} ${hostile} validate ${SUITE} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
expect(validate "${rc}" 1 "${out}${err}"
       "with_hostile.yaml:6:5: encoding 'broken_hangs_in_factory': encoding 'broken_hangs_in_factory' could not be loaded: [^\n]*${hang_msg}"
       "with_hostile.yaml:7:5: encoding 'broken_exits_on_params' {mode=1}: the plugin exited the process with status 0 while creating encoding 'broken_exits_on_params'")

# run: the good cases pass around the hostile ones, which get their own statuses.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${EXE} ${hostile} run ${SUITE} --out ${OUT} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
file(READ ${OUT}/rows.jsonl rows)
string(REGEX MATCHALL "\"seed\":1,\"status\":\"[A-Z_]+\"" statuses "${rows}")
string(REGEX REPLACE "\"seed\":1,\"status\":\"([A-Z_]+)\"" "\\1" statuses "${statuses}")
string(REPLACE ";" "," statuses "${statuses}")
expect(run "${rc}" 2 "${statuses}" "^PASSED,LOAD_ERROR,FAILED,PASSED$")
expect(run-rows "${rc}" 2 "${rows}" "${hang_msg}"
       "the case's process exited with status 0 without writing this row")

# check-plugin on each hostile file: non-zero, LOAD_ERROR with the reason.
foreach(pair "hangs_in_factory|${hang_msg}" "exits_in_factory|${exit_msg}"
        "aborts_at_load|${abort_msg}")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 msg)
  execute_process(COMMAND ${EXE} --plugin-timeout 2 check-plugin
                          ${PLUGIN_PATH}/pebench-broken_${name}.so
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  expect("check-plugin ${name}" "${rc}" 2 "${out}${err}" "LOAD_ERROR [^\n]*${name}.so: [^\n]*${msg}")
endforeach()
