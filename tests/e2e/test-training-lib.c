/* See test-training-lib.h. */
#include "test-training-lib.h"

#include <gio/gio.h>
#include <stdio.h>

#include "appointments.h"
#include "resources.h"
#include "testlib-ui.h"
#include "testlib.h"
#include "training.h"

void training_kiosk_start(TrainingKiosk *k, gboolean training,
                          char **ret_printed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *set_state = NULL;
  UiOptions options = {.width = 1280, .height = 800, .headless = TRUE};
  guint imported = 0;

  k->dir = testlib_mkdtemp();
  set_state = g_strdup_printf("paths.state_dir=%s", k->dir);
  k->config = config_load(NULL, &error);
  g_assert_no_error(error);
  g_assert_true(config_override(k->config, set_state, &error));
  g_assert_true(!training || training_prepare(k->config, NULL, &error));
  g_assert_no_error(error);
  k->ui = ui_new(&options, &error);
  g_assert_no_error(error);
  k->fe = testlib_ui_frontend(k->ui);
  k->app = app_new(k->config, &error);
  g_assert_no_error(error);
  if (training) {
    gsize len = 0;
    FILE *out = open_memstream(ret_printed, &len);

    g_assert_true(training_start(k->app, k->config, out, &error));
    fclose(out);
  } else {
    g_assert_true(appointments_import_data(app_database(k->app),
                                           resources_sample_schedule(), -1,
                                           &imported, &error));
  }
  g_assert_no_error(error);
  app_render(k->app, &k->fe);
}

void training_kiosk_stop(TrainingKiosk *k)
{
  app_free(k->app);
  config_free(k->config);
  ui_free(k->ui);
  testlib_rmtree(k->dir);
  g_free(k->dir);
}

const KioskView *training_kiosk_view(TrainingKiosk *k)
{
  return session_view(app_session(k->app));
}

SessionState training_kiosk_state(TrainingKiosk *k)
{
  return session_state(app_session(k->app));
}

gboolean training_kiosk_has_button(TrainingKiosk *k, const char *id)
{
  const KioskView *v = training_kiosk_view(k);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

void training_kiosk_press(TrainingKiosk *k, const char *target)
{
  const KioskView *v = training_kiosk_view(k);
  g_autoptr(GError) error = NULL;

  if (!k->fe.press(k->fe.data, target))
    g_error("'%s' is not on the %s screen (%s: %s)", target,
            session_state_name(training_kiosk_state(k)), v->title,
            v->n_lines ? v->lines[0] : "");
  /* A worker's wake queued before the touch ends app_settle()'s intake
   * early; the second one takes the touch. */
  for (int i = 0; i < 2; i++)
    g_assert_true(app_settle(k->app, &k->fe, 60 * G_USEC_PER_SEC, &error));
  g_assert_no_error(error);
  app_render(k->app, &k->fe);
}

void training_kiosk_type(TrainingKiosk *k, const char *digits)
{
  for (const char *c = digits; *c; c++) {
    char key[2] = {*c, 0};

    training_kiosk_press(k, key);
  }
}
