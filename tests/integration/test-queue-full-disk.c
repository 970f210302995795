/* The record queue on a nearly full state filesystem (issue 14, item 2): a
 * small tmpfs holds the database, filled until 256 KB or nothing is left.
 * The queue must still acknowledge and delete delivered records, try every
 * record on its own, name the record and the step when it cannot, and say
 * when there is too little space for a new capture (queue_space_check()).
 *
 * The tmpfs mounts live in a private mount namespace of a child process,
 * so they vanish with it even when an assertion aborts; the parent removes
 * the scratch folder afterwards. Needs root (CAP_SYS_ADMIN): exits 77
 * without. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "queue.h"
#include "record.h"
#include "testlib.h"

#define MIB (1024 * 1024)
#define KIB 1024
/* What the issue measured: 64-700 KB free stopped the queue. */
#define NEARLY_FULL_FREE (256 * KIB)
#define N_RECORDS        3
#define SMALL_TMPFS      (8 * MIB)
#define NOW              1795000000

/* The scratch folder the parent made (and removes). */
static const char *scratch;
static const char *biokiosk;

typedef struct {
  char *state_dir; /* a tmpfs mount */
  char *db_path;
  char *outbox; /* on the ordinary file system */
  char *target;
  char *filler;
  KioskQueue *queue;
} Fixture;

static guint64 free_bytes(const char *dir)
{
  struct statvfs st;

  g_assert_cmpint(statvfs(dir, &st), ==, 0);
  return (guint64)st.f_bavail * st.f_frsize;
}

/* Fills the file system of `f->state_dir` until `leave` bytes are free
 * (0: until a write fails with ENOSPC). */
static void fill(Fixture *f, guint64 leave)
{
  static const char zeros[64 * KIB];
  int fd = open(f->filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpuint(free_bytes(f->state_dir), >=, leave);
  for (;;) {
    guint64 avail = free_bytes(f->state_dir);
    gsize n = MIN(sizeof zeros, avail > leave ? avail - leave : 0);

    if (leave > 0 && n == 0)
      break;
    if (write(fd, zeros, leave > 0 ? n : sizeof zeros) < 0) {
      g_assert_cmpint(errno, ==, ENOSPC);
      break;
    }
  }
  g_assert_cmpint(close(fd), ==, 0);
  g_test_message("filled: %" G_GUINT64_FORMAT " bytes free",
                 free_bytes(f->state_dir));
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
  guint64 size = GPOINTER_TO_SIZE(data);
  g_autoptr(GError) error = NULL;
  static int n;

  f->state_dir = g_strdup_printf("%s/state-%d", scratch, n);
  f->outbox = g_strdup_printf("%s/outbox-%d", scratch, n++);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  f->filler = g_build_filename(f->state_dir, "filler", NULL);
  testlib_mount_tmpfs(f->state_dir, size);
  g_assert_cmpint(g_mkdir(f->outbox, 0700), ==, 0);
  f->target = queue_target_for_folder(f->outbox);
  f->queue = queue_open_file(f->db_path, f->state_dir, "", &error);
  g_assert_no_error(error);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->queue, queue_close);
  g_assert_cmpint(umount2(f->state_dir, MNT_DETACH), ==, 0);
  g_free(f->state_dir);
  g_free(f->db_path);
  g_free(f->outbox);
  g_free(f->target);
  g_free(f->filler);
}

/* A record of about `size` bytes (incompressible, as sealed data is). */
static char *store_record(Fixture *f, gsize size)
{
  g_autoptr(BkRecord) record = record_new();
  g_autoptr(GError) error = NULL;
  guint8 *data = g_malloc(size);
  char *id = NULL;

  randombytes_buf(data, size);
  record_add_part(record, "photo/camera", RECORD_MEDIA_JPEG,
                  g_bytes_new_take(data, size));
  g_assert_true(queue_store_record(f->queue, record, NOW, &id, &error));
  g_assert_no_error(error);
  return id;
}

static guint queued(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  QueueStatus status;

  g_assert_true(queue_status(f->queue, NOW, &status, &error));
  g_assert_no_error(error);
  return status.n_records;
}

static guint count_outbox(Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open(f->outbox, 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name(dir))
    n++;
  return n;
}

