# Runs one example trainer the way a user would, at tiny size, and checks what it wrote:
#   cmake -DPROGRAM=... -DOUT=... -DARGS="a;b" -DFILES="x;y" [-DSTEPS=3] [-DSAMPLE_SHAPE=1,28,28]
#         [-DDEVICE=cuda -DCOMPARE=compare_losses] -P run_trainer.cmake
# 1. PROGRAM ARGS --steps STEPS --out OUT: every file in FILES exists and is not empty, and
#    metrics.json says steps = STEPS.
# 2. --resume --steps STEPS+2: continues from the checkpoint to STEPS+2 steps, and losses.csv
#    holds one row per step.
# 3. --sample 5 (unless SAMPLE_SHAPE is empty): samples.npy holds 5 samples of SAMPLE_SHAPE.
# With DEVICE, every run is on --device DEVICE, and then the same STEPS steps on the Cpu must give
# the same losses (within float tolerance: sums run in another order).
cmake_minimum_required(VERSION 3.25)
if(NOT STEPS)
  set(STEPS 3)
endif()
if(DEVICE)
  list(APPEND ARGS --device ${DEVICE})
endif()
function(run)
  execute_process(COMMAND ${PROGRAM} ${ARGS} --out ${OUT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${ARGS} ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()
function(expect_steps n)
  file(READ ${OUT}/metrics.json json)
  string(JSON steps GET "${json}" steps)
  if(NOT steps EQUAL n)
    message(FATAL_ERROR "${OUT}/metrics.json: steps ${steps}, expected ${n}")
  endif()
endfunction()

file(REMOVE_RECURSE ${OUT})
run(--steps ${STEPS})
foreach(f ${FILES} metrics.json checkpoint.safetensors losses.csv losses.png)
  if(NOT EXISTS ${OUT}/${f})
    message(FATAL_ERROR "${PROGRAM} did not write ${OUT}/${f}")
  endif()
  file(SIZE ${OUT}/${f} size)
  if(size EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} wrote an empty ${OUT}/${f}")
  endif()
endforeach()
expect_steps(${STEPS})

math(EXPR more "${STEPS} + 2")
run(--resume --steps ${more})
expect_steps(${more})
file(STRINGS ${OUT}/losses.csv rows)
list(LENGTH rows lines)
math(EXPR expected "${more} + 1")
if(NOT lines EQUAL expected)
  message(FATAL_ERROR "${OUT}/losses.csv: ${lines} lines after resuming to ${more} steps, expected ${expected}")
endif()

if(SAMPLE_SHAPE)
  run(--sample 5)
  # After the magic, version and length bytes (10 in format 1.0; the version holds a NUL byte).
  file(READ ${OUT}/samples.npy header OFFSET 10 LIMIT 118)
  if(NOT header MATCHES "'descr': '<f4'.*'shape': \\(5, ${SAMPLE_SHAPE}\\)")
    message(FATAL_ERROR "${OUT}/samples.npy: header ${header} is not float32 of shape (5, ${SAMPLE_SHAPE})")
  endif()
endif()

if(DEVICE)
  list(REMOVE_ITEM ARGS --device ${DEVICE})
  set(device_out ${OUT})
  set(OUT ${OUT}-cpu)
  file(REMOVE_RECURSE ${OUT})
  run(--steps ${STEPS} --device cpu)
  execute_process(COMMAND ${COMPARE} ${OUT}/losses.csv ${device_out}/losses.csv ${STEPS} 1e-3
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the first ${STEPS} steps on ${DEVICE} and on the Cpu differ:\n${out}${err}")
  endif()
  message(STATUS "${DEVICE} against the Cpu: ${out}")
endif()
