/* What a killed run leaves behind is cleaned at the next start-up (issue
 * 14, item 9): the `.part` file of a transfer killed mid-way goes with the
 * uploader's first pass, and the private folder of the virtual reader
 * (<tmp>/biokiosk-fp-XXXXXX) with the next fpreader_prepare(). What a run
 * that is still alive holds stays. The processes are really killed
 * (SIGKILL), so no exit handler of theirs runs.
 *
 * The tests run in a child with TMPDIR pointing into a scratch folder,
 * which the parent removes whatever becomes of the child. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "fpreader.h"
#include "queue.h"
#include "testlib.h"
#include "uploader.h"

#define STALE_AGE_S (2 * 24 * 3600)

static const char *scratch;

/* Forks a process that creates and locks `path` as a transfer does, then
 * is killed mid-way. */
static void killed_writer(const char *path)
{
  int status = 0;
  pid_t pid = fork();

  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

    if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(fd, "part", 4) != 4)
      _exit(1);
    raise(SIGKILL);
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFSIGNALED(status));
}

static void wait_first_pass(KioskUploader *uploader)
{
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

  for (;;) {
    UploaderStats stats;

    uploader_get_stats(uploader, &stats);
    g_free(stats.last_error);
    if (stats.n_passes > 0)
      return;
    g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    g_usleep(10 * 1000);
  }
}

/* A `.part` whose writer was killed goes at the uploader's start, however
 * fresh; one a live writer holds stays. */
