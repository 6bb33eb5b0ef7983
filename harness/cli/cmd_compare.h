/*
 * cmd_compare.h — `gatecap compare BASELINE.json CURRENT.json [options]`
 * (docs/compare.md): the table on stdout, --markdown and --junit files,
 * and the exit code: 0 no regression, 1 a regression, 2 usage or input
 * error (unreadable or corrupt file, incompatible runs, bad option).
 */
#ifndef GATECAP_CMD_COMPARE_H
#define GATECAP_CMD_COMPARE_H

/* Takes the arguments after `gatecap` (argv[0] is "compare"); prints what
 * the user sees; returns the process exit code. */
int cmd_compare(int argc, char **argv);

#endif
