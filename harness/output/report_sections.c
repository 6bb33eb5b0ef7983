/*
 * report_sections.c — the report's sentences and headings (report.h),
 * written once for report.md and report.html with the prose writer
 * (report_prose.h): the banner, the run, the summary's note, the outcome
 * classes, the applications, the gates, the steps, the capacity plan and
 * the closing line. The tables are report_table.c's; where a chart goes,
 * report_prose_chart draws it in HTML. Only the page around them (the
 * Markdown header, the HTML shell, navigation and the charts over time)
 * is the renderers' (report_md.c, report_html.c).
 */
#include "output/report_int.h"

#include <math.h>
#include <string.h>

#include "output/report_prose.h"

#define B 48 /* number buffers */

/* A warning banner: its label strong, then what follows (constant text). */
static void warn(struct report_prose *w, const char *label, const char *rest)
{
    report_prose_callout_begin(w, REPORT_CALLOUT_WARN, NULL);
    report_prose_strong_begin(w);
    report_prose_raw(w, "%s", label);
    report_prose_strong_end(w);
    report_prose_raw(w, "%s", rest);
    report_prose_callout_end(w);
}

void report_section_banner(struct report_prose *w, const struct report *r)
{
    if (r->have_gates) {
        bool failed = r->gates_failed > 0;
        const char *s = r->n_gates == 1 ? "" : "s";
        report_prose_callout_begin(w, failed ? REPORT_CALLOUT_FAIL : REPORT_CALLOUT_PASS,
                                   "gates-banner");
        report_prose_strong_begin(w);
        if (failed)
            report_prose_raw(w, "FAIL: %d of %zu gate%s failed.", r->gates_failed, r->n_gates, s);
        else
            report_prose_raw(w, "PASS: %s %zu gate%s passed.", r->n_gates == 1 ? "the" : "all",
                             r->n_gates, s);
        report_prose_strong_end(w);
        report_prose_callout_end(w);
    }
    if (!strcmp(r->status, "interrupted"))
        warn(w, "Interrupted",
             ": the run was stopped before its plan ended; the numbers cover what ran.");
    else if (!strcmp(r->status, "generator-limited"))
        warn(w, "Generator-limited",
             ": gatecap could not send on time (late or dropped arrivals) or ran out of its own "
             "resources (requests never sent, see Generator), so these numbers may understate "
             "the gateway's capacity.");
    if (r->stop_reason) {
        report_prose_callout_begin(w, REPORT_CALLOUT_WARN, NULL);
        report_prose_strong_begin(w);
        report_prose_raw(w, "Stopped early");
        report_prose_strong_end(w);
        report_prose_raw(w, ": ");
        report_prose_text(w, r->stop_reason);
        report_prose_callout_end(w);
    }
    if (r->insecure_tls) {
        report_prose_callout_begin(w, REPORT_CALLOUT_WARN, NULL);
        report_prose_raw(w, "TLS certificate verification was ");
        report_prose_strong_begin(w);
        report_prose_raw(w, "off");
        report_prose_strong_end(w);
        report_prose_raw(w, " (tls.insecure).");
        report_prose_callout_end(w);
    }
}

void report_section_run(struct report_prose *w, const struct report *r)
{
    report_prose_heading(w, 2, "run", "Run");
    report_table_facts(r, w->f, w->markup);
    if (w->markup == REPORT_MD && r->description) { /* HTML's is in the facts */
        report_prose_para_begin(w);
        report_prose_text(w, r->description);
        report_prose_para_end(w);
    }
    report_prose_heading(w, 3, NULL, "Phases");
    report_table_phases(r, w->f, w->markup);
}

void report_section_summary(struct report_prose *w, const struct report *r)
{
    report_prose_heading(w, 2, "summary", "Summary");
    report_table_rows(w->f, w->markup, "phase", r->by_phase, r->n_by_phase, r->all);
    report_prose_para_begin(w);
    report_prose_raw(w, "Latency in milliseconds, ");
    report_prose_text(w, r->latency_definition);
    report_prose_raw(w, ". Rates are per second of the phases that ran.");
    report_prose_para_end(w);
    if (r->res && r->res->n_workloads) {
        report_prose_heading(w, 3, "workloads", "Workloads");
        report_table_workloads(r, w->f, w->markup);
        report_prose_para_begin(w);
        report_prose_raw(w, "Workloads ran side by side from the run's start, each with its own "
                            "load model, phases and requests. Offered: the arrivals its schedule "
                            "(or its users) started per second of its recorded phases; achieved: "
                            "its completions per second of them.");
        report_prose_para_end(w);
    }
}

