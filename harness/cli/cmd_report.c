/*
 * cmd_report.c — `gatecap report RESULTS.json [-o DIR] [--plan PLAN.json]`
 *
 * Options into report_write (report.h): report.md and report.html in DIR,
 * by default the folder of RESULTS.json; the capacity section from
 * --plan, or from a plan.json beside RESULTS.json. Bad input is a message
 * naming the file and field, and exit 2. docs/report.md.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "output/report.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: gatecap report RESULTS.json [-o DIR] [--plan PLAN.json]\n"
               "  Writes report.md (GitHub Markdown) and report.html (self-contained, charts\n"
               "  as inline SVG) from a run's results.json alone.\n"
               "  -o DIR       output folder (default: the folder of RESULTS.json)\n"
               "  --plan FILE  a plan.json of gatecap plan for the capacity section (default:\n"
               "               plan.json beside RESULTS.json, when there is one)\n"
               "See docs/report.md. Exit: 0 written, 2 usage or input error.\n");
}

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "gatecap report: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    return EXIT_INPUT;
}

int cmd_report(int argc, char **argv)
{
    const char *results = NULL, *outdir = NULL, *plan = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        const char *opt = NULL;
        if (!strcmp(a, "-o") || !strncmp(a, "-o=", 3))
            dst = &outdir, opt = "-o";
        else if (!strcmp(a, "--plan") || !strncmp(a, "--plan=", 7))
            dst = &plan, opt = "--plan";
        if (dst) {
            const char *eq = strchr(a, '=');
            if (eq)
                *dst = eq + 1;
            else if (i + 1 < argc)
                *dst = argv[++i];
            else
                return bad("needs a value:", opt);
            if (!**dst)
                return bad("an empty value for", opt);
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            usage(stderr);
            return bad("unknown option", a);
        } else if (results) {
            return bad("one results.json at a time; also given:", a);
        } else {
            results = a;
        }
    }
    if (!results) {
        usage(stderr);
        return bad("give the results.json of a run", NULL);
    }
    char dir[4096];
    if (!outdir) {
        const char *slash = strrchr(results, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == results)
            snprintf(dir, sizeof dir, "/");
        else
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - results), results);
        outdir = dir;
    }
    char err[1024];
    if (report_write(results, plan, outdir, err, sizeof err) != 0)
        return bad(err, NULL);
    printf("report: %s/report.md\nreport: %s/report.html\n", outdir, outdir);
    return 0;
}
