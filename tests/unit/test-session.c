/* The session state machine against every desk rule and every timeout, with
 * a fake appointment book, a fake PIN check and a fake audit log that can
 * fail: no devices, no database, time passed in. Also: an action waits for
 * its audit entry, and the lockouts are handed out to be kept and taken
 * back after a restart. */
#include <string.h>

#include "settings.h"
#include "finger.h"
#include "session.h"
#include "testlib.h"
#include "texts.h"
#include "i18n.h"

#define SEC G_USEC_PER_SEC

typedef struct {
  KioskConfig *config;
  Session *session;
  GDateTime *clock;
  gint64 now;
  int lookups;
  GString *audit;        /* audit entries written so far, ';'-separated */
  gboolean audit_broken; /* the fake log cannot write */
  guint audit_pending;   /* entries the fake log could not write */
  Lockout saved[SESSION_N_LOCKOUTS]; /* the last REQ_SAVE_LOCKOUT of each */
  int n_saved;
} Fixture;

static Person *person(const char *name, const char *dob, PriorBiometrics prior,
                      gboolean first_permit, FingerprintPolicy fp)
{
  Person *p = g_new0(Person, 1);

  p->name = g_strdup(name);
  p->date_of_birth = g_strdup(dob);
  p->document_type = g_strdup("residence_permit");
  p->prior = prior;
  p->first_permit = first_permit;
  p->fingerprints = fp;
  return p;
}

static Appointment *appointment(const Fixture *f, const char *code,
                                const char *location, int start_offset_min)
{
  Appointment *a = appointment_new();

  a->code = g_strdup(code);
  a->location_id = g_strdup(location);
  a->location_name = g_strdup(g_str_equal(location, f->config->location_id)
                                  ? f->config->location_name
                                  : "IND desk Den Haag");
  a->start = g_date_time_add_minutes(f->clock, start_offset_min);
  return a;
}

/* The fake appointment book; codes describe themselves. */
static Appointment *lookup(const char *code, gpointer user_data)
{
  Fixture *f = user_data;
  Appointment *a = NULL;

  f->lookups++;
  if (g_str_equal(code, "111111")) { /* family: adult + 10-year-old */
    a = appointment(f, code, f->config->location_id, 0);
    g_ptr_array_add(a->persons, person("Adult", "1990-05-01", PRIOR_NONE, TRUE,
                                       FP_POLICY_AGE));
    g_ptr_array_add(a->persons, person("Child", "2016-03-10", PRIOR_NONE, TRUE,
                                       FP_POLICY_AGE));
  } else if (g_str_equal(code, "222222")) { /* other location */
    a = appointment(f, code, "IND-DHG", 0);
    g_ptr_array_add(a->persons,
                    person("A", "1990-01-01", PRIOR_NONE, TRUE, FP_POLICY_AGE));
  } else if (g_str_equal(code, "333333")) { /* biometrics on file */
    a = appointment(f, code, f->config->location_id, 0);
    g_ptr_array_add(a->persons, person("B", "1980-01-01", PRIOR_ON_FILE, FALSE,
                                       FP_POLICY_AGE));
  } else if (g_str_equal(code, "444444")) { /* baby */
    a = appointment(f, code, f->config->location_id, 0);
    g_ptr_array_add(a->persons, person("Baby", "2026-06-01", PRIOR_NONE, TRUE,
                                       FP_POLICY_AGE));
  } else if (g_str_equal(code, "555555")) { /* far too early */
    a = appointment(f, code, f->config->location_id,
                    f->config->checkin_early_minutes + 10);
    g_ptr_array_add(a->persons,
                    person("C", "1990-01-01", PRIOR_NONE, TRUE, FP_POLICY_AGE));
  } else if (g_str_equal(code, "666666")) { /* too late */
    a = appointment(f, code, f->config->location_id,
                    -(f->config->checkin_late_minutes + 10));
    g_ptr_array_add(a->persons,
                    person("D", "1990-01-01", PRIOR_NONE, TRUE, FP_POLICY_AGE));
  } else if (g_str_equal(code, "777777")) { /* EU: no fingerprints */
    a = appointment(f, code, f->config->location_id, 0);
    g_ptr_array_add(a->persons, person("E", "1990-01-01", PRIOR_NONE, TRUE,
                                       FP_POLICY_NONE));
  } else if (g_str_equal(code, "888888")) { /* asylum, first permit */
    a = appointment(f, code, f->config->location_id, 0);
    g_ptr_array_add(a->persons, person("F", "1990-01-01", PRIOR_ASYLUM, TRUE,
                                       FP_POLICY_AGE));
  }
  return a;
}

static gboolean check_pin(const char *pin, gpointer user_data)
{
  return g_str_equal(pin, "2468");
}

/* The fake audit log: records every entry asked for; while broken, keeps
 * it pending and says so, as the runtime does. */
static gboolean fake_audit(const SessionAudit *entry, gpointer user_data)
{
  Fixture *f = user_data;

  g_string_append_printf(f->audit, "%s:%s;", entry->actor, entry->event);
  f->audit_pending = f->audit_broken ? f->audit_pending + 1 : 0;
  session_set_audit_pending(f->session, f->audit_pending);
  return !f->audit_broken;
}

static void fixture_set_up(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->config = config_load(NULL, &error);
  g_assert_no_error(error);
  f->clock = g_date_time_new_local(2026, 11, 27, 10, 30, 0);
  f->now = 1000 * SEC;
  f->session = session_new(f->config, lookup, check_pin, f, f->now);
  session_set_audit(f->session, fake_audit, f);
  f->audit = g_string_new(NULL);
  session_set_clock(f->session, f->clock);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
  session_free(f->session);
  g_string_free(f->audit, TRUE);
  g_date_time_unref(f->clock);
  config_free(f->config);
}

static void send(Fixture *f, SessionEvent ev)
{
  session_handle(f->session, &ev, f->now);
}

static void press(Fixture *f, const char *button)
{
  send(f, (SessionEvent){.type = EV_BUTTON, .button = button});
}

static void type_code(Fixture *f, const char *code)
{
  for (const char *c = code; *c; c++)
    send(f, (SessionEvent){.type = EV_KEY, .key = *c});
  send(f, (SessionEvent){.type = EV_SUBMIT});
}

static void advance(Fixture *f, gint64 us)
{
  f->now += us;
  send(f, (SessionEvent){.type = EV_TICK});
}

static SessionState state(Fixture *f)
{
  return session_state(f->session);
}

/* The device limit each request must carry: the session is the one owner
 * of the step timeouts, and the workers take them from the request. */
