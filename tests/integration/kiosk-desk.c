/* See kiosk-desk.h. */
#include "kiosk-desk.h"

#include <sqlite3.h>
#include <string.h>

#include "appointments.h"
#include "db.h"
#include "demo-media.h"
#include "demo.h"
#include "envelope.h"
#include "fpreader.h"
#include "keys.h"
#include "officers.h"
#include "record.h"
#include "resources.h"
#include "testlib-ui.h"
#include "testlib.h"

#define SETTLE_US (60 * G_USEC_PER_SEC)

void kiosk_desk_test_init(int *argc, char ***argv)
{
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  g_test_init(argc, argv, NULL);
  config = config_load(NULL, &error);
  g_assert_no_error(error);
  if (!fpreader_prepare(config->reader_backend, config->reader_options, &error))
    g_error("fpreader_prepare: %s", error->message);
  g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

void kiosk_desk_open(KioskDesk *d, const char *const *sets)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *media = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};

  d->dir = testlib_mkdtemp();
  state = g_strdup_printf("paths.state_dir=%s", d->dir);
  d->config = config_load(NULL, &error);
  g_assert_no_error(error);
  g_assert_true(config_override(d->config, state, &error));
  for (const char *const *s = sets; s && *s; s++) {
    /* As in a file: options belong to the backend named with them. */
    if (g_str_has_prefix(*s, "devices.reader="))
      g_hash_table_remove_all(d->config->reader_options);
    g_assert_true(config_override(d->config, *s, &error));
  }
  media = config_resolve_path(
      d->config, g_hash_table_lookup(d->config->camera_options, "folder"));
  g_assert_true(demo_media_write_portraits(media, &error));
  g_assert_no_error(error);
  d->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  d->fe = testlib_ui_frontend(d->ui);
  d->app = app_new(d->config, &error);
  g_assert_no_error(error);
  g_assert_true(officers_import_data(app_database(d->app), "demo officers",
                                     resources_demo_officers(), -1, NULL,
                                     &error));
  g_assert_true(appointments_import_data(
      app_database(d->app), resources_sample_schedule(), -1, NULL, &error));
  app_render(d->app, &d->fe);
}

void kiosk_desk_close(KioskDesk *d)
{
  g_clear_pointer(&d->app, app_free);
  ui_free(d->ui);
  config_free(d->config);
  testlib_rmtree(d->dir);
  g_free(d->dir);
}

void kiosk_desk_settle(KioskDesk *d)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(app_settle(d->app, &d->fe, SETTLE_US, &error));
  g_assert_no_error(error);
}

void kiosk_desk_touch(KioskDesk *d, const char *target)
{
  g_assert_true(d->fe.press(d->fe.data, target));
  kiosk_desk_settle(d);
}

void kiosk_desk_enter(KioskDesk *d, const char *digits)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};
    kiosk_desk_touch(d, key);
  }
  kiosk_desk_touch(d, VIEW_KEY_OK);
}

void kiosk_desk_walk_to(KioskDesk *d, SessionState until)
{
  g_autoptr(GError) error = NULL;

  gboolean walked = demo_walk(d->app, &d->fe, DEMO_CODE, NULL, until, &error);

  g_assert_no_error(error);
  g_assert_true(walked);
}

SessionState kiosk_desk_state(KioskDesk *d)
{
  return session_state(app_session(d->app));
}

gboolean kiosk_desk_says(KioskDesk *d, const char *needle)
{
  const KioskView *v = session_view(app_session(d->app));

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], needle))
      return TRUE;
  return v->title && strstr(v->title, needle);
}

gboolean kiosk_desk_has_button(KioskDesk *d, const char *id)
{
  const KioskView *v = session_view(app_session(d->app));

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

void kiosk_desk_screenshot(KioskDesk *d, const char *build_dir,
                           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = testlib_ui_screen_path(build_dir, name);

  app_render(d->app, &d->fe);
  g_assert_true(d->fe.screenshot(d->fe.data, path, &error));
  g_assert_no_error(error);
  g_test_message("screen %s", path);
}

char *kiosk_desk_audit_log(const char *state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(state_dir, "kiosk.db", NULL);
  sqlite3 *db = db_open(path, &error);
  GString *out = g_string_new(NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error(error);
  g_assert_cmpint(sqlite3_prepare_v2(db,
                                     "SELECT actor, event FROM audit_log "
                                     "ORDER BY seq",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW)
    g_string_append_printf(out, "%s %s;", sqlite3_column_text(stmt, 0),
                           sqlite3_column_text(stmt, 1));
  sqlite3_finalize(stmt);
  db_close(db);
  return g_string_free(out, FALSE);
}

/* The newest envelope in the queue. */
static GBytes *last_envelope(KioskDesk *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename(d->dir, "kiosk.db", NULL);
  sqlite3 *db = db_open(path, &error);
  sqlite3_stmt *stmt = NULL;
  GBytes *envelope = NULL;

  g_assert_no_error(error);
  g_assert_cmpint(sqlite3_prepare_v2(db,
                                     "SELECT envelope FROM queue_records "
                                     "ORDER BY created DESC, rowid DESC",
                                     -1, &stmt, NULL),
                  ==, SQLITE_OK);
  if (sqlite3_step(stmt) == SQLITE_ROW)
    envelope = g_bytes_new(sqlite3_column_blob(stmt, 0),
                           (gsize)sqlite3_column_bytes(stmt, 0));
  sqlite3_finalize(stmt);
  db_close(db);
  g_assert_nonnull(envelope);
  return envelope;
}

BkRecord *kiosk_desk_last_record(KioskDesk *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = last_envelope(d);
  g_autoptr(KioskEnvelope) envelope = envelope_parse(bytes, &error);
  g_autofree char *sk_path =
      g_build_filename(d->dir, KEYS_DEMO_SECRET_FILE, NULL);
  guint8 secret[KEYS_BOX_SECRET_BYTES];
  g_autoptr(GBytes) plain = NULL;
  BkRecord *record;

  g_assert_no_error(error);
  g_assert_true(keys_read_box_secret(sk_path, secret, &error));
  g_assert_no_error(error);
  plain = envelope_open(envelope, secret, &error);
  g_assert_no_error(error);
  record = record_deserialize(plain, &error);
  g_assert_no_error(error);
  return record;
}
