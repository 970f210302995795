/* The https transport against nginx from Debian (tests/tools/https-server.h)
 * with mutual TLS on loopback: delivery with a receipt read back, one copy
 * per id, and each fault a back office can show: 5xx (with and without
 * Retry-After), 429, a full disk, permanent refusals and a receipt for
 * other bytes (quarantine), a hang past the timeout, a dropped connection,
 * a wrong CA, an expired server certificate, a missing, revoked or
 * foreign client certificate, a lost acknowledgement and a name that does
 * not resolve. After each, nothing is lost and the audit chain verifies. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "db.h"
#include "demo-media.h"
#include "queue.h"
#include "settings.h"
#include "testlib.h"
#include "tools/https-server.h"
#include "transport.h"
#include "uploader.h"

#define NOW 1700000000

static HttpsServer *server;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QueueEntry, queue_entry_free)

typedef struct {
  char *dir;
  char *state_dir;
  char *db_path;
  sqlite3 *db;
  KioskQueue *queue;
  TransportOptions options;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  g_assert_cmpint(g_mkdir_with_parents(f->state_dir, 0700), ==, 0);
  f->db = db_open(f->db_path, &error);
  g_assert_no_error(error);
  f->queue = queue_open(f->db, f->state_dir, NULL, &error);
  g_assert_no_error(error);
  f->options.ca = g_strdup(server->ca);
  f->options.cert = g_strdup(server->cert);
  f->options.key = g_strdup(server->key);
  f->options.connect_timeout_s = 5;
  f->options.transfer_timeout_s = 20;
  f->options.low_speed_time_s = 2;
  f->options.low_speed_bytes_s = 1024;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* Whatever happened, the audit chain holds. */
  g_assert_true(audit_verify(f->db, NULL, &error));
  g_assert_no_error(error);
  g_clear_pointer(&f->queue, queue_close);
  g_clear_pointer(&f->db, db_close);
  transport_options_clear(&f->options);
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->db_path);
}

/* Stores `size` random bytes as a record; returns its id. */
static char *store(Fixture *f, gsize size)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc(size);
  g_autoptr(GBytes) plain = NULL;
  char *id = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8)g_random_int();
  plain = g_bytes_new(data, size);
  g_assert_true(queue_store(f->queue, plain, NOW, &id, &error));
  g_assert_no_error(error);
  return id;
}

/* One pass of every record to `url` with the fixture's options. */
static QueueUploadReport *upload_to(Fixture *f, const char *url)
{
  g_autoptr(GError) error = NULL;
  QueueUploadReport *report = NULL;

  queue_set_transport_options(f->queue, &f->options);
  g_assert_true(
      queue_upload(f->queue, url, NOW, QUEUE_UPLOAD_ALL, &report, &error));
  g_assert_no_error(error);
  return report;
}

static QueueUploadReport *upload(Fixture *f, const char *location)
{
  g_autofree char *url = https_server_url(server, location);

  return upload_to(f, url);
}

/* The queue's entry for `id` (must be there). */
static QueueEntry *entry_for(Fixture *f, const char *id)
{
  g_autoptr(GPtrArray) entries = queue_list(f->queue, NULL);

  for (guint i = 0; entries && i < entries->len; i++) {
    QueueEntry *entry = g_ptr_array_index(entries, i);

    if (strcmp(entry->id, id) == 0)
      return g_ptr_array_steal_index(entries, i);
  }
  g_assert_not_reached();
}

static char *record_path(const char *id)
{
  g_autofree char *name = g_strconcat(id, ".bkrec", NULL);

  return g_build_filename(server->records, name, NULL);
}

/* The server holds exactly the queued envelope of `id`. */
static void assert_delivered(const char *id, GBytes *envelope)
{
  g_autofree char *path = record_path(id);
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpmem(data, len, g_bytes_get_data(envelope, NULL),
                  g_bytes_get_size(envelope));
}

static guint count_records_for(const char *id)
{
  g_autoptr(GDir) dir = g_dir_open(server->records, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name(dir)))
    n += g_str_has_prefix(name, id);
  return n;
}

/* The record stayed, retrying, with `needle` in its last error, due
 * `delay` seconds after NOW. */
