# Installs ctnn into a scratch prefix, then configures, builds and runs tests/consumer against it
# (with NEEDS_THRUST, its ThrustOmp program too). CTNN_CUDA=OFF: the installed package is the same
# file for file without it, and configuring CUDA took 4 of this test's 20 CPU seconds.
file(REMOVE_RECURSE ${WORK_DIR})
foreach(step
    "${CMAKE_COMMAND};-S;${SOURCE_DIR};-B;${WORK_DIR}/ctnn-build;-DCTNN_BUILD_TESTS=OFF;-DCTNN_BUILD_EXAMPLES=OFF;-DCTNN_BUILD_BENCHMARKS=OFF;-DCTNN_CUDA=OFF;-DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix"
    "${CMAKE_COMMAND};--install;${WORK_DIR}/ctnn-build"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/tests/consumer;-B;${WORK_DIR}/consumer-build;-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix;-DCMAKE_CXX_COMPILER=${CXX};-DCMAKE_BUILD_TYPE=Release;-DCONSUMER_NEEDS_THRUST=${NEEDS_THRUST}"
    "${CMAKE_COMMAND};--build;${WORK_DIR}/consumer-build"
    "${WORK_DIR}/consumer-build/consumer")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer step failed: ${step}\n${out}\n${err}")
  endif()
endforeach()
if(NEEDS_THRUST)
  execute_process(COMMAND ${WORK_DIR}/consumer-build/consumer_thrust RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "Cpu and ThrustOmp")
    message(FATAL_ERROR "consumer_thrust failed (${rc}):\n${out}\n${err}")
  endif()
endif()
message(STATUS "consumer output:\n${out}")
if(NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "consumer did not report success")
endif()
