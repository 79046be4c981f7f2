# The report browser test: headless Chromium (Debian's chromium, driven by playwright-core from
# third_party_js/node_modules) opens the reports of small runs of each kind and fails on a console
# error, a network request or a chart that did not render. Screenshots are kept under
# <build>/test-artifacts/report/. The cases are data: tests/browser/cases.json.
if(L2L_BUILD_TESTS)
  add_executable(l2l_report_fixtures ${PROJECT_SOURCE_DIR}/tests/browser/report_fixtures.cpp)
  target_link_libraries(l2l_report_fixtures PRIVATE l2l_core)

  find_program(L2L_NODE NAMES node nodejs)
  if(L2L_NODE)
    enable_testing()
    add_test(NAME report_browser
      COMMAND ${L2L_NODE} ${PROJECT_SOURCE_DIR}/tests/browser/report_browser_test.mjs
        --l2l $<TARGET_FILE:l2l>
        --fixtures $<TARGET_FILE:l2l_report_fixtures>
        --cases ${PROJECT_SOURCE_DIR}/tests/browser/cases.json
        --out ${CMAKE_BINARY_DIR}/test-artifacts/report
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(report_browser PROPERTIES TIMEOUT 900 LABELS browser)
  else()
    message(WARNING "node not found: the report browser test is not registered "
                    "(bash scripts/install-deps.sh installs Node.js)")
  endif()
endif()