static void outcomes(struct report_prose *w, const struct report *r)
{
    report_prose_heading(w, 2, "outcomes", "Outcome classes");
    report_table_outcomes(r, w->f, w->markup);
    report_prose_para_begin(w);
    report_prose_raw(w, "Throttled: 429 answers (not errors). Errors: 4xx other than 429, 5xx, "
                        "timeouts, refused and reset connections, TLS failures and other "
                        "transport failures.");
    report_prose_para_end(w);
    if (r->n_examples) {
        report_prose_para_begin(w);
        report_prose_raw(w, "Examples:");
        report_prose_para_end(w);
        report_prose_list_begin(w);
        for (size_t i = 0; i < r->n_examples; i++) {
            report_prose_item_begin(w);
            report_prose_strong_begin(w);
            report_prose_text(w, r->examples[i].cls);
            report_prose_strong_end(w);
            report_prose_raw(w, ": ");
            report_prose_code(w, r->examples[i].message);
            report_prose_item_end(w);
        }
        report_prose_list_end(w);
    }
    if (r->faults) {
        report_prose_para_begin(w);
        report_prose_raw(w, "WSO2 fault codes in the error answers: ");
        report_prose_text(w, r->faults);
        report_prose_raw(w, ".");
        report_prose_para_end(w);
    }
}

/* The steps: a section of their own (level 2), or the plan's (level 3). */
static void steps(struct report_prose *w, const struct report *r, int level)
{
    if (level == 2)
        report_prose_heading(w, 2, "steps", "Steps");
    else
        report_prose_heading(w, level, NULL, "Steps (per node)");
    report_prose_chart(w, report_chart_steps, r);
    report_table_steps(r, w->f, w->markup);
}

/* The plan's two lines: the capacity at the SLO, and the recommendation's
 * numbers. */
static void plan_facts(struct report_prose *w, const struct report_plan *p)
{
    char a[B], b[B], c[B], d[B];
    report_prose_list_begin(w);
    if (p->have_capacity) {
        report_prose_item_begin(w);
        report_prose_raw(w, "Capacity per node at the SLO (");
        report_prose_text(w, p->percentile);
        report_prose_raw(
            w, " ≤ %s ms, errors ≤ %s %%, achieved ≥ %s %% of offered): %s",
            report_fmt(a, sizeof a, p->slo_latency_ms), report_fmt(b, sizeof b, p->slo_error_pct),
            report_fmt(c, sizeof c, p->slo_min_achieved_pct), p->at_least ? "at least " : "");
        report_prose_strong_begin(w);
        report_prose_raw(w, "%s req/s", report_fmt(d, sizeof d, p->capacity_rps));
        report_prose_strong_end(w);
        if (p->limited_by[0]) {
            report_prose_raw(w, "; limited by ");
            report_prose_text(w, p->limited_by);
        }
        report_prose_raw(w, ".");
        report_prose_item_end(w);
    }
    if (p->have_rec) {
        report_prose_item_begin(w);
        report_prose_raw(w, "Binding constraint: ");
        report_prose_strong_begin(w);
        report_prose_raw(w, "%s",
                         !strcmp(p->binding, "min_nodes") ? "the minimum node count"
                         : p->redundancy > 0 ? "the peak at the headroom, plus redundancy"
                                             : "the peak at the headroom");
        report_prose_strong_end(w);
        report_prose_raw(w, ". Peak %s req/s; headroom %s %%; N+%d; at least %d nodes.",
                         report_fmt(a, sizeof a, p->peak_rps),
                         report_fmt(b, sizeof b, p->headroom_pct), p->redundancy, p->min_nodes);
        if (p->redundancy > 0)
            report_prose_raw(w, " With %d lost, the rest run at %s %% of their SLO capacity.",
                             p->redundancy, report_fmt(c, sizeof c, p->util_after_loss_pct));
        if (p->traffic_managers)
            report_prose_raw(w, " Traffic Managers: %d.", p->traffic_managers);
        report_prose_item_end(w);
    }
    report_prose_list_end(w);
}

/* The USL fit's sentence: the formula, its parameters, its peak or
 * ceiling, and how well it fits how many points. */
static void plan_usl(struct report_prose *w, const struct report_plan *p)
{
    char a[B], b[B];
    report_prose_para_begin(w);
    report_prose_raw(w, "X(N) = γN / (1 + α(N−1) + βN(N−1)): γ = %.6g req/s, α = %.6g, β = %.6g; ",
                     p->gamma, p->alpha, p->beta);
    if (p->usl_has_peak)
        report_prose_raw(w, "peak at N* = %.4g, X(N*) = %s req/s", p->peak_n,
                         report_fmt(a, sizeof a, p->peak_x));
    else
        report_prose_raw(w, "no peak (β = 0), ceiling γ/α = %s req/s",
                         report_fmt(a, sizeof a, p->ceiling_x));
    snprintf(b, sizeof b, "%.4f", p->r2);
    report_prose_raw(w, "; R² = %s; %zu measured point%s.", isfinite(p->r2) ? b : "n/a",
                     p->n_points, p->n_points == 1 ? "" : "s");
    report_prose_para_end(w);
}