static int run_cli(char **ret_out, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autofree char *err = NULL;
  va_list args;
  int status;

  g_ptr_array_add(argv, (gpointer)biokiosk);
  va_start(args, first);
  for (const char *a = first; a; a = va_arg(args, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(args);
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata, NULL, ret_out, &err);
  g_test_message("exit %d\nstdout: %s\nstderr: %s", status,
                 ret_out ? *ret_out : "", err);
  return status;
}

/* Three 1 MB records on a small tmpfs left with `leave` bytes free; one
 * `queue upload` (a fresh process, as a technician runs it) delivers and
 * deletes all three. (8 MB: closing the storing connection copies its 3 MB
 * WAL into the database while the WAL is still there.) */
static void cli_drains(Fixture *f, guint64 leave)
{
  g_autofree char *set_state =
      g_strconcat("paths.state_dir=", f->state_dir, NULL);
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  for (int i = 0; i < N_RECORDS; i++)
    g_free(store_record(f, MIB));
  g_clear_pointer(&f->queue, queue_close);
  fill(f, leave);

  g_assert_cmpint(run_cli(&out, "queue", "upload", "--json", "--set", set_state,
                          "--target", f->target, NULL),
                  ==, 0);
  g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
  g_assert_no_error(error);
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpint(json_object_get_int_member(o, "acknowledged"), ==, N_RECORDS);
  g_assert_cmpint(json_object_get_int_member(o, "failed"), ==, 0);
  g_assert_cmpuint(count_outbox(f), ==, N_RECORDS);

  g_assert_cmpint(g_unlink(f->filler), ==, 0);
  f->queue = queue_open_file(f->db_path, f->state_dir, "", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(queued(f), ==, 0);
}

/* The reproduction: 256 KB free (64-700 KB stopped the queue). */
static void test_cli_drains(Fixture *f, gconstpointer data)
{
  cli_drains(f, NEARLY_FULL_FREE);
}

/* Not a byte free: the reserve makes room to open the database. */
static void test_cli_drains_full(Fixture *f, gconstpointer data)
{
  cli_drains(f, 0);
}

/* As the runtime asks: on a connection of its own. */
static QueueSpace space_check(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(f->db_path, &error);
  QueueSpace space;

  g_assert_no_error(error);
  g_assert_true(queue_space_check(db, &space, &error));
  g_assert_no_error(error);
  db_close(db);
  g_test_message("space: %s, %" G_GUINT64_FORMAT " free, %" G_GUINT64_FORMAT
                 " in the database, reserve %s",
                 space.capture_ok ? "ok" : "low", space.filesystem_free,
                 space.database_free, space.reserve_ready ? "ready" : "gone");
  return space;
}

static QueueUploadReport *upload(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  QueueUploadReport *report = NULL;

  g_assert_true(queue_upload(f->queue, f->target, NOW, QUEUE_UPLOAD_ALL,
                             &report, &error));
  g_assert_no_error(error);
  return report;
}

/* Not a byte left (an open queue, as the uploader thread holds one): the
 * reserve is given up and every record is acknowledged; it comes back once
 * there is room again. */
static void test_no_space_left(Fixture *f, gconstpointer data)
{
  g_autoptr(QueueUploadReport) report = NULL;

  for (int i = 0; i < N_RECORDS; i++)
    g_free(store_record(f, MIB));
  g_assert_true(space_check(f).reserve_ready);
  fill(f, 0);

  report = upload(f);
  g_assert_cmpuint(report->n_acknowledged, ==, N_RECORDS);
  g_assert_cmpuint(report->n_failed, ==, 0);
  g_assert_cmpuint(queued(f), ==, 0);
  g_assert_cmpuint(count_outbox(f), ==, N_RECORDS);

  /* Room again: the next pass puts the reserve back. */
  g_assert_cmpint(g_unlink(f->filler), ==, 0);
  g_clear_pointer(&report, queue_upload_report_free);
  report = upload(f);
  g_assert_true(space_check(f).reserve_ready);
}

/* Records stored on a nearly full disk go into the database file at once
 * (queue_settle_wal()), so that even with no reserve and not a byte free
 * the WAL can be reused and every record is acknowledged. */
static void test_settled_drains(Fixture *f, gconstpointer data)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autofree char *reserve = g_strconcat(f->db_path, DB_RESERVE_SUFFIX, NULL);

  for (int i = 0; i < N_RECORDS; i++)
    g_free(store_record(f, MIB));
  g_assert_cmpint(g_unlink(reserve), ==, 0);
  fill(f, 0);

  report = upload(f);
  g_assert_cmpuint(report->n_acknowledged, ==, N_RECORDS);
  g_assert_cmpuint(queued(f), ==, 0);
  g_assert_cmpuint(count_outbox(f), ==, N_RECORDS);
}

/* Nothing can be written at all: the records were stored while the disk
 * had room, so their pages are still only in the WAL, beyond the database
 * file's end; then the disk filled up to the last byte, and the reserve is
 * gone. Every record is still tried, each failure names the record and the
 * step, nothing is lost, and the queue drains once space returns. */
static void test_each_record_named(Fixture *f, gconstpointer data)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autofree char *reserve = g_strconcat(f->db_path, DB_RESERVE_SUFFIX, NULL);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

  for (int i = 0; i < N_RECORDS; i++)
    g_ptr_array_add(ids, store_record(f, MIB));
  g_assert_cmpint(g_unlink(reserve), ==, 0);
  fill(f, 0);

  report = upload(f);
  g_assert_cmpuint(report->items->len, ==, N_RECORDS);
  g_assert_cmpuint(report->n_failed, ==, N_RECORDS);
  for (guint i = 0; i < N_RECORDS; i++) {
    const QueueUploadItem *item = g_ptr_array_index(report->items, i);

    g_assert_false(item->acknowledged);
    g_assert_nonnull(strstr(item->error, item->id));
    g_assert_nonnull(strstr(item->error, QUEUE_STEP_ACKNOWLEDGE));
  }
  g_assert_cmpuint(queued(f), ==, N_RECORDS);

  g_assert_cmpint(g_unlink(f->filler), ==, 0);
  g_clear_pointer(&report, queue_upload_report_free);
  report = upload(f);
  g_assert_cmpuint(report->n_acknowledged, ==, N_RECORDS);
  g_assert_cmpuint(queued(f), ==, 0);
}