static int request_limit(SessionRequestType type)
{
  switch (type) {
  case REQ_TAKE_PHOTO:
  case REQ_TAKE_EXCEPTION_PHOTO:
    return SESSION_PHOTO_TIMEOUT_MS;
  case REQ_COLLECT_SIGNATURE:
    return SESSION_SIGNATURE_TIMEOUT_MS;
  case REQ_CAPTURE_FINGER:
  case REQ_PICK_FINGER:
    return SESSION_FINGER_TIMEOUT_MS;
  case REQ_STORE_RECORD:
    return SESSION_STORE_TIMEOUT_MS;
  default:
    return 0;
  }
}

/* Drains the request queue and returns its types as a string like
 * "liveview-on,take-photo" for easy assertions; checks on the way that
 * every device request carries its step's limit. */
static char *requests(Fixture *f)
{
  static const char *names[] = {
      [REQ_LIVEVIEW_ON] = "liveview-on",
      [REQ_LIVEVIEW_OFF] = "liveview-off",
      [REQ_TAKE_PHOTO] = "take-photo",
      [REQ_COLLECT_SIGNATURE] = "signature",
      [REQ_CAPTURE_FINGER] = "finger",
      [REQ_PICK_FINGER] = "pick",
      [REQ_STORE_RECORD] = "store",
      [REQ_DISCARD_PERSON] = "discard",
      [REQ_CANCEL_DEVICES] = "cancel",
      [REQ_TAKE_EXCEPTION_PHOTO] = "exception-photo",
  };
  GString *out = g_string_new(NULL);
  SessionRequest req;

  while (session_next_request(f->session, &req)) {
    g_assert_cmpint(req.timeout_ms, ==, request_limit(req.type));
    if (req.type == REQ_SAVE_LOCKOUT) {
      f->saved[req.lockout_kind] = req.lockout;
      f->n_saved++;
      continue;
    }
    if (req.type == REQ_LANGUAGE) {
      g_string_append_printf(out, "%slanguage:%s", out->len ? "," : "",
                             req.language);
      continue;
    }
    if (out->len)
      g_string_append_c(out, ',');
    g_string_append(out, names[req.type]);
    if (req.type == REQ_CAPTURE_FINGER || req.type == REQ_PICK_FINGER ||
        req.type == REQ_TAKE_EXCEPTION_PHOTO)
      g_string_append_printf(out, ":%d", req.finger);
  }
  return g_string_free(out, FALSE);
}

static gboolean audited(Fixture *f, const char *entry)
{
  g_autofree char *needle = g_strdup_printf("%s;", entry);

  return strstr(f->audit->str, needle) != NULL;
}

#define assert_requests(f, expected)                                           \
  do {                                                                         \
    g_autofree char *got_ = requests(f);                                       \
    g_assert_cmpstr(got_, ==, expected);                                       \
  } while (0)

/* Best of three for the finger asked for now (its request already taken):
 * three good impressions, then the pick, answered with the kept one. */
static void take_finger(Fixture *f, int finger)
{
  g_autofree char *impression = g_strdup_printf("finger:%d", finger);
  g_autofree char *pick = g_strdup_printf("pick:%d", finger);

  for (int i = 0; i < FINGER_IMPRESSIONS_WANTED; i++) {
    if (i > 0)
      assert_requests(f, impression);
    send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80});
  }
  assert_requests(f, pick);
  send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80});
}

static gboolean view_has_line(Fixture *f, const char *needle)
{
  const KioskView *v = session_view(f->session);

  for (int i = 0; i < v->n_lines; i++)
    if (strstr(v->lines[i], needle))
      return TRUE;
  return (v->title && strstr(v->title, needle)) ||
         (v->person && strstr(v->person, needle));
}

static gboolean view_has_button(Fixture *f, const char *id)
{
  const KioskView *v = session_view(f->session);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return TRUE;
  return FALSE;
}

static void test_unknown_code_counts_and_locks(Fixture *f, gconstpointer d)
{
  int max = f->config->checkin_max_attempts;

  for (int i = 0; i < max; i++) {
    type_code(f, "999999");
    g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
    g_assert_true(session_view(f->session)->warning);
  }
  g_assert_cmpint(session_failed_checkins(f->session), ==, max);
  g_assert_cmpint(f->lookups, ==, max);
  g_assert_true(audited(f, "applicant:checkin.unknown_code"));
  g_assert_true(audited(f, "kiosk:checkin.locked_out"));
  g_assert_true(view_has_line(f, "Too many wrong codes"));

  /* Locked: typing does nothing, a right code is not even looked up. */
  type_code(f, "111111");
  g_assert_cmpint(f->lookups, ==, max);
  g_assert_cmpstr(session_view(f->session)->entry, ==, "");

  /* The lockout ends with time. */
  advance(f, (gint64)f->config->checkin_lockout_s * SEC + SEC);
  type_code(f, "111111");
  g_assert_cmpint(f->lookups, ==, max + 1);
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
}

static void test_short_code_not_looked_up(Fixture *f, gconstpointer d)
{
  type_code(f, "123");
  g_assert_cmpint(f->lookups, ==, 0);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  g_assert_true(session_view(f->session)->warning);
  g_assert_cmpint(session_failed_checkins(f->session), ==, 0);
}

static void test_keypad_editing(Fixture *f, gconstpointer d)
{
  for (int i = 0; i < 20; i++)
    send(f, (SessionEvent){.type = EV_KEY, .key = '1'});
  g_assert_cmpint(strlen(session_view(f->session)->entry), ==, 12);
  send(f, (SessionEvent){.type = EV_BACKSPACE});
  g_assert_cmpint(strlen(session_view(f->session)->entry), ==, 11);
  send(f, (SessionEvent){.type = EV_KEY, .key = 'x'});
  g_assert_cmpint(strlen(session_view(f->session)->entry), ==, 11);
  /* An unfinished code is cleared after inactivity (privacy). */
  advance(f, (gint64)f->config->idle_timeout_s * SEC);
  g_assert_cmpstr(session_view(f->session)->entry, ==, "");
}

static void test_other_location(Fixture *f, gconstpointer d)
{
  type_code(f, "222222");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(session_view(f->session)->warning);
  g_assert_true(view_has_line(f, "IND desk Den Haag"));
  g_assert_true(audited(f, "applicant:checkin.other_location"));
  press(f, VIEW_BUTTON_OK);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
}

static void test_time_window(Fixture *f, gconstpointer d)
{
  type_code(f, "555555");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(view_has_line(f, "early"));
  press(f, VIEW_BUTTON_OK);
  type_code(f, "666666");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(view_has_line(f, "passed"));
  /* A message clears itself after inactivity too. */
  advance(f, (gint64)f->config->idle_timeout_s * SEC);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
}

