/* kiosk/appointments.c: the embedded sample schedule imports and its
 * appointments get the desk's verdicts; every kind of bad schedule is refused
 * with one line naming the appointment and key, and nothing is imported;
 * lookups by code compare in constant time and miss cleanly. */
#include <string.h>

#include "appointments.h"
#include "settings.h"
#include "db.h"
#include "resources.h"
#include "rules.h"
#include "testlib.h"

static KioskConfig *config;

static sqlite3 *fresh_db(void)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(":memory:", &error);

  g_assert_no_error(error);
  g_assert_true(appointments_init(db, &error));
  g_assert_no_error(error);
  return db;
}

static int count_rows(sqlite3 *db, const char *table)
{
  g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM %s", table);
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return n;
}

static sqlite3 *sample_db(void)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = fresh_db();
  guint count = 0;

  g_assert_true(appointments_import_data(db, resources_sample_schedule(), -1,
                                         &count, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count, ==, 6);
  return db;
}

static GDateTime *at(const char *iso)
{
  GDateTime *time = g_date_time_new_from_iso8601(iso, NULL);

  g_assert_nonnull(time);
  return time;
}

static void test_sample_is_shipped_file(void)
{
  g_autofree char *path = testlib_source_path("config/sample-schedule.json");
  g_autofree char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, resources_sample_schedule());
}

static void test_sample_family(void)
{
  sqlite3 *db = sample_db();
  g_autoptr(GError) error = NULL;
  g_autoptr(Appointment) family = appointments_lookup(db, "48213907", &error);
  g_autoptr(GDateTime) now = at("2026-11-27T10:25:00+01:00");
  const Person *adult, *child;
  CapturePlan plan;

  g_assert_no_error(error);
  g_assert_nonnull(family);
  g_assert_cmpstr(family->code, ==, "48213907");
  g_assert_cmpstr(family->location_id, ==, "IND-ZWL");
  g_assert_cmpstr(family->location_name, ==, "IND desk Zwolle");
  g_assert_cmpint(g_date_time_to_unix(family->start), ==,
                  g_date_time_to_unix(now) + 5 * 60);
  g_assert_cmpuint(family->persons->len, ==, 2);
  adult = g_ptr_array_index(family->persons, 0);
  child = g_ptr_array_index(family->persons, 1);
  g_assert_cmpstr(adult->name, ==, "Amira Haddad");
  g_assert_cmpstr(adult->date_of_birth, ==, "1988-04-12");
  g_assert_cmpstr(adult->document_type, ==, "residence_permit");
  g_assert_cmpint(adult->prior, ==, PRIOR_NONE);
  g_assert_true(adult->first_permit);
  g_assert_cmpint(adult->fingerprints, ==, FP_POLICY_AGE);

  g_assert_cmpint(rules_checkin(config, family, now), ==, CHECKIN_OK);
  g_assert_cmpint(rules_person(config, adult, now, &plan), ==, PERSON_CAPTURE);
  g_assert_true(plan.photo && plan.signature && plan.fingerprints);
  g_assert_cmpint(rules_age_years(child->date_of_birth, now), ==, 10);
  g_assert_cmpint(rules_person(config, child, now, &plan), ==, PERSON_CAPTURE);
  g_assert_true(plan.photo && plan.fingerprints);
  g_assert_false(plan.signature);
  db_close(db);
}