/* queue_space_check() says no before the disk is too full for a record,
 * and counts the database's free pages as room. */
static void test_space_check(Fixture *f, gconstpointer data)
{
  g_autoptr(QueueUploadReport) report = NULL;
  QueueSpace space = space_check(f);

  g_assert_true(space.capture_ok);
  g_assert_cmpuint(space.needed_bytes, ==, QUEUE_SPACE_CAPTURE_BYTES);

  fill(f, QUEUE_SPACE_CAPTURE_BYTES - MIB);
  space = space_check(f);
  g_assert_false(space.capture_ok);
  g_assert_cmpuint(space.filesystem_free, <, QUEUE_SPACE_CAPTURE_BYTES);

  /* Records that leave free pages behind in the database give room back. */
  g_assert_cmpint(g_unlink(f->filler), ==, 0);
  for (int i = 0; i < 8; i++)
    g_free(store_record(f, 2 * MIB));
  report = upload(f);
  g_assert_cmpuint(report->n_acknowledged, ==, 8);
  fill(f, QUEUE_SPACE_CAPTURE_BYTES - 8 * MIB);
  space = space_check(f);
  g_assert_cmpuint(space.database_free, >=, 16 * MIB);
  g_assert_true(space.capture_ok);
}

static int run_tests(int argc, char **argv, const char *scratch_dir)
{
  scratch = scratch_dir;
  g_test_init(&argc, &argv, NULL);
  testlib_private_mounts();
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");
  biokiosk = g_getenv("BK_BIOKIOSK");
  if (!biokiosk || !g_file_test(biokiosk, G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("BK_BIOKIOSK does not name the biokiosk program");

  g_test_add("/queue-full-disk/cli-drains", Fixture,
             GSIZE_TO_POINTER(SMALL_TMPFS), fixture_setup, test_cli_drains,
             fixture_teardown);
  g_test_add("/queue-full-disk/cli-drains-full", Fixture,
             GSIZE_TO_POINTER(SMALL_TMPFS), fixture_setup, test_cli_drains_full,
             fixture_teardown);
  g_test_add("/queue-full-disk/no-space-left", Fixture,
             GSIZE_TO_POINTER(SMALL_TMPFS), fixture_setup, test_no_space_left,
             fixture_teardown);
  g_test_add("/queue-full-disk/settled-drains", Fixture,
             GSIZE_TO_POINTER(SMALL_TMPFS), fixture_setup, test_settled_drains,
             fixture_teardown);
  g_test_add("/queue-full-disk/each-record-named", Fixture,
             GSIZE_TO_POINTER(QUEUE_SPACE_WAL_BYTES + 16 * MIB), fixture_setup,
             test_each_record_named, fixture_teardown);
  g_test_add("/queue-full-disk/space-check", Fixture,
             GSIZE_TO_POINTER(QUEUE_SPACE_CAPTURE_BYTES + 32 * MIB),
             fixture_setup, test_space_check, fixture_teardown);
  return g_test_run();
}

int main(int argc, char **argv)
{
  /* The tests run in a child, whose mounts (and workers) die with it; the
   * parent removes the scratch folder. */
  return testlib_run_in_child(run_tests, argc, argv);
}