static void assert_retrying(Fixture *f, const char *id, const char *needle,
                            gint64 delay)
{
  g_autoptr(QueueEntry) entry = entry_for(f, id);

  g_test_message("last error: %s", entry->last_error);
  g_assert_cmpstr(queue_entry_state(entry), ==, "retrying");
  g_assert_cmpint(entry->attempts, ==, 1);
  g_assert_nonnull(strstr(entry->last_error, needle));
  if (delay)
    g_assert_cmpint(entry->next_attempt, ==, NOW + delay);
  g_assert_cmpuint(count_records_for(id), ==, 0);
}

static void test_deliver(Fixture *f, gconstpointer data)
{
  g_autofree char *a = store(f, 1000);
  g_autofree char *b = store(f, 300 * 1024);
  g_autoptr(GBytes) env_a = queue_get_envelope(f->queue, a, NULL);
  g_autoptr(GBytes) env_b = queue_get_envelope(f->queue, b, NULL);
  g_autoptr(QueueUploadReport) report = upload(f, "records");
  QueueStatus status;

  g_assert_cmpuint(report->n_acknowledged, ==, 2);
  g_assert_cmpuint(report->n_failed, ==, 0);
  assert_delivered(a, env_a);
  assert_delivered(b, env_b);
  g_assert_true(queue_status(f->queue, NOW, &status, NULL));
  g_assert_cmpuint(status.n_records, ==, 0);
}

/* A repeated PUT of the same id leaves one copy of the same bytes. */
static void test_idempotent(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store(f, 5000);
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, NULL);
  g_autofree char *url = https_server_url(server, "records");
  g_autofree char *sha =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskTransport) t =
      transport_open_with_options(url, &f->options, &error);

  g_assert_no_error(error);
  for (int i = 0; i < 3; i++) {
    g_assert_true(transport_put(t, id, envelope, &error));
    g_assert_no_error(error);
  }
  g_assert_true(transport_verify_receipt(t, id, sha, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count_records_for(id), ==, 1);
  assert_delivered(id, envelope);
  /* A receipt for other bytes is not one. */
  g_assert_false(transport_verify_receipt(
      t, id, "0000000000000000000000000000000000000000000000000000000000000000",
      &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED);
}

typedef struct {
  const char *location;
  const char *needle;
  gint64 delay; /* the Retry-After, or the first backoff step */
} Temporary;

static const Temporary temporaries[] = {
    {"f500", "HTTP 500", QUEUE_BACKOFF_BASE_S},
    {"f503", "HTTP 503", 7},
    {"f429", "HTTP 429", 5},
    {"f507", "HTTP 507", QUEUE_BACKOFF_BASE_S},
};

/* Temporary failures keep the record for a retry, after the server's
 * Retry-After when it named one; the retry to a working server delivers. */
static void test_temporary(Fixture *f, gconstpointer data)
{
  const Temporary *t = data;
  g_autofree char *id = store(f, 2000);
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, NULL);
  g_autoptr(QueueUploadReport) report = upload(f, t->location);
  g_autoptr(QueueUploadReport) again = NULL;

  g_assert_cmpuint(report->n_failed, ==, 1);
  g_assert_cmpuint(report->n_quarantined, ==, 0);
  assert_retrying(f, id, t->needle, t->delay);
  again = upload(f, "records");
  g_assert_cmpuint(again->n_acknowledged, ==, 1);
  assert_delivered(id, envelope);
}