static void test_nothing_to_capture(Fixture *f, gconstpointer d)
{
  type_code(f, "333333");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(view_has_line(f, "already has usable biometrics"));
  press(f, VIEW_BUTTON_OK);
  type_code(f, "444444");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(view_has_line(f, "photo card"));
  press(f, VIEW_BUTTON_OK);
  type_code(f, "888888");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(view_has_line(f, "asylum"));
  assert_requests(f, "");
}

/* Takes the current person from PERSON through every step to DONE. */
static void capture_person(Fixture *f, gboolean expect_signature,
                           gboolean expect_fingers)
{
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  assert_requests(f, "liveview-on");
  press(f, VIEW_BUTTON_TAKE);
  assert_requests(f, "take-photo");
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  assert_requests(f, "liveview-off");
  press(f, VIEW_BUTTON_ACCEPT);
  if (expect_signature) {
    g_assert_cmpint(state(f), ==, SESSION_SIGNATURE);
    assert_requests(f, "signature");
    send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
    press(f, VIEW_BUTTON_ACCEPT);
  }
  if (expect_fingers) {
    g_assert_cmpint(state(f), ==, SESSION_FINGERPRINT);
    assert_requests(f, "finger:2");
    take_finger(f, FINGER_RIGHT_INDEX);
    assert_requests(f, "finger:7");
    take_finger(f, FINGER_LEFT_INDEX);
    press(f, VIEW_BUTTON_ACCEPT);
  }
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  assert_requests(f, "");
  press(f, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(state(f), ==, SESSION_STORING);
  assert_requests(f, "store");
  send(f, (SessionEvent){.type = EV_RECORD_STORED, .message = "rec-1"});
  g_assert_cmpint(state(f), ==, SESSION_DONE);
  assert_requests(f, "discard");
}

static void test_family_each_in_turn(Fixture *f, gconstpointer d)
{
  type_code(f, "111111");
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
  g_assert_true(view_has_line(f, "Adult"));
  g_assert_true(view_has_line(f, "1 of 2"));
  g_assert_true(session_person(f->session)->plan.signature);
  g_assert_true(session_person(f->session)->plan.fingerprints);

  press(f, VIEW_BUTTON_START);
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
  g_assert_true(session_view(f->session)->entry_masked);
  type_code(f, "1111");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
  g_assert_true(session_view(f->session)->warning);
  type_code(f, "2468");
  capture_person(f, TRUE, TRUE);
  g_assert_true(session_person(f->session)->documents_seen);

  press(f, VIEW_BUTTON_NEXT);
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
  g_assert_true(view_has_line(f, "Child"));
  /* 10 years old: fingerprints (>= 6) but no signature (< 12). */
  g_assert_false(session_person(f->session)->plan.signature);
  g_assert_true(session_person(f->session)->plan.fingerprints);
  press(f, VIEW_BUTTON_START); /* officer mode is still unlocked */
  capture_person(f, FALSE, TRUE);
  press(f, VIEW_BUTTON_NEXT);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  g_assert_null(session_person(f->session));
}

static void unlock_and_start(Fixture *f, const char *code)
{
  type_code(f, code);
  press(f, VIEW_BUTTON_START);
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
}

static void test_officer_decides_fingerprints(Fixture *f, gconstpointer d)
{
  unlock_and_start(f, "777777");
  g_assert_false(session_person(f->session)->plan.fingerprints);
  press(f, VIEW_BUTTON_FINGERPRINTS);
  g_assert_true(session_person(f->session)->plan.fingerprints);
  press(f, VIEW_BUTTON_FINGERPRINTS);
  capture_person(f, TRUE, FALSE);
}

static void test_head_covering_declaration(Fixture *f, gconstpointer d)
{
  unlock_and_start(f, "777777");
  g_assert_false(session_person(f->session)->head_covering);
  g_assert_true(view_has_line(f, "none declared"));
  press(f, VIEW_BUTTON_HEAD_COVERING);
  g_assert_true(session_person(f->session)->head_covering);
  g_assert_true(view_has_line(f, "religious or belief reasons: declared"));
  g_assert_true(audited(f, "officer:officer.head_covering_declared"));
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  /* The declaration stays with the person for the validator and record. */
  g_assert_true(session_person(f->session)->head_covering);
}

static void test_liveview_guidance(Fixture *f, gconstpointer d)
{
  const char *far[] = {"head_too_small", "uneven_lighting", "blurred", NULL};
  const char *hint = reason_text("head_too_small");

  unlock_and_start(f, "777777");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_true(view_has_line(f, "inside the oval"));
  session_set_guidance(f->session, far);
  g_assert_true(view_has_line(f, hint));
  g_assert_false(view_has_line(f, "inside the oval"));
  g_assert_cmpint(session_view(f->session)->n_lines, ==, 2); /* two at most */
  g_assert_false(session_view(f->session)->warning); /* a hint, not a refusal */
  press(f, VIEW_BUTTON_TAKE);
  g_assert_false(view_has_line(f, hint));
  /* A check of a frame from before the shot arrives late: ignored. */
  session_set_guidance(f->session, far);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  g_assert_false(view_has_line(f, hint));
}

static const char *button_label(Fixture *f, const char *id)
{
  const KioskView *v = session_view(f->session);

  for (int i = 0; i < v->n_buttons; i++)
    if (g_str_equal(v->buttons[i].id, id))
      return v->buttons[i].label;
  return NULL;
}

/* Picks `language` with the header's button and the chooser, and applies
 * the request as the app does. */
static void choose_language(Fixture *f, const char *language)
{
  g_autofree char *id =
      g_strconcat(VIEW_BUTTON_LANGUAGE_PREFIX, language, NULL);
  g_autofree char *request = g_strconcat("language:", language, NULL);

  press(f, VIEW_BUTTON_LANGUAGE);
  g_assert_nonnull(button_label(f, id));
  press(f, id);
  g_assert_null(button_label(f, id)); /* the chooser closed */
  assert_requests(f, request);
  g_assert_true(i18n_set_language(language));
  g_assert_cmpstr(session_view(f->session)->language, ==,
                  i18n_language_name(language));
}

/* The header's language button opens a chooser of every available
 * language, each named in itself; the choice holds until the appointment
 * ends or the kiosk goes idle, and the next one starts in the kiosk's own
 * (here: en). */
static void test_language_switch(Fixture *f, gconstpointer d)
{
  const KioskView *v = session_view(f->session);

  g_assert_cmpstr(v->language, ==, "English");
  press(f, VIEW_BUTTON_LANGUAGE);
  v = session_view(f->session);
  g_assert_cmpint(v->screen, ==, VIEW_MESSAGE);
  g_assert_cmpint(v->n_buttons, ==, 7);
  g_assert_cmpstr(button_label(f, VIEW_BUTTON_LANGUAGE_PREFIX "ti"), ==,
                  "ትግርኛ");
  g_assert_nonnull(strstr(v->title, "Taal"));
  g_assert_nonnull(strstr(v->title, "اللغة"));
  /* The header button closes it again, changing nothing. */
  press(f, VIEW_BUTTON_LANGUAGE);
  g_assert_cmpint(session_view(f->session)->screen, ==, VIEW_CHECKIN);
  assert_requests(f, "");

  choose_language(f, "nl");
  g_assert_false(session_view(f->session)->rtl);
  type_code(f, "333333"); /* nothing to capture */
  press(f, VIEW_BUTTON_OK);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  assert_requests(f, "language:en");
  g_assert_true(i18n_set_language("en"));
  /* Idle on the check-in screen also goes back to the kiosk's language. */
  choose_language(f, "ar");
  g_assert_true(session_view(f->session)->rtl);
  send(f, (SessionEvent){.type = EV_KEY, .key = '1'});
  advance(f, (gint64)f->config->idle_timeout_s * SEC);
  assert_requests(f, "language:en");
  g_assert_true(i18n_set_language("en"));
  /* An unknown code in a chooser id changes nothing. */
  press(f, VIEW_BUTTON_LANGUAGE_PREFIX "xx");
  assert_requests(f, "");
}

/* In a family each person's screens are in the language they chose, or
 * the kiosk's own: never in the one the person before them chose. */
static void test_language_per_person(Fixture *f, gconstpointer d)
{
  choose_language(f, "ar"); /* on the check-in screen: the first person's */
  type_code(f, "111111");
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
  assert_requests(f, "");
  press(f, VIEW_BUTTON_START);
  type_code(f, "2468");
  capture_person(f, TRUE, TRUE);
  g_assert_cmpstr(session_view(f->session)->language, ==, "العربية");

  press(f, VIEW_BUTTON_NEXT); /* the child: no choice yet */
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
  assert_requests(f, "language:en");
  g_assert_true(i18n_set_language("en"));
  choose_language(f, "ti");
  press(f, VIEW_BUTTON_START);
  capture_person(f, FALSE, TRUE);
  press(f, VIEW_BUTTON_NEXT);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  assert_requests(f, "language:en"); /* the next appointment */
  g_assert_true(i18n_set_language("en"));
}

static void test_photo_refused_and_override(Fixture *f, gconstpointer d)
{
  const char *reasons[] = {"head_covering_white_or_light_grey", NULL};

  unlock_and_start(f, "777777");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(f, VIEW_BUTTON_TAKE);
  send(f,
       (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE, .reasons = reasons});
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  g_assert_true(session_view(f->session)->warning);
  g_assert_false(view_has_button(f, VIEW_BUTTON_ACCEPT));
  g_assert_true(view_has_button(f, VIEW_BUTTON_OVERRIDE));
  press(f, VIEW_BUTTON_ACCEPT); /* not offered: ignored */
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  press(f, VIEW_BUTTON_RETAKE);
  assert_requests(f, "liveview-on,take-photo,liveview-off,liveview-on");
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN,
                         .ok = FALSE,
                         .referred = TRUE,
                         .reasons = reasons});
  press(f, VIEW_BUTTON_OVERRIDE);
  g_assert_cmpint(state(f), ==, SESSION_SIGNATURE);
  g_assert_true(session_person(f->session)->photo_override);
  g_assert_cmpstr(session_person(f->session)->photo_override_reason, ==,
                  "officer_accepted_referral");
  g_assert_true(audited(f, "officer:officer.unlocked"));
  g_assert_true(audited(f, "officer:officer.photo_referral_accepted"));
}

