/* The session's side of named officers (docs/officers.md), without a
 * database or a screen: fake officers 1001 (PIN 2468) and 1002 (PIN 1357),
 * a fake bootstrap PIN 2468, a fake audit log, time passed in. The
 * countdown's seconds and wake-ups, the idle lock, numbers nobody has,
 * the lockouts handed out per officer and taken back after a restart,
 * Cancel on the four-eyes screen, and the bootstrap PIN alone. The running
 * kiosk is tests/integration/test-officers.c. Also the applicant's idle
 * prompt, seated layout and height guidance, which meet the idle lock. */
#include <string.h>

#include "height.h"
#include "idle.h"
#include "session.h"
#include "settings.h"
#include "testlib.h"

#define SEC  G_USEC_PER_SEC
#define CODE "123456"

typedef struct {
  KioskConfig *config;
  Session *session;
  GDateTime *clock;
  gint64 now;
  gboolean named;    /* the fake officers table is in use */
  GString *log;      /* "actor:event;" */
  GPtrArray *saved;  /* "id=failures/locked" of each REQ_SAVE_LOCKOUT */
  GPtrArray *checks; /* "id:pin:number" of each REQ_CHECK_PIN */
} Desk;

static Appointment *book(const char *code, gpointer data)
{
  Desk *d = data;
  Appointment *a;
  Person *p;

  if (!g_str_equal(code, CODE))
    return NULL;
  a = appointment_new();
  a->code = g_strdup(code);
  a->location_id = g_strdup(d->config->location_id);
  a->location_name = g_strdup(d->config->location_name);
  a->start = g_date_time_ref(d->clock);
  p = g_new0(Person, 1);
  p->name = g_strdup("Adult");
  p->date_of_birth = g_strdup("1990-05-01");
  p->document_type = g_strdup("residence_permit");
  p->first_permit = TRUE;
  g_ptr_array_add(a->persons, p);
  return a;
}

static gboolean bootstrap_pin(const char *pin, gpointer data)
{
  return g_str_equal(pin, "2468");
}

static gboolean named(gpointer data)
{
  return ((Desk *)data)->named;
}

static OfficerPinVerdict check(const char *id, const char *pin, gpointer data)
{
  const char *right = g_str_equal(id, "1001")   ? "2468"
                      : g_str_equal(id, "1002") ? "1357"
                                                : NULL;

  if (!right)
    return OFFICER_PIN_UNKNOWN;
  return g_str_equal(pin, right) ? OFFICER_PIN_RIGHT : OFFICER_PIN_WRONG;
}

static gboolean log_entry(const SessionAudit *entry, gpointer data)
{
  g_string_append_printf(((Desk *)data)->log, "%s:%s;", entry->actor,
                         entry->event);
  return TRUE;
}

/* Takes the requests; keeps what each lockout save asked for. */
static void drain(Desk *d)
{
  SessionRequest req;

  while (session_next_request(d->session, &req))
    if (req.type == REQ_SAVE_LOCKOUT &&
        req.lockout_kind == SESSION_LOCKOUT_OFFICER_PIN)
      g_ptr_array_add(
          d->saved,
          g_strdup_printf("%s=%d/%s", req.officer, req.lockout.failures,
                          req.lockout.locked_until_us ? "locked" : "open"));
    else if (req.type == REQ_CHECK_PIN)
      g_ptr_array_add(d->checks, g_strdup_printf("%s:%s:%u", req.officer,
                                                 req.pin, req.pin_check));
}

static void send(Desk *d, SessionEvent ev)
{
  session_handle(d->session, &ev, d->now);
  drain(d);
}

static void start(Desk *d)
{
  static const SessionOfficers officers = {named, check};

  d->session = session_new(d->config, book, bootstrap_pin, d, d->now);
  session_set_clock(d->session, d->clock);
  session_set_audit(d->session, log_entry, d);
  session_set_officers(d->session, &officers, d);
}

static void set_up(Desk *d, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  d->config = config_load(NULL, &error);
  g_assert_no_error(error);
  d->clock = g_date_time_new_local(2026, 11, 27, 10, 30, 0);
  d->now = 1000 * SEC;
  d->named = TRUE;
  d->log = g_string_new(NULL);
  d->saved = g_ptr_array_new_with_free_func(g_free);
  d->checks = g_ptr_array_new_with_free_func(g_free);
  start(d);
}