static void test_sample_verdicts(void)
{
  static const struct {
    const char *code;
    CheckinVerdict checkin;
  } cases[] = {
      {"48213907", CHECKIN_OK},
      {"50731846", CHECKIN_NOTHING_TO_CAPTURE}, /* a baby */
      {"61940275", CHECKIN_NOTHING_TO_CAPTURE}, /* on file */
      {"73358120", CHECKIN_OTHER_LOCATION},
      {"82465019", CHECKIN_OK}, /* EU: no fingerprints */
      {"90317452", CHECKIN_OK}, /* asylum: one of two captured */
  };
  sqlite3 *db = sample_db();

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(Appointment) appointment =
        appointments_lookup(db, cases[i].code, NULL);
    /* Each at its own start time. */
    g_assert_nonnull(appointment);
    g_assert_cmpint(rules_checkin(config, appointment, appointment->start), ==,
                    cases[i].checkin);
  }
  {
    g_autoptr(Appointment) baby = appointments_lookup(db, "50731846", NULL);
    g_autoptr(Appointment) eu = appointments_lookup(db, "82465019", NULL);
    g_autoptr(Appointment) asylum = appointments_lookup(db, "90317452", NULL);
    CapturePlan plan;

    g_assert_cmpint(rules_person(config, g_ptr_array_index(baby->persons, 0),
                                 baby->start, &plan),
                    ==, PERSON_SKIP_UNDER_ONE);
    g_assert_cmpint(rules_person(config, g_ptr_array_index(eu->persons, 0),
                                 eu->start, &plan),
                    ==, PERSON_CAPTURE);
    g_assert_false(plan.fingerprints);
    g_assert_true(plan.signature);
    g_assert_cmpint(rules_person(config, g_ptr_array_index(asylum->persons, 0),
                                 asylum->start, &plan),
                    ==, PERSON_SKIP_ASYLUM);
    g_assert_cmpint(rules_person(config, g_ptr_array_index(asylum->persons, 1),
                                 asylum->start, &plan),
                    ==, PERSON_CAPTURE);
  }
  db_close(db);
}

static void test_lookup_misses(void)
{
  static const char *const misses[] = {
      "48213908",      /* last digit differs */
      "58213907",      /* first digit differs */
      "482139",        /* a prefix */
      "482139070",     /* one digit more */
      "4821390",       /* one digit less */
      "12345",         /* too short to be a code */
      "1234567890123", /* too long */
      "4821390a",      /* not digits */
      "",
  };
  sqlite3 *db = sample_db();

  for (gsize i = 0; i < G_N_ELEMENTS(misses); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(Appointment) appointment =
        appointments_lookup(db, misses[i], &error);

    g_assert_no_error(error);
    g_assert_null(appointment);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null(appointments_lookup(db, NULL, &error));
    g_assert_no_error(error);
  }
  db_close(db);
}

/* Structure: the lookup compares with sodium_memcmp over the whole table and
 * never asks SQLite to find the code (whose comparison stops early). */
static void test_lookup_constant_time(void)
{
  g_autofree char *path = testlib_source_path("kiosk/store/appointments.c");
  g_autofree char *source = NULL;
  g_autofree char *body = NULL;
  const char *start, *end;

  g_assert_true(g_file_get_contents(path, &source, NULL, NULL));
  start = strstr(source, "\nAppointment *appointments_lookup(");
  g_assert_nonnull(start);
  end = strstr(start, "\n}\n");
  g_assert_nonnull(end);
  body = g_strndup(start, end - start);
  g_assert_nonnull(strstr(body, "sodium_memcmp("));
  g_assert_nonnull(strstr(body, "\"SELECT id, code FROM appointment\""));
  /* No SQL in it selects by code. */
  for (const char *p = strstr(body, "\"SELECT"); p; p = strstr(p, "\"SELECT")) {
    const char *close = strchr(p + 1, '"');
    g_autofree char *sql = NULL;

    g_assert_nonnull(close);
    sql = g_strndup(p, close - p);
    g_assert_null(strstr(sql, "WHERE"));
    p = close + 1;
  }
  g_assert_null(strstr(body, "strcmp"));
  /* Every memcmp in it is sodium's. */
  for (const char *p = strstr(body, "memcmp("); p; p = strstr(p + 1, "memcmp("))
    g_assert_true(p - body >= 7 && strncmp(p - 7, "sodium_", 7) == 0);
  g_assert_null(strstr(body, "break;"));
}

static void test_list(void)
{
  sqlite3 *db = sample_db();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = appointments_list(db, &error);

  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 6);
  for (guint i = 1; i < list->len; i++) {
    const Appointment *a = g_ptr_array_index(list, i - 1);
    const Appointment *b = g_ptr_array_index(list, i);
    g_assert_cmpint(g_date_time_compare(a->start, b->start), <=, 0);
  }
  db_close(db);
}

static void test_persists(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "kiosk.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db = db_open(path, &error);
  guint count = 0;

  g_assert_no_error(error);
  /* Import creates the tables itself. */
  g_assert_true(appointments_import_data(db, resources_sample_schedule(), -1,
                                         &count, &error));
  g_assert_no_error(error);
  db_close(db);
  db = db_open(path, &error);
  g_assert_no_error(error);
  {
    g_autoptr(Appointment) appointment =
        appointments_lookup(db, "90317452", &error);
    g_assert_no_error(error);
    g_assert_nonnull(appointment);
    g_assert_cmpuint(appointment->persons->len, ==, 2);
  }
  db_close(db);
  testlib_rmtree(dir);
}

