# Compiles SOURCE with COMPILER (whose kind ID is gnu or clang) and FLAGS (a ;-list) and passes
# only if
#  - the compile fails with exactly one error (lines holding "error: "), and
#  - the first line that names an error, within the first five lines of the output, holds every
#    text given in the source on a line "// expect: <text>" (or "// expect-<ID>: <text>", for
#    the one compiler where the two word an error differently).
# The first line naming an error is the first holding "error: " or "ctnn::error::": clang's
# `error: static_assert failed due to requirement 'always_false<ctnn::error::...>'`, and g++'s
# `In instantiation of 'struct ctnn::error::...'` (g++ prints its `error:` line, which holds the
# static_assert's message, after the chain of instantiations that led there).
file(STRINGS ${SOURCE} expect_lines REGEX "^// expect(-${ID})?: ")
if(NOT expect_lines)
  message(FATAL_ERROR "${SOURCE} has no '// expect: ' line")
endif()
execute_process(COMMAND ${COMPILER} ${FLAGS} ${SOURCE}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
string(REPLACE ";" "\\;" escaped "${all}")
string(REPLACE "\n" ";" lines "${escaped}")
set(errors 0)
set(number 0)
set(first "")
foreach(line IN LISTS lines)
  math(EXPR number "${number} + 1")
  string(FIND "${line}" "error: " at_error)
  string(FIND "${line}" "ctnn::error::" at_name)
  if(NOT at_error EQUAL -1)
    math(EXPR errors "${errors} + 1")
  endif()
  if(first STREQUAL "" AND (NOT at_error EQUAL -1 OR NOT at_name EQUAL -1))
    set(first "${line}")
    set(first_number ${number})
  endif()
endforeach()
if(NOT errors EQUAL 1)
  message(FATAL_ERROR "${SOURCE}: ${errors} errors, where one mistake must give one:\n${all}")
endif()
if(first_number GREATER 5)
  message(FATAL_ERROR "${SOURCE}: the first line naming the error is line ${first_number}, not within the first five:\n${all}")
endif()
foreach(expect_line IN LISTS expect_lines)
  string(REGEX REPLACE "^// expect(-${ID})?: " "" expect "${expect_line}")
  string(FIND "${first}" "${expect}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "${SOURCE}: the first error line lacks '${expect}':\n${first}\n\nwhole output:\n${all}")
  endif()
endforeach()
message(STATUS "${SOURCE} failed to compile as expected, its first error line (line ${first_number}):\n${first}")
