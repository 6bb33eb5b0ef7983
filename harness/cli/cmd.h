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

/* `gatecap compare BASELINE.json CURRENT.json`: 0 no regression, 1 a
 * regression (docs/compare.md). */
int cmd_compare(int argc, char **argv);
/* `gatecap hlog`: the interval log's series and tags (docs/hlog.md). */
int cmd_hlog(int argc, char **argv);
/* `gatecap merge DIR|FILES... -o OUT`: the shards of a distributed run as
 * one run (docs/merge.md). */
int cmd_merge(int argc, char **argv);
/* `gatecap plan`: the capacity plan from results (docs/plan.md). */
int cmd_plan(int argc, char **argv);
/* `gatecap report RESULTS.json`: report.md and report.html (docs/report.md). */
int cmd_report(int argc, char **argv);
/* `gatecap run`: a load test (docs/run.md). */
int cmd_run(int argc, char **argv);
/* `gatecap search`: the highest sustainable rate (docs/search.md). */
int cmd_search(int argc, char **argv);
/* `gatecap validate`: loads a scenario and says what it would run. */
int cmd_validate(int argc, char **argv);

#endif
