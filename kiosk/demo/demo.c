/* The scripted demo; see demo.h. It decides what to press from the screen
 * the session shows, so it follows the same flow a person would. Between
 * presses it lets the application settle: every device job the session
 * waits for has answered (the loop sleeps on the front end meanwhile). */
#include "demo.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "appointments.h"
#include "officers.h"
#include "resources.h"
#include "session.h"
#include "view.h"

#define DEMO_STEP_LIMIT       200
#define DEMO_QUIET_TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef struct {
  App *app;
  const Frontend *fe;
  const char *code;
  const char *dir;
  int shots;
} Demo;

static SessionState demo_state(const Demo *d)
{
  return session_state(app_session(d->app));
}

static gboolean settle(Demo *d, GError **error)
{
  if (app_settle(d->app, d->fe, DEMO_QUIET_TIMEOUT_US, error))
    return TRUE;
  g_prefix_error(error, "demo: ");
  return FALSE;
}

static gboolean press(Demo *d, const char *target, GError **error)
{
  if (!d->fe->press(d->fe->data, target)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "demo: '%s' is not on the %s screen", target,
                session_state_name(demo_state(d)));
    return FALSE;
  }
  return settle(d, error);
}

static gboolean type_digits(Demo *d, const char *digits, GError **error)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};
    if (!press(d, key, error))
      return FALSE;
  }
  return TRUE;
}

/* A screenshot of the screen shown now; none when walking without a
 * screenshot folder. */
static gboolean shoot(Demo *d, const char *name, GError **error)
{
  g_autofree char *file = g_strdup_printf("%02d-%s.png", ++d->shots, name);
  g_autofree char *path = NULL;

  if (!d->dir)
    return TRUE;
  path = g_build_filename(d->dir, file, NULL);
  if (!d->fe->screenshot(d->fe->data, path, error))
    return FALSE;
  /* The screens show the photo, the signature, the prints and the name. */
  if (g_chmod(path, 0600) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                "cannot protect %s: %s", path, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

static gboolean has_button(Demo *d, const char *id)
{
  const KioskView *v = session_view(app_session(d->app));

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static gboolean demo_checkin(Demo *d, gboolean *ret_done, GError **error)
{
  if (app_stored_records(d->app)->len > 0 || d->shots > 0) {
    *ret_done = TRUE;
    return TRUE;
  }
  return shoot(d, "checkin", error) && type_digits(d, d->code, error) &&
         shoot(d, "checkin-code", error) && press(d, VIEW_KEY_OK, error);
}

static gboolean demo_person(Demo *d, GError **error)
{
  g_autofree char *name = g_strdup_printf(
      "person-%d", session_person(app_session(d->app))->person_index + 1);

  return shoot(d, name, error) &&
         press(d,
               has_button(d, VIEW_BUTTON_START) ? VIEW_BUTTON_START
                                                : VIEW_BUTTON_NEXT,
               error);
}

static gboolean demo_photo(Demo *d, GError **error)
{
  if (has_button(d, VIEW_BUTTON_TAKE) && !has_button(d, VIEW_BUTTON_ACCEPT))
    return press(d, VIEW_BUTTON_TAKE, error);
  if (!shoot(d, "photo", error))
    return FALSE;
  return press(d,
               has_button(d, VIEW_BUTTON_ACCEPT) ? VIEW_BUTTON_ACCEPT
                                                 : VIEW_BUTTON_OVERRIDE,
               error);
}

/* The signature step. With the touchscreen as pad (devices.pad=touch) the
 * demo first signs in the writing area with synthetic touches. */
static gboolean demo_signature(Demo *d, GError **error)
{
  if (!has_button(d, VIEW_BUTTON_ACCEPT) && !has_button(d, VIEW_BUTTON_REDO))
    return press(d, VIEW_TARGET_SIGN, error);
  return shoot(d, "signature", error) &&
         press(d,
               has_button(d, VIEW_BUTTON_ACCEPT) ? VIEW_BUTTON_ACCEPT
                                                 : VIEW_BUTTON_REDO,
               error);
}

/* The PIN screen: the officer's number where it asks for one (named
 * officers), then the PIN; the second officer where four eyes asks. */
static gboolean demo_officer_pin(Demo *d, GError **error)
{
  Session *session = app_session(d->app);
  gboolean second = session_officer_second(session);

  if (!session_view(session)->entry_masked)
    return type_digits(d, second ? DEMO_SECOND_OFFICER : DEMO_OFFICER, error) &&
           shoot(d, second ? "second-officer" : "officer-id", error) &&
           press(d, VIEW_KEY_OK, error);
  return type_digits(d, second ? DEMO_SECOND_PIN : DEMO_PIN, error) &&
         shoot(d, "officer-pin", error) && press(d, VIEW_KEY_OK, error);
}

/* One step of the script: what the demo does on the screen it sees. */
static gboolean demo_step(Demo *d, gboolean *ret_done, GError **error)
{
  switch (demo_state(d)) {
  case SESSION_CHECKIN:
    return demo_checkin(d, ret_done, error);
  case SESSION_MESSAGE:
    return shoot(d, "message", error) && press(d, VIEW_BUTTON_OK, error);
  case SESSION_PERSON:
    return demo_person(d, error);
  case SESSION_OFFICER_PIN:
    return demo_officer_pin(d, error);
  case SESSION_OFFICER_CHECK:
    return shoot(d, "officer-check", error) &&
           press(d, VIEW_BUTTON_DOCUMENTS_SEEN, error);
  case SESSION_PHOTO:
    return demo_photo(d, error);
  case SESSION_SIGNATURE:
    return demo_signature(d, error);
  case SESSION_FINGERPRINT:
    return shoot(d, "fingerprints", error) &&
           press(d,
                 has_button(d, VIEW_BUTTON_ACCEPT) ? VIEW_BUTTON_ACCEPT
                                                   : VIEW_BUTTON_MISSING,
                 error);
  case SESSION_REVIEW:
    return shoot(d, "review", error) && press(d, VIEW_BUTTON_APPROVE, error);
  case SESSION_STORING:
    return settle(d, error);
  case SESSION_DONE:
    return shoot(d, "done", error) && press(d, VIEW_BUTTON_NEXT, error);
  case SESSION_N_STATES:
    break;
  }
  g_assert_not_reached();
}

static gboolean demo_start(Demo *d, GDateTime *clock, GError **error)
{
  g_autoptr(Appointment) appointment = NULL;
  g_autoptr(GError) local = NULL;

  if (d->dir && g_mkdir_with_parents(d->dir, 0700) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                "cannot create %s: %s", d->dir, g_strerror(errno));
    return FALSE;
  }
  appointment = appointments_lookup(app_database(d->app), d->code, &local);
  if (!appointment) {
    if (local)
      g_propagate_error(error, g_steal_pointer(&local));
    else
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "demo: no appointment with code %s", d->code);
    return FALSE;
  }
  session_set_clock(app_session(d->app), clock ? clock : appointment->start);
  app_render(d->app, d->fe);
  return TRUE;
}

/* Plays the script until the session reaches `until` (SESSION_N_STATES:
 * the end of the appointment). */
static gboolean demo_play(Demo *d, GDateTime *clock, SessionState until,
                          GError **error)
{
  gboolean done = FALSE;

  if (!demo_start(d, clock, error))
    return FALSE;
  for (int step = 0; !done; step++) {
    if (step >= DEMO_STEP_LIMIT) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                  "demo: stuck on the %s screen",
                  session_state_name(demo_state(d)));
      return FALSE;
    }
    if (!settle(d, error))
      return FALSE;
    if (demo_state(d) == until)
      return TRUE;
    if (!demo_step(d, &done, error))
      return FALSE;
    /* The demo's devices are simulated: any failure is a fault to report,
     * not something to retry. */
    if (app_last_device_error(d->app)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "demo: %s: %s",
                  session_state_name(demo_state(d)),
                  app_last_device_error(d->app));
      return FALSE;
    }
  }
  if (until != SESSION_N_STATES) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "demo: the appointment ended before the %s screen",
                session_state_name(until));
    return FALSE;
  }
  return TRUE;
}

