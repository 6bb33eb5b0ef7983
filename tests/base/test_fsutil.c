/* tests/base/test_fsutil.c — atomic output files and output sets
 * (harness/base/fsutil.c): a set appears whole or not at all, and a failed
 * set leaves what was there before untouched and nothing temporary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "testutil.h"

static void read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

/* Files in test_dir/sub whose name contains ".tmp." */
static int temporaries(const char *sub)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/%s", test_dir, sub);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp."))
            n++;
    closedir(d);
    return n;
}

static void set_commits_all(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], got[64];
    snprintf(dir, sizeof dir, "%s/ok", test_dir);
    assert_int_equal(fs_mkdirs(dir), 0);
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    struct fs_outset s = {0};
    FILE *fa = fs_outset_add(&s, a), *fb = fs_outset_add(&s, b);
    assert_non_null(fa);
    assert_non_null(fb);
    fputs("alpha", fa);
    fputs("beta", fb);
    /* nothing at the final paths before the commit */
    assert_int_equal(access(a, F_OK), -1);
    const char *tmp = fs_outset_tmp(&s, a);
    assert_non_null(tmp);
    assert_null(fs_outset_tmp(&s, "/nowhere"));
    char bad[256] = "";
    assert_int_equal(fs_outset_commit(&s, bad, sizeof bad), 0);
    assert_int_equal(s.n, 0);
    read_file(a, got, sizeof got);
    assert_string_equal(got, "alpha");
    read_file(b, got, sizeof got);
    assert_string_equal(got, "beta");
    assert_int_equal(temporaries("ok"), 0);
}

/* A file-size limit makes one file's writes fail (EFBIG, as a full disk
 * gives ENOSPC): no file of the set replaces the old ones. */
static void set_fails_whole(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], got[64];
    snprintf(dir, sizeof dir, "%s/full", test_dir);
    assert_int_equal(fs_mkdirs(dir), 0);
    snprintf(a, sizeof a, "%s/a.txt", dir);
    snprintf(b, sizeof b, "%s/b.txt", dir);
    assert_int_equal(fs_write_atomic(a, "old a", 5), 0);
    assert_int_equal(fs_write_atomic(b, "old b", 5), 0);

    struct fs_outset s = {0};
    FILE *fa = fs_outset_add(&s, a), *fb = fs_outset_add(&s, b);
    assert_non_null(fa);
    assert_non_null(fb);
    fputs("new a", fa);
    struct rlimit old, lim = {.rlim_cur = 4096, .rlim_max = RLIM_INFINITY};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; i < 2000; i++)
        fputs("0123456789", fb); /* 20 kB: past the limit */
    char bad[256] = "";
    int rc = fs_outset_commit(&s, bad, sizeof bad);
    int e = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_int_equal(e, EFBIG);
    assert_string_equal(bad, b);
    read_file(a, got, sizeof got);
    assert_string_equal(got, "old a"); /* a was fine, yet not renamed */
    read_file(b, got, sizeof got);
    assert_string_equal(got, "old b");
    assert_int_equal(temporaries("full"), 0);
}

static void set_abort_and_limits(void **state)
{
    (void)state;
    char dir[256], p[300];
    snprintf(dir, sizeof dir, "%s/abort", test_dir);
    assert_int_equal(fs_mkdirs(dir), 0);
    struct fs_outset s = {0};
    for (int i = 0; i < FS_OUTSET_MAX; i++) {
        snprintf(p, sizeof p, "%s/f%d", dir, i);
        assert_non_null(fs_outset_add(&s, p));
    }
    snprintf(p, sizeof p, "%s/one-too-many", dir);
    assert_null(fs_outset_add(&s, p));
    fs_outset_abort(&s);
    assert_int_equal(s.n, 0);
    assert_int_equal(temporaries("abort"), 0);
    snprintf(p, sizeof p, "%s/f0", dir);
    assert_int_equal(access(p, F_OK), -1);
    /* a folder that cannot hold files: the open fails, errno says why */
    snprintf(p, sizeof p, "%s/no/such/folder/x", dir);
    assert_null(fs_outset_add(&s, p));
    assert_int_equal(errno, ENOENT);
    assert_int_equal(s.n, 0);
}

/* Folders made for outputs that never came are taken back: only those
 * fs_mkdirs_track made, deepest first, and only while they are empty. */
static void made_folders_taken_back(void **state)
{
    (void)state;
    char dir[512], p[600];
    struct fs_made made;
    snprintf(dir, sizeof dir, "%s/was", test_dir);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(dir, sizeof dir, "%s/was/a/b/c/", test_dir);
    assert_int_equal(fs_mkdirs_track(dir, &made), 0);
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(fs_made_undo(&made), 3);
    snprintf(p, sizeof p, "%s/was/a", test_dir);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof p, "%s/was", test_dir);
    assert_int_equal(access(p, F_OK), 0);     /* it was there before */
    assert_int_equal(fs_made_undo(&made), 0); /* (emptied) */
    /* nothing made: nothing taken */
    assert_int_equal(fs_mkdirs_track(p, &made), 0);
    assert_int_equal(made.top, 0);
    assert_int_equal(fs_made_undo(&made), 0);
    assert_int_equal(access(p, F_OK), 0);
    /* a folder someone wrote into stays, and so do those above it */
    snprintf(dir, sizeof dir, "%s/was/x/y", test_dir);
    assert_int_equal(fs_mkdirs_track(dir, &made), 0);
    snprintf(p, sizeof p, "%s/was/x/file", test_dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(fs_made_undo(&made), 1);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/was/x/y", test_dir);
    assert_int_equal(access(p, F_OK), -1);
    /* under a file: fails, having made nothing */
    snprintf(p, sizeof p, "%s/was/x/file/z", test_dir);
    assert_int_equal(fs_mkdirs_track(p, &made), -1);
    assert_int_equal(made.top, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_commits_all),
        cmocka_unit_test(set_fails_whole),
        cmocka_unit_test(set_abort_and_limits),
        cmocka_unit_test(made_folders_taken_back),
    };
    return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
