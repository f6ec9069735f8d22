# Train short, evaluate long, from the command line: the unit test
# CorpusLm.TrainShortEvaluateLongThroughACheckpoint trains a tiny ALiBi model on a generated
# corpus and, with PEBENCH_TEST_KEEP, leaves the corpus and checkpoints in DIR; then
# `pebench eval` scores them at L, 2L, 4L with both protocols, and a learned-positions model
# whose table stops at 64 is n/a beyond it. UNIT, EXE, DIR.
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env PEBENCH_TEST_KEEP=${DIR}
                        ${UNIT} --gtest_filter=CorpusLm.TrainShortEvaluateLongThroughACheckpoint
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "training test failed:\n${out}${err}")
endif()

function(eval_checkpoint name lengths)
  execute_process(COMMAND ${EXE} eval ${DIR}/${name}.ckpt --lengths ${lengths} --corpus words
                          --files "${DIR}/corpus/**/*.txt" --validation 0.1 --test 0.1
                          --split validation --stride 8 --max-scored 4000
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pebench eval ${name} exited ${rc}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

eval_checkpoint(alibi "32,64,128")
foreach(len 32 64 128)
  foreach(protocol "windows" "sliding \\(S=8\\)")
    # trained to ~1.8 bits per byte (1.25 nats): well below 8 (untrained)
    if(NOT out MATCHES "\\| ${len} \\| ${protocol} \\| [12]\\.[0-9]+ \\| [0-9.]+ \\| [0-9]+ \\| [0-9]+ \\|")
      message(FATAL_ERROR "no trained row for length ${len}, ${protocol}")
    endif()
  endforeach()
endforeach()
if(NOT out MATCHES "bits/byte by position in the window.*L=128: 0\\+: [0-9.]+, 16\\+")
  message(FATAL_ERROR "no loss by position")
endif()

eval_checkpoint(learned "64,128")
if(NOT out MATCHES "\\| 64 \\| windows \\| [0-9.]+ \\|")
  message(FATAL_ERROR "learned should run at its table's length")
endif()
if(NOT out MATCHES "\\| 128 \\| windows \\| n/a \\| n/a \\| 0 \\| 0 \\|  \\(encoding 'learned' supports positions < max_positions = 64")
  message(FATAL_ERROR "learned beyond its table should be n/a with the reason")
endif()
