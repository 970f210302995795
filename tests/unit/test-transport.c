/* kiosk/store/transport*.c: the scheme registry (every class fills its
 * mandatory members; unknown schemes and malformed URLs are refused with
 * messages that say why), the folder transport's contract (idempotent put,
 * a receipt that fails on tampered or missing bytes, a missing folder is a
 * failure and never a delivery, unsafe ids refused), and the queue driving
 * it: temporary failures made with the file system are retried, a refused
 * id never reaches the target. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "queue.h"
#include "testlib.h"
#include "transport.h"

#define TEST_ID "0f361943-6c7e-4d9f-b074-f783f72782c7"

typedef struct {
  char *dir;
  char *outbox;
  char *url;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = testlib_mkdtemp();
  f->outbox = g_build_filename(f->dir, "outbox", NULL);
  g_assert_cmpint(g_mkdir(f->outbox, 0700), ==, 0);
  f->url = queue_target_for_folder(f->outbox);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  g_chmod(f->outbox, 0700);
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->outbox);
  g_free(f->url);
}

static guint count_entries(const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open(folder, 0, NULL);
  guint n = 0;

  g_assert_nonnull(dir);
  while (g_dir_read_name(dir))
    n++;
  return n;
}

static char *delivered_path(Fixture *f, const char *id)
{
  g_autofree char *name = g_strconcat(id, TRANSPORT_FOLDER_EXTENSION, NULL);

  return g_build_filename(f->outbox, name, NULL);
}

static KioskTransport *open_ok(const char *url)
{
  g_autoptr(GError) error = NULL;
  KioskTransport *transport = transport_open(url, &error);

  g_assert_no_error(error);
  g_assert_nonnull(transport);
  return transport;
}

static void assert_open_fails(const char *url, int code, const char *says)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) queue_error = NULL;

  g_assert_null(transport_open(url, &error));
  g_assert_error(error, TRANSPORT_ERROR, code);
  g_test_message("%s -> %s", url ? url : "(null)", error->message);
  g_assert_nonnull(strstr(error->message, says));
  /* The queue says the same, as a target error. */
  g_assert_false(queue_check_target(url, &queue_error));
  g_assert_error(queue_error, QUEUE_ERROR, QUEUE_ERROR_TARGET);
  g_assert_cmpstr(queue_error->message, ==, error->message);
}

static void test_registry(void)
{
  g_autoptr(GHashTable) schemes = g_hash_table_new(g_str_hash, g_str_equal);

  /* Every class fills the members its contract says must not be NULL. */
  for (gsize i = 0; transport_classes[i]; i++) {
    const TransportClass *klass = transport_classes[i];

    g_assert_nonnull(klass->scheme);
    g_assert_nonnull(klass->description);
    g_assert_nonnull(klass->open);
    g_assert_nonnull(klass->close);
    g_assert_nonnull(klass->put);
    g_assert_nonnull(klass->verify_receipt);
    g_assert_nonnull(klass->describe);
    g_assert_true(g_hash_table_add(schemes, (gpointer)klass->scheme));
    g_assert_true(transport_class_find(klass->scheme) == klass);
  }
  g_assert_nonnull(transport_class_find("file"));
  g_assert_true(transport_class_find("FILE") == transport_class_find("file"));
  g_assert_null(transport_class_find("ftp"));
  g_assert_null(transport_class_find(NULL));

  assert_open_fails("ftp://example.invalid/x",
                    TRANSPORT_ERROR_UNSUPPORTED_SCHEME, "'ftp'");
  /* The message lists what would have worked. */
  for (gsize i = 0; transport_classes[i]; i++)
    assert_open_fails("gopher://x/", TRANSPORT_ERROR_UNSUPPORTED_SCHEME,
                      transport_classes[i]->scheme);
  assert_open_fails("gopher://x/", TRANSPORT_ERROR_UNSUPPORTED_SCHEME,
                    "(supported: file");
}

static void test_malformed_url(void)
{
  assert_open_fails("not a url", TRANSPORT_ERROR_INVALID_URL, "not a URL");
  assert_open_fails("/srv/outbox", TRANSPORT_ERROR_INVALID_URL, "not a URL");
  assert_open_fails("", TRANSPORT_ERROR_INVALID_URL, "not a URL");
  assert_open_fails(NULL, TRANSPORT_ERROR_INVALID_URL, "not a URL");
  /* The scheme is known, the rest is not a local folder. */
  assert_open_fails("file:outbox", TRANSPORT_ERROR_INVALID_URL, "file:outbox");
  assert_open_fails("file://backoffice/srv/outbox", TRANSPORT_ERROR_INVALID_URL,
                    "'backoffice'");
}

static void test_folder_describe(Fixture *f, gconstpointer data)
{
  g_autoptr(KioskTransport) transport = open_ok(f->url);
  g_autofree char *localhost = g_strconcat("file://localhost", f->outbox, NULL);
  g_autoptr(KioskTransport) via_localhost = open_ok(localhost);

  g_assert_true(transport_get_class(transport) == transport_class_find("file"));
  g_assert_cmpstr(transport_describe(transport), ==, f->url);
  g_assert_cmpstr(transport_describe(via_localhost), ==, f->url);
}

