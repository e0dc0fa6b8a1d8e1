/* cli.h: the subcommands of the cpsim executable. The cli layer is the only
 * one that prints to the user or decides exit codes; each command returns
 * its exit code (0, 1, 2 or 75; see README "Exit codes"). */
#ifndef CPSIM_CLI_H
#define CPSIM_CLI_H

int cli_keys(int argc, char **argv);     /* cmd_keys.c */
int cli_validate(int argc, char **argv); /* cmd_validate.c */
int cli_run(int argc, char **argv);      /* cmd_run.c */
int cli_compare(int argc, char **argv);  /* cmd_compare.c */
int cli_validate_model(int argc, char **argv); /* cmd_validate_model.c */
int cli_calibrate(int argc, char **argv); /* cmd_calibrate.c */

#endif
