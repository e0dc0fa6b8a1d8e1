/* sweep_cli.h (internal to sim/cli): what the sweep commands (cmd_plan.c,
 * cmd_sweep.c, cmd_merge.c, cmd_sensitivity.c, cmd_slurm.c) share, and the
 * MPI seam.
 *
 * Contract: all MPI calls live in cmd_sweep_mpi.c, the one file compiled
 * with -DCPSIM_HAVE_MPI when CMake finds an MPI C library; without it the
 * same functions exist and report that MPI is not compiled in, so the rest
 * of the cli never sees an #ifdef and a machine without MPI still builds.
 */
#ifndef CPSIM_CLI_SWEEP_CLI_H
#define CPSIM_CLI_SWEEP_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Default seconds between checkpoint files of a running task. */
#define CLI_SWEEP_CHECKPOINT_SECONDS 30.0

/* True when this cpsim was built with MPI. */
bool cli_mpi_compiled(void);

/* Initialises MPI (thread level funneled: only the main thread calls MPI)
 * and reads this process's rank and the world size. Returns 0, or an exit
 * code (2 when MPI is not compiled in, 1 when MPI_Init fails) with why in
 * msg. */
int cli_mpi_start(int *rank, int *size, char *msg, size_t msg_size);

/* MPI_Finalize, after every rank's own work. */
void cli_mpi_finish(void);

#endif