/* A doubt the validator did not tell the applicant (a referral under a
 * refusal) is not on the applicant's refusal screen; an officer who
 * accepts the photo anyway sees it, by its code, on the review screen.
 * A new photo forgets it. */
static void test_photo_referral_for_officer(Fixture *f, gconstpointer d)
{
  const char *reasons[] = {"uneven_lighting", NULL};
  const char *referrals[] = {"head_covering_not_declared", NULL};

  unlock_and_start(f, "777777");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN,
                         .ok = FALSE,
                         .reasons = reasons,
                         .referrals = referrals});
  g_assert_true(view_has_button(f, VIEW_BUTTON_OVERRIDE));
  g_assert_false(view_has_line(f, "head_covering_not_declared"));
  g_assert_false(view_has_line(f, "religious"));
  press(f, VIEW_BUTTON_OVERRIDE);
  send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_true(view_has_line(f, "accepted by the officer"));
  g_assert_true(view_has_line(f, "checks this photo: head_covering_not_"));
  press(f, VIEW_BUTTON_REDO_PHOTO);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_false(view_has_line(f, "head_covering_not_declared"));
}

/* The adult of the family at the fingerprint step, the right index asked
 * for. */
static void to_fingerprints(Fixture *f)
{
  unlock_and_start(f, "111111");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_FINGERPRINT);
  g_free(requests(f)); /* up to "finger:2" */
}

static void test_poor_finger_then_missing(Fixture *f, gconstpointer d)
{
  const char *poor[] = {"poor_quality", NULL};

  to_fingerprints(f);
  for (int i = 0; i < 2; i++) {
    send(f,
         (SessionEvent){.type = EV_FINGER_DONE, .ok = FALSE, .reasons = poor});
    assert_requests(f, "finger:2"); /* asked again automatically */
  }
  send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = FALSE, .reasons = poor});
  assert_requests(f, "");
  g_assert_true(view_has_button(f, VIEW_BUTTON_MISSING));
  press(f, VIEW_BUTTON_MISSING);
  press(f, VIEW_BUTTON_FINGER_PERMANENT);
  press(f, VIEW_BUTTON_REASON_PREFIX "permanent_injury");
  press(f, VIEW_BUTTON_SKIP); /* no exception photo */
  g_assert_cmpint(session_person(f->session)->n_finger_exceptions, ==, 1);
  g_assert_cmpint(session_person(f->session)->finger_exceptions[0].finger, ==,
                  FINGER_RIGHT_INDEX);
  /* the right thumb instead */
  assert_requests(f, "liveview-on,liveview-off,finger:1");
  take_finger(f, FINGER_RIGHT_THUMB);
  assert_requests(f, "finger:7");
  take_finger(f, FINGER_LEFT_INDEX);
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_true(view_has_line(f, "right thumb instead of right index finger"));
}

