# Optional dependencies, included by the top-level CMakeLists.txt when present.
#
# pagmo2 (Debian: libpagmo-dev) lets bench_cmaes compare our CMA-ES with pagmo's. Without it the
# benchmark still builds and prints "pagmo: not installed". The bench targets are created after
# this file is read, so the linking is deferred to the end of the top-level directory.
find_package(pagmo CONFIG QUIET)
if(pagmo_FOUND)
  message(STATUS "pagmo found: bench_cmaes compares against pagmo::cmaes")
  function(l2l_link_pagmo_bench)
    if(TARGET bench_cmaes)
      target_link_libraries(bench_cmaes PRIVATE Pagmo::pagmo)
      target_compile_definitions(bench_cmaes PRIVATE L2L_HAVE_PAGMO)
    endif()
  endfunction()
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL l2l_link_pagmo_bench)
else()
  message(STATUS "pagmo not found: bench_cmaes runs without the pagmo anchor")
endif()