/* One appointment as JSON with `patch` replacing part of it. */
#define PERSON(extra)                                                          \
  "{\"name\": \"Secret Name\", \"date_of_birth\": \"1991-03-15\", "            \
  "\"document_type\": \"residence_permit\", \"prior_biometrics\": \"none\", "  \
  "\"first_permit\": true, \"fingerprints\": \"age\"" extra "}"
#define APPOINTMENT(code, extra, persons)                                      \
  "{\"code\": \"" code "\", \"location_id\": \"IND-ZWL\", "                    \
  "\"location_name\": \"IND desk Zwolle\", "                                   \
  "\"start\": \"2026-11-27T10:30:00+01:00\"" extra ", \"persons\": [" persons  \
  "]}"
#define SCHEDULE(list) "{\"version\": 1, \"appointments\": [" list "]}"
#define GOOD           APPOINTMENT("11112222", "", PERSON(""))

static void test_import_errors(void)
{
  static const struct {
    const char *json;
    AppointmentsError code;
    const char *message; /* after "schedule: " */
  } cases[] = {
      {"{\"version\": 1,\n \"appointments\": [,]}", APPOINTMENTS_ERROR_JSON,
       ":2:"},
      {"", APPOINTMENTS_ERROR_SCHEMA, "expected an object"},
      {"[]", APPOINTMENTS_ERROR_SCHEMA, "expected an object"},
      {"{\"version\": 2, \"appointments\": []}", APPOINTMENTS_ERROR_SCHEMA,
       "version: expected 1"},
      {"{\"version\": \"1\", \"appointments\": []}", APPOINTMENTS_ERROR_SCHEMA,
       "version: expected 1"},
      {"{\"version\": 1}", APPOINTMENTS_ERROR_SCHEMA, "appointments: missing"},
      {"{\"version\": 1, \"appointments\": [], \"x\": 1}",
       APPOINTMENTS_ERROR_SCHEMA, "x: unknown key"},
      {"{\"version\": 1, \"appointments\": {}}", APPOINTMENTS_ERROR_SCHEMA,
       "appointments: expected a list, got an object"},
      {SCHEDULE(GOOD ", 7"), APPOINTMENTS_ERROR_SCHEMA,
       "appointments[1]: expected an object, got a number"},
      {SCHEDULE(GOOD
                "," APPOINTMENT("33334444", ", \"room\": \"2\"", PERSON(""))),
       APPOINTMENTS_ERROR_SCHEMA,
       "appointments[1] (code 33334444): room: "
       "unknown key"},
      {SCHEDULE("{\"location_id\": \"IND-ZWL\"}"), APPOINTMENTS_ERROR_SCHEMA,
       "appointments[0]: code: missing"},
      {SCHEDULE(APPOINTMENT("12345", "", PERSON(""))),
       APPOINTMENTS_ERROR_SCHEMA,
       "appointments[0]: code: expected 6 to 12 digits"},
      {SCHEDULE(APPOINTMENT("1234567890123", "", PERSON(""))),
       APPOINTMENTS_ERROR_SCHEMA, "code: expected 6 to 12 digits"},
      {SCHEDULE(APPOINTMENT("12ab5678", "", PERSON(""))),
       APPOINTMENTS_ERROR_SCHEMA, "code: expected 6 to 12 digits"},
      {SCHEDULE("{\"code\": 48213907}"), APPOINTMENTS_ERROR_SCHEMA,
       "appointments[0]: code: expected a text of 6 to 12 digits, got a "
       "number"},
      {SCHEDULE("{\"code\": \"11112222\", \"location_id\": \"IND-ZWL\", "
                "\"start\": \"2026-11-27T10:30:00+01:00\", \"persons\": []}"),
       APPOINTMENTS_ERROR_SCHEMA,
       "appointments[0] (code 11112222): location_name: missing"},
      {SCHEDULE(APPOINTMENT("11112222", ", \"extra\": 1", PERSON(""))),
       APPOINTMENTS_ERROR_SCHEMA, "(code 11112222): extra: unknown key"},
      {SCHEDULE("{\"code\": \"11112222\", \"location_id\": 5, "
                "\"location_name\": \"x\", \"start\": \"x\", \"persons\": []}"),
       APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): location_id: expected a text, got a number"},
      {SCHEDULE("{\"code\": \"11112222\", \"location_id\": \"IND-ZWL\", "
                "\"location_name\": \"x\", \"start\": "
                "\"2026-11-27T10:30:00\", \"persons\": [" PERSON("") "]}"),
       APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): start: expected a date and time with UTC offset"},
      {SCHEDULE(
           "{\"code\": \"11112222\", \"location_id\": \"IND-ZWL\", "
           "\"location_name\": \"x\", \"start\": "
           "\"2026-11-31T10:30:00+01:00\", \"persons\": [" PERSON("") "]}"),
       APPOINTMENTS_ERROR_SCHEMA, "(code 11112222): start: expected"},
      {SCHEDULE(APPOINTMENT("11112222", "", "")), APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): persons: expected at least one person"},
      {SCHEDULE(APPOINTMENT("11112222", "", "\"x\"")),
       APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): persons[0]: person: expected an object, got a text"},
      {SCHEDULE(
           APPOINTMENT("11112222", "", PERSON("") "," PERSON(", \"a\": 1"))),
       APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): persons[1]: a: unknown key"},
      {SCHEDULE(
           APPOINTMENT("11112222", "",
                       "{\"name\": \"Secret Name\", \"date_of_birth\": "
                       "\"1991-03-15\", \"document_type\": \"w_document\", "
                       "\"prior_biometrics\": \"none\", \"first_permit\": "
                       "true}")),
       APPOINTMENTS_ERROR_SCHEMA,
       "(code 11112222): persons[0]: fingerprints: missing"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    sqlite3 *db = sample_db();
    g_autoptr(GError) error = NULL;
    guint count = 99;

    g_test_message("case %" G_GSIZE_FORMAT ": %s", i, cases[i].json);
    g_assert_false(
        appointments_import_data(db, cases[i].json, -1, &count, &error));
    g_assert_error(error, APPOINTMENTS_ERROR, (int)cases[i].code);
    g_assert_cmpuint(count, ==, 99);
    g_assert_true(g_str_has_prefix(error->message, "schedule"));
    g_assert_null(strchr(error->message, '\n'));
    if (!strstr(error->message, cases[i].message))
      g_error("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, error->message,
              cases[i].message);
    /* Nothing of the file was imported. */
    g_assert_cmpint(count_rows(db, "appointment"), ==, 6);
    g_assert_cmpint(count_rows(db, "appointment_person"), ==, 8);
    db_close(db);
  }
}

/* Person fields: messages name the key, never the name or date of birth. */
static void test_import_person_errors(void)
{
  static const struct {
    const char *extra_person;
    const char *message;
  } cases[] = {
      {"{\"name\": \"\", \"date_of_birth\": \"1991-03-15\", \"document_type\": "
       "\"residence_permit\", \"prior_biometrics\": \"none\", "
       "\"first_permit\": "
       "true, \"fingerprints\": \"age\"}",
       "persons[1]: name: expected a text of 1..200 characters"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"1991-02-29\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: date_of_birth: expected a date YYYY-MM-DD not after the "
       "appointment"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"15-03-1991\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: date_of_birth: expected a date"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"2026-11-28\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: date_of_birth: expected a date YYYY-MM-DD not after"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": 1991, "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: date_of_birth: expected a text, got a number"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"1991-03-15\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"maybe\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: prior_biometrics: expected \"none\", \"on_file\", "
       "\"abroad\" or \"asylum\", got another text"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"1991-03-15\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": \"yes\", \"fingerprints\": \"age\"}",
       "persons[1]: first_permit: expected true or false, got a text"},
      {"{\"name\": \"Secret Name\", \"date_of_birth\": \"1991-03-15\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": null}",
       "persons[1]: fingerprints: expected \"age\", \"required\" or \"none\", "
       "got null"},
      {"{\"name\": [\"Secret\"], \"date_of_birth\": \"1991-03-15\", "
       "\"document_type\": \"residence_permit\", \"prior_biometrics\": "
       "\"none\", \"first_permit\": true, \"fingerprints\": \"age\"}",
       "persons[1]: name: expected a text, got a list"},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    sqlite3 *db = fresh_db();
    g_autoptr(GError) error = NULL;
    g_autofree char *json =
        g_strdup_printf(SCHEDULE(APPOINTMENT("11112222", "", PERSON("") ",%s")),
                        cases[i].extra_person);

    g_assert_false(appointments_import_data(db, json, -1, NULL, &error));
    g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA);
    if (!strstr(error->message, cases[i].message))
      g_error("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, error->message,
              cases[i].message);
    g_assert_true(g_str_has_prefix(
        error->message, "schedule: appointments[0] (code 11112222): "));
    g_assert_null(strstr(error->message, "Secret"));
    g_assert_null(strstr(error->message, "1991"));
    g_assert_cmpint(count_rows(db, "appointment"), ==, 0);
    db_close(db);
  }
}