static void tear_down(Desk *d, gconstpointer data)
{
  session_free(d->session);
  g_ptr_array_unref(d->saved);
  g_ptr_array_unref(d->checks);
  g_string_free(d->log, TRUE);
  g_date_time_unref(d->clock);
  config_free(d->config);
}

static void keypad(Desk *d, const char *digits)
{
  for (const char *c = digits; *c; c++)
    send(d, (SessionEvent){.type = EV_KEY, .key = *c});
  send(d, (SessionEvent){.type = EV_SUBMIT});
}

static void press(Desk *d, const char *button)
{
  send(d, (SessionEvent){.type = EV_BUTTON, .button = button});
}

static void wait_for(Desk *d, gint64 us)
{
  d->now += us;
  send(d, (SessionEvent){.type = EV_TICK});
}

static const KioskView *view(Desk *d)
{
  return session_view(d->session);
}

static gboolean shows(Desk *d, const char *needle)
{
  const KioskView *v = view(d);

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], needle))
      return TRUE;
  return strstr(v->title, needle) != NULL;
}

static gboolean has_button(Desk *d, const char *id)
{
  for (int i = 0; i < view(d)->n_buttons; i++)
    if (g_str_equal(view(d)->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

/* Checks in and goes to the PIN screen. */
static void to_pin(Desk *d)
{
  keypad(d, CODE);
  press(d, VIEW_BUTTON_START);
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_PIN);
}

/* The countdown starts warning_s before the lock, shows whole seconds, wakes
 * the loop each second, stops on a touch; the lock brings the PIN screen. */
static void test_countdown_and_lock(Desk *d, gconstpointer data)
{
  gint64 lock_us = (gint64)d->config->officer_idle_lock_s * SEC;
  gint64 warn_us = (gint64)d->config->officer_idle_lock_warning_s * SEC;
  gint64 touched;

  g_assert_cmpint(d->config->officer_idle_lock_s, ==, 45);
  g_assert_cmpint(d->config->officer_idle_lock_warning_s, ==, 10);
  to_pin(d);
  keypad(d, "1001");
  keypad(d, "2468");
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_CHECK);
  touched = d->now;
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + lock_us - warn_us);
  wait_for(d, lock_us - warn_us);
  g_assert_true(shows(d, "Officer mode locks in 10 s."));
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + lock_us - 9 * SEC);
  wait_for(d, SEC / 2);
  g_assert_true(shows(d, "locks in 10 s."));
  wait_for(d, SEC / 2);
  g_assert_true(shows(d, "locks in 9 s."));
  /* A touch: no countdown, and the next one starts from it. */
  send(d, (SessionEvent){.type = EV_ACTIVITY});
  g_assert_false(shows(d, "locks in"));
  touched = d->now;
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + lock_us - warn_us);
  wait_for(d, lock_us - SEC);
  g_assert_true(shows(d, "locks in 1 s."));
  wait_for(d, SEC);
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_PIN);
  g_assert_null(session_officer(d->session));
  g_assert_false(has_button(d, VIEW_BUTTON_CANCEL));
  g_assert_nonnull(strstr(d->log->str, "officer:1001:officer.idle_locked;"));
  /* Another officer goes on where it was. */
  keypad(d, "1002");
  keypad(d, "1357");
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_CHECK);
  g_assert_cmpstr(session_officer(d->session), ==, "1002");
}

/* A number nobody has: the same answer as a wrong PIN, no number logged. */
static void test_unknown_number(Desk *d, gconstpointer data)
{
  to_pin(d);
  keypad(d, "12");
  g_assert_true(shows(d, "3 to 10 digits"));
  g_assert_false(view(d)->entry_masked);
  keypad(d, "24680");
  g_assert_true(view(d)->entry_masked);
  g_assert_true(shows(d, "Officer 24680: enter your PIN"));
  keypad(d, "2468");
  g_assert_true(shows(d, "Wrong officer number or PIN."));
  g_assert_false(view(d)->entry_masked);
  g_assert_cmpstr(d->log->str, ==,
                  "applicant:checkin.ok;kiosk:officer.unknown_id;");
  g_assert_cmpuint(d->saved->len, ==, 1);
  g_assert_cmpstr(d->saved->pdata[0], ==, "=1/open");
}

