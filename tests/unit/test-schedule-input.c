/* The schedule import against hostile and careless input (issue 14, items 4,
 * 5 and 9): deep nesting, oversized and non-regular files, repeated keys,
 * NUL characters, a second document, control and direction characters in
 * names and locations are refused with one line that names the field and
 * never the value; names in any script are accepted. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appointments.h"
#include "db.h"
#include "testlib.h"

#define PERSON_NAMED(name)                                                     \
  "{\"name\": \"" name "\", \"date_of_birth\": \"1991-03-15\", "               \
  "\"document_type\": \"residence_permit\", \"prior_biometrics\": \"none\", "  \
  "\"first_permit\": true, \"fingerprints\": \"age\"}"
#define APPOINTMENT_AT(code, location_id, persons)                             \
  "{\"code\": \"" code "\", \"location_id\": \"" location_id "\", "            \
  "\"location_name\": \"IND desk Zwolle\", "                                   \
  "\"start\": \"2026-11-27T10:30:00+01:00\", \"persons\": [" persons "]}"
#define SCHEDULE(list) "{\"version\": 1, \"appointments\": [" list "]}"
#define GOOD                                                                   \
  SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL", PERSON_NAMED("Amira Haddad")))

static char *tmpdir;

static sqlite3 *fresh_db(void)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(":memory:", &error);

  g_assert_no_error(error);
  g_assert_true(appointments_init(db, &error));
  return db;
}

static int count_appointments(sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT count(*) FROM appointment", -1,
                                     &stmt, NULL),
                  ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

/* One line, no control character (no terminal escape), none of `secrets`. */
static void assert_clean_message(const GError *error,
                                 const char *const *secrets)
{
  g_assert_nonnull(error);
  for (const char *p = error->message; *p; p++)
    if ((guchar)*p < 0x20 || (guchar)*p == 0x7f)
      g_error("control character 0x%02x in '%s'", (guchar)*p, error->message);
  for (gsize i = 0; secrets && secrets[i]; i++)
    if (strstr(error->message, secrets[i]))
      g_error("'%s' shows '%s'", error->message, secrets[i]);
  /* Neither a direction override nor any other format character. */
  for (const char *p = error->message; *p; p = g_utf8_next_char(p))
    g_assert_cmpint(g_unichar_type(g_utf8_get_char(p)), !=, G_UNICODE_FORMAT);
}

/* Imports `json` into a fresh database, expecting it refused with `code` and
 * a message containing `part`, and nothing stored. */
static void assert_refused(const char *json, gssize len, int code,
                           const char *part)
{
  static const char *const secrets[] = {"Amira", "1991", "\x1b", NULL};
  sqlite3 *db = fresh_db();
  g_autoptr(GError) error = NULL;

  g_test_message("refused? %.200s", json);
  g_assert_false(appointments_import_data(db, json, len, NULL, &error));
  g_assert_error(error, APPOINTMENTS_ERROR, code);
  assert_clean_message(error, secrets);
  if (!strstr(error->message, part))
    g_error("'%s' lacks '%s'", error->message, part);
  g_assert_cmpint(count_appointments(db), ==, 0);
  db_close(db);
}

static void assert_imported(const char *json)
{
  sqlite3 *db = fresh_db();
  g_autoptr(GError) error = NULL;
  guint count = 0;

  g_test_message("imported? %s", json);
  g_assert_true(appointments_import_data(db, json, -1, &count, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count, ==, 1);
  db_close(db);
}

static char *write_file(const char *name, const char *text, gsize len)
{
  char *path = g_build_filename(tmpdir, name, NULL);

  g_assert_true(g_file_set_contents(path, text, (gssize)len, NULL));
  return path;
}

/* Item 4: 100,000 nested '[' (200 KB with their ']') overflowed json-glib's
 * stack; now refused before parsing. */
static void test_deep_nesting_file(void)
{
  const gsize depth = 100000;
  g_autofree char *text = g_malloc(2 * depth);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = fresh_db();

  memset(text, '[', depth);
  memset(text + depth, ']', depth);
  path = write_file("deep.json", text, 2 * depth);
  g_assert_false(appointments_import_file(db, path, NULL, &error));
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_LIMIT);
  assert_clean_message(error, NULL);
  g_assert_true(g_str_has_prefix(error->message, path));
  g_assert_nonnull(strstr(error->message, "nested more than 16 levels"));
  g_assert_cmpint(count_appointments(db), ==, 0);
  db_close(db);
}