/* Right index missing: the officer says so while the reader waits (no
 * timeout to sit out), permanently (amputation), and the right thumb is
 * taken in its place; the review names the substitution and the
 * exception, and the person carries both. */
static void test_finger_substitute(Fixture *f, gconstpointer d)
{
  const SessionPerson *p;
  const FingerException *e;

  to_fingerprints(f);
  g_assert_true(view_has_button(f, VIEW_BUTTON_MISSING));
  press(f, VIEW_BUTTON_MISSING);
  assert_requests(f, "cancel");
  g_assert_true(view_has_line(f, "right index finger is not available"));
  g_assert_true(view_has_line(f, "The right thumb is taken instead"));
  press(f, VIEW_BUTTON_FINGER_PERMANENT);
  g_assert_true(view_has_button(f, VIEW_BUTTON_REASON_PREFIX "amputation"));
  g_assert_true(view_has_button(f, VIEW_BUTTON_REASON_PREFIX "congenital"));
  g_assert_false(view_has_button(f, VIEW_BUTTON_REASON_PREFIX "bandage"));
  press(f, VIEW_BUTTON_REASON_PREFIX "bandage"); /* not this kind: ignored */
  assert_requests(f, "");
  press(f, VIEW_BUTTON_REASON_PREFIX "amputation");
  assert_requests(f, "liveview-on");
  press(f, VIEW_BUTTON_SKIP);
  g_assert_true(audited(f, "officer:officer.finger_exception.permanent"));
  g_assert_false(audited(f, "officer:officer.finger_exception.photo"));
  g_assert_true(view_has_line(f, "Place your right thumb"));
  assert_requests(f, "liveview-off,finger:1");
  take_finger(f, FINGER_RIGHT_THUMB);
  assert_requests(f, "finger:7");
  take_finger(f, FINGER_LEFT_INDEX);
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_true(view_has_line(f, "Fingerprints taken: right thumb instead of "
                                 "right index finger, left index finger"));
  g_assert_true(view_has_line(f, "right index finger permanently not "
                                 "available (amputation)"));
  p = session_person(f->session);
  g_assert_cmpint(p->fingers[0], ==, FINGER_RIGHT_THUMB);
  g_assert_cmpint(p->planned_fingers[0], ==, FINGER_RIGHT_INDEX);
  g_assert_true(p->finger_taken[0] && p->finger_taken[1]);
  g_assert_cmpint(p->n_finger_exceptions, ==, 1);
  e = &p->finger_exceptions[0];
  g_assert_cmpint(e->kind, ==, FINGER_EXCEPTION_PERMANENT);
  g_assert_cmpint(e->finger, ==, FINGER_RIGHT_INDEX);
  g_assert_cmpstr(e->reason, ==, "amputation");
  g_assert_cmpstr(e->officer, !=, "");
  g_assert_cmpint(e->time, ==, g_date_time_to_unix(f->clock));
  g_assert_false(p->fingerprints_postponed);
}

/* Sets the still's display image as the runtime does, then its event. */
static void exception_photo_arrives(Fixture *f, guint8 grey)
{
  guint8 pixels[8 * 6 * 3];

  memset(pixels, grey, sizeof pixels);
  session_set_image(f->session, 8, 6, 3, pixels);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
}

/* The officer's exception photo: live view on the exception's screen (the
 * portrait is left alone), a plain still asked for the finger, taken
 * again, kept with an audit entry in the officer's name; the review shows
 * it after the fingers. */
static void test_finger_exception_photo(Fixture *f, gconstpointer d)
{
  const SessionPerson *p;
  const KioskView *v;
  guint8 frame[4 * 4 * 3] = {0};

  to_fingerprints(f);
  press(f, VIEW_BUTTON_MISSING);
  press(f, VIEW_BUTTON_FINGER_PERMANENT);
  press(f, VIEW_BUTTON_REASON_PREFIX "amputation");
  assert_requests(f, "cancel,liveview-on");
  g_assert_true(view_has_line(f, "a photo for the right index finger"));
  g_assert_true(view_has_button(f, VIEW_BUTTON_TAKE));
  g_assert_true(view_has_button(f, VIEW_BUTTON_SKIP));
  session_set_live_frame(f->session, 4, 4, 3, frame, 1);
  g_assert_cmpint(session_view(f->session)->image.width, ==, 4);
  press(f, VIEW_BUTTON_TAKE);
  assert_requests(f, "exception-photo:2");
  g_assert_false(view_has_button(f, VIEW_BUTTON_SKIP));
  exception_photo_arrives(f, 10);
  g_assert_true(view_has_button(f, VIEW_BUTTON_ACCEPT));
  g_assert_cmpint(session_view(f->session)->image.width, ==, 8);
  press(f, VIEW_BUTTON_RETAKE);
  assert_requests(f, "liveview-on");
  g_assert_false(audited(f, "officer:officer.finger_exception.photo"));
  press(f, VIEW_BUTTON_TAKE);
  assert_requests(f, "exception-photo:2");
  exception_photo_arrives(f, 200);
  /* A late live frame does not replace the still. */
  session_set_live_frame(f->session, 4, 4, 3, frame, 2);
  g_assert_cmpint(session_view(f->session)->image.width, ==, 8);
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_true(audited(f, "officer:officer.finger_exception.photo"));
  assert_requests(f, "finger:1");
  p = session_person(f->session);
  g_assert_cmpint(p->n_finger_exceptions, ==, 1);
  g_assert_true(p->finger_exceptions[0].photo);
  take_finger(f, FINGER_RIGHT_THUMB);
  assert_requests(f, "finger:7");
  take_finger(f, FINGER_LEFT_INDEX);
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  v = session_view(f->session);
  g_assert_cmpint(v->n_fingers, ==, 3);
  g_assert_cmpstr(v->finger_labels[2], ==, "Photo: right index finger");
  g_assert_cmpint(v->fingers[2].width, ==, 8);
  g_assert_cmpint(v->fingers[2].pixels[0], ==, 200);
  /* The portrait was not touched by the hand's frames. */
  g_assert_cmpint(v->image.width, !=, 4);
}

/* The camera does not answer: the screen says so, and the officer goes on
 * without a photo (it is optional). */