/* Each officer's lockout is handed out under their id and, taken back
 * after a restart, refuses that officer only. */
static void test_lockout_per_officer(Desk *d, gconstpointer data)
{
  int max = d->config->officer_max_attempts;
  Lockout kept = {0};

  to_pin(d);
  for (int i = 0; i < max; i++) {
    keypad(d, "1001");
    keypad(d, "1357");
  }
  g_assert_cmpuint(d->saved->len, ==, (guint)max);
  g_assert_cmpstr(d->saved->pdata[max - 1], ==, "1001=0/locked");
  g_assert_true(shows(d, "Officer 1001 is locked"));
  /* The restart: the runtime gives the saved lockout back. */
  kept.locked_until_us = d->now + 60 * SEC;
  session_free(d->session);
  start(d);
  session_restore_officer_lockout(d->session, "1001", &kept);
  to_pin(d);
  keypad(d, "1001");
  g_assert_false(view(d)->entry_masked);
  g_assert_true(shows(d, "Officer 1001 is locked"));
  keypad(d, "1002");
  keypad(d, "1357");
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_CHECK);
}

/* Goes to a refused photo as officer 1001 and asks for the override. */
static void ask_override(Desk *d)
{
  to_pin(d);
  keypad(d, "1001");
  keypad(d, "2468");
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(d, VIEW_BUTTON_TAKE);
  send(d, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE});
  press(d, VIEW_BUTTON_OVERRIDE);
}

/* Cancel on the four-eyes screen: back to the refused photo, nothing
 * accepted, officer mode still the first officer's. */
static void test_four_eyes_cancel(Desk *d, gconstpointer data)
{
  ask_override(d);
  g_assert_true(session_officer_second(d->session));
  press(d, VIEW_BUTTON_CANCEL);
  g_assert_cmpint(session_state(d->session), ==, SESSION_PHOTO);
  g_assert_false(session_officer_second(d->session));
  g_assert_true(has_button(d, VIEW_BUTTON_OVERRIDE));
  g_assert_false(session_person(d->session)->photo_override);
  g_assert_cmpstr(session_officer(d->session), ==, "1001");
  g_assert_null(strstr(d->log->str, "photo_refusal_overridden"));
  /* Asked again: a number nobody has is not put on the first officer. */
  press(d, VIEW_BUTTON_OVERRIDE);
  keypad(d, "999");
  keypad(d, "2468");
  g_assert_nonnull(strstr(d->log->str, ";kiosk:officer.unknown_id;"));
  g_assert_null(strstr(d->log->str, "1001:officer.unknown_id"));
  /* The second officer confirms. */
  keypad(d, "1002");
  keypad(d, "1357");
  g_assert_true(session_person(d->session)->photo_override);
  g_assert_nonnull(strstr(d->log->str,
                          "officer:1002:officer.four_eyes.photo_override;"
                          "officer:1001:officer.photo_refusal_overridden;"));
}

/* An amputation (docs/fingerprints.md): the permanent finger exception
 * waits for a second officer; Cancel leaves it unrecorded on the reason
 * screen; confirmed by 1002 it is recorded in 1001's name with 1002 as the
 * confirming officer, and the right thumb is asked for instead. */
