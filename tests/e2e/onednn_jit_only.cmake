# Runs attention forward+backward at T=1024 (nope and alibi) with ONEDNN_VERBOSE=1
# and fails if any primitive runs a reference (ref:) implementation: the measured
# traps of DESIGN.md 3 (broadcast post-ops, oneDNN softmax backward) are ~6-600x slower.
set(ENV{ONEDNN_VERBOSE} 1)
execute_process(COMMAND ${BENCH} --lengths 1024 --encodings nope,alibi
                --benchmark_filter=attention/fwd_bwd --benchmark_repetitions=1 --benchmark_min_time=0
                --benchmark_enable_random_interleaving=false
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "benchmark failed: ${err}")
endif()
string(REGEX MATCHALL "onednn_verbose,exec,cpu,[a-z_0-9]+,[^,]+" execs "${out}")
list(LENGTH execs n)
if(n LESS 10)
  message(FATAL_ERROR "too few oneDNN executions seen (${n}); is ONEDNN_VERBOSE honoured?")
endif()
list(REMOVE_DUPLICATES execs)
message("${n} executions; implementations: ${execs}")
foreach(e IN LISTS execs)
  if(e MATCHES ",ref:")
    message(FATAL_ERROR "reference implementation on the hot path: ${e}")
  endif()
endforeach()
