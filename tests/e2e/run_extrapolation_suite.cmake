# Runs the tiny extrapolation suite end to end: one row per (case, length, protocol) with
# provenance and the corpus hash, n/a beyond learned's table, a checkpoint per case that
# `pebench eval` reads, and the length-by-protocol table.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${EXE} run ${SUITE} --out ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pebench run exited ${rc}")
endif()
file(READ ${OUT}/rows.jsonl text)
string(REGEX MATCHALL "\"kind\":\"extrapolation\"" rows "${text}")
list(LENGTH rows n)
if(NOT n EQUAL 60)  # (3 encodings + rope with and without the override) x 2 seeds x 3 x 2
  message(FATAL_ERROR "expected 60 rows, got ${n}")
endif()
string(REGEX MATCHALL "\"status\":\"PASSED\"" passed "${text}")
list(LENGTH passed n_passed)
if(NOT n_passed EQUAL 56)  # learned at 64: 2 protocols x 2 seeds skipped
  message(FATAL_ERROR "expected 56 PASSED rows, got ${n_passed}")
endif()
foreach(pattern "\"status\":\"SKIPPED\",\"status_detail\":\"encoding 'learned' supports positions < max_positions = 32"
                "\"corpus_sha256\":\"[0-9a-f]+\"" "\"bits_per_byte\":[0-9.]+" "\"position_bits\":\\[[0-9.]+,"
                "\"protocol\":\"sliding\",\"train_length\":16,\"eval_length\":64,\"stride\":8"
                "\"checkpoint\":\"[^\"]+unit-0.ckpt\"" "git_sha" "plugin_sha256" "suite_sha256"
                "\"row_id\":\"rope/fixture/L=16/seed=1/L=64/windows/pi\""
                "\"variant\":\"pi\",\"variant_params\":\"factor=4,scaling=linear\"")
  if(NOT "${text}" MATCHES "${pattern}")
    message(FATAL_ERROR "rows lack ${pattern}")
  endif()
endforeach()
file(READ ${OUT}/table.md table)
# A cell pooling two seeds: mean ± std [95% CI] n=2, in bold when the column's best.
set(cell "\\**[0-9.]+ ± [0-9.]+ \\[-?[0-9.]+, -?[0-9.]+\\] n=2\\**")
if(NOT table MATCHES "\\| learned\\[max_positions=32\\] \\| windows \\| ${cell} \\| ${cell} \\| n/a \\|")
  message(FATAL_ERROR "table.md lacks the learned row with n/a:\n${table}")
endif()
if(NOT table MATCHES "\\| rope \\+ pi \\| windows \\| ${cell} \\| ${cell} \\| ${cell} \\|")
  message(FATAL_ERROR "table.md lacks the rope + pi row:\n${table}")
endif()
if(NOT table MATCHES "\\| alibi \\| sliding \\| ${cell} \\| ${cell} \\| ${cell} \\|")
  message(FATAL_ERROR "table.md lacks the alibi sliding row:\n${table}")
endif()
# The checkpoint of case 0 (nope, seed 1) is evaluated again, without retraining, at a new length.
get_filename_component(suite_dir ${SUITE} DIRECTORY)
execute_process(COMMAND ${EXE} eval ${OUT}/logs/unit-0.ckpt --lengths 16,128 --corpus fixture
                        --files "${suite_dir}/../corpus/*.txt" --validation 0.2 --test 0.2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\| 128 \\| windows \\| [0-9.]+ \\|")
  message(FATAL_ERROR "pebench eval of the suite's checkpoint failed")
endif()
