/* Helpers shared by the test programs: skipping for missing prerequisites,
 * scratch folders, paths to the source tree and to ../shared. */
#pragma once

#include <glib.h>

/* Skips the whole program (prints a TAP "1..0 # SKIP" plan and exits 77)
 * when a prerequisite is missing. Call before g_test_run(). */
G_NORETURN void testlib_skip_all(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* A fresh private folder under $TMPDIR, removed (with its contents) by
 * testlib_rmtree(). */
char *testlib_mkdtemp(void);
void testlib_rmtree(const char *path);

/* Absolute paths: `rel` inside the source tree / build tree / ../shared.
 * testlib_shared_path() returns NULL when ../shared or the file is absent. */
char *testlib_source_path(const char *rel);
char *testlib_build_path(const char *rel);
char *testlib_shared_path(const char *rel);

/* Runs argv (NULL-terminated) with stdout/stderr captured; returns the exit
 * status (or -1 when it could not be started). */
int testlib_spawn(const char *const *argv, const char *const *envp,
                  char **ret_stdout, char **ret_stderr);

/* testlib_spawn() of $BK_BIOKIOSK with `args` (NULL-terminated), the exit
 * status and both outputs logged as a test message. */
int testlib_run_biokiosk(const char *const *args, char **ret_stdout,
                         char **ret_stderr);

/* For tests that mount file systems (a small tmpfs as a nearly full disk):
 * runs `run` in a child process with a fresh scratch folder, which the
 * parent removes whatever becomes of the child (its mounts die with its
 * namespace). Returns the child's exit status (128 + signal when killed),
 * for main() to return. */
int testlib_run_in_child(int (*run)(int argc, char **argv, const char *scratch),
                         int argc, char **argv);

/* Gives this process a private mount namespace, so that its mounts die
 * with it; skips the whole program when that is not allowed (not root). */
void testlib_private_mounts(void);

/* Mounts a tmpfs of `size` bytes (mode 0700) on `dir`, made when absent. */
void testlib_mount_tmpfs(const char *dir, guint64 size);