static void plan(struct report_prose *w, const struct report *r)
{
    const struct report_plan *p = r->plan;
    report_prose_heading(w, 2, "capacity", "Capacity plan");
    if (p->sentence) {
        report_prose_callout_begin(w, REPORT_CALLOUT_LEAD, "recommendation");
        report_prose_strong_begin(w);
        report_prose_text(w, p->sentence);
        report_prose_strong_end(w);
        report_prose_callout_end(w);
    }
    plan_facts(w, p);
    if (r->steps_from_plan)
        steps(w, r, 3);
    if (p->n_whatif) {
        report_prose_heading(w, 3, NULL, "What if");
        report_prose_chart(w, report_chart_whatif, r);
        report_table_whatif(r, w->f, w->markup);
    }
    if (p->n_sens) {
        report_prose_heading(w, 3, NULL, "Sensitivity");
        report_table_sensitivity(r, w->f, w->markup);
    }
    if (p->have_usl) {
        report_prose_heading(w, 3, NULL, "USL fit");
        report_prose_chart(w, report_chart_usl, r);
        plan_usl(w, p);
    }
    if (p->n_assumptions) {
        report_prose_heading(w, 3, NULL, "Assumptions");
        report_prose_list_begin(w);
        for (size_t i = 0; i < p->n_assumptions; i++) {
            report_prose_item_begin(w);
            report_prose_text(w, p->assumptions[i]);
            report_prose_item_end(w);
        }
        report_prose_list_end(w);
    }
}

/* A merged run's generators (gatecap merge): one row per shard. */
static void shards(struct report_prose *w, const struct report *r)
{
    size_t flagged = 0;
    for (size_t i = 0; i < r->res->n_shards; i++)
        flagged += r->res->shards[i].clock_flagged;
    report_prose_heading(w, 2, "generators", "Generators");
    report_prose_para_begin(w);
    report_prose_raw(w, "This run was recorded by %zu generators (shards) and merged by ",
                     r->res->n_shards);
    report_prose_code(w, "gatecap merge");
    report_prose_raw(w, ": every histogram added, every percentile read from the merged "
                        "histograms (never averaged).");
    if (r->res->shard.run_id) {
        report_prose_raw(w, " Run ");
        report_prose_code(w, r->res->shard.run_id);
        report_prose_raw(w, ".");
    }
    if (flagged)
        report_prose_raw(w,
                         " %zu generator clock(s) were beyond the tolerance or not "
                         "synchronised: their intervals may be offset from the others'.",
                         flagged);
    report_prose_para_end(w);
    report_table_shards(r, w->f, w->markup);
}

/* Flows (multi-step journeys) and checks on answers, when the run has them. */
static void flows(struct report_prose *w, const struct report *r)
{
    if (r->res->n_flows) {
        report_prose_heading(w, 2, "flows", "Flows");
        report_prose_para_begin(w);
        report_prose_raw(w, "Each flow instance runs its steps in order. Completed: every step "
                            "answered as expected and every check passed; failed: a step was "
                            "not answered, had an unexpected status or failed a check (its "
                            "share is of the instances that ended); local: gatecap could not "
                            "send a step; unfinished: still running when the run ended. "
                            "Durations are those of completed instances, from the arrival's "
                            "intended start to the last step's answer.");
        report_prose_para_end(w);
        report_table_flows(r, w->f, w->markup);
    }
    if (r->res->n_checks) {
        report_prose_heading(w, 2, "checks", "Checks");
        report_table_checks(r, w->f, w->markup);
    }
}

void report_section_rest(struct report_prose *w, const struct report *r)
{
    outcomes(w, r);
    flows(w, r);
    if (r->res->n_shards)
        shards(w, r);
    if (r->n_apps) {
        report_prose_heading(w, 2, "applications", "Applications");
        report_table_apps(r, w->f, w->markup);
    }
    if (r->have_gates) {
        report_prose_heading(w, 2, "gates", "Gates");
        report_table_gates(r, w->f, w->markup);
    }
    if (r->n_steps && !r->steps_from_plan)
        steps(w, r, 2);
    if (r->plan)
        plan(w, r);
}

void report_section_closing(struct report_prose *w, const struct report *r)
{
    report_prose_raw(w, "Made by ");
    report_prose_code(w, "gatecap report");
    report_prose_raw(w, " from ");
    report_prose_text(w, r->results_file);
    if (r->plan) {
        const char *s = strrchr(r->plan->file, '/');
        report_prose_raw(w, " and ");
        report_prose_text(w, s ? s + 1 : r->plan->file);
    }
    report_prose_raw(w, " alone: regenerate it any time with the same result.");
}
