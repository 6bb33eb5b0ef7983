/*
 * main.c — gatecap's entry point: picks the subcommand. Everything the user
 * sees is printed by the cmd_*.c files; modules never print or exit.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "base/version.h"
#include "cli/cmd.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"run", cmd_run,
     "run SCENARIO.yaml [-o OUTDIR] [--set key=value]... [--junit F] [--quiet]   run a load test"},
    {"validate", cmd_validate,
     "validate SCENARIO.yaml [--set key=value]...   check a scenario, send nothing"},
    {"plan", cmd_plan,
     "plan RESULTS.json|POINTS.csv ... [--target-rps R] [--slo p99=250ms] ...   capacity plan"},
    {"compare", cmd_compare,
     "compare BASELINE.json CURRENT.json [--tolerance p99=10%,throughput=5%] [--junit F] "
     "[--markdown F]   gate a run against a baseline"},
    {"report", cmd_report,
     "report RESULTS.json [-o DIR] [--plan PLAN.json]   write report.md and report.html"},
    {"search", cmd_search,
     "search SCENARIO.yaml --slo 'p99 < 250ms, achieved >= 99%' [--from R] [--max R] [--precision "
     "2%]   find the sustainable rate"},
    {"merge", cmd_merge,
     "merge DIR|RESULTS.json... -o OUT [--junit F] [--clock-tolerance MS]   combine the shards of "
     "a distributed run"},
    {"hlog", cmd_hlog,
     "hlog FILE [--tag T] [--start S] [--end E] [--json]   summarise an HdrHistogram interval log"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "gatecap %s — load tests and capacity plans for API gateway clusters\n\n"
            "usage: gatecap COMMAND [ARGS]\n\ncommands:\n",
            GATECAP_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  gatecap %s\n", commands[i].usage);
    fprintf(f, "  gatecap version\n\n'gatecap COMMAND --help' describes a command's options.\nExit "
               "codes: 0 ok, 1 a gate failed, 2 usage or input error,\n"
               "3 the run could not be carried out as planned, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    /* gatecap allocates and frees HDR histograms of about 190 KB by the
     * thousand (an interval's, a merged log line's). glibc would give the
     * top of its heap back to the kernel on each free and fault it in
     * again on the next calloc: gatecap merge ran 14 times slower so.
     * Freed memory stays in the heap for the next one. */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    if (argc < 2) {
        usage(stderr);
        return EXIT_INPUT;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("gatecap %s\n", GATECAP_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "gatecap: unknown command '%s'; run 'gatecap help' for the list\n", name);
    return EXIT_INPUT;
}
