# Builds TARGET in BUILD_DIR; passes only if the build fails and its output contains EXPECT.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must not")
endif()
string(FIND "${all}" "${EXPECT}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${TARGET} failed to compile without the expected text '${EXPECT}':\n${all}")
endif()
message(STATUS "${TARGET} failed to compile as expected ('${EXPECT}')")
