/* The program and the files on this machine (issue 14, item 9), as a
 * technician runs it ($BK_BIOKIOSK): `queue status` and `queue list` only
 * read the database (no table, file or key is created, and a read-only
 * mount will do), an existing state folder at 0755 is tightened to 0700,
 * and a configuration file or photo that is a FIFO, a device or too large
 * is refused at once with the documented caps. Each child runs under a
 * time limit and, for /dev/zero, a memory limit, so that a regression
 * fails instead of hanging or eating the machine's memory. Whatever the
 * tests leave, also when one fails, the parent process removes. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "keys.h"
#include "queue.h"
#include "record.h"
#include "settings.h"
#include "testlib.h"

/* A child taking longer was blocked (a FIFO) or reading without end. */
/* Generous: a 1 MiB configuration under AddressSanitizer on a loaded
 * machine took longer than 30 s. */
#ifdef __SANITIZE_ADDRESS__
#define CHILD_TIMEOUT_S 180
#else
#define CHILD_TIMEOUT_S 30
#endif
/* As cmd-validate-photo.c's cap (docs/configuration.md). */
#define PHOTO_MAX_BYTES (64 * 1024 * 1024)

static const char *biokiosk;

typedef struct {
  char *dir;
  char *state_dir;
  char *db_path;
  char *set_state; /* --set paths.state_dir=... */
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  f->set_state = g_strconcat("paths.state_dir=", f->state_dir, NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->db_path);
  g_free(f->set_state);
}

/* Runs in the child before exec: the alarm outlives exec and ends a child
 * that blocks; the address-space limit one that reads without end (ASan
 * reserves terabytes of address space, so there its own RSS limit). */
static void child_limits(gpointer data)
{
#ifndef __SANITIZE_ADDRESS__
  struct rlimit as = {4ULL << 30, 4ULL << 30};

  setrlimit(RLIMIT_AS, &as);
#endif
  alarm(CHILD_TIMEOUT_S);
}

/* Runs biokiosk with the arguments (NULL-terminated); the exit status, or
 * minus the signal that ended it. */
static int run(char **ret_out, char **ret_err, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_auto(GStrv) envp = g_get_environ();
  const char *asan = g_environ_getenv(envp, "ASAN_OPTIONS");
  g_autofree char *asan_limited = g_strconcat(asan ? asan : "", asan ? ":" : "",
                                              "hard_rss_limit_mb=4096", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;
  int status = 0;

  g_ptr_array_add(argv, (gpointer)biokiosk);
  va_start(args, first);
  for (const char *a = first; a; a = va_arg(args, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(args);
  g_ptr_array_add(argv, NULL);
  envp = g_environ_setenv(envp, "ASAN_OPTIONS", asan_limited, TRUE);
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_DEFAULT,
                             child_limits, NULL, &out, &err, &status, &error));
  g_assert_no_error(error);
  g_test_message("status %d\nstdout: %s\nstderr: %s", status, out, err);
  if (ret_out)
    *ret_out = g_steal_pointer(&out);
  if (ret_err)
    *ret_err = g_steal_pointer(&err);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* Stores a record the way the app does. */
static void store_record(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkRecord) record = record_new();
  g_autoptr(GBytes) jpeg = g_bytes_new_static("\xff\xd8jpeg\xff\xd9", 8);
  g_autoptr(KioskQueue) queue = NULL;

  g_assert_cmpint(g_mkdir_with_parents(f->state_dir, 0700), ==, 0);
  queue = queue_open_file(f->db_path, f->state_dir, "", &error);
  g_assert_no_error(error);
  record_add_part(record, "photo/camera", RECORD_MEDIA_JPEG, jpeg);
  g_assert_true(queue_store_record(queue, record, 1795000000, NULL, &error));
  g_assert_no_error(error);
}

static gboolean table_exists(Fixture *f, const char *table)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open_readonly(f->db_path, &error);
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_no_error(error);
  g_assert_cmpint(sqlite3_prepare_v2(db,
                                     "SELECT 1 FROM sqlite_master WHERE "
                                     "type = 'table' AND name = ?",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
  found = sqlite3_step(stmt) == SQLITE_ROW;
  sqlite3_finalize(stmt);
  db_close(db);
  return found;
}

static char *file_sha256(const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)data, len);
}

/* status and list read the database as it is: its bytes do not change,
 * and a dropped table is an error, not recreated. */
