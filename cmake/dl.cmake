# Extra link dependencies of l2l_core, included by the top-level CMakeLists.txt.
#
# OpenBLAS is loaded at run time with dlopen (src/l2l/linalg/blas.cpp), not linked: its
# DYNAMIC_ARCH kernel choice happens in the library's constructor and reads OPENBLAS_CORETYPE,
# and Debian's 0.3.21 falls back to SSE3 kernels on CPUs newer than it knows (5x slower SGEMM).
# Loading it ourselves lets us pick the kernel family from CPUID first. Only libdl is needed here.
target_link_libraries(l2l_core PUBLIC ${CMAKE_DL_LIBS})
