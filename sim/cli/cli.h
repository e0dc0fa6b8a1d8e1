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
int cli_plan(int argc, char **argv);     /* sweeps: cmd_plan.c */
int cli_sweep(int argc, char **argv);    /* sweeps */
int cli_merge(int argc, char **argv);    /* sweeps */
int cli_sensitivity(int argc, char **argv); /* sweeps */
int cli_slurm(int argc, char **argv);    /* sweeps */
int cli_report(int argc, char **argv);   /* classroom: cmd_report.c */
int cli_story(int argc, char **argv);    /* classroom: cmd_story.c */
int cli_serve(int argc, char **argv);    /* classroom: cmd_serve.c */
int cli_live(int argc, char **argv);     /* classroom: live.c */

#endif