static void test_status_reads_only(Fixture *f, gconstpointer data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;
  sqlite3 *db;

  store_record(f);
  before = file_sha256(f->db_path);
  g_assert_cmpint(
      run(NULL, NULL, "queue", "status", "--set", f->set_state, NULL), ==, 0);
  g_assert_cmpint(run(NULL, NULL, "queue", "list", "--set", f->set_state, NULL),
                  ==, 0);
  after = file_sha256(f->db_path);
  g_assert_cmpstr(before, ==, after);

  db = db_open(f->db_path, NULL);
  g_assert_true(db_exec(db, "DROP TABLE queue_records", NULL));
  db_close(db);
  g_assert_cmpint(
      run(NULL, &err, "queue", "status", "--set", f->set_state, NULL), ==, 2);
  g_assert_nonnull(strstr(err, "queue_records"));
  g_assert_cmpint(run(NULL, NULL, "queue", "list", "--set", f->set_state, NULL),
                  ==, 2);
  g_assert_false(table_exists(f, "queue_records"));
}

/* No database yet: status says so and creates neither it nor the keys. */
static void test_status_no_database(Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *key =
      g_build_filename(f->state_dir, KEYS_SIGNING_SECRET_FILE, NULL);

  g_assert_cmpint(
      run(NULL, &err, "queue", "status", "--set", f->set_state, NULL), ==, 2);
  g_assert_nonnull(strstr(err, "no database"));
  g_assert_false(g_file_test(f->db_path, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(key, G_FILE_TEST_EXISTS));
}

/* In a mount namespace of its own: the state folder bound read-only. The
 * exit status of `queue status` there, or 77 when it cannot mount. */
static int status_on_read_only_mount(Fixture *f)
{
  int status = 0;
  pid_t pid = fork();

  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(f->state_dir, f->state_dir, NULL, MS_BIND, NULL) != 0 ||
        mount(NULL, f->state_dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
              NULL) != 0)
      _exit(77);
    _exit(run(NULL, NULL, "queue", "status", "--json", "--set", f->set_state,
              NULL));
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* Without write access (a read-only mount, as root would bypass file
 * modes): status still works. */
static void test_status_read_only_mount(Fixture *f, gconstpointer data)
{
  int status;

  store_record(f);
  status = status_on_read_only_mount(f);
  if (status == 77) {
    g_test_skip("cannot mount here (needs root)");
    return;
  }
  g_assert_cmpint(status, ==, 0);
}

/* A state folder that exists with a laxer mode is tightened to 0700. */
static void test_state_folder_tightened(Fixture *f, gconstpointer data)
{
  struct stat st;

  g_assert_cmpint(g_mkdir(f->state_dir, 0755), ==, 0);
  g_assert_cmpint(chmod(f->state_dir, 0755), ==, 0);
  store_record(f);
  g_assert_cmpint(
      run(NULL, NULL, "queue", "status", "--set", f->set_state, NULL), ==, 0);
  g_assert_cmpint(stat(f->state_dir, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);
}

/* The kiosk refuses a state folder of another user (one line, exit 2) and
 * starts on its own. Changing a folder's owner needs root: skipped
 * otherwise. */
static void test_state_folder_owner(Fixture *f, gconstpointer data)
{
  g_autofree char *err = NULL;

  if (geteuid() != 0) {
    g_test_skip("changing a folder's owner needs root");
    return;
  }
  g_assert_cmpint(g_mkdir(f->state_dir, 0700), ==, 0);
  g_assert_cmpint(chown(f->state_dir, 65534, 65534), ==, 0);
  g_assert_cmpint(run(NULL, &err, "run", "--headless",
                      "--exit-after-first-frame", "--set", f->set_state, NULL),
                  ==, 2);
  g_assert_nonnull(strstr(err, "belongs to uid 65534"));
  g_assert_nonnull(strstr(err, f->state_dir));
  g_assert_true(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
  g_assert_false(g_file_test(f->db_path, G_FILE_TEST_EXISTS));

  g_clear_pointer(&err, g_free);
  g_assert_cmpint(chown(f->state_dir, 0, 0), ==, 0);
  g_assert_cmpint(run(NULL, &err, "run", "--headless",
                      "--exit-after-first-frame", "--set", f->set_state, NULL),
                  ==, 0);
}

static char *make_fifo(Fixture *f)
{
  char *path = g_build_filename(f->dir, "fifo", NULL);

  g_assert_cmpint(mkfifo(path, 0600), ==, 0);
  return path;
}

/* A sparse file of `size` bytes that starts with `head`. */
static char *make_large(Fixture *f, const char *name, const char *head,
                        gsize head_len, goffset size)
{
  char *path = g_build_filename(f->dir, name, NULL);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpint(write(fd, head, head_len), ==, (gssize)head_len);
  g_assert_cmpint(ftruncate(fd, size), ==, 0);
  g_assert_cmpint(close(fd), ==, 0);
  return path;
}

/* A configuration of `size` bytes that is valid throughout: the shipped
 * defaults, then comment lines. */
static char *make_large_config(Fixture *f, const char *name, gsize size)
{
  g_autoptr(GString) text = g_string_new(config_embedded_defaults());
  char *path = g_build_filename(f->dir, name, NULL);

  while (text->len < size)
    g_string_append(text, "# padding padding padding padding padding\n");
  g_string_truncate(text, size - 1);
  g_string_append_c(text, '\n');
  g_assert_true(g_file_set_contents(path, text->str, (gssize)text->len, NULL));
  return path;
}

static void assert_config_refused(Fixture *f, const char *config,
                                  const char *why)
{
  g_autofree char *err = NULL;

  g_assert_cmpint(run(NULL, &err, "queue", "status", "--config", config,
                      "--set", f->set_state, NULL),
                  ==, 2);
  g_assert_nonnull(strstr(err, why));
}

/* A FIFO, /dev/zero, a folder or a file over CONFIG_FILE_MAX_BYTES as the
 * configuration: refused at once, exit 2. One at the cap is read. */
static void test_config_file_limits(Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = make_fifo(f);
  g_autofree char *cap =
      g_strdup_printf("larger than %d bytes", CONFIG_FILE_MAX_BYTES);
  g_autofree char *large =
      make_large_config(f, "large.conf", CONFIG_FILE_MAX_BYTES + 1);
  g_autofree char *at_cap =
      make_large_config(f, "at-cap.conf", CONFIG_FILE_MAX_BYTES);

  assert_config_refused(f, fifo, "not a regular file");
  assert_config_refused(f, "/dev/zero", "not a regular file");
  assert_config_refused(f, f->dir, "not a regular file");
  assert_config_refused(f, large, cap);
  store_record(f);
  g_assert_cmpint(run(NULL, NULL, "queue", "status", "--config", at_cap,
                      "--set", f->set_state, NULL),
                  ==, 0);
}

/* The same for validate-photo's images (VALIDATE_FILE_MAX_BYTES). */
static void test_photo_file_limits(Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = make_fifo(f);
  g_autofree char *large =
      make_large(f, "large.jpg", "\xff\xd8\xff\xe0", 4, PHOTO_MAX_BYTES + 1);
  g_autofree char *cap =
      g_strdup_printf("larger than %d bytes", PHOTO_MAX_BYTES);
  const char *refused[][2] = {
      {fifo, "not a regular file"},
      {"/dev/zero", "not a regular file"},
      {large, cap},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
    g_autofree char *err = NULL;

    g_assert_cmpint(run(NULL, &err, "validate-photo", refused[i][0], NULL), ==,
                    2);
    g_assert_nonnull(strstr(err, refused[i][1]));
  }
}

static int run_tests(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  biokiosk = g_getenv("BK_BIOKIOSK");
  if (!biokiosk || !g_file_test(biokiosk, G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("BK_BIOKIOSK does not name the biokiosk program");
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");
#define ADD(path, func)                                                        \
  g_test_add("/cli-local-files/" path, Fixture, NULL, fixture_setup, func,     \
             fixture_teardown)
  ADD("status-reads-only", test_status_reads_only);
  ADD("status-no-database", test_status_no_database);
  ADD("status-read-only-mount", test_status_read_only_mount);
  ADD("state-folder-tightened", test_state_folder_tightened);
  ADD("state-folder-owner", test_state_folder_owner);
  ADD("config-file-limits", test_config_file_limits);
  ADD("photo-file-limits", test_photo_file_limits);
#undef ADD
  return g_test_run();
}

int main(int argc, char **argv)
{
  const char *outer = g_getenv("TMPDIR");
  g_autofree char *dir = g_build_filename(outer && *outer ? outer : "/tmp",
                                          "biokiosk-test-files-XXXXXX", NULL);
  int status = 0;
  pid_t pid;

  /* The tests run in a child whose scratch folders all land in `dir`,
   * which the parent removes whatever becomes of the child. */
  g_assert_nonnull(g_mkdtemp(dir));
  g_setenv("TMPDIR", dir, TRUE);
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0)
    exit(run_tests(argc, argv));
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  testlib_rmtree(dir);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