/* The limit is exactly APPOINTMENTS_MAX_DEPTH: a name nested in lists 16
 * deep is a schema error (the wrong type), one level more is refused. */
static void test_depth_limit(void)
{
  /* Schedule, appointments, appointment, persons, person: 5 levels. */
  GString *name = g_string_new(NULL);
  g_autofree char *at_limit = NULL;
  g_autofree char *over = NULL;

  g_assert_cmpint(APPOINTMENTS_MAX_DEPTH, ==, 16);
  for (int i = 0; i < APPOINTMENTS_MAX_DEPTH - 5; i++)
    g_string_append_c(name, '[');
  for (int i = 0; i < APPOINTMENTS_MAX_DEPTH - 5; i++)
    g_string_append_c(name, ']');
  at_limit = g_strdup_printf(
      "{\"version\": 1, \"appointments\": [{\"code\": \"11112222\", "
      "\"location_id\": \"IND-ZWL\", \"location_name\": \"x\", \"start\": "
      "\"2026-11-27T10:30:00+01:00\", \"persons\": [{\"name\": %s, "
      "\"date_of_birth\": \"1991-03-15\", \"document_type\": \"w\", "
      "\"prior_biometrics\": \"none\", \"first_permit\": true, "
      "\"fingerprints\": \"age\"}]}]}",
      name->str);
  assert_refused(at_limit, -1, APPOINTMENTS_ERROR_SCHEMA,
                 "persons[0]: name: expected a text, got a list");
  g_string_insert_c(name, 0, '[');
  g_string_append_c(name, ']');
  over = g_strdup_printf(
      "{\"version\": 1, \"appointments\": [{\"code\": \"11112222\", "
      "\"persons\": [{\"name\": %s}]}]}",
      name->str);
  assert_refused(over, -1, APPOINTMENTS_ERROR_LIMIT,
                 "appointments[0]: persons[0]: name");
  g_string_free(name, TRUE);
}

/* A schedule padded with blanks to `size` bytes. */
static char *padded_schedule(gsize size)
{
  char *text = g_malloc(size + 1);

  g_assert_cmpuint(size, >=, strlen(GOOD));
  memset(text, ' ', size);
  memcpy(text, GOOD, strlen(GOOD));
  text[size] = '\0';
  return text;
}

/* Item 9: sizes are capped, for a text and for a file. */
static void test_size_limit(void)
{
  g_autofree char *at_limit = padded_schedule(APPOINTMENTS_MAX_BYTES);
  g_autofree char *over = padded_schedule(APPOINTMENTS_MAX_BYTES + 1);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = fresh_db();

  assert_imported(at_limit);
  assert_refused(over, -1, APPOINTMENTS_ERROR_LIMIT, "larger than 4194304");

  path = write_file("big.json", over, APPOINTMENTS_MAX_BYTES + 1);
  g_assert_false(appointments_import_file(db, path, NULL, &error));
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_LIMIT);
  g_clear_error(&error);
  g_clear_pointer(&path, g_free);
  path = write_file("limit.json", at_limit, APPOINTMENTS_MAX_BYTES);
  g_assert_true(appointments_import_file(db, path, NULL, &error));
  g_assert_no_error(error);
  db_close(db);
}

/* Item 9: /dev/zero would be read until memory ran out, a FIFO without a
 * writer blocked for ever; both are refused at once. The alarm turns a
 * hang into a failure. */