static void test_folder_put_idempotent(Fixture *f, gconstpointer data)
{
  g_autoptr(KioskTransport) transport = open_ok(f->url);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed bytes", 12);
  g_autofree char *path = delivered_path(f, TEST_ID);
  g_autoptr(GError) error = NULL;

  for (int round = 0; round < 2; round++) {
    g_autofree char *contents = NULL;
    gsize len = 0;
    GStatBuf st;

    g_assert_true(transport_put(transport, TEST_ID, envelope, &error));
    g_assert_no_error(error);
    /* One file under the final name, no temporary left behind. */
    g_assert_cmpuint(count_entries(f->outbox), ==, 1);
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpmem(contents, len, "sealed bytes", 12);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0640);
  }
}

static void test_folder_verify_receipt(Fixture *f, gconstpointer data)
{
  g_autoptr(KioskTransport) transport = open_ok(f->url);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed bytes", 12);
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  g_autofree char *path = delivered_path(f, TEST_ID);
  g_autoptr(GError) error = NULL;

  /* Nothing delivered yet: no receipt. */
  g_assert_false(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_clear_error(&error);

  g_assert_true(transport_put(transport, TEST_ID, envelope, &error));
  g_assert_true(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_no_error(error);

  /* Tampered: one byte changed, or the file cut short. */
  g_assert_true(g_file_set_contents(path, "sealed bytez", 12, NULL));
  g_assert_false(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull(strstr(error->message, sha256));
  g_clear_error(&error);
  g_assert_true(g_file_set_contents(path, "sealed", 6, NULL));
  g_assert_false(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_clear_error(&error);

  /* Gone (the back office took it, or it was never there). */
  g_assert_cmpint(g_unlink(path), ==, 0);
  g_assert_false(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_clear_error(&error);

  /* A put repairs it. */
  g_assert_true(transport_put(transport, TEST_ID, envelope, &error));
  g_assert_true(transport_verify_receipt(transport, TEST_ID, sha256, &error));
  g_assert_no_error(error);
}

static void test_folder_missing(Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename(f->dir, "unmounted", NULL);
  g_autofree char *missing_url = queue_target_for_folder(missing);
  g_autofree char *blocker = g_build_filename(f->dir, "a-file", NULL);
  g_autofree char *blocked_url = queue_target_for_folder(blocker);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed bytes", 12);
  g_autoptr(GError) error = NULL;
  /* Opening contacts nothing: a missing mount is not a bad URL. */
  g_autoptr(KioskTransport) transport = open_ok(missing_url);
  g_autoptr(KioskTransport) blocked = open_ok(blocked_url);

  g_assert_false(transport_put(transport, TEST_ID, envelope, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_assert_nonnull(strstr(error->message, "does not exist"));
  g_assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
  g_clear_error(&error);

  /* A file where the folder should be. */
  g_assert_true(g_file_set_contents(blocker, "x", 1, NULL));
  g_assert_false(transport_put(blocked, TEST_ID, envelope, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  g_assert_cmpuint(count_entries(f->dir), ==, 2); /* outbox, a-file */
}

static void test_unsafe_id_refused(Fixture *f, gconstpointer data)
{
  /* NULL too: a wrapper refuses it like any other unsafe id. */
  const char *ids[] = {"../escape", "", "0f36/../x", "ZZZZ", NULL};
  g_autoptr(KioskTransport) transport = open_ok(f->url);
  g_autoptr(GBytes) envelope = g_bytes_new_static("sealed bytes", 12);
  g_autofree char *long_id = g_strnfill(TRANSPORT_ID_MAX + 1, 'a');

  for (gsize i = 0; i <= G_N_ELEMENTS(ids); i++) {
    const char *id = i < G_N_ELEMENTS(ids) ? ids[i] : long_id;
    g_autoptr(GError) error = NULL;

    g_assert_false(transport_id_is_safe(id));
    g_assert_false(transport_put(transport, id, envelope, &error));
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED);
    g_clear_error(&error);
    g_assert_false(transport_verify_receipt(transport, id, "00", &error));
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED);
  }
  g_assert_true(transport_id_is_safe(TEST_ID));
  g_assert_cmpuint(count_entries(f->outbox), ==, 0);
  g_assert_cmpuint(count_entries(f->dir), ==, 1);
}

/* --- through the queue --------------------------------------------------- */

typedef struct {
  Fixture base;
  sqlite3 *db;
  KioskQueue *queue;
  char *id;
} QueueFixture;

static void queue_fixture_setup(QueueFixture *q, gconstpointer data)
{
  g_autofree char *state = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GBytes) plain = g_bytes_new_static("a record", 8);
  g_autoptr(GError) error = NULL;

  fixture_setup(&q->base, data);
  state = g_build_filename(q->base.dir, "state", NULL);
  db_path = g_build_filename(state, "kiosk.db", NULL);
  g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
  q->db = db_open(db_path, &error);
  g_assert_no_error(error);
  q->queue = queue_open(q->db, state, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(queue_store(q->queue, plain, 1000, &q->id, &error));
  g_assert_no_error(error);
}

static void queue_fixture_teardown(QueueFixture *q, gconstpointer data)
{
  g_clear_pointer(&q->queue, queue_close);
  g_clear_pointer(&q->db, db_close);
  g_free(q->id);
  fixture_teardown(&q->base, data);
}

/* One pass at `now`: the record failed (with `says`) or was delivered. */
static void upload_expect(QueueFixture *q, gint64 now, const char *says)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  QueueUploadItem *item;

  g_assert_true(queue_upload(q->queue, q->base.url, now, QUEUE_UPLOAD_ALL,
                             &report, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(report->items->len, ==, 1);
  item = report->items->pdata[0];
  if (!says) {
    g_assert_true(item->acknowledged);
    return;
  }
  g_assert_false(item->acknowledged);
  g_assert_cmpuint(report->n_failed, ==, 1);
  g_test_message("failed: %s", item->error);
  g_assert_nonnull(strstr(item->error, says));
}

static int queue_attempts(QueueFixture *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = queue_list(q->queue, &error);

  g_assert_no_error(error);
  return entries->len ? ((QueueEntry *)entries->pdata[0])->attempts : -1;
}

/* A directory squats the final name: rename(2) fails even for root. The
 * record stays and goes out once the way is clear. */
static void test_queue_put_fails_then_delivers(QueueFixture *q,
                                               gconstpointer data)
{
  g_autofree char *path = delivered_path(&q->base, q->id);
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  const AuditEntry *last;

  g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
  upload_expect(q, 1000, "writing");
  g_assert_cmpint(queue_attempts(q), ==, 1);
  g_assert_cmpuint(count_entries(q->base.outbox), ==, 1); /* no .part */

  g_assert_cmpint(g_rmdir(path), ==, 0);
  upload_expect(q, 1100, NULL);
  g_assert_cmpint(queue_attempts(q), ==, -1);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));

  /* The audit entry names the target as the transport describes it. */
  audit = audit_list(q->db, 0, 0, &error);
  g_assert_no_error(error);
  last = audit->pdata[audit->len - 1];
  g_assert_cmpstr(last->event, ==, "record.acknowledged");
  g_assert_true(g_str_has_suffix(last->details, q->base.url));
}

/* Without write permission on the folder the put fails; the record is kept
 * and retried. Permissions do not stop root, hence the skip. */
static void test_queue_read_only_folder(QueueFixture *q, gconstpointer data)
{
  if (geteuid() == 0) {
    g_test_skip("root ignores file permissions");
    return;
  }
  g_assert_cmpint(g_chmod(q->base.outbox, 0500), ==, 0);
  upload_expect(q, 1000, "writing");
  g_assert_cmpint(queue_attempts(q), ==, 1);
  g_assert_cmpuint(count_entries(q->base.outbox), ==, 0);

  g_assert_cmpint(g_chmod(q->base.outbox, 0700), ==, 0);
  upload_expect(q, 1100, NULL);
  g_assert_cmpint(queue_attempts(q), ==, -1);
}

/* A tampered row whose id names a path: refused before the target sees
 * it, kept in the queue, nothing written anywhere. */
static void test_queue_unsafe_id(QueueFixture *q, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(
      db_exec(q->db, "UPDATE queue_records SET id = '../escape'", &error));
  g_assert_no_error(error);
  upload_expect(q, 1000, "not a safe file name");
  g_assert_cmpint(queue_attempts(q), ==, 1);
  g_assert_cmpuint(count_entries(q->base.outbox), ==, 0);
  g_assert_cmpuint(count_entries(q->base.dir), ==, 2); /* outbox, state */
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define ADD(path, func)                                                        \
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_QUEUE(path, func)                                                  \
  g_test_add(path, QueueFixture, NULL, queue_fixture_setup, func,              \
             queue_fixture_teardown)
  g_test_add_func("/transport/registry", test_registry);
  g_test_add_func("/transport/malformed-url", test_malformed_url);
  ADD("/transport/folder/describe", test_folder_describe);
  ADD("/transport/folder/put-idempotent", test_folder_put_idempotent);
  ADD("/transport/folder/verify-receipt", test_folder_verify_receipt);
  ADD("/transport/folder/missing", test_folder_missing);
  ADD("/transport/unsafe-id-refused", test_unsafe_id_refused);
  ADD_QUEUE("/transport/queue/put-fails-then-delivers",
            test_queue_put_fails_then_delivers);
  ADD_QUEUE("/transport/queue/read-only-folder", test_queue_read_only_folder);
  ADD_QUEUE("/transport/queue/unsafe-id", test_queue_unsafe_id);
  return g_test_run();
}
