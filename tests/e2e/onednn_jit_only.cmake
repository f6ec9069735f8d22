# Runs attention forward+backward at T=1024 (nope and alibi, with the same-FLOP GEMM beside
# them) with ONEDNN_VERBOSE=1, as one speed group in this process (the repro of the two cases),
# and fails if any primitive runs a reference (ref:) implementation: the measured traps of
# docs/architecture.md ("oneDNN facts") are ~6-600x slower.
set(ENV{ONEDNN_VERBOSE} 1)
execute_process(COMMAND ${EXE} run ${SUITE} --case nope/attention_fwd_bwd/T=1024/B=1/H=8/d=64
                --case alibi/attention_fwd_bwd/T=1024/B=1/H=8/d=64
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "speed cases failed (${rc}): ${out}${err}")
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
if(NOT out MATCHES "PASSED nope/attention_fwd_bwd/T=1024/B=1/H=8/d=64: median [0-9.]+ ms[^\n]*x GEMM")
  message(FATAL_ERROR "no ratio to the same-FLOP GEMM:\n${out}")
endif()