static void test_four_eyes_amputation(Desk *d, gconstpointer data)
{
  const SessionPerson *p;

  to_pin(d);
  keypad(d, "1001");
  keypad(d, "2468");
  if (!session_person(d->session)->plan.fingerprints)
    press(d, VIEW_BUTTON_FINGERPRINTS);
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(d, VIEW_BUTTON_TAKE);
  send(d, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  press(d, VIEW_BUTTON_ACCEPT);
  send(d, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(d, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(session_state(d->session), ==, SESSION_FINGERPRINT);
  press(d, VIEW_BUTTON_MISSING);
  press(d, VIEW_BUTTON_FINGER_PERMANENT);
  press(d, VIEW_BUTTON_REASON_PREFIX "amputation");
  press(d, VIEW_BUTTON_SKIP); /* no exception photo */
  g_assert_true(session_officer_second(d->session));
  press(d, VIEW_BUTTON_CANCEL);
  g_assert_cmpint(session_state(d->session), ==, SESSION_FINGERPRINT);
  g_assert_true(has_button(d, VIEW_BUTTON_REASON_PREFIX "amputation"));
  g_assert_cmpint(session_person(d->session)->n_finger_exceptions, ==, 0);
  press(d, VIEW_BUTTON_REASON_PREFIX "amputation");
  press(d, VIEW_BUTTON_SKIP);
  keypad(d, "1001"); /* the same officer cannot confirm */
  g_assert_true(shows(d, "A second, different officer must confirm."));
  keypad(d, "1002");
  keypad(d, "1357");
  g_assert_cmpint(session_state(d->session), ==, SESSION_FINGERPRINT);
  g_assert_true(shows(d, "Place your right thumb"));
  p = session_person(d->session);
  g_assert_cmpint(p->n_finger_exceptions, ==, 1);
  g_assert_cmpint(p->finger_exceptions[0].kind, ==, FINGER_EXCEPTION_PERMANENT);
  g_assert_cmpstr(p->finger_exceptions[0].officer, ==, "officer:1001");
  g_assert_cmpstr(p->finger_exceptions[0].confirmed_by, ==, "officer:1002");
  g_assert_nonnull(strstr(
      d->log->str, "officer:1002:officer.four_eyes.permanent_finger_exception;"
                   "officer:1001:officer.finger_exception.permanent;"));
}

/* No officers table: the bootstrap PIN alone, no number, no four eyes. */
static void test_bootstrap_pin(Desk *d, gconstpointer data)
{
  d->named = FALSE;
  to_pin(d);
  g_assert_true(view(d)->entry_masked);
  g_assert_true(shows(d, "Desk officer: enter your PIN"));
  keypad(d, "2468");
  g_assert_cmpstr(session_officer(d->session), ==, "");
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(d, VIEW_BUTTON_TAKE);
  send(d, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE});
  press(d, VIEW_BUTTON_OVERRIDE);
  g_assert_true(session_person(d->session)->photo_override);
  g_assert_nonnull(
      strstr(d->log->str, "officer:officer.photo_refusal_overridden;"));
}

/* "Do you need more time?" (docs/ui.md): idle_warning_s before the reset
 * the screen is replaced by the prompt, counting whole seconds and waking
 * the loop each second; a touch only dismisses it, even one on a button
 * the prompt hides; left alone, the reset leaves no person behind. */
static void test_more_time(Desk *d, gconstpointer data)
{
  gint64 idle_us = (gint64)d->config->idle_timeout_s * SEC;
  gint64 warn_us = (gint64)d->config->idle_warning_s * SEC;
  gint64 touched;

  g_assert_cmpint(d->config->idle_warning_s, ==, 15);
  keypad(d, CODE);
  g_assert_cmpint(session_state(d->session), ==, SESSION_PERSON);
  touched = d->now;
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + idle_us - warn_us);
  wait_for(d, idle_us - warn_us - SEC);
  g_assert_false(shows(d, "Do you need more time?"));
  wait_for(d, SEC);
  g_assert_cmpstr(view(d)->title, ==, "Do you need more time?");
  g_assert_true(shows(d, "starts again in 15 s"));
  g_assert_true(has_button(d, VIEW_BUTTON_MORE_TIME));
  g_assert_cmpstr(view(d)->person, ==, "Adult");
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + idle_us - 14 * SEC);
  wait_for(d, SEC);
  g_assert_true(shows(d, "starts again in 14 s"));
  /* Start is under the prompt: the touch only dismisses it. */
  press(d, VIEW_BUTTON_START);
  g_assert_cmpint(session_state(d->session), ==, SESSION_PERSON);
  g_assert_cmpstr(view(d)->title, ==, "Your turn");
  touched = d->now;
  g_assert_cmpint(session_next_deadline(d->session), ==,
                  touched + idle_us - warn_us);
  /* Left alone: the countdown to the end, then the empty check-in. */
  wait_for(d, idle_us - SEC);
  g_assert_true(shows(d, "starts again in 1 s"));
  wait_for(d, SEC);
  g_assert_cmpint(session_state(d->session), ==, SESSION_CHECKIN);
  g_assert_null(view(d)->person);
  g_assert_cmpstr(view(d)->entry, ==, "");
  g_assert_null(session_person(d->session));
  g_assert_false(shows(d, "more time"));
  g_assert_nonnull(strstr(d->log->str, "kiosk:session.idle_timeout;"));
  /* The empty check-in screen waits without a prompt. */
  g_assert_cmpint(session_next_deadline(d->session), ==, G_MAXINT64);
}

