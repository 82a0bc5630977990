# The example's promise about bad input, checked by ctest: exit code 2 and a message naming the
# file, and the line and column where there is one. Each case copies the sample data, spoils one
# file and runs the example on the copy.
#   cmake -DEXAMPLE=path/to/retain_example -DSOURCE=examples/cpp -DWORK=scratch/dir -P this file
set(cases
    # file | text in it | replaced by | what the message must say
    "events.csv|timestamp|timestmp|events\\.csv, column 'timestamp'\n  table 'events' has no column 'timestamp' \\(its columns: account_id, user_id, timestmp, feature\\)"
    "tickets.csv|2024-03-20T14:00|2024-03-32T14:00|tickets\\.csv, line 7, column 'opened_at'\n.*cannot read '2024-03-32T14:00:00\\+01:00' as a date"
    "churns.csv|ACC-005|ACC-050|churns\\.csv, line 3, column 'account_id'\n.*account 'ACC-050' is not in the accounts table"
    "surveys.csv|,3,nps|,3,promoter|surveys\\.csv, line 6, column 'kind'\n.*'promoter' is not nps or csat"
    "mrr.csv|ACC-006,2024-03,200|ACC-006,2024-03,2OO|mrr\\.csv, line 7, column 'mrr'\n.*'2OO' is not a number"
    "accounts.csv|,Hooli,|,\"Hooli,|accounts\\.csv, line 8\n  a quoted field is not closed"
    "health_model.json|\"hi\": 4|\"hi\": \"4\"|health_model\\.json, key measures\\[0\\]\\.transform\\.hi\n")
foreach(case IN LISTS cases)
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 file)
  list(GET case 1 from)
  list(GET case 2 to)
  list(GET case 3 expected)
  file(REMOVE_RECURSE ${WORK})
  file(COPY ${SOURCE}/data ${SOURCE}/health_model.json DESTINATION ${WORK})
  if(file STREQUAL "health_model.json")
    set(path ${WORK}/${file})
  else()
    set(path ${WORK}/data/${file})
  endif()
  file(READ ${path} text)
  string(REPLACE "${from}" "${to}" spoiled "${text}")
  if(spoiled STREQUAL text)
    message(FATAL_ERROR "${file}: '${from}' is not in the sample data")
  endif()
  file(WRITE ${path} "${spoiled}")
  execute_process(COMMAND ${EXAMPLE} ${WORK}/data ${WORK}/health_model.json --as-of 2024-03-31
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL 2 OR NOT err MATCHES "^error: [^\n]*${expected}")
    message(FATAL_ERROR "${file} with '${to}': exit code ${code} (expected 2), stderr:\n${err}\n"
                        "expected it to match: ${expected}")
  endif()
  message(STATUS "${file} with '${to}': exit code 2\n${err}")
endforeach()
