/*
 * tests/fuzz/fuzz_scenario.c — libFuzzer target for the scenario parser:
 * arbitrary bytes as a scenario file, plus the first line (when it starts
 * with "#set ") as one --set override. Must never crash, leak or read out
 * of bounds; every failure must come with a message. Seeds in
 * tests/fuzz/corpus/fuzz_scenario/ (the examples and the unit tests' shapes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char override[256];
    const char *ov[1];
    size_t n_ov = 0;
    if (size > 5 && !memcmp(data, "#set ", 5)) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t len = nl ? (size_t)(nl - data) - 5 : size - 5;
        if (len < sizeof override) {
            memcpy(override, data + 5, len);
            override[len] = '\0';
            ov[0] = override;
            n_ov = 1;
        }
    }
    char err[4096];
    struct scenario *s = NULL;
    int rc =
        scenario_load_mem("fuzz.yaml", (const char *)data, size, ov, n_ov, &s, err, sizeof err);
    if (rc == SCN_OK) {
        if (!s)
            abort();
        json_t *j = scenario_to_json(s);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        free(text);
        json_decref(j);
        scenario_free(s);
    } else if (s || !err[0]) {
        abort();
    }
    return 0;
}