/* The prompt shows for at most half the timeout. */
static void test_more_time_span(Desk *d, gconstpointer data)
{
  g_assert_cmpint(idle_prompt_span(60, 15), ==, 15);
  g_assert_cmpint(idle_prompt_span(10, 15), ==, 5);
  g_assert_cmpint(idle_prompt_span(60, 0), ==, 0);
  g_assert_cmpint(idle_prompt_span(0, 15), ==, 0);
  d->config->idle_warning_s = 0;
  keypad(d, CODE);
  wait_for(d, 59 * SEC);
  g_assert_false(shows(d, "more time"));
  wait_for(d, SEC);
  g_assert_cmpint(session_state(d->session), ==, SESSION_CHECKIN);
}

static const char *button_label(Desk *d, const char *id)
{
  for (int i = 0; i < view(d)->n_buttons; i++)
    if (g_str_equal(view(d)->buttons[i].id, id))
      return view(d)->buttons[i].label;
  return NULL;
}

/* Seated and large text are chosen on the check-in screen, kept on every
 * screen of the appointment, and gone for the next one. */
static void test_seated_kept(Desk *d, gconstpointer data)
{
  g_assert_cmpstr(button_label(d, VIEW_BUTTON_SEATED), ==, "Seated");
  press(d, VIEW_BUTTON_SEATED);
  press(d, VIEW_BUTTON_LARGE_TEXT);
  g_assert_true(view(d)->seated);
  g_assert_true(view(d)->large_text);
  g_assert_cmpstr(button_label(d, VIEW_BUTTON_SEATED), ==, "✓ Seated");
  g_assert_cmpstr(button_label(d, VIEW_BUTTON_LARGE_TEXT), ==, "✓ Large text");
  press(d, VIEW_BUTTON_LARGE_TEXT);
  g_assert_false(view(d)->large_text);
  press(d, VIEW_BUTTON_LARGE_TEXT);
  to_pin(d);
  g_assert_true(view(d)->seated);
  keypad(d, "1001");
  keypad(d, "2468");
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(session_state(d->session), ==, SESSION_PHOTO);
  g_assert_true(view(d)->seated);
  g_assert_true(view(d)->large_text);
  /* The officer stops the appointment: the next one starts standing. */
  press(d, VIEW_BUTTON_TAKE);
  send(d, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE});
  wait_for(d, (gint64)d->config->idle_timeout_s * SEC);
  g_assert_cmpint(session_state(d->session), ==, SESSION_CHECKIN);
  g_assert_false(view(d)->seated);
  g_assert_false(view(d)->large_text);
  /* Chosen and walked away from: the empty check-in resets too. */
  press(d, VIEW_BUTTON_SEATED);
  wait_for(d, (gint64)d->config->idle_timeout_s * SEC);
  g_assert_false(view(d)->seated);
}

/* In the seated layout, a face low or high in the live view says the
 * camera is too high or too low, in words for a fixed or a movable
 * camera; standing, the codes are not shown. */