static void test_duplicate_in_file(void)
{
  sqlite3 *db = fresh_db();
  g_autoptr(GError) error = NULL;

  g_assert_false(appointments_import_data(
      db, SCHEDULE(GOOD "," APPOINTMENT("33334444", "", PERSON("")) "," GOOD),
      -1, NULL, &error));
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DUPLICATE);
  g_assert_cmpstr(error->message, ==,
                  "schedule: appointments[2] (code 11112222): code: also used "
                  "by appointments[0]");
  g_assert_cmpint(count_rows(db, "appointment"), ==, 0);
  db_close(db);
}

static void test_duplicate_in_store(void)
{
  sqlite3 *db = sample_db();
  g_autoptr(GError) error = NULL;

  /* The first one is new, the second was imported before: neither stays. */
  g_assert_false(appointments_import_data(
      db, SCHEDULE(GOOD "," APPOINTMENT("61940275", "", PERSON(""))), -1, NULL,
      &error));
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DUPLICATE);
  g_assert_cmpstr(error->message, ==,
                  "schedule: appointments[1] (code 61940275): code: already "
                  "imported");
  g_assert_cmpint(count_rows(db, "appointment"), ==, 6);
  g_assert_null(appointments_lookup(db, "11112222", NULL));
  db_close(db);
}

