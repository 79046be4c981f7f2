# The Python package `l2l` (docs/python.md): the compiled module `_l2l` (pybind11, Debian
# pybind11-dev) next to the pure-Python package from python/l2l, both under <build>/python, so
#   PYTHONPATH=<build>/python /usr/bin/python3 -c 'import l2l'
# works from the build tree. Built for Debian's /usr/bin/python3 (the interpreter that has numpy,
# pandas and pytest as Debian packages) unless -DPython3_EXECUTABLE says otherwise. Optional:
# without pybind11 or the Python headers everything else builds. -DL2L_BUILD_PYTHON=OFF skips it.
#
# Sanitizer builds skip it: a module built with ASan can only be loaded into a python started
# with libasan preloaded, and CPython's own allocations then drown the report in noise; the engine
# code the module wraps is covered by the sanitizer build of the C++ tests.
option(L2L_BUILD_PYTHON "Build the Python module when pybind11 is found" ON)
if(NOT L2L_BUILD_PYTHON)
  return()
endif()
if(L2L_SANITIZE)
  message(STATUS "l2l: Python module skipped in the sanitizer build")
  return()
endif()
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module)
if(Python3_FOUND)
  find_package(pybind11 CONFIG QUIET)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  message(STATUS "l2l: pybind11 or Python headers not found; the Python module is not built "
                 "(bash scripts/install-deps.sh installs pybind11-dev)")
  return()
endif()
message(STATUS "l2l: Python module for ${Python3_EXECUTABLE} (pybind11 ${pybind11_VERSION})")

# A shared library needs position-independent code. The core is compiled once, with -fPIC, for
# the executables and the module alike: -fno-semantic-interposition keeps -fPIC from blocking
# inlining inside the core, and what is left of the difference to -fPIE is measured in
# bench/README.md ("Building"): too small to pay for a second compilation of the core.
set_target_properties(l2l_core PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_compile_options(l2l_core PRIVATE -fno-semantic-interposition)

file(GLOB L2L_PYTHON_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/src/*.cpp)
# NO_EXTRAS: no link-time optimization (it only spans the three binding files here and costs a
# minute of serial linking on a busy machine) and no stripping.
pybind11_add_module(_l2l NO_EXTRAS ${L2L_PYTHON_SOURCES})
target_link_libraries(_l2l PRIVATE l2l_core)
set(L2L_PYTHON_DIR ${CMAKE_BINARY_DIR}/python)
set_target_properties(_l2l PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${L2L_PYTHON_DIR}/l2l)

# The pure-Python package is copied next to the module at build time (a copy, not a link, so the
# build tree is self-contained and relocatable to another machine).
file(GLOB L2L_PYTHON_PACKAGE CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/l2l/*.py)
set(L2L_PYTHON_COPIES)
foreach(f ${L2L_PYTHON_PACKAGE})
  get_filename_component(n ${f} NAME)
  add_custom_command(OUTPUT ${L2L_PYTHON_DIR}/l2l/${n}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different ${f} ${L2L_PYTHON_DIR}/l2l/${n}
    DEPENDS ${f})
  list(APPEND L2L_PYTHON_COPIES ${L2L_PYTHON_DIR}/l2l/${n})
endforeach()
add_custom_target(l2l_python_package ALL DEPENDS ${L2L_PYTHON_COPIES})
add_dependencies(_l2l l2l_python_package)

# `cmake --install build [--prefix P]` puts the package into P/lib/python3.X/dist-packages: with
# the default prefix /usr/local that is on the path of Debian's /usr/bin/python3, so `import l2l`
# works without PYTHONPATH (another prefix: PYTHONPATH=P/lib/python3.X/dist-packages).
set(L2L_PYTHON_INSTALL_DIR
  "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/dist-packages"
  CACHE STRING "where cmake --install puts the Python package, relative to the prefix")
install(TARGETS _l2l LIBRARY DESTINATION ${L2L_PYTHON_INSTALL_DIR}/l2l)
install(FILES ${L2L_PYTHON_PACKAGE} DESTINATION ${L2L_PYTHON_INSTALL_DIR}/l2l)

if(L2L_BUILD_TESTS)
  enable_testing()
  execute_process(COMMAND ${Python3_EXECUTABLE} -c "import pytest, numpy, pandas"
    RESULT_VARIABLE L2L_PYTEST_MISSING OUTPUT_QUIET ERROR_QUIET)
  if(L2L_PYTEST_MISSING)
    message(WARNING "l2l: ${Python3_EXECUTABLE} lacks pytest, numpy or pandas: the Python tests "
                    "are not registered (bash scripts/install-deps.sh installs them)")
  else()
    add_test(NAME python_tests
      COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider
        ${PROJECT_SOURCE_DIR}/python/tests --l2l-binary $<TARGET_FILE:l2l>
      WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
    set_tests_properties(python_tests PROPERTIES TIMEOUT 600 LABELS python
      ENVIRONMENT "PYTHONPATH=${L2L_PYTHON_DIR};L2L_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1")
  endif()
  # Installs this build into a temporary prefix and uses it from there: the command, a report
  # (the JavaScript it inlines) and `import l2l`.
  add_test(NAME install_test
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install_test.sh ${CMAKE_BINARY_DIR}
      ${Python3_EXECUTABLE} ${L2L_PYTHON_INSTALL_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(install_test PROPERTIES TIMEOUT 600)
endif()