static void test_finger_exception_photo_timeout(Fixture *f, gconstpointer d)
{
  const SessionPerson *p;

  to_fingerprints(f);
  press(f, VIEW_BUTTON_MISSING);
  press(f, VIEW_BUTTON_FINGER_TEMPORARY);
  press(f, VIEW_BUTTON_REASON_PREFIX "bandage");
  press(f, VIEW_BUTTON_TAKE);
  assert_requests(f, "cancel,liveview-on,exception-photo:2");
  advance(f, (SESSION_PHOTO_TIMEOUT_MS + SESSION_DEVICE_GRACE_MS) * 1000);
  assert_requests(f, "cancel");
  g_assert_true(view_has_line(f, "The camera did not answer"));
  g_assert_true(view_has_button(f, VIEW_BUTTON_RETAKE));
  g_assert_false(view_has_button(f, VIEW_BUTTON_ACCEPT));
  press(f, VIEW_BUTTON_SKIP);
  g_assert_true(view_has_button(f, VIEW_BUTTON_POSTPONE));
  press(f, VIEW_BUTTON_POSTPONE);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  p = session_person(f->session);
  g_assert_false(p->finger_exceptions[0].photo);
  g_assert_false(audited(f, "officer:officer.finger_exception.photo"));
  g_assert_cmpint(session_view(f->session)->n_fingers, ==, 2);
}

/* A bandaged finger: a temporary exception, and the officer postpones the
 * fingerprints. The review says so, the record is stored with what was
 * taken, and the done screen tells the applicant. */
static void test_finger_bandage_postponed(Fixture *f, gconstpointer d)
{
  const SessionPerson *p;

  to_fingerprints(f);
  take_finger(f, FINGER_RIGHT_INDEX);
  assert_requests(f, "finger:7");
  press(f, VIEW_BUTTON_MISSING);
  assert_requests(f, "cancel");
  press(f, VIEW_BUTTON_FINGER_TEMPORARY);
  g_assert_false(view_has_button(f, VIEW_BUTTON_REASON_PREFIX "amputation"));
  press(f, VIEW_BUTTON_REASON_PREFIX "bandage");
  press(f, VIEW_BUTTON_SKIP);
  assert_requests(f, "liveview-on,liveview-off");
  g_assert_true(view_has_line(f, "left index finger is temporarily not "
                                 "available"));
  g_assert_true(view_has_button(f, VIEW_BUTTON_POSTPONE));
  g_assert_true(view_has_button(f, VIEW_BUTTON_SUBSTITUTE));
  press(f, VIEW_BUTTON_POSTPONE);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_true(audited(f, "officer:officer.fingerprints_postponed"));
  g_assert_true(view_has_line(f, "Fingerprints: postponed"));
  g_assert_true(view_has_line(f, "Fingerprints taken: right index finger"));
  g_assert_true(view_has_line(f, "left index finger temporarily not "
                                 "available (bandage)"));
  p = session_person(f->session);
  g_assert_true(p->fingerprints_postponed);
  g_assert_cmpint(p->n_finger_exceptions, ==, 1);
  g_assert_cmpint(p->finger_exceptions[0].kind, ==, FINGER_EXCEPTION_TEMPORARY);
  g_assert_cmpstr(p->finger_exceptions[0].reason, ==, "bandage");
  press(f, VIEW_BUTTON_APPROVE);
  assert_requests(f, "store");
  send(f, (SessionEvent){.type = EV_RECORD_STORED, .message = "id"});
  g_assert_cmpint(state(f), ==, SESSION_DONE);
  g_assert_true(view_has_line(f, "fingerprints are postponed"));
}

/* "Finger not available" also after the reader timed out (it used to be
 * offered only after refused prints); Back asks for the finger again; a
 * slot whose every finger is gone is passed over. */
static void test_finger_missing_after_timeout(Fixture *f, gconstpointer d)
{
  static const char *const after[] = {"finger:1", "finger:3", "finger:4",
                                      "finger:7"};

  to_fingerprints(f);
  advance(f, (SESSION_FINGER_TIMEOUT_MS + SESSION_DEVICE_GRACE_MS) * 1000);
  assert_requests(f, "cancel");
  g_assert_true(view_has_button(f, VIEW_BUTTON_RETRY));
  g_assert_true(view_has_button(f, VIEW_BUTTON_MISSING));
  press(f, VIEW_BUTTON_MISSING);
  press(f, VIEW_BUTTON_CANCEL);
  assert_requests(f, "finger:2");
  for (gsize i = 0; i < G_N_ELEMENTS(after); i++) {
    g_autofree char *expected =
        g_strdup_printf("cancel,liveview-on,liveview-off,%s", after[i]);

    press(f, VIEW_BUTTON_MISSING);
    /* After the ring finger no finger of the right hand is left. */
    g_assert_cmpint(view_has_line(f, "No other finger is taken instead"), ==,
                    i == 3);
    press(f, VIEW_BUTTON_FINGER_PERMANENT);
    press(f, VIEW_BUTTON_REASON_PREFIX "permanent_injury");
    press(f, VIEW_BUTTON_SKIP);
    assert_requests(f, expected);
  }
  g_assert_cmpint(session_person(f->session)->fingers[0], ==, FINGER_UNKNOWN);
  for (int i = 0; i < FINGER_IMPRESSIONS_WANTED; i++)
    send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80});
  assert_requests(f, "finger:7,finger:7,pick:7");
  send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80});
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_true(view_has_line(f, "Fingerprints taken: left index finger"));
  g_assert_cmpint(session_person(f->session)->n_finger_exceptions, ==, 4);
}

/* Best of three: a poor impression does not count, the applicant is told
 * which print comes next, and after three good ones the runtime is asked
 * to keep the best; five impressions at most, then the best of the good
 * ones so far. While it chooses, "finger not available" is not offered. */
static void test_finger_best_of_three(Fixture *f, gconstpointer d)
{
  const char *poor[] = {"poor_quality", NULL};
  SessionEvent good = {.type = EV_FINGER_DONE, .ok = TRUE, .quality = 80};
  SessionEvent bad = {.type = EV_FINGER_DONE, .ok = FALSE, .reasons = poor};

  to_fingerprints(f);
  send(f, good);
  g_assert_true(view_has_line(f, "print 2 of 3"));
  send(f, bad);
  g_assert_true(view_has_line(f, "press the finger flat"));
  send(f, good);
  g_assert_true(view_has_line(f, "print 3 of 3"));
  send(f, good);
  assert_requests(f, "finger:2,finger:2,finger:2,pick:2");
  g_assert_true(view_has_line(f, "best of the prints is chosen"));
  g_assert_false(view_has_button(f, VIEW_BUTTON_MISSING));
  send(f, (SessionEvent){.type = EV_FINGER_DONE, .ok = TRUE, .quality = 91});
  assert_requests(f, "finger:7");
  g_assert_true(session_person(f->session)->finger_taken[0]);
  /* Left index: good, poor, poor, good, poor: five, then the pick. */
  send(f, good);
  send(f, bad);
  send(f, bad);
  send(f, good);
  send(f, bad);
  assert_requests(f, "finger:7,finger:7,finger:7,finger:7,pick:7");
  send(f, good);
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
}

