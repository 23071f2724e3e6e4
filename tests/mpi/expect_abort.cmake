# Runs COMMAND (a ;-list: mpirun ... mpi_gan --fail-rank 1) and requires that it fails, within
# TIMEOUT seconds (a hang is a failure), with EXPECT in its output.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${TIMEOUT})
if(rc EQUAL 0)
  message(FATAL_ERROR "expected the run to fail; it succeeded:\n${out}${err}")
endif()
if(rc MATCHES "timeout")
  message(FATAL_ERROR "the run did not end within ${TIMEOUT} s (a rank hung):\n${out}${err}")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected \"${EXPECT}\" in the output:\n${out}${err}")
endif()