static void test_not_regular_file(void)
{
  g_autofree char *fifo = g_build_filename(tmpdir, "fifo.json", NULL);
  const char *const paths[] = {"/dev/zero", fifo, tmpdir};
  const int codes[] = {G_FILE_ERROR_INVAL, G_FILE_ERROR_INVAL,
                       G_FILE_ERROR_ISDIR};
  sqlite3 *db = fresh_db();

  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  alarm(60);
  for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
    g_autoptr(GError) error = NULL;

    if (!g_file_test(paths[i], G_FILE_TEST_EXISTS))
      continue;
    g_assert_false(appointments_import_file(db, paths[i], NULL, &error));
    g_assert_error(error, G_FILE_ERROR, codes[i]);
    assert_clean_message(error, NULL);
  }
  alarm(0);
  db_close(db);
}

/* Item 5: the last of two equal keys used to win. */
static void test_duplicate_keys(void)
{
  assert_refused("{\"version\": 1, \"version\": 1, \"appointments\": []}", -1,
                 APPOINTMENTS_ERROR_SCHEMA,
                 "schedule:1:16: version: the same key twice in one object");
  assert_refused(SCHEDULE("{\"code\": \"11112222\", \"code\": \"33334444\"}"),
                 -1, APPOINTMENTS_ERROR_SCHEMA,
                 "appointments[0]: code: the same key twice");
  /* The same key, spelt with an escape. */
  assert_refused(
      SCHEDULE("{\"code\": \"11112222\", \"\\u0063ode\": \"33334444\"}"), -1,
      APPOINTMENTS_ERROR_SCHEMA, "appointments[0]: code: the same key twice");
  assert_refused(
      SCHEDULE(APPOINTMENT_AT(
          "11112222", "IND-ZWL",
          "{\"name\": \"Amira Haddad\", \"name\": \"Someone Else\"}")),
      -1, APPOINTMENTS_ERROR_SCHEMA,
      "appointments[0]: persons[0]: name: the same key twice");
}

/* Item 5: an embedded NUL cut a code or a name short. */
static void test_nul_character(void)
{
  static const char raw_nul[] = "{\"version\": 1, \"appointments\": [\"\0\"]}";

  assert_refused(SCHEDULE(APPOINTMENT_AT("11112222\\u0000999", "IND-ZWL",
                                         PERSON_NAMED("Amira Haddad"))),
                 -1, APPOINTMENTS_ERROR_SCHEMA,
                 "appointments[0]: code: \\u0000 (a NUL character) is not "
                 "allowed");
  assert_refused(SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL",
                                         PERSON_NAMED("Amira\\u0000 Haddad"))),
                 -1, APPOINTMENTS_ERROR_SCHEMA,
                 "persons[0]: name: \\u0000 (a NUL character)");
  /* A raw NUL byte is not JSON at all. */
  assert_refused(raw_nul, sizeof raw_nul - 1, APPOINTMENTS_ERROR_JSON,
                 "a control character in a text");
}

/* Item 5: a second document used to be ignored. */
static void test_second_document(void)
{
  static const char *const tails[] = {"{\"version\": 2}", " []", "\n1", "{}",
                                      " x"};

  for (gsize i = 0; i < G_N_ELEMENTS(tails); i++) {
    g_autofree char *json = g_strconcat(GOOD, tails[i], NULL);

    assert_refused(json, -1, APPOINTMENTS_ERROR_JSON,
                   "a second JSON document or other text after the "
                   "schedule");
  }
  /* Blanks after the document are fine. */
  assert_imported(GOOD " \n\t\r\n");
}

/* Item 5: newlines, escapes and direction overrides in what reaches the
 * screens. Each as a JSON escape; raw control bytes are not JSON. */