static gboolean demo_device_refused(GError **error, const char *key,
                                    const char *value, const char *want)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
              "the demo runs on simulated devices only: %s is '%s' (use %s)",
              key, value, want);
  return FALSE;
}

gboolean demo_check_devices(const KioskConfig *config, GError **error)
{
  const char *feed =
      g_hash_table_lookup(config->reader_options, "virtual_image_feed");

  if (!g_str_equal(config->camera_backend, "sim"))
    return demo_device_refused(error, "devices.camera", config->camera_backend,
                               "sim");
  /* The touch pad's strokes are the demo's own synthetic touches. */
  if (!g_str_equal(config->pad_backend, "sim") &&
      !g_str_equal(config->pad_backend, "touch"))
    return demo_device_refused(error, "devices.pad", config->pad_backend,
                               "sim or touch");
  if (g_str_equal(config->reader_backend, "sim") ||
      (g_str_equal(config->reader_backend, "libfprint") &&
       g_strcmp0(feed, "synthetic") == 0))
    return TRUE;
  return demo_device_refused(
      error, "devices.reader", config->reader_backend,
      "sim, or libfprint with reader.virtual_image_feed=synthetic");
}

char **demo_run(App *app, const Frontend *fe, const char *code,
                GDateTime *clock, const char *screens_dir, GError **error)
{
  Demo d = {app, fe, code, screens_dir, 0};
  const GPtrArray *stored;
  GStrvBuilder *ids;
  char **result;

  g_return_val_if_fail(fe->press && fe->screenshot && screens_dir, NULL);
  /* The demo's officers sign in by number (docs/officers.md). */
  if (!officers_import_data(app_database(app), "demo officers",
                            resources_demo_officers(), -1, NULL, error) ||
      !demo_play(&d, clock, SESSION_N_STATES, error))
    return NULL;
  stored = app_stored_records(app);
  ids = g_strv_builder_new();
  for (guint i = 0; i < stored->len; i++)
    g_strv_builder_add(ids, g_ptr_array_index(stored, i));
  result = g_strv_builder_end(ids);
  g_strv_builder_unref(ids);
  return result;
}

gboolean demo_walk(App *app, const Frontend *fe, const char *code,
                   GDateTime *clock, SessionState until, GError **error)
{
  Demo d = {app, fe, code, NULL, 0};

  g_return_val_if_fail(fe->press, FALSE);
  return demo_play(&d, clock, until, error);
}