static void test_import_file(void)
{
  g_autofree char *dir = testlib_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "day.json", NULL);
  g_autofree char *expected = NULL;
  sqlite3 *db = fresh_db();
  g_autoptr(GError) error = NULL;
  guint count = 0;

  g_assert_false(appointments_import_file(db, path, &count, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  expected = g_strdup_printf("%s: cannot read: no such file", path);
  g_assert_cmpstr(error->message, ==, expected);
  g_clear_error(&error);

  g_assert_true(g_file_set_contents(path, "{\"version\": 1,\n\"appointments\"",
                                    -1, NULL));
  g_assert_false(appointments_import_file(db, path, &count, &error));
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_JSON);
  g_clear_pointer(&expected, g_free);
  expected = g_strdup_printf("%s:2:", path);
  g_assert_true(g_str_has_prefix(error->message, expected));
  g_clear_error(&error);

  g_assert_true(g_file_set_contents(path, SCHEDULE(GOOD), -1, NULL));
  g_assert_true(appointments_import_file(db, path, &count, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count, ==, 1);
  {
    g_autoptr(Appointment) appointment =
        appointments_lookup(db, "11112222", &error);
    g_assert_nonnull(appointment);
    g_assert_cmpstr(
        ((Person *)g_ptr_array_index(appointment->persons, 0))->date_of_birth,
        ==, "1991-03-15");
  }
  db_close(db);
  testlib_rmtree(dir);
}

static void test_empty_schedule(void)
{
  sqlite3 *db = fresh_db();
  guint count = 99;

  g_assert_true(appointments_import_data(db, SCHEDULE(""), -1, &count, NULL));
  g_assert_cmpuint(count, ==, 0);
  db_close(db);
}

static void test_free_null(void)
{
  appointment_free(NULL);
}

static char *start_of(sqlite3 *db, const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Appointment) appointment = appointments_lookup(db, code, &error);

  g_assert_no_error(error);
  g_assert_nonnull(appointment);
  return g_date_time_format(appointment->start, "%Y-%m-%dT%H:%M:%S%:z");
}

