/*
 * cmd_report.h — `gatecap report RESULTS.json [-o DIR] [--plan PLAN.json]`:
 * writes report.md and report.html (docs/report.md). Returns the exit code:
 * 0 written, 2 usage or input error (the message names the file and field).
 */
#ifndef GATECAP_CMD_REPORT_H
#define GATECAP_CMD_REPORT_H

int cmd_report(int argc, char **argv);

#endif