static void test_control_characters(void)
{
  static const char *const bad[] = {
      "\\n",     "\\r",     "\\t",     "\\u001b[31m", "\\u007f",
      "\\u0085", "\\u202e", "\\u202a", "\\u2066",     "\\u200e",
      "\\u2028", "\\u2029", "\\ufeff", "\\ue000",     "\\u00ad",
  };
  static const char *const fields[] = {"name", "location_id", "location_name",
                                       "document_type"};

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
    for (gsize f = 0; f < G_N_ELEMENTS(fields); f++) {
      g_autofree char *value = g_strconcat("Amira", bad[i], "Haddad", NULL);
      g_autofree char *json = g_strdup_printf(
          "{\"version\": 1, \"appointments\": [{\"code\": \"11112222\", "
          "\"location_id\": \"%s\", \"location_name\": \"%s\", \"start\": "
          "\"2026-11-27T10:30:00+01:00\", \"persons\": [{\"name\": \"%s\", "
          "\"date_of_birth\": \"1991-03-15\", \"document_type\": \"%s\", "
          "\"prior_biometrics\": \"none\", \"first_permit\": true, "
          "\"fingerprints\": \"age\"}]}]}",
          f == 1 ? value : "IND-ZWL", f == 2 ? value : "IND desk Zwolle",
          f == 0 ? value : "Amira Haddad", f == 3 ? value : "w_document");
      g_autofree char *part = g_strdup_printf("%s: expected", fields[f]);

      assert_refused(json, -1, APPOINTMENTS_ERROR_SCHEMA, part);
    }
  /* Raw control bytes inside a text: not JSON. */
  assert_refused(SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL",
                                         PERSON_NAMED("Amira\x1b[2JHaddad"))),
                 -1, APPOINTMENTS_ERROR_JSON, "a control character in a text");
  assert_refused(SCHEDULE(APPOINTMENT_AT("11112222", "IND\nZWL",
                                         PERSON_NAMED("Amira Haddad"))),
                 -1, APPOINTMENTS_ERROR_JSON, "a control character in a text");
}

/* Imports one person named `name` and reads the name back. */
static void assert_name_kept(const char *name)
{
  g_autofree char *json = g_strdup_printf(
      SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL", PERSON_NAMED("%s"))),
      name);
  g_autoptr(GError) error = NULL;
  g_autoptr(Appointment) appointment = NULL;
  sqlite3 *db = fresh_db();

  if (!appointments_import_data(db, json, -1, NULL, &error))
    g_error("'%s' refused: %s", name, error->message);
  appointment = appointments_lookup(db, "11112222", &error);
  g_assert_nonnull(appointment);
  g_assert_cmpstr(((Person *)g_ptr_array_index(appointment->persons, 0))->name,
                  ==, name);
  db_close(db);
}