static void test_part_files(void)
{
  g_autofree char *dir = g_build_filename(scratch, "parts", NULL);
  g_autofree char *state = g_build_filename(dir, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "kiosk.db", NULL);
  g_autofree char *outbox = g_build_filename(dir, "outbox", NULL);
  g_autofree char *target = NULL;
  g_autofree char *killed = g_build_filename(
      outbox, ".0f361943-6c7e-4d9f-b074-f783f72782c7.0000dead.part", NULL);
  g_autofree char *running = g_build_filename(
      outbox, ".9a2b1943-6c7e-4d9f-b074-f783f72782c7.0000beef.part", NULL);
  g_autoptr(GError) error = NULL;
  KioskUploader *uploader;
  int writer;

  g_assert_cmpint(g_mkdir_with_parents(state, 0700), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(outbox, 0700), ==, 0);
  target = queue_target_for_folder(outbox);
  killed_writer(killed);
  writer = open(running, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  g_assert_cmpint(writer, >=, 0);
  g_assert_cmpint(flock(writer, LOCK_EX), ==, 0);

  uploader = uploader_start(db_path, state, "", target, 3600, &error);
  g_assert_no_error(error);
  wait_first_pass(uploader);
  uploader_stop(uploader);

  g_assert_false(g_file_test(killed, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(running, G_FILE_TEST_EXISTS));
  close(writer);
}

/* The run in the child: prepares the synthetic reader, reports its folder
 * on `report`, then is killed or waits for `hold` to close. The exit
 * status for the child. */
static int reader_child(gboolean kill_it, int report, int hold)
{
  g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
  g_autofree char *folder = NULL;
  char byte;

  g_hash_table_insert(options, "virtual_image_feed", "synthetic");
  if (!fpreader_prepare("libfprint", options, NULL))
    return 1;
  folder = g_path_get_dirname(g_getenv("FP_VIRTUAL_IMAGE"));
  if (write(report, folder, strlen(folder)) < 0)
    return 1;
  close(report);
  if (kill_it)
    raise(SIGKILL);
  while (read(hold, &byte, 1) > 0)
    ;
  return 0;
}

/* Forks a run that prepares the synthetic reader; returns its pid and
 * the folder it made (read from a pipe). With `kill_it` the run kills
 * itself right away; otherwise it lives until *ret_hold is closed. */
static pid_t reader_run(gboolean kill_it, char **ret_folder, int *ret_hold)
{
  int report[2], hold[2];
  char buffer[4096] = "";
  pid_t pid;

  g_assert_cmpint(pipe(report), ==, 0);
  g_assert_cmpint(pipe(hold), ==, 0);
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    close(report[0]);
    close(hold[1]);
    /* exit(), not _exit(): its handler removes the folder. */
    exit(reader_child(kill_it, report[1], hold[0]));
  }
  close(report[1]);
  close(hold[0]);
  g_assert_cmpint(read(report[0], buffer, sizeof buffer - 1), >, 0);
  close(report[0]);
  *ret_folder = g_strdup(buffer);
  *ret_hold = hold[1];
  return pid;
}

static char *tmp_folder(const char *name, gint64 age_s)
{
  char *path = g_build_filename(g_get_tmp_dir(), name, NULL);
  gint64 when = g_get_real_time() / G_USEC_PER_SEC - age_s;
  struct utimbuf times = {.actime = when, .modtime = when};

  g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
  g_assert_cmpint(g_utime(path, &times), ==, 0);
  return path;
}

/* The virtual reader's folder of a killed run goes at the next
 * fpreader_prepare(); a live run's stays, and so does a lock-less folder
 * (an older version's) until it is a day old. */
static void test_reader_folders(void)
{
  g_autoptr(GHashTable) options = g_hash_table_new(g_str_hash, g_str_equal);
  g_autofree char *killed = NULL;
  g_autofree char *alive = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *old = tmp_folder("biokiosk-fp-Old123", STALE_AGE_S);
  g_autofree char *recent = tmp_folder("biokiosk-fp-New123", 0);
  g_autoptr(GError) error = NULL;
  int status = 0, hold_killed, hold_alive;
  /* The live one first, or its own start-up would clean up after the
   * killed one. */
  pid_t alive_pid = reader_run(FALSE, &alive, &hold_alive);
  pid_t killed_pid = reader_run(TRUE, &killed, &hold_killed);

  g_assert_cmpint(waitpid(killed_pid, &status, 0), ==, killed_pid);
  g_assert_true(WIFSIGNALED(status));
  g_assert_true(g_file_test(killed, G_FILE_TEST_IS_DIR));

  g_hash_table_insert(options, "virtual_image_feed", "synthetic");
  g_assert_true(fpreader_prepare("libfprint", options, &error));
  g_assert_no_error(error);
  mine = g_path_get_dirname(g_getenv("FP_VIRTUAL_IMAGE"));

  g_assert_false(g_file_test(killed, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(old, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(alive, G_FILE_TEST_IS_DIR));
  g_assert_true(g_file_test(recent, G_FILE_TEST_IS_DIR));
  g_assert_true(g_file_test(mine, G_FILE_TEST_IS_DIR));

  close(hold_killed);
  close(hold_alive);
  g_assert_cmpint(waitpid(alive_pid, &status, 0), ==, alive_pid);
  g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  g_assert_false(g_file_test(alive, G_FILE_TEST_EXISTS));
  g_rmdir(recent);
}

int main(int argc, char **argv)
{
  const char *outer = g_getenv("TMPDIR");
  g_autofree char *dir = g_build_filename(outer && *outer ? outer : "/tmp",
                                          "biokiosk-test-startup-XXXXXX", NULL);
  g_autofree char *tmp = NULL;
  int status = 0;
  pid_t pid;

  g_assert_nonnull(g_mkdtemp(dir));
  tmp = g_build_filename(dir, "tmp", NULL);
  g_assert_cmpint(g_mkdir(tmp, 0700), ==, 0);
  /* Before anything asks GLib for it: the readers' folders land here. */
  g_setenv("TMPDIR", tmp, TRUE);
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    scratch = dir;
    g_test_init(&argc, &argv, NULL);
    /* The readers first: they set the environment, before any thread. */
    g_test_add_func("/startup-cleanup/reader-folders", test_reader_folders);
    g_test_add_func("/startup-cleanup/part-files", test_part_files);
    exit(g_test_run());
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  testlib_rmtree(dir);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
