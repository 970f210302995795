/* The officer's PIN is checked on a worker (argon2id, a few tenths of a
 * second): the running kiosk (app_run() with the real front end, headless)
 * keeps drawing frames while it is checked. The test's front end types
 * the demo officer's PIN, then touches the screen every few milliseconds
 * while the check runs, as a hand on the screen would; every touch must be
 * drawn without waiting for the check, and the PIN screen says that it is
 * checking. The lockout and audit side runs through the same path in
 * tests/integration/test-officers.c. */
#include <string.h>

#include "kiosk-desk.h"
#include "testlib.h"

/* A touch this often while the PIN is checked. */
#define TOUCH_EVERY_US (10 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  const Frontend *real;
  Session *session;
  const char *script; /* keypad digits, then OK */
  gboolean submitted;
  gint64 check_start; /* monotonic, the first frame that showed the check */
  gint64 check_end;   /* the first frame after it */
  gint64 last_frame;
  gint64 max_gap; /* between frames while the PIN was checked */
  guint frames;   /* drawn while the PIN was checked */
  gboolean said;  /* a frame said "Checking the PIN" */
} Wrap;

static gboolean view_says(const KioskView *v, const char *needle)
{
  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], needle))
      return TRUE;
  return FALSE;
}

static void wrap_render(gpointer data, const KioskView *view)
{
  Wrap *w = data;
  gint64 now = g_get_monotonic_time();

  w->real->render(w->real->data, view);
  if (session_pin_checking(w->session)) {
    if (!w->check_start)
      w->check_start = now;
    else
      w->max_gap = MAX(w->max_gap, now - w->last_frame);
    w->frames++;
    w->said |= view_says(view, "Checking the PIN");
  } else if (w->check_start && !w->check_end) {
    w->check_end = now;
  }
  w->last_frame = now;
}

/* The script's keys, then touches while the check runs, then quit. */
static gboolean wrap_next_intent(gpointer data, int timeout_ms,
                                 KioskIntent *ret_intent)
{
  Wrap *w = data;

  memset(ret_intent, 0, sizeof *ret_intent);
  if (*w->script) {
    ret_intent->type = INTENT_KEY;
    ret_intent->key = *w->script++;
    return TRUE;
  }
  if (!w->submitted) {
    w->submitted = TRUE;
    ret_intent->type = INTENT_SUBMIT;
    return TRUE;
  }
  if (session_pin_checking(w->session)) {
    g_usleep(TOUCH_EVERY_US);
    ret_intent->type = INTENT_ACTIVITY;
    return TRUE;
  }
  ret_intent->type = INTENT_QUIT;
  return TRUE;
}

static void wrap_wake(gpointer data)
{
  Wrap *w = data;

  w->real->wake(w->real->data);
}

static void test_frames_while_checking(void)
{
  KioskDesk d;
  Wrap w = {0};
  Frontend fe;
  double check_ms;

  kiosk_desk_open(&d, NULL);
  kiosk_desk_walk_to(&d, SESSION_OFFICER_PIN);
  kiosk_desk_enter(&d, "1001");
  g_assert_true(kiosk_desk_says(&d, "Officer 1001"));
  w.real = &d.fe;
  w.session = app_session(d.app);
  w.script = "2468";
  fe = (Frontend){.render = wrap_render,
                  .next_intent = wrap_next_intent,
                  .wake = wrap_wake,
                  .data = &w};
  g_assert_cmpint(app_run(d.app, &fe, NULL, NULL), ==, 0);

  check_ms = (double)(w.check_end - w.check_start) / 1000;
  g_test_message("PIN check %.0f ms, %u frames drawn meanwhile, longest "
                 "gap %.1f ms",
                 check_ms, w.frames, (double)w.max_gap / 1000);
  g_assert_cmpint(kiosk_desk_state(&d), ==, SESSION_OFFICER_CHECK);
  g_assert_cmpstr(session_officer(app_session(d.app)), ==, "1001");
  g_assert_true(w.said);
  g_assert_cmpint(w.check_end, >, w.check_start);
  /* Frames all through the check, none waiting for it: a blocked loop
   * draws nothing until the check is over. (The gap is no absolute limit:
   * a loaded build machine draws slowly, and checks slowly too.) */
  g_assert_cmpuint(w.frames, >=, 3);
  g_assert_cmpint(w.max_gap * 2, <, w.check_end - w.check_start);
  kiosk_desk_close(&d);
}

int main(int argc, char **argv)
{
  kiosk_desk_test_init(&argc, &argv);
  g_test_add_func("/pin-check/frames-while-checking",
                  test_frames_while_checking);
  return g_test_run();
}
