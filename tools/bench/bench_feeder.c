/*
 * bench_feeder.c — CSV feeder load time (no assertions; `make bench`
 * prints it). Loads a 100,000-row and a 1,000,000-row file of the same
 * shape side by side: the second should take about 10 times the first
 * (loading is linear in the file's size); a ratio far above 10 means a
 * super-linear step crept in. tests/scenario/test_feeder.c checks what is loaded,
 * never how fast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/clock.h"
#include "scenario/feeder.h"

static int write_csv(const char *path, int rows)
{
    FILE *out = fopen(path, "w");
    if (!out)
        return -1;
    fputs("id,name,plan,email\n", out);
    for (int i = 0; i < rows; i++)
        fprintf(out, "%d,\"user %d\",gold,u%d@example.com\n", i, i, i);
    return fclose(out);
}

/* Seconds to load path (best of 3). */
static double load_s(const char *path)
{
    double best = 1e9;
    for (int k = 0; k < 3; k++) {
        char err[256];
        struct feeder *f = NULL;
        int64_t t0 = clock_now_ns();
        if (feeder_load("bench", "bench.csv", path, &f, err, sizeof err) != FEEDER_OK) {
            fprintf(stderr, "bench_feeder: %s\n", err);
            exit(1);
        }
        double s = (double)(clock_now_ns() - t0) / 1e9;
        feeder_free(f);
        if (s < best)
            best = s;
    }
    return best;
}

int main(void)
{
    char small[] = "/tmp/gatecap-bench-feeder-XXXXXX";
    int fd = mkstemp(small);
    if (fd < 0)
        return 1;
    close(fd);
    char big[] = "/tmp/gatecap-bench-feeder-XXXXXX";
    fd = mkstemp(big);
    if (fd < 0)
        return 1;
    close(fd);
    if (write_csv(small, 100000) || write_csv(big, 1000000)) {
        unlink(small);
        unlink(big);
        return 1;
    }
    double a = load_s(small), b = load_s(big);
    unlink(small);
    unlink(big);
    printf("feeder load: 100,000 rows %.3f s, 1,000,000 rows %.3f s (%.0f ns a row); "
           "ratio %.1f (linear: about 10)\n",
           a, b, b / 1e6 * 1e9, b / a);
    return 0;
}