/* Audit entries of `action` that name `id`. */
static guint count_audit(Fixture *f, const char *action, const char *id)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *like = g_strdup_printf("%%id=%s%%", id);
  guint n = 0;

  g_assert_cmpint(sqlite3_prepare_v2(f->db,
                                     "SELECT COUNT(*) FROM audit_log WHERE "
                                     "event = ? AND details LIKE ?",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  sqlite3_bind_text(stmt, 1, action, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, like, -1, SQLITE_STATIC);
  if (sqlite3_step(stmt) == SQLITE_ROW)
    n = (guint)sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

/* A quarantined record: kept with its error and an audit entry, never
 * sent again by a pass, released by the technician and then delivered. */
static void assert_quarantined(Fixture *f, const char *id, const char *needle,
                               QueueUploadReport *report)
{
  g_autoptr(QueueEntry) entry = entry_for(f, id);
  g_autoptr(QueueUploadReport) again = NULL;
  g_autoptr(QueueUploadReport) delivered = NULL;
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, NULL);
  g_autoptr(GError) error = NULL;
  QueueStatus status;
  guint released = 0;

  g_assert_cmpuint(report->n_quarantined, ==, 1);
  g_assert_cmpstr(queue_entry_state(entry), ==, "quarantined");
  g_assert_nonnull(strstr(entry->last_error, needle));
  g_assert_cmpuint(count_audit(f, "record.quarantined", id), ==, 1);
  g_assert_true(queue_status(f->queue, NOW, &status, NULL));
  g_assert_cmpuint(status.n_quarantined, ==, 1);
  g_assert_cmpuint(status.n_due, ==, 0);
  /* Never looping: the next passes leave it alone. */
  again = upload(f, "records");
  g_assert_cmpuint(again->items->len, ==, 0);
  g_assert_true(queue_release(f->queue, NULL, NOW, &released, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(released, ==, 1);
  g_assert_cmpuint(count_audit(f, "record.released", id), ==, 1);
  transport_options_clear(&f->options);
  f->options.ca = g_strdup(server->ca);
  f->options.cert = g_strdup(server->cert);
  f->options.key = g_strdup(server->key);
  delivered = upload(f, "records");
  g_assert_cmpuint(delivered->n_acknowledged, ==, 1);
  assert_delivered(id, envelope);
}

typedef struct {
  const char *location;
  const char *needle;
  gsize size;
} Refusal;

static const Refusal refusals[] = {
    {"f400", "HTTP 400", 100},        {"f401", "HTTP 401", 100},
    {"f403", "HTTP 403", 100},        {"f413", "HTTP 413", 4000},
    {"mismatch", "other bytes", 100},
};

static void test_refused(Fixture *f, gconstpointer data)
{
  const Refusal *r = data;
  g_autofree char *id = store(f, r->size);
  g_autoptr(QueueUploadReport) report = upload(f, r->location);

  assert_quarantined(f, id, r->needle, report);
}

/* Client certificates nginx does not accept: none, revoked, another CA's.
 * nginx answers 400, so the record waits in quarantine for a person. */
static void test_client_cert(Fixture *f, gconstpointer data)
{
  const char *which = data;
  g_autofree char *id = store(f, 100);
  g_autoptr(QueueUploadReport) report = NULL;

  g_clear_pointer(&f->options.cert, g_free);
  g_clear_pointer(&f->options.key, g_free);
  if (strcmp(which, "revoked") == 0) {
    f->options.cert = g_strdup(server->revoked_cert);
    f->options.key = g_strdup(server->revoked_key);
  } else if (strcmp(which, "other-ca") == 0) {
    f->options.cert = g_strdup(server->other_cert);
    f->options.key = g_strdup(server->other_key);
  }
  report = upload(f, "records");
  assert_quarantined(f, id, "HTTP 400", report);
}

/* The server's side is wrong: kept, retried, nothing sent in the clear. */
static void test_server_cert(Fixture *f, gconstpointer data)
{
  const char *which = data;
  g_autofree char *id = store(f, 100);
  g_autofree char *url = NULL;
  g_autoptr(QueueUploadReport) report = NULL;

  if (strcmp(which, "expired") == 0) {
    url =
        g_strdup_printf("https://127.0.0.1:%d/records/", server->expired_port);
  } else {
    url = https_server_url(server, "records");
    g_free(f->options.ca);
    f->options.ca = g_strdup(server->other_ca);
  }
  report = upload_to(f, url);
  g_assert_cmpuint(report->n_failed, ==, 1);
  assert_retrying(f, id, strcmp(which, "expired") == 0 ? "expired" : "SSL",
                  QUEUE_BACKOFF_BASE_S);
}

/* The server's public key pinned: the right pin delivers, another one
 * sends nothing (the record waits; a pinned-away server is not trusted). */
static void test_pinned(Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf(
      "openssl x509 -in %s/certs/server.pem -pubkey -noout | openssl pkey "
      "-pubin -outform der | openssl dgst -sha256 -binary | base64",
      server->dir);
  const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  g_autofree char *pin = NULL;
  g_autoptr(QueueUploadReport) good = NULL;
  g_autoptr(QueueUploadReport) bad = NULL;
  g_autofree char *b = NULL;

  g_free(store(f, 100));
  g_assert_cmpint(testlib_spawn(argv, NULL, &pin, NULL), ==, 0);
  f->options.pinned_public_key = g_strconcat("sha256//", g_strstrip(pin), NULL);
  good = upload(f, "records");
  g_assert_cmpuint(good->n_acknowledged, ==, 1);
  b = store(f, 100);
  g_free(f->options.pinned_public_key);
  f->options.pinned_public_key =
      g_strdup("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  bad = upload(f, "records");
  g_assert_cmpuint(bad->n_failed, ==, 1);
  assert_retrying(f, b, "PUT", QUEUE_BACKOFF_BASE_S);
}

/* A server that never answers, a dropped connection, a name that does not
 * resolve: temporary, within the configured time. */
static void test_network(Fixture *f, gconstpointer data)
{
  const char *which = data;
  gboolean reset = strcmp(which, "reset") == 0;
  /* A body far larger than the sockets' buffers: nginx drops the
   * connection while it is still coming. */
  g_autofree char *id = store(f, reset ? 8 << 20 : 100);
  g_autofree char *url = strcmp(which, "dns") == 0
                             ? g_strdup("https://biokiosk-test.invalid/r/")
                             : https_server_url(server, which);
  gint64 start = g_get_monotonic_time();
  g_autoptr(QueueUploadReport) report = upload_to(f, url);

  g_assert_cmpuint(report->n_failed, ==, 1);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 15 * G_USEC_PER_SEC);
  assert_retrying(f, id, reset ? "reset" : "PUT", QUEUE_BACKOFF_BASE_S);
}

/* The server stored the record but its answer never came: the retry puts
 * the same name again, and the server holds one copy. */
static void test_lost_ack(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store(f, 50000);
  g_autoptr(GBytes) envelope = queue_get_envelope(f->queue, id, NULL);
  g_autoptr(QueueUploadReport) lost = upload(f, "lostack");
  g_autoptr(QueueUploadReport) again = NULL;
  g_autofree char *path = record_path(id);
  g_autoptr(QueueEntry) entry = entry_for(f, id);

  g_assert_cmpuint(lost->n_failed, ==, 1);
  g_assert_cmpstr(queue_entry_state(entry), ==, "retrying");
  /* nginx's mirror stored it while the answer hung. */
  for (int i = 0; i < 500 && !g_file_test(path, G_FILE_TEST_EXISTS); i++)
    g_usleep(10000);
  g_assert_cmpuint(count_records_for(id), ==, 1);
  again = upload(f, "records");
  g_assert_cmpuint(again->n_acknowledged, ==, 1);
  g_assert_cmpuint(count_records_for(id), ==, 1);
  assert_delivered(id, envelope);
}

/* Bad configuration is refused before anything is sent, naming the key and
 * the file. */
static void test_bad_options(Fixture *f, gconstpointer data)
{
  g_autofree char *url = https_server_url(server, "records");
  g_autofree char *missing = g_build_filename(f->dir, "nope.pem", NULL);
  g_auto(TransportOptions) o = {0};
  g_autoptr(GError) error = NULL;
  KioskTransport *t;

  transport_options_copy(&o, &f->options);
  g_free(o.ca);
  o.ca = NULL;
  g_assert_null(transport_open_with_options(url, &o, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
  g_assert_nonnull(strstr(error->message, "[upload] ca"));
  g_clear_error(&error);
  o.ca = g_strdup(server->ca);
  g_free(o.cert);
  o.cert = g_strdup(missing);
  g_assert_null(transport_open_with_options(url, &o, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION);
  g_assert_nonnull(strstr(error->message, "[upload] cert"));
  g_assert_nonnull(strstr(error->message, missing));
  g_clear_error(&error);
  g_free(o.cert);
  o.cert = g_strdup(server->cert);
  g_free(o.key);
  o.key = g_strdup(server->other_key);
  g_assert_null(transport_open_with_options(url, &o, &error));
  g_assert_nonnull(strstr(error->message, "does not match"));
  g_assert_nonnull(strstr(error->message, server->other_key));
  g_clear_error(&error);
  g_free(o.key);
  o.key = g_strdup(server->key);
  for (const char *const *bad =
           (const char *const[]){"https://", "https://user:pw@127.0.0.1/r/",
                                 "https://h/r/?q=1", "https:no-host", NULL};
       *bad; bad++) {
    g_assert_null(transport_open_with_options(*bad, &o, &error));
    g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_URL);
    g_clear_error(&error);
  }
  t = transport_open_with_options(url, &o, &error);
  g_assert_no_error(error);
  transport_close(t);
}

/* The uploader is woken by a store, not by its interval (an hour here). */
static void test_uploader_woken(Fixture *f, gconstpointer data)
{
  g_autofree char *url = https_server_url(server, "records");
  g_autoptr(GError) error = NULL;
  KioskUploader *uploader = uploader_start_with_options(
      f->db_path, f->state_dir, NULL, url, &f->options, 3600, &error);
  UploaderStats stats = {0};
  g_autofree char *id = NULL;

  g_assert_no_error(error);
  g_usleep(200000); /* its first pass, on an empty queue */
  id = store(f, 1000);
  uploader_kick(uploader);
  for (int i = 0; i < 300; i++) {
    g_free(stats.last_error);
    uploader_get_stats(uploader, &stats);
    if (stats.n_acknowledged == 1)
      break;
    g_usleep(10000);
  }
  g_free(stats.last_error);
  g_assert_cmpuint(stats.n_acknowledged, ==, 1);
  g_assert_cmpuint(count_records_for(id), ==, 1);
  uploader_stop(uploader);
}

/* `biokiosk ARGS... --set paths.state_dir=<the fixture's> [upload] of
 * the fixture`, with `extra` (--set ...) last; exit status. */
static int run_cli(Fixture *f, char **ret_out, char **ret_err,
                   const char *const *args, const char *const *extra)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add(argv, g_strdup(g_getenv("BK_BIOKIOSK")));
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, g_strdup(*a));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("paths.state_dir=%s", f->state_dir));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("upload.ca=%s", f->options.ca));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("upload.cert=%s", f->options.cert));
  g_ptr_array_add(argv, g_strdup("--set"));
  g_ptr_array_add(argv, g_strdup_printf("upload.key=%s", f->options.key));
  for (const char *const *a = extra; a && *a; a++)
    g_ptr_array_add(argv, g_strdup(*a));
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata, NULL, &out, &err);
  g_test_message("exit %d: %s%s", status, out ? out : "", err ? err : "");
  if (ret_out)
    *ret_out = g_steal_pointer(&out);
  if (ret_err)
    *ret_err = g_steal_pointer(&err);
  return status;
}

/* The command line: a refused record shows in `queue status --json` as
 * quarantined with its error; bad [upload] files stop the kiosk (exit 2,
 * one line naming the key and the file) before any record is touched;
 * `queue release` puts the record back. */
static void test_cli(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store(f, 100);
  g_autofree char *f403 = https_server_url(server, "f403");
  g_autofree char *refuse = g_strdup_printf("upload.target=%s", f403);
  g_autofree char *missing = g_build_filename(f->dir, "missing.pem", NULL);
  g_autofree char *bad_cert = g_strdup_printf("upload.cert=%s", missing);
  g_autofree char *bad_key =
      g_strdup_printf("upload.key=%s", server->other_key);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *o, *record;

  g_assert_cmpint(run_cli(f, NULL, NULL,
                          (const char *const[]){"queue", "upload", NULL},
                          (const char *const[]){"--set", refuse, NULL}),
                  ==, 1);
  g_assert_cmpint(
      run_cli(f, &out, NULL,
              (const char *const[]){"queue", "status", "--json", NULL}, NULL),
      ==, 0);
  g_assert_true(json_parser_load_from_data(parser, out, -1, NULL));
  o = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpint(json_object_get_int_member(o, "quarantined"), ==, 1);
  record = json_array_get_object_element(
      json_object_get_array_member(o, "queue"), 0);
  g_assert_cmpstr(json_object_get_string_member(record, "id"), ==, id);
  g_assert_cmpstr(json_object_get_string_member(record, "state"), ==,
                  "quarantined");
  g_assert_nonnull(
      strstr(json_object_get_string_member(record, "last_error"), "HTTP 403"));
  /* Bad files: exit 2, one line, before anything is touched. */
  for (int i = 0; i < 2; i++) {
    const char *set = i == 0 ? bad_cert : bad_key;
    const char *file = i == 0 ? missing : server->other_key;
    const char *const extra[] = {"--set", refuse, "--set", set, NULL};
    g_autofree char *line = NULL;

    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run_cli(f, NULL, &err,
                            (const char *const[]){"queue", "upload", NULL},
                            extra),
                    ==, 2);
    line = g_strstrip(g_strdup(err));
    g_test_message("%s", line);
    g_assert_null(strchr(line, '\n'));
    g_assert_nonnull(strstr(line, file));
    g_assert_nonnull(strstr(line, i == 0 ? "[upload] cert" : "[upload] key"));
    g_clear_pointer(&err, g_free);
    g_assert_cmpint(run_cli(f, NULL, &err,
                            (const char *const[]){"run", "--headless", NULL},
                            extra),
                    ==, 2);
    g_assert_nonnull(strstr(err, file));
  }
  {
    g_autoptr(QueueEntry) entry = entry_for(f, id);

    g_assert_cmpint(entry->attempts, ==, 1);
  }
  g_assert_cmpint(run_cli(f, NULL, NULL,
                          (const char *const[]){"queue", "release", NULL},
                          NULL),
                  ==, 0);
  {
    g_autoptr(QueueEntry) entry = entry_for(f, id);

    g_assert_cmpstr(queue_entry_state(entry), ==, "queued");
  }
}

/* testlib_spawn() with the output in the test's log, not its TAP. */
static int spawn_quiet(const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = testlib_spawn(argv, NULL, &out, &err);

  g_test_message("exit %d: %s%s", status, out ? out : "", err ? err : "");
  return status;
}

/* The uploader waits for the server's Retry-After (7 s at /f503/), plus at
 * most a quarter of jitter, before it tries again on its own: neither at
 * once nor only at its interval (an hour here). */
static void test_uploader_retry_after(Fixture *f, gconstpointer data)
{
  g_autofree char *url = https_server_url(server, "f503");
  g_autoptr(GError) error = NULL;
  KioskUploader *uploader;
  UploaderStats stats = {0};
  gint64 first = 0, second = 0;

  g_free(store(f, 1000));
  uploader = uploader_start_with_options(f->db_path, f->state_dir, NULL, url,
                                         &f->options, 3600, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 1500 && !second; i++) {
    g_free(stats.last_error);
    uploader_get_stats(uploader, &stats);
    if (stats.n_failed >= 1 && !first)
      first = g_get_monotonic_time();
    if (stats.n_failed >= 2)
      second = g_get_monotonic_time();
    g_usleep(10000);
  }
  g_free(stats.last_error);
  uploader_stop(uploader);
  g_assert_cmpint(first, >, 0);
  g_assert_cmpint(second, >, 0);
  g_test_message("retried after %.2f s", (second - first) / 1e6);
  /* Whole seconds on the wall clock: 7 s may look like 6 s and a bit. */
  g_assert_cmpint(second - first, >=, 6 * G_USEC_PER_SEC);
  g_assert_cmpint(second - first, <=, 10 * G_USEC_PER_SEC);
}

/* The officer's screen: a front end that keeps the last footer and quits
 * once it names the refused records (or after 20 s). Its waits are short,
 * so that the loop looks at the uploader's figures often. */
typedef struct {
  GMutex lock;
  char *footer;
  gint64 quit_at;
} AlertScreen;

static void alert_render(gpointer data, const KioskView *view)
{
  AlertScreen *a = data;

  g_mutex_lock(&a->lock);
  g_free(a->footer);
  a->footer = g_strdup(view->footer);
  g_mutex_unlock(&a->lock);
}

static gboolean alert_next_intent(gpointer data, int timeout_ms,
                                  KioskIntent *ret_intent)
{
  AlertScreen *a = data;
  gboolean seen;

  memset(ret_intent, 0, sizeof *ret_intent);
  g_usleep(50000);
  g_mutex_lock(&a->lock);
  seen = a->footer &&
         strstr(a->footer, "Records refused by the back office: 1") != NULL;
  g_mutex_unlock(&a->lock);
  if (!seen && g_get_monotonic_time() < a->quit_at)
    return FALSE;
  ret_intent->type = INTENT_QUIT;
  return TRUE;
}

static void alert_wake(gpointer data)
{
}

/* `run` with a record the back office refuses (403): the uploader
 * quarantines it and the footer tells the officer how many there are. */
static void test_officer_alert(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_autofree char *url = https_server_url(server, "f403");
  AlertScreen a = {.quit_at = g_get_monotonic_time() + 20 * G_USEC_PER_SEC};
  Frontend fe = {.render = alert_render,
                 .next_intent = alert_next_intent,
                 .wake = alert_wake,
                 .data = &a};
  const char *sets[] = {
      "paths.state_dir", f->state_dir,  "upload.target", url,
      "upload.ca",       f->options.ca, "upload.cert",   f->options.cert,
      "upload.key",      f->options.key};
  g_autofree char *media = NULL;
  GLogLevelFlags fatal;
  App *app;

  g_assert_no_error(error);
  g_free(store(f, 100));
  for (gsize i = 0; i < G_N_ELEMENTS(sets); i += 2) {
    g_autofree char *set = g_strdup_printf("%s=%s", sets[i], sets[i + 1]);

    g_assert_true(config_override(config, set, &error));
  }
  /* The fixture's records are from 2023: retention must not delete them
   * as unacknowledged for too long before the uploader has tried. */
  g_assert_true(config_override(config, "retention.unacked_days=0", &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  g_mutex_init(&a.lock);
  /* The fixture's queue is sealed to the demo key, which app_new() warns
   * about: warnings are not fatal while it opens. */
  fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
  app = app_new(config, &error);
  g_log_set_always_fatal(fatal);
  g_assert_no_error(error);
  g_assert_cmpint(app_run(app, &fe, NULL, NULL), ==, 0);
  app_free(app);
  g_test_message("footer: %s", a.footer);
  g_assert_nonnull(a.footer);
  g_assert_nonnull(strstr(a.footer, "Records refused by the back office: 1"));
  g_free(a.footer);
  g_mutex_clear(&a.lock);
}

/* The back office's check of what arrived (docs/delivery.md): `record
 * verify` passes the delivered files and fails a copy under another name
 * and a flipped byte. */
static void test_record_verify(Fixture *f, gconstpointer data)
{
  g_autofree char *id = store(f, 3000);
  g_autoptr(QueueUploadReport) report = upload(f, "records");
  g_autofree char *path = record_path(id);
  g_autofree char *renamed = g_build_filename(f->dir, "other.bkrec", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *argv[] = {
      g_getenv("BK_BIOKIOSK"), "record", "verify", path, NULL, NULL};

  g_assert_cmpuint(report->n_acknowledged, ==, 1);
  g_assert_cmpint(spawn_quiet(argv), ==, 0);
  g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
  g_assert_true(g_file_set_contents(renamed, contents, (gssize)len, NULL));
  argv[4] = renamed;
  g_assert_cmpint(spawn_quiet(argv), ==, 1);
  contents[len / 2] ^= 0x01;
  g_assert_true(g_file_set_contents(renamed, contents, (gssize)len, NULL));
  argv[3] = renamed;
  argv[4] = NULL;
  g_assert_cmpint(spawn_quiet(argv), ==, 1);
}

typedef void (*FixtureTest)(Fixture *f, gconstpointer data);

static void add_test(const char *path, FixtureTest func, gconstpointer data)
{
  g_autofree char *full = g_strconcat("/upload-https/", path, NULL);

  g_test_add(full, Fixture, data, fixture_setup, func, fixture_teardown);
}

int main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init(&argc, &argv, NULL);
  server = https_server_start(&error);
  if (!server)
    testlib_skip_all("%s", error->message);

  add_test("deliver", test_deliver, NULL);
  add_test("idempotent", test_idempotent, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(temporaries); i++) {
    g_autofree char *path =
        g_strdup_printf("temporary/%s", temporaries[i].location);
    add_test(path, test_temporary, &temporaries[i]);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(refusals); i++) {
    g_autofree char *path = g_strdup_printf("refused/%s", refusals[i].location);
    add_test(path, test_refused, &refusals[i]);
  }
  add_test("client-cert/missing", test_client_cert, "missing");
  add_test("client-cert/revoked", test_client_cert, "revoked");
  add_test("client-cert/other-ca", test_client_cert, "other-ca");
  add_test("server-cert/wrong-ca", test_server_cert, "wrong-ca");
  add_test("server-cert/expired", test_server_cert, "expired");
  add_test("network/hang", test_network, "hang");
  add_test("network/reset", test_network, "reset");
  add_test("network/dns", test_network, "dns");
  add_test("lost-ack", test_lost_ack, NULL);
  add_test("server-cert/pinned", test_pinned, NULL);
  add_test("bad-options", test_bad_options, NULL);
  add_test("uploader-woken", test_uploader_woken, NULL);
  add_test("uploader-retry-after", test_uploader_retry_after, NULL);
  add_test("cli", test_cli, NULL);
  add_test("record-verify", test_record_verify, NULL);
  add_test("officer-alert", test_officer_alert, NULL);
  status = g_test_run();
  https_server_stop(server);
  return status;
}