static void test_device_timeout(Fixture *f, gconstpointer d)
{
  unlock_and_start(f, "777777");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(f, VIEW_BUTTON_TAKE);
  g_free(requests(f));
  /* The worker is given the step's limit; the session waits the grace
   * period longer for its answer. */
  advance(f, (SESSION_PHOTO_TIMEOUT_MS + SESSION_DEVICE_GRACE_MS) * 1000 - SEC);
  g_assert_false(session_view(f->session)->warning);
  advance(f, 2 * SEC);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  g_assert_true(session_view(f->session)->warning);
  assert_requests(f, "cancel");
  /* A late answer after the timeout is ignored, and logged as a bug (the
   * runtime drops the results of cancelled work before they get here). */
  g_test_expect_message(NULL, G_LOG_LEVEL_WARNING,
                        "session bug: photo-taken event in photo/failed*");
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  g_test_assert_expected_messages();
  g_assert_false(view_has_button(f, VIEW_BUTTON_ACCEPT));
  press(f, VIEW_BUTTON_TAKE);
  assert_requests(f, "take-photo");
  send(f, (SessionEvent){.type = EV_DEVICE_ERROR,
                         .message = "camera disconnected"});
  g_assert_true(view_has_line(f, "camera disconnected"));
}

static void test_idle_timeout_discards(Fixture *f, gconstpointer d)
{
  /* Without the officer's idle lock, which has its own tests
   * (test-session-officers.c), the photo screen stays until the end. */
  f->config->officer_idle_lock_s = 0;
  unlock_and_start(f, "111111");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_free(requests(f));
  advance(f, (gint64)f->config->idle_timeout_s * SEC - SEC);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  advance(f, SEC);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  assert_requests(f, "cancel,liveview-off,discard");
  g_assert_true(audited(f, "kiosk:session.idle_timeout"));
  g_assert_null(session_person(f->session));
  /* Officer mode ended with the appointment. */
  type_code(f, "111111");
  press(f, VIEW_BUTTON_START);
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
}

static void test_pin_lockout(Fixture *f, gconstpointer d)
{
  type_code(f, "111111");
  press(f, VIEW_BUTTON_START);
  for (int i = 0; i < f->config->officer_max_attempts; i++)
    type_code(f, "0000");
  g_assert_true(view_has_line(f, "locked"));
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
  f->now += (gint64)f->config->officer_lockout_s * SEC;
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
}

static void test_store_failure_keeps_data(Fixture *f, gconstpointer d)
{
  unlock_and_start(f, "777777");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  press(f, VIEW_BUTTON_APPROVE);
  g_free(requests(f));
  send(f, (SessionEvent){.type = EV_DEVICE_ERROR, .message = "disk full"});
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_assert_true(view_has_line(f, "disk full"));
  assert_requests(f, ""); /* nothing discarded */
  press(f, VIEW_BUTTON_APPROVE);
  assert_requests(f, "store");
}

/* ---- an action waits for its audit entry (issue 14, item 3) ----------- */

static gboolean view_warns_audit(Fixture *f)
{
  return session_view(f->session)->warning &&
         view_has_line(f, "cannot write its log");
}

/* A right PIN whose entry cannot be written does not unlock: the screen
 * says why, and the entry went to the runtime to wait. Once the log works,
 * the PIN unlocks. */
static void test_audit_holds_unlock(Fixture *f, gconstpointer d)
{
  type_code(f, "111111");
  press(f, VIEW_BUTTON_START);
  f->audit_broken = TRUE;
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
  g_assert_true(audited(f, "officer:officer.unlocked"));
  g_assert_true(view_warns_audit(f));
  g_assert_cmpstr(session_view(f->session)->entry, ==, "");
  /* Not unlocked behind the screen either: a refused photo has no
   * override. */
  press(f, VIEW_BUTTON_CANCEL);
  g_assert_cmpint(state(f), ==, SESSION_PERSON);
  g_assert_true(view_warns_audit(f));

  f->audit_broken = FALSE;
  press(f, VIEW_BUTTON_START);
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
  g_assert_false(view_warns_audit(f));
}

/* The capture does not start, an override is not taken, a record is not
 * stored while their entries cannot be written. */
static void test_audit_holds_capture_and_store(Fixture *f, gconstpointer d)
{
  unlock_and_start(f, "777777");
  g_free(requests(f));
  f->audit_broken = TRUE;
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
  g_assert_false(session_person(f->session)->documents_seen);
  assert_requests(f, "");
  press(f, VIEW_BUTTON_HEAD_COVERING);
  g_assert_false(session_person(f->session)->head_covering);
  g_assert_true(view_warns_audit(f));

  f->audit_broken = FALSE;
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  assert_requests(f, "liveview-on");
  press(f, VIEW_BUTTON_TAKE);
  send(f, (SessionEvent){.type = EV_PHOTO_TAKEN, .ok = FALSE});
  g_free(requests(f));
  f->audit_broken = TRUE;
  press(f, VIEW_BUTTON_OVERRIDE);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  g_assert_false(session_person(f->session)->photo_override);
  assert_requests(f, "");

  f->audit_broken = FALSE;
  press(f, VIEW_BUTTON_OVERRIDE);
  send(f, (SessionEvent){.type = EV_SIGNATURE_DONE, .ok = TRUE});
  press(f, VIEW_BUTTON_ACCEPT);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  g_free(requests(f));
  f->audit_broken = TRUE;
  press(f, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(state(f), ==, SESSION_REVIEW);
  assert_requests(f, "");
  g_assert_true(view_warns_audit(f));
  f->audit_broken = FALSE;
  press(f, VIEW_BUTTON_APPROVE);
  g_assert_cmpint(state(f), ==, SESSION_STORING);
  assert_requests(f, "store");
}

/* A check-in whose entry cannot be written does not happen; a wrong code
 * still counts. Forgetting data (discard, time-out) goes ahead regardless,
 * its entry waiting. The warning lasts while entries wait. */
static void test_audit_holds_checkin(Fixture *f, gconstpointer d)
{
  f->audit_broken = TRUE;
  type_code(f, "111111");
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  g_assert_null(session_person(f->session));
  g_assert_true(view_warns_audit(f));
  type_code(f, "999999");
  g_free(requests(f));
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].failures, ==, 1);
  g_assert_true(audited(f, "applicant:checkin.unknown_code"));

  f->audit_broken = FALSE;
  unlock_and_start(f, "111111");
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_free(requests(f));
  f->audit_broken = TRUE;
  advance(f, (gint64)f->config->idle_timeout_s * SEC);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  assert_requests(f, "cancel,liveview-off,discard");
  g_assert_true(view_warns_audit(f));
  /* The runtime wrote them after all. */
  session_set_audit_pending(f->session, 0);
  g_assert_false(view_warns_audit(f));
}