static void import_shifted(sqlite3 *db, const char *json, const char *day,
                           GError **error)
{
  g_autoptr(GDateTime) to = at(day);
  guint count = 0;

  appointments_import_data_shifted(db, json, -1, to, &count, error);
}

/* --shift-to-today: the days move, the wall-clock times stay, in the
 * kiosk's zone (the tests run with TZ=Europe/Amsterdam), also into summer
 * time; a schedule over several days keeps its gaps. */
static void test_shift(void)
{
  static const char two_days[] =
      "{\"version\":1,\"appointments\":["
      "{\"code\":\"71000001\",\"location_id\":\"IND-ZWL\","
      "\"location_name\":\"IND desk Zwolle\","
      "\"start\":\"2026-11-27T10:30:00+01:00\",\"persons\":[{\"name\":"
      "\"Ana Pereira\",\"date_of_birth\":\"1990-01-01\",\"document_type\":"
      "\"residence_permit\",\"prior_biometrics\":\"none\",\"first_permit\":"
      "true,\"fingerprints\":\"age\"}]},"
      "{\"code\":\"71000002\",\"location_id\":\"IND-ZWL\","
      "\"location_name\":\"IND desk Zwolle\","
      "\"start\":\"2026-11-30T08:05:00+00:00\",\"persons\":[{\"name\":"
      "\"Tomas Novak\",\"date_of_birth\":\"1990-01-01\",\"document_type\":"
      "\"residence_permit\",\"prior_biometrics\":\"none\",\"first_permit\":"
      "true,\"fingerprints\":\"age\"}]}]}";
  g_autoptr(GError) error = NULL;
  sqlite3 *db = fresh_db();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *sample = NULL;

  import_shifted(db, two_days, "2027-07-01T08:00:00+02:00", &error);
  g_assert_no_error(error);
  first = start_of(db, "71000001");
  second = start_of(db, "71000002");
  g_assert_cmpstr(first, ==, "2027-07-01T10:30:00+02:00");
  /* 08:05 UTC on 30 November is 09:05 in Amsterdam, three days later. */
  g_assert_cmpstr(second, ==, "2027-07-04T09:05:00+02:00");
  db_close(db);

  /* The sample's newborn (2026-05-20) cannot have an appointment before
   * she was born: refused, and nothing imported. */
  db = fresh_db();
  import_shifted(db, resources_sample_schedule(), "2026-05-01T12:00:00+02:00",
                 &error);
  g_assert_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA);
  g_assert_nonnull(strstr(error->message, "born after"));
  g_assert_null(strstr(error->message, "2026-05-20"));
  g_clear_error(&error);
  g_assert_cmpint(count_rows(db, "appointment"), ==, 0);

  /* Shifted to its own day, the sample stays as it is. */
  import_shifted(db, resources_sample_schedule(), "2026-11-27T23:00:00+01:00",
                 &error);
  g_assert_no_error(error);
  sample = start_of(db, "48213907");
  g_assert_cmpstr(sample, ==, "2026-11-27T10:30:00+01:00");
  db_close(db);
}

int main(int argc, char **argv)
{
  int status;

  g_test_init(&argc, &argv, NULL);
  config = config_load(NULL, NULL);
  g_assert_nonnull(config);

  g_test_add_func("/appointments/sample/shipped-file",
                  test_sample_is_shipped_file);
  g_test_add_func("/appointments/sample/family", test_sample_family);
  g_test_add_func("/appointments/sample/verdicts", test_sample_verdicts);
  g_test_add_func("/appointments/lookup/misses", test_lookup_misses);
  g_test_add_func("/appointments/lookup/constant-time",
                  test_lookup_constant_time);
  g_test_add_func("/appointments/list", test_list);
  g_test_add_func("/appointments/persists", test_persists);
  g_test_add_func("/appointments/error/schedule", test_import_errors);
  g_test_add_func("/appointments/error/person", test_import_person_errors);
  g_test_add_func("/appointments/error/duplicate-in-file",
                  test_duplicate_in_file);
  g_test_add_func("/appointments/error/duplicate-in-store",
                  test_duplicate_in_store);
  g_test_add_func("/appointments/import-file", test_import_file);
  g_test_add_func("/appointments/empty", test_empty_schedule);
  g_test_add_func("/appointments/free-null", test_free_null);
  g_test_add_func("/appointments/shift", test_shift);
  status = g_test_run();
  config_free(config);
  return status;
}
