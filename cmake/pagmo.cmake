# pagmo2 (Debian libpagmo-dev) is an optional reference system for benchmarks only. When found,
# the interface target l2l_pagmo carries it and the definition L2L_HAVE_PAGMO.
find_package(Pagmo QUIET)
if(Pagmo_FOUND)
  add_library(l2l_pagmo INTERFACE)
  target_link_libraries(l2l_pagmo INTERFACE Pagmo::pagmo)
  target_compile_definitions(l2l_pagmo INTERFACE L2L_HAVE_PAGMO=1)
  message(STATUS "pagmo2 found: benchmarks compare with it")
endif()