/* ---- lockouts survive a restart (issue 14, item 8) --------------------- */

/* Every change of a lockout is handed to the runtime to keep. */
static void test_lockouts_saved(Fixture *f, gconstpointer d)
{
  int max = f->config->checkin_max_attempts;

  type_code(f, "999999");
  g_free(requests(f));
  g_assert_cmpint(f->n_saved, ==, 1);
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].failures, ==, 1);
  for (int i = 1; i < max; i++)
    type_code(f, "999999");
  g_free(requests(f));
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].failures, ==, 0);
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].locked_until_us, ==,
                  f->now + (gint64)f->config->checkin_lockout_s * SEC);

  /* After the lockout, a right code resets the series. */
  advance(f, (gint64)f->config->checkin_lockout_s * SEC);
  type_code(f, "999999");
  type_code(f, "111111");
  g_free(requests(f));
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].failures, ==, 0);
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_CHECKIN].locked_until_us, ==, 0);

  press(f, VIEW_BUTTON_START);
  type_code(f, "0000");
  g_free(requests(f));
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_OFFICER_PIN].failures, ==, 1);
  type_code(f, "2468");
  g_free(requests(f));
  g_assert_cmpint(f->saved[SESSION_LOCKOUT_OFFICER_PIN].failures, ==, 0);
}

/* What the runtime gives back after a restart is in force at once. */
static void test_lockouts_restored(Fixture *f, gconstpointer d)
{
  Lockout checkin = {0, f->now + 100 * SEC};
  Lockout pin = {f->config->officer_max_attempts - 1, 0};

  session_restore_lockout(f->session, SESSION_LOCKOUT_CHECKIN, &checkin);
  g_assert_true(view_has_line(f, "Too many wrong codes"));
  type_code(f, "111111");
  g_assert_cmpint(f->lookups, ==, 0);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);
  advance(f, 100 * SEC);
  g_assert_false(view_has_line(f, "Too many wrong codes"));

  /* One wrong PIN short of the lockout before the restart: the next wrong
   * one locks. */
  session_restore_lockout(f->session, SESSION_LOCKOUT_OFFICER_PIN, &pin);
  type_code(f, "111111");
  press(f, VIEW_BUTTON_START);
  type_code(f, "0000");
  g_assert_true(view_has_line(f, "locked"));
  g_assert_true(audited(f, "kiosk:officer.locked_out"));
  type_code(f, "2468");
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_PIN);
}

static gboolean room_answer(gpointer data)
{
  return *(const gboolean *)data;
}

/* Without room for one more record no capture starts: a code is answered
 * with "go to the desk", and the officer's start stays on the check
 * screen with the reason, until there is room again. */
static void test_no_room_no_capture(Fixture *f, gconstpointer d)
{
  gboolean room = FALSE;

  session_set_room_check(f->session, room_answer, &room);
  type_code(f, "777777");
  g_assert_cmpint(state(f), ==, SESSION_MESSAGE);
  g_assert_true(session_view(f->session)->warning);
  g_assert_true(view_has_line(f, "no room to store them"));
  g_assert_true(audited(f, "kiosk:capture.refused_no_room"));
  press(f, VIEW_BUTTON_OK);
  g_assert_cmpint(state(f), ==, SESSION_CHECKIN);

  room = TRUE;
  unlock_and_start(f, "777777");
  room = FALSE;
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_OFFICER_CHECK);
  g_assert_true(session_view(f->session)->warning);
  g_assert_true(view_has_line(f, "storage is nearly full"));
  g_free(requests(f));
  room = TRUE;
  press(f, VIEW_BUTTON_DOCUMENTS_SEEN);
  g_assert_cmpint(state(f), ==, SESSION_PHOTO);
  assert_requests(f, "liveview-on");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Screens in English, as the embedded configuration says. */
  if (!i18n_init("en"))
    testlib_skip_all("no message catalogue");
#define T(name, fn)                                                            \
  g_test_add("/session/" name, Fixture, NULL, fixture_set_up, fn,              \
             fixture_tear_down)
  T("unknown-code-counts-and-locks", test_unknown_code_counts_and_locks);
  T("short-code-not-looked-up", test_short_code_not_looked_up);
  T("keypad-editing", test_keypad_editing);
  T("other-location", test_other_location);
  T("time-window", test_time_window);
  T("nothing-to-capture", test_nothing_to_capture);
  T("family-each-in-turn", test_family_each_in_turn);
  T("officer-decides-fingerprints", test_officer_decides_fingerprints);
  T("head-covering-declaration", test_head_covering_declaration);
  T("liveview-guidance", test_liveview_guidance);
  T("language-switch", test_language_switch);
  T("language-per-person", test_language_per_person);
  T("photo-refused-and-override", test_photo_refused_and_override);
  T("photo-referral-for-officer", test_photo_referral_for_officer);
  T("poor-finger-then-missing", test_poor_finger_then_missing);
  T("finger-substitute", test_finger_substitute);
  T("finger-bandage-postponed", test_finger_bandage_postponed);
  T("finger-exception-photo", test_finger_exception_photo);
  T("finger-exception-photo-timeout", test_finger_exception_photo_timeout);
  T("finger-missing-after-timeout", test_finger_missing_after_timeout);
  T("finger-best-of-three", test_finger_best_of_three);
  T("device-timeout", test_device_timeout);
  T("idle-timeout-discards", test_idle_timeout_discards);
  T("pin-lockout", test_pin_lockout);
  T("store-failure-keeps-data", test_store_failure_keeps_data);
  T("audit/holds-unlock", test_audit_holds_unlock);
  T("audit/holds-capture-and-store", test_audit_holds_capture_and_store);
  T("audit/holds-checkin", test_audit_holds_checkin);
  T("lockouts/saved", test_lockouts_saved);
  T("lockouts/restored", test_lockouts_restored);
  T("no-room-no-capture", test_no_room_no_capture);
  return g_test_run();
}