static void test_height_guidance(Desk *d, gconstpointer data)
{
  static const char *const high[] = {HEIGHT_CAMERA_TOO_HIGH, "no_face", NULL};

  g_assert_cmpstr(height_guidance_code(700, 200, 1000), ==,
                  HEIGHT_CAMERA_TOO_HIGH);
  g_assert_cmpstr(height_guidance_code(0, 200, 1000), ==,
                  HEIGHT_CAMERA_TOO_LOW);
  g_assert_null(height_guidance_code(300, 300, 1000));
  g_assert_null(height_guidance_code(300, 300, 0));
  to_pin(d);
  keypad(d, "1001");
  keypad(d, "2468");
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  session_set_guidance(d->session, high);
  g_assert_false(shows(d, "camera is too high"));
  g_assert_true(shows(d, "face"));
  session_free(d->session);
  start(d);
  press(d, VIEW_BUTTON_SEATED);
  to_pin(d);
  keypad(d, "1001");
  keypad(d, "2468");
  press(d, VIEW_BUTTON_DOCUMENTS_SEEN);
  session_set_guidance(d->session, high);
  g_assert_cmpstr(view(d)->lines[0], ==,
                  "The camera is too high for you. Please call the officer.");
  g_free(d->config->camera_height_adjustable);
  d->config->camera_height_adjustable = g_strdup("yes");
  g_assert_true(shows(d, "Please move it down until your face is inside"));
}

/* The runtime's verdict, as app.c hands it over; then the requests. */
static void verdict(Desk *d, guint check, OfficerPinVerdict v)
{
  session_pin_checked(d->session, check, v, d->now);
  drain(d);
}

/* PINs checked off the main thread: the PIN goes out with the officer's
 * number and a check number, the screen says it is checking and takes no
 * input meanwhile, a verdict nobody waits for is dropped, a wrong one
 * still counts towards that officer's lockout and a right one unlocks with
 * its audit entry, as with the checks made at once. */
static void test_async_pin(Desk *d, gconstpointer data)
{
  session_set_pin_checks_async(d->session, TRUE);
  to_pin(d);
  keypad(d, "1001");
  keypad(d, "1357");
  g_assert_true(session_pin_checking(d->session));
  g_assert_cmpuint(d->checks->len, ==, 1);
  g_assert_cmpstr(d->checks->pdata[0], ==, "1001:1357:1");
  g_assert_true(shows(d, "Checking the PIN"));
  g_assert_cmpstr(view(d)->entry, ==, "");
  keypad(d, "2468"); /* ignored while checking */
  press(d, VIEW_BUTTON_CANCEL);
  g_assert_cmpuint(d->checks->len, ==, 1);
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_PIN);
  verdict(d, 7, OFFICER_PIN_RIGHT); /* not this check's */
  g_assert_true(session_pin_checking(d->session));
  verdict(d, 1, OFFICER_PIN_WRONG);
  g_assert_false(session_pin_checking(d->session));
  g_assert_true(shows(d, "Wrong officer number or PIN."));
  g_assert_cmpstr(d->saved->pdata[d->saved->len - 1], ==, "1001=1/open");
  g_assert_nonnull(strstr(d->log->str, "officer:1001:officer.wrong_pin;"));
  keypad(d, "1001");
  keypad(d, "2468");
  g_assert_cmpstr(d->checks->pdata[1], ==, "1001:2468:2");
  verdict(d, 2, OFFICER_PIN_RIGHT);
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_CHECK);
  g_assert_cmpstr(session_officer(d->session), ==, "1001");
  g_assert_nonnull(strstr(d->log->str, "officer:1001:officer.unlocked;"));
  g_assert_cmpstr(d->saved->pdata[d->saved->len - 1], ==, "1001=0/open");
  verdict(d, 2, OFFICER_PIN_WRONG); /* once only */
  g_assert_cmpint(session_state(d->session), ==, SESSION_OFFICER_CHECK);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Desk, NULL, set_up, fn, tear_down)
  ADD("/session-officers/countdown-and-lock", test_countdown_and_lock);
  ADD("/session-officers/unknown-number", test_unknown_number);
  ADD("/session-officers/lockout-per-officer", test_lockout_per_officer);
  ADD("/session-officers/four-eyes-cancel", test_four_eyes_cancel);
  ADD("/session-officers/four-eyes-amputation", test_four_eyes_amputation);
  ADD("/session-officers/bootstrap-pin", test_bootstrap_pin);
  ADD("/session-access/more-time", test_more_time);
  ADD("/session-access/more-time-span", test_more_time_span);
  ADD("/session-access/seated-kept", test_seated_kept);
  ADD("/session-access/height-guidance", test_height_guidance);
  ADD("/session-officers/async-pin", test_async_pin);
#undef ADD
  return g_test_run();
}
