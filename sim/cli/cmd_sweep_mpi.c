/* cmd_sweep_mpi.c: the only file that talks to MPI (see sweep_cli.h).
 *
 * `cpsim sweep DIR --mpi` needs nothing from MPI but a rank and a size: each
 * rank runs its own contiguous block of pairs into its own shard, exactly as
 * an array task would, so there is no message passing to get wrong and the
 * merged result is the serial one. Ranks do not wait for each other at the
 * end beyond MPI_Finalize: a rank that fails reports its own exit code, and
 * mpirun/srun return non-zero.
 *
 * Built with -DCPSIM_HAVE_MPI only when CMake found MPI; otherwise the stubs
 * below say so, and --mpi exits 2 ("bad configuration"), because retrying
 * the same binary cannot help.
 */
#include "sweep_cli.h"

#include <stdio.h>

#ifdef CPSIM_HAVE_MPI

#include <mpi.h>

bool cli_mpi_compiled(void) {
    return true;
}

int cli_mpi_start(int *rank, int *size, char *msg, size_t msg_size) {
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(msg, msg_size, "MPI_Init failed");
        return 1;
    }
    if (MPI_Comm_rank(MPI_COMM_WORLD, rank) != MPI_SUCCESS ||
        MPI_Comm_size(MPI_COMM_WORLD, size) != MPI_SUCCESS || *size < 1) {
        snprintf(msg, msg_size, "cannot read the MPI rank and size");
        MPI_Finalize();
        return 1;
    }
    return 0;
}

void cli_mpi_finish(void) {
    MPI_Finalize();
}

#else

bool cli_mpi_compiled(void) {
    return false;
}

int cli_mpi_start(int *rank, int *size, char *msg, size_t msg_size) {
    *rank = 0;
    *size = 1;
    snprintf(msg, msg_size,
             "--mpi: this cpsim was built without MPI (CMake found no MPI C library). "
             "Install one (Debian: libopenmpi-dev openmpi-bin) and rebuild, or split the "
             "sweep with --task I --tasks M instead");
    return 2;
}

void cli_mpi_finish(void) {}

#endif