/* Item 5: names in any script, with marks, hyphens and apostrophes. */
static void test_names_any_script(void)
{
  static const char *const names[] = {
      "أميرة حدّاد",                         /* Arabic, with a shadda (a mark) */
      "Юлия Ковальчук-Петренко",            /* Cyrillic, hyphenated */
      "ዳዊት ተስፋዬ",                           /* Ethiopic */
      "Zoe\xcc\x88 Nguye\xcc\x82\xcc\x83n", /* combining diaeresis, circumflex
                                                and tilde */
      "प्रिया रमन",          /* Devanagari: virama, vowel signs */
      "نیک\xe2\x80\x8cنام", /* Persian with a zero-width non-joiner */
      "Seán O'Brien",
      ("D\xe2\x80\x99"
       "Angelo"),              /* typographic apostrophe */
      "Anne\xe2\x80\x90Marie", /* U+2010 HYPHEN */
      "王小明",
      "Νίκος Παπαδόπουλος",
      "Amira",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
    assert_name_kept(names[i]);
}

/* Names hold letters, not digits, symbols or invisible characters. */
static void test_names_refused(void)
{
  static const char *const names[] = {
      "Amira 2",
      "Amira_Haddad",
      "<b>Amira</b>",
      "Amira.",
      " ",
      "-",
      "'",
      "Amira \xf0\x9f\x98\x80",
      ("\xe2\x80\x8c"
       "Amira"),
      "Amira\xe2\x80\x8d",
      "Amira\xe2\x80\x8c Haddad",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *json = g_strdup_printf(
        SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL", PERSON_NAMED("%s"))),
        names[i]);

    assert_refused(json, -1, APPOINTMENTS_ERROR_SCHEMA,
                   "persons[0]: name: expected letters, marks, spaces, "
                   "hyphens and apostrophes only");
  }
}

/* Location ids are compared with kiosk.location_id: a plain identifier. */
static void test_location_id(void)
{
  static const char *const bad[] = {"IND ZWL", "IND/ZWL", "IND-ZWL\xc2\xa0",
                                    "INĐ-ZWL"};

  assert_imported(
      SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL.2_b", PERSON_NAMED("A"))));
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *json = g_strdup_printf(
        SCHEDULE(APPOINTMENT_AT("11112222", "%s", PERSON_NAMED("Amira"))),
        bad[i]);

    assert_refused(json, -1, APPOINTMENTS_ERROR_SCHEMA,
                   "location_id: expected ASCII letters, digits");
  }
}

/* Item 9: messages name the field and the kind of error, never the value:
 * not a name, a date of birth, a code or a terminal escape. */
static void test_messages_quote_nothing(void)
{
  static const struct {
    const char *json;
    const char *part;
  } cases[] = {
      {SCHEDULE(APPOINTMENT_AT("12\\u001b[2J", "IND-ZWL", PERSON_NAMED("A"))),
       "appointments[0]: code: expected 6 to 12 digits"},
      {SCHEDULE("{\"code\": \"11112222\", \"location_id\": \"IND-ZWL\", "
                "\"location_name\": \"x\", \"start\": \"Amira\\u001b[2J\", "
                "\"persons\": [" PERSON_NAMED("A") "]}"),
       "(code 11112222): start: expected a date and time"},
      {SCHEDULE(APPOINTMENT_AT(
           "11112222", "IND-ZWL",
           "{\"name\": \"Amira\", \"date_of_birth\": \"1991-13-45\\u001b\", "
           "\"document_type\": \"w\", \"prior_biometrics\": \"none\", "
           "\"first_permit\": true, \"fingerprints\": \"age\"}")),
       "persons[0]: date_of_birth: expected a date"},
      {SCHEDULE(APPOINTMENT_AT(
           "11112222", "IND-ZWL",
           "{\"name\": \"Amira\", \"date_of_birth\": \"1991-03-15\", "
           "\"document_type\": \"w\", \"prior_biometrics\": "
           "\"Amira\\u001b[2J\", \"first_permit\": true, \"fingerprints\": "
           "\"age\"}")),
       "persons[0]: prior_biometrics: expected \"none\", \"on_file\", "
       "\"abroad\" or \"asylum\", got another text"},
      {SCHEDULE(APPOINTMENT_AT("11112222", "IND-ZWL",
                               "{\"name\": \"Amira\", \"Amira\\u001b[2J\": 1, "
                               "\"date_of_birth\": \"1991-03-15\"}")),
       "persons[0]: (a key that is not a plain name): unknown key"},
      {SCHEDULE("{\"Amira\\u001b[2J\": 1, \"Amira\\u001b[2J\": 2}"),
       "appointments[0]: (a key that is not a plain name): the same key twice"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    assert_refused(cases[i].json, -1, APPOINTMENTS_ERROR_SCHEMA, cases[i].part);
}

int main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  tmpdir = testlib_mkdtemp();

  g_test_add_func("/schedule-input/deep-nesting-file", test_deep_nesting_file);
  g_test_add_func("/schedule-input/depth-limit", test_depth_limit);
  g_test_add_func("/schedule-input/size-limit", test_size_limit);
  g_test_add_func("/schedule-input/not-regular-file", test_not_regular_file);
  g_test_add_func("/schedule-input/duplicate-keys", test_duplicate_keys);
  g_test_add_func("/schedule-input/nul-character", test_nul_character);
  g_test_add_func("/schedule-input/second-document", test_second_document);
  g_test_add_func("/schedule-input/control-characters",
                  test_control_characters);
  g_test_add_func("/schedule-input/names-any-script", test_names_any_script);
  g_test_add_func("/schedule-input/names-refused", test_names_refused);
  g_test_add_func("/schedule-input/location-id", test_location_id);
  g_test_add_func("/schedule-input/messages-quote-nothing",
                  test_messages_quote_nothing);
  status = g_test_run();
  testlib_rmtree(tmpdir);
  g_free(tmpdir);
  return status;
}
