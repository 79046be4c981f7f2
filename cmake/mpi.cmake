# MPI for the `mpi` evaluator (OpenMPI from Debian: openmpi-bin and libopenmpi-dev, installed by
# scripts/install-deps.sh). Optional: without MPI everything else builds and runs, the `mpi`
# evaluator evaluates locally, and a process started by mpirun/srun on several ranks says that
# this build lacks MPI. -DL2L_WITH_MPI=OFF builds without it even when it is installed.
option(L2L_WITH_MPI "Build MPI support when an MPI library is found" ON)
if(L2L_WITH_MPI)
  # The project is C++ only; the CXX component without the deprecated C++ bindings gives the
  # plain MPI C API (mpi.h, libmpi).
  set(MPI_CXX_SKIP_MPICXX ON)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    target_link_libraries(l2l_core PUBLIC MPI::MPI_CXX)
    target_compile_definitions(l2l_core PUBLIC L2L_HAVE_MPI=1
      L2L_MPIEXEC="${MPIEXEC_EXECUTABLE}")
    message(STATUS "l2l: MPI support on (${MPI_CXX_LIBRARIES}; tests use ${MPIEXEC_EXECUTABLE})")
  else()
    message(STATUS "l2l: MPI not found; building without the distributed mpi evaluator")
  endif()
endif()
