# The COCO platform's "best 2009" reference ERTs (data/bbob/best2009_ert.csv, credited in
# data/bbob/README.md) are compiled into the library, so that `l2l bench bbob` prints its ratios
# wherever the binary is installed, with no data file to find at run time.
set(L2L_BBOB_REFERENCE_CSV ${PROJECT_SOURCE_DIR}/data/bbob/best2009_ert.csv)
file(READ ${L2L_BBOB_REFERENCE_CSV} L2L_BBOB_REFERENCE_TEXT)
configure_file(${PROJECT_SOURCE_DIR}/cmake/bbob_reference_data.cpp.in
  ${CMAKE_BINARY_DIR}/generated/bbob_reference_data.cpp @ONLY)
target_sources(l2l_core PRIVATE ${CMAKE_BINARY_DIR}/generated/bbob_reference_data.cpp)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${L2L_BBOB_REFERENCE_CSV})
