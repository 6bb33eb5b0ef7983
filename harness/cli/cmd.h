/*
 * cmd.h — the subcommands of the gatecap binary. Each takes the arguments
 * after its name (argv[0] is the subcommand's name), prints what the user
 * sees, and returns the process exit code: 0 success, 1 a gate failed,
 * 2 usage or input error, 3 could not run as planned, 130 interrupted.
 */
#ifndef GATECAP_CMD_H
#define GATECAP_CMD_H

enum {
    EXIT_OK_ = 0,
    EXIT_GATE = 1,
    EXIT_INPUT = 2,
    EXIT_RUN = 3,
    EXIT_INTERRUPTED = 130,
};

int cmd_hlog(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif
