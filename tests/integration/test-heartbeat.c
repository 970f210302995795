/* The heartbeat (kiosk/store/heartbeat.h) and `biokiosk backoffice
 * verify-chain`: signed checkpoints sent with an empty queue to a folder,
 * to nginx with mutual TLS (tests/tools/https-server.h) and to the S3
 * emulator; a checkpoint that could not be delivered goes first next time;
 * the uploader sends them on its own at its interval; and verify-chain
 * passes a good chain and reports a deleted checkpoint, a forged
 * signature, a truncated audit tail, a queue that shrank without
 * acknowledgements and a reordering, with exit 2 for bad input. And the
 * officer's footer alert for a record retention found overdue. */
#include <glib/gstdio.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "db.h"
#include "demo-media.h"
#include "emulators/s3/s3-server.h"
#include "heartbeat.h"
#include "queue.h"
#include "retention.h"
#include "settings.h"
#include "testlib.h"
#include "tools/https-server.h"
#include "transport.h"
#include "ui.h"
#include "uploader.h"

/* 2023-11-14T22:13:20Z, in microseconds. */
#define NOW_US     ((gint64)1700000000 * G_USEC_PER_SEC)
#define MINUTE_US  ((gint64)60 * G_USEC_PER_SEC)
#define BUCKET     "kiosk"
#define ACCESS_KEY "BKTESTACCESSKEY"
#define SECRET_KEY "bk-test-secret/0123456789abcdef"

static const HeartbeatInputs inputs = {"IND-ZWL", "9.9.9",
                                       "camera=ok;reader=ok;pad=ok"};

typedef struct {
  char *dir;
  char *state_dir;
  char *db_path;
  char *outbox;
  char *target;
  sqlite3 *db;
  KioskQueue *queue;
  KioskHeartbeat *heartbeat;
  gint64 now_us; /* the next beat's wall clock */
  gint64 mono_us;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = testlib_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->db_path = g_build_filename(f->state_dir, "kiosk.db", NULL);
  f->outbox = g_build_filename(f->dir, "outbox", NULL);
  f->target = queue_target_for_folder(f->outbox);
  g_assert_cmpint(g_mkdir_with_parents(f->state_dir, 0700), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(f->outbox, 0700), ==, 0);
  f->db = db_open(f->db_path, &error);
  g_assert_no_error(error);
  f->queue = queue_open(f->db, f->state_dir, NULL, &error);
  g_assert_no_error(error);
  f->heartbeat = heartbeat_open(f->db, f->state_dir, &error);
  g_assert_no_error(error);
  f->now_us = NOW_US;
  f->mono_us = 1000 * G_USEC_PER_SEC;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
  heartbeat_close(f->heartbeat);
  queue_close(f->queue);
  db_close(f->db);
  testlib_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->state_dir);
  g_free(f->db_path);
  g_free(f->outbox);
  g_free(f->target);
}

/* One beat to `url` a minute after the last; the report. */
static HeartbeatReport beat_to(Fixture *f, const char *url,
                               const TransportOptions *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskTransport) transport =
      transport_open_with_options(url, options, &error);
  HeartbeatReport report = {0};

  g_assert_no_error(error);
  g_assert_true(heartbeat_beat(f->heartbeat, transport, &inputs, f->now_us,
                               f->mono_us, &report, &error));
  g_assert_no_error(error);
  f->now_us += MINUTE_US;
  f->mono_us += MINUTE_US;
  return report;
}

static void beat(Fixture *f)
{
  beat_to(f, f->target, NULL);
}

/* outbox/heartbeat/<id of seq>.bkchk */
static char *checkpoint_path(const char *folder, gint64 seq)
{
  g_autofree char *id = heartbeat_checkpoint_id(seq);
  g_autofree char *name = g_strconcat(id, TRANSPORT_CHECKPOINT_EXTENSION, NULL);

  return g_build_filename(folder, TRANSPORT_CHECKPOINT_FOLDER, name, NULL);
}

static HeartbeatCheckpoint *read_checkpoint(const char *folder, gint64 seq)
{
  g_autofree char *path = checkpoint_path(folder, seq);
  g_autofree char *data = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  HeartbeatCheckpoint *checkpoint;
  gsize len = 0;

  g_assert_true(g_file_get_contents(path, &data, &len, &error));
  bytes = g_bytes_new_take(g_steal_pointer(&data), len);
  checkpoint = heartbeat_parse(bytes, &error);
  g_assert_no_error(error);
  return checkpoint;
}

/* `biokiosk backoffice verify-chain args...`: its status; stdout in
 * *ret_out when given. */
static int verify_chain(char **ret_out, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list args;
  int status;

  g_ptr_array_add(argv, (gpointer)g_getenv("BK_BIOKIOSK"));
  g_ptr_array_add(argv, "backoffice");
  g_ptr_array_add(argv, "verify-chain");
  va_start(args, first);
  for (const char *a = first; a; a = va_arg(args, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(args);
  g_ptr_array_add(argv, NULL);
  status = testlib_spawn((const char *const *)argv->pdata, NULL, &out, &err);
  g_test_message("exit %d\nstdout: %s\nstderr: %s", status, out, err);
  if (ret_out)
    *ret_out = g_steal_pointer(&out);
  return status;
}

static guint count_lines(const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* Three beats with nothing queued: three linked, signed checkpoints in
 * outbox/heartbeat/, each covering its own audit entry; no record file. */
static void test_folder_chain(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *prev = g_strdup(HEARTBEAT_GENESIS);
  g_autofree char *kiosk_key = queue_dup_kiosk_key(f->queue);
  gint64 n_entries = 0;

  for (gint64 seq = 1; seq <= 3; seq++) {
    HeartbeatReport report = beat_to(f, f->target, NULL);
    g_autoptr(HeartbeatCheckpoint) c = read_checkpoint(f->outbox, seq);
    g_autoptr(GPtrArray) entries = audit_list(f->db, c->audit_seq - 1, 1, NULL);
    AuditEntry *entry = entries->pdata[0];
    g_autofree char *details = g_strdup_printf("seq=%" G_GINT64_FORMAT, seq);

    g_assert_cmpint(report.seq, ==, seq);
    g_assert_cmpuint(report.n_delivered, ==, 1);
    g_assert_true(c->signature_ok);
    g_assert_cmpint(c->seq, ==, seq);
    g_assert_cmpstr(c->prev, ==, prev);
    g_assert_cmpstr(c->kiosk_key, ==, kiosk_key);
    g_assert_cmpstr(c->location_id, ==, "IND-ZWL");
    g_assert_cmpstr(c->version, ==, "9.9.9");
    g_assert_cmpstr(c->devices, ==, "camera=ok;reader=ok;pad=ok");
    g_assert_cmpint(c->queue_depth, ==, 0);
    g_assert_cmpint(c->oldest_age_s, ==, 0);
    g_assert_cmpint(c->wall_us, ==, NOW_US + (seq - 1) * MINUTE_US);
    g_assert_cmpuint(c->disk_free, >, 0);
    /* Its head is its own audit entry. */
    g_assert_cmpstr(entry->event, ==, HEARTBEAT_AUDIT_EVENT);
    g_assert_cmpstr(entry->details, ==, details);
    g_assert_cmpstr(entry->hash, ==, c->audit_hash);
    g_free(prev);
    prev = g_strdup(c->hash);
  }
  g_assert_true(audit_verify(f->db, &n_entries, &error));
  g_assert_no_error(error);
  g_assert_cmpint(verify_chain(&out, f->outbox, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "verified 3 checkpoints 1 to 3"));
  g_clear_pointer(&out, g_free);
  /* The key pinned, and the files given one by one. */
  {
    g_autofree char *p1 = checkpoint_path(f->outbox, 1);
    g_autofree char *p2 = checkpoint_path(f->outbox, 2);
    g_autofree char *p3 = checkpoint_path(f->outbox, 3);

    g_assert_cmpint(
        verify_chain(NULL, "--kiosk-key", kiosk_key, p1, p2, p3, NULL), ==, 0);
    /* Reordered: 3 given before 2. */
    g_assert_cmpint(verify_chain(&out, p1, p3, p2, NULL), ==, 1);
    g_assert_nonnull(strstr(out, "comes after checkpoint 3"));
  }
}

/* A checkpoint deleted at the back office is a gap. */
static void test_deleted_checkpoint(Fixture *f, gconstpointer data)
{
  g_autofree char *second = checkpoint_path(f->outbox, 2);
  g_autofree char *out = NULL;

  for (int i = 0; i < 4; i++)
    beat(f);
  g_assert_cmpint(g_unlink(second), ==, 0);
  g_assert_cmpint(verify_chain(&out, f->outbox, NULL), ==, 1);
  g_assert_nonnull(strstr(out, "checkpoints 2 to 2 are missing"));
  g_assert_cmpuint(count_lines(out), ==, 1);
}

/* A changed field breaks the signature; a checkpoint re-signed by another
 * key is not this kiosk's. */
static void test_forged_signature(Fixture *f, gconstpointer data)
{
  g_autofree char *second = checkpoint_path(f->outbox, 2);
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  char *field;

  for (int i = 0; i < 3; i++)
    beat(f);
  g_assert_true(g_file_get_contents(second, &text, NULL, NULL));
  field = strstr(text, "queue_depth: 0");
  g_assert_nonnull(field);
  field[strlen("queue_depth: ")] = '7';
  g_assert_true(g_file_set_contents(second, text, -1, NULL));
  g_assert_cmpint(verify_chain(&out, f->outbox, NULL), ==, 1);
  g_assert_nonnull(strstr(out, "checkpoint 2: the signature does not verify"));
}

/* Audit entries deleted at the kiosk (the tail, with the head row moved
 * back, as SQL can do): the next checkpoint's head is lower. */
static void test_truncated_audit_tail(Fixture *f, gconstpointer data)
{
  g_autoptr(HeartbeatCheckpoint) first = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *out = NULL;
  AuditEntry *keep;

  beat(f);
  first = read_checkpoint(f->outbox, 1);
  for (int i = 0; i < 5; i++)
    g_assert_true(audit_append(f->db, f->now_us, AUDIT_ACTOR_KIOSK,
                               "test.event", NULL, NULL, NULL));
  beat(f);
  entries = audit_list(f->db, first->audit_seq - 1, 1, NULL);
  keep = entries->pdata[0];
  sql = g_strdup_printf("DELETE FROM audit_log WHERE seq > %" G_GINT64_FORMAT
                        "; UPDATE audit_head SET seq = %" G_GINT64_FORMAT
                        ", hash = '%s';",
                        keep->seq, keep->seq, keep->hash);
  g_assert_true(db_exec(f->db, sql, NULL));
  beat(f);
  g_assert_cmpint(verify_chain(&out, f->outbox, NULL), ==, 1);
  g_assert_nonnull(strstr(out, "the audit head went back"));
}

/* Records deleted from the queue by hand: the queue shrank, and no
 * acknowledgement or purge says why. */
static void test_queue_shrank(Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) plain = g_bytes_new_static("record", 6);
  g_autoptr(HeartbeatCheckpoint) first = NULL;
  g_autofree char *out = NULL;

  g_assert_true(
      queue_store(f->queue, plain, NOW_US / G_USEC_PER_SEC - 90, NULL, NULL));
  g_assert_true(
      queue_store(f->queue, plain, NOW_US / G_USEC_PER_SEC, NULL, NULL));
  beat(f);
  first = read_checkpoint(f->outbox, 1);
  g_assert_cmpint(first->queue_depth, ==, 2);
  g_assert_cmpint(first->records_queued, ==, 2);
  g_assert_cmpint(first->oldest_age_s, ==, 90);
  /* Purged (audited) is fine; deleted behind the queue's back is not. */
  g_assert_true(
      queue_purge(f->queue, TRUE, NOW_US / G_USEC_PER_SEC, NULL, NULL, NULL));
  beat(f);
  g_assert_cmpint(verify_chain(NULL, f->outbox, NULL), ==, 0);
  g_assert_true(
      queue_store(f->queue, plain, NOW_US / G_USEC_PER_SEC, NULL, NULL));
  beat(f);
  g_assert_true(db_exec(f->db, "DELETE FROM queue_records", NULL));
  beat(f);
  g_assert_cmpint(verify_chain(&out, f->outbox, NULL), ==, 1);
  g_assert_nonnull(strstr(out, "the queue shrank by 1 records without "
                               "acknowledgements"));
  g_assert_cmpuint(count_lines(out), ==, 1);
}

/* A target that is away: the checkpoint waits, and goes first (unchanged)
 * when the target is back, followed by a fresh one. */
static void test_undelivered_goes_first(Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename(f->dir, "away", NULL);
  g_autofree char *url = queue_target_for_folder(missing);
  g_autoptr(KioskTransport) transport = transport_open(url, NULL);
  g_autoptr(GError) error = NULL;
  HeartbeatReport report = {0};

  g_assert_false(heartbeat_beat(f->heartbeat, transport, &inputs, f->now_us,
                                f->mono_us, &report, &error));
  g_assert_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_TEMPORARY);
  f->now_us += MINUTE_US;
  f->mono_us += MINUTE_US;
  report = beat_to(f, f->target, NULL);
  g_assert_cmpuint(report.n_delivered, ==, 2);
  g_assert_cmpint(report.seq, ==, 2);
  g_assert_cmpint(verify_chain(NULL, f->outbox, NULL), ==, 0);
}

/* Bad input is exit 2, with one line on stderr. */
static void test_bad_input(Fixture *f, gconstpointer data)
{
  g_autofree char *junk = g_build_filename(f->dir, "junk.bkchk", NULL);

  g_assert_cmpint(verify_chain(NULL, f->outbox, NULL), ==, 2);
  g_assert_true(g_file_set_contents(junk, "not a checkpoint\n", -1, NULL));
  g_assert_cmpint(verify_chain(NULL, junk, NULL), ==, 2);
  g_assert_cmpint(verify_chain(NULL, "/nonexistent/x.bkchk", NULL), ==, 2);
}

/* The uploader beats on its own, with nothing queued, at its interval. */
static void test_uploader_beats(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  KioskUploader *uploader =
      uploader_start(f->db_path, f->state_dir, NULL, f->target, 3600, &error);
  UploaderStats stats = {0};
  gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

  g_assert_no_error(error);
  uploader_set_device_states(uploader, "camera=ok");
  uploader_set_heartbeat(uploader, 1, "IND-ZWL", "9.9.9");
  while (stats.n_heartbeats < 2 && g_get_monotonic_time() < until) {
    g_usleep(G_USEC_PER_SEC / 10);
    g_free(stats.last_error);
    uploader_get_stats(uploader, &stats);
  }
  uploader_stop(uploader);
  g_test_message("last error: %s", stats.last_error);
  g_free(stats.last_error);
  g_assert_cmpuint(stats.n_heartbeats, >=, 2);
  g_assert_cmpint(verify_chain(NULL, f->outbox, NULL), ==, 0);
}

static void https_options(TransportOptions *options, const HttpsServer *server)
{
  memset(options, 0, sizeof *options);
  options->ca = g_strdup(server->ca);
  options->cert = g_strdup(server->cert);
  options->key = g_strdup(server->key);
  options->connect_timeout_s = 5;
  options->transfer_timeout_s = 20;
}

/* nginx with mutual TLS: PUT to <url>/heartbeat/<id>.bkchk, read back. */
static void test_https(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  HttpsServer *server = https_server_start(&error);
  g_auto(TransportOptions) options = {0};
  g_autofree char *url = NULL;

  if (!server) {
    g_test_skip(error->message);
    return;
  }
  url = https_server_url(server, "records");
  https_options(&options, server);
  for (int i = 0; i < 2; i++)
    g_assert_cmpint(beat_to(f, url, &options).n_delivered, ==, 1);
  g_assert_cmpint(verify_chain(NULL, server->records, NULL), ==, 0);
  https_server_stop(server);
}

/* The S3 emulator (which checks SigV4): s3://kiosk/hb/heartbeat/<id>.bkchk,
 * HEAD-checked as the receipt. */
static void test_s3(Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr(S3Server) server =
      s3_server_start(f->dir, BUCKET, ACCESS_KEY, SECRET_KEY, NULL, &why);
  g_autofree char *credentials = g_build_filename(f->dir, "creds", NULL);
  g_autofree char *log = NULL;
  g_auto(TransportOptions) options = {0};

  if (!server) {
    g_test_skip(why);
    return;
  }
  g_assert_true(g_file_set_contents(credentials,
                                    "[default]\naws_access_key_id = " ACCESS_KEY
                                    "\naws_secret_access_key = " SECRET_KEY
                                    "\n",
                                    -1, NULL));
  g_assert_cmpint(g_chmod(credentials, 0600), ==, 0);
  options.region = g_strdup("us-east-1");
  options.endpoint = g_strdup(server->endpoint);
  options.credentials = g_strdup(credentials);
  options.connect_timeout_s = 5;
  options.transfer_timeout_s = 20;
  for (int i = 0; i < 2; i++)
    g_assert_cmpint(beat_to(f, "s3://" BUCKET "/hb", &options).n_delivered, ==,
                    1);
  g_assert_true(g_file_get_contents(server->log, &log, NULL, NULL));
  g_assert_nonnull(strstr(log, "PUT /" BUCKET
                               "/hb/heartbeat/00000000-0000-0000-0000-"
                               "000000000002.bkchk"));
}

/* The officer's screen for the overdue alert: keeps the last footer and
 * quits once it names the overdue record (or after 20 s). */
typedef struct {
  GMutex lock;
  char *footer;
  gint64 quit_at;
  Ui *ui; /* the real screen, headless, for a screenshot */
} OverdueScreen;

#define OVERDUE_FOOTER "Records not acknowledged for 30 days: 1"

static void overdue_render(gpointer data, const KioskView *view)
{
  OverdueScreen *o = data;

  g_mutex_lock(&o->lock);
  g_free(o->footer);
  o->footer = g_strdup(view->footer);
  g_mutex_unlock(&o->lock);
  ui_render(o->ui, view);
}

static gboolean overdue_next_intent(gpointer data, int timeout_ms,
                                    KioskIntent *ret_intent)
{
  OverdueScreen *o = data;
  gboolean seen;

  memset(ret_intent, 0, sizeof *ret_intent);
  g_usleep(50000);
  g_mutex_lock(&o->lock);
  seen = o->footer && strstr(o->footer, OVERDUE_FOOTER) != NULL;
  g_mutex_unlock(&o->lock);
  if (!seen && g_get_monotonic_time() < o->quit_at)
    return FALSE;
  ret_intent->type = INTENT_QUIT;
  return TRUE;
}

static void overdue_wake(gpointer data)
{
}

/* `run` with a record stored 40 days ago that never got through (the
 * target folder is missing): retention alarms it at start-up, and the
 * footer tells the officer. */
static void test_overdue_alert(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = config_load(NULL, &error);
  g_autoptr(GBytes) plain = g_bytes_new_static("record", 6);
  g_autofree char *away = g_build_filename(f->dir, "away", NULL);
  g_autofree char *target = queue_target_for_folder(away);
  g_autofree char *media = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  OverdueScreen o = {.quit_at = g_get_monotonic_time() + 20 * G_USEC_PER_SEC};
  Frontend fe = {.render = overdue_render,
                 .next_intent = overdue_next_intent,
                 .wake = overdue_wake,
                 .data = &o};
  g_autofree char *set_state =
      g_strdup_printf("paths.state_dir=%s", f->state_dir);
  g_autofree char *set_target = g_strdup_printf("upload.target=%s", target);
  const char *sets[] = {set_state, set_target, "retention.unacked_days=30",
                        "retention.unacked_grace_days=30"};
  UiOptions ui_options = {.width = 1280, .height = 800, .headless = TRUE};
  g_autofree char *shot = testlib_build_path("heartbeat-overdue-alert.png");
  gboolean alarmed = FALSE;
  GLogLevelFlags fatal;
  App *app;

  g_assert_no_error(error);
  g_assert_true(queue_store(f->queue, plain,
                            g_get_real_time() / G_USEC_PER_SEC - 40 * 86400,
                            NULL, &error));
  for (gsize i = 0; i < G_N_ELEMENTS(sets); i++)
    g_assert_true(config_override(config, sets[i], &error));
  media = config_resolve_path(
      config, g_hash_table_lookup(config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  g_mutex_init(&o.lock);
  o.ui = ui_new(&ui_options, &error);
  g_assert_no_error(error);
  /* Sealed to the demo key, which app_new() warns about. */
  fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
  app = app_new(config, &error);
  g_log_set_always_fatal(fatal);
  g_assert_no_error(error);
  g_assert_cmpint(app_run(app, &fe, NULL, NULL), ==, 0);
  app_free(app);
  g_assert_true(ui_screenshot(o.ui, shot, &error));
  g_assert_no_error(error);
  ui_free(o.ui);
  g_test_message("footer: %s (screen %s)", o.footer, shot);
  g_assert_nonnull(o.footer);
  g_assert_nonnull(strstr(o.footer, OVERDUE_FOOTER));
  g_free(o.footer);
  g_mutex_clear(&o.lock);
  entries = audit_list(f->db, 0, 0, &error);
  for (guint i = 0; i < entries->len; i++)
    alarmed |= g_str_equal(((AuditEntry *)entries->pdata[i])->event,
                           RETENTION_EVENT_OVERDUE);
  g_assert_true(alarmed);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  if (!g_getenv("BK_BIOKIOSK"))
    testlib_skip_all("BK_BIOKIOSK does not name the biokiosk program");
#define ADD(path, fn)                                                          \
  g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/heartbeat/folder-chain", test_folder_chain);
  ADD("/heartbeat/deleted-checkpoint", test_deleted_checkpoint);
  ADD("/heartbeat/forged-signature", test_forged_signature);
  ADD("/heartbeat/truncated-audit-tail", test_truncated_audit_tail);
  ADD("/heartbeat/queue-shrank", test_queue_shrank);
  ADD("/heartbeat/undelivered-goes-first", test_undelivered_goes_first);
  ADD("/heartbeat/bad-input", test_bad_input);
  ADD("/heartbeat/uploader-beats", test_uploader_beats);
  ADD("/heartbeat/https", test_https);
  ADD("/heartbeat/s3", test_s3);
  ADD("/heartbeat/overdue-alert", test_overdue_alert);
  return g_test_run();
}
