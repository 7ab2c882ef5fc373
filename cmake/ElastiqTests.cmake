# elastiq_gtest(target gtest_target): a GoogleTest executable with the project's test main
# (tests/common/test_main.cc: a failed SetUpTestSuite fails its tests instead of reading as skipped),
# discovered by CTest. gtest_target: GTest::gtest, or gtest where GoogleTest is built from its sources.
include(GoogleTest)

function(elastiq_gtest target gtest_target)
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common/test_main.cc)
  target_link_libraries(${target} PRIVATE ${gtest_target})
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 120 PROPERTIES TIMEOUT 900)
endfunction()
