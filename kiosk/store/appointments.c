/* The appointment store: a JSON schedule (docs/schedule.md) validated as a
 * whole and imported in one transaction, and the lookup by appointment code,
 * which compares the typed code with every stored code in constant time so
 * that response times say nothing about which codes exist. */
#include "appointments.h"

#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>

#include "rules.h"

G_DEFINE_QUARK(biokiosk - appointments - error - quark, appointments_error)

#define CODE_MIN 6
#define CODE_MAX 12
/* Codes are compared as fixed-length, zero-padded buffers. */
#define CODE_BUF 16
G_STATIC_ASSERT(CODE_BUF > CODE_MAX);

#define TEXT_MAX 200 /* characters in a name, location or document type */

static const char *const prior_names[] = {
    [PRIOR_NONE] = "none",
    [PRIOR_ON_FILE] = "on_file",
    [PRIOR_ABROAD] = "abroad",
    [PRIOR_ASYLUM] = "asylum",
};

static const char *const fingerprint_names[] = {
    [FP_POLICY_AGE] = "age",
    [FP_POLICY_REQUIRED] = "required",
    [FP_POLICY_NONE] = "none",
};

static gboolean appointments_db_fail(sqlite3 *db, const char *what,
                                     GError **error)
{
  g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DB,
              "appointments: %s: %s", what, sqlite3_errmsg(db));
  return FALSE;
}

static gboolean appointments_exec(sqlite3 *db, const char *sql, GError **error)
{
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return appointments_db_fail(db, sql, error);
  return TRUE;
}

gboolean appointments_init(sqlite3 *db, GError **error)
{
  g_return_val_if_fail(db != NULL, FALSE);

  /* Codes are kept as issued (the technician's list shows them); start as
   * ISO 8601 with its UTC offset. Persons belong to one appointment. */
  return appointments_exec(db,
                           "CREATE TABLE IF NOT EXISTS appointment ("
                           "  id INTEGER PRIMARY KEY,"
                           "  code TEXT NOT NULL UNIQUE,"
                           "  location_id TEXT NOT NULL,"
                           "  location_name TEXT NOT NULL,"
                           "  start TEXT NOT NULL,"
                           "  imported_at TEXT NOT NULL);"
                           "CREATE TABLE IF NOT EXISTS appointment_person ("
                           "  appointment_id INTEGER NOT NULL"
                           "    REFERENCES appointment(id) ON DELETE CASCADE,"
                           "  position INTEGER NOT NULL,"
                           "  name TEXT NOT NULL,"
                           "  date_of_birth TEXT NOT NULL,"
                           "  document_type TEXT NOT NULL,"
                           "  prior_biometrics TEXT NOT NULL,"
                           "  first_permit INTEGER NOT NULL,"
                           "  fingerprints TEXT NOT NULL,"
                           "  PRIMARY KEY (appointment_id, position));",
                           error);
}

/* ---- validation ---------------------------------------------------------- */

/* What a node is, in the words of the schedule's documentation. */
static const char *json_kind(JsonNode *node)
{
  switch (JSON_NODE_TYPE(node)) {
  case JSON_NODE_OBJECT:
    return "an object";
  case JSON_NODE_ARRAY:
    return "a list";
  case JSON_NODE_NULL:
    return "null";
  case JSON_NODE_VALUE:
    switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
      return "a text";
    case G_TYPE_BOOLEAN:
      return "true/false";
    default:
      return "a number";
    }
  }
  return "something else";
}

static gboolean schema_fail(GError **error, const char *where, const char *key,
                            const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* "where: key: message" (one line). */
static gboolean schema_fail(GError **error, const char *where, const char *key,
                            const char *fmt, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start(args, fmt);
  message = g_strdup_vprintf(fmt, args);
  va_end(args);
  g_strdelimit(message, "\n\r", ' ');
  g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA,
              "%s: %s: %s", where, key, message);
  return FALSE;
}

/* Every member of `object` is one of `keys`, and every one of `keys` is
 * there. */
static gboolean check_keys(JsonObject *object, const char *const *keys,
                           const char *where, GError **error)
{
  g_autoptr(GList) members = json_object_get_members(object);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains(keys, l->data)) {
      g_autofree char *known = g_strjoinv(", ", (char **)keys);
      return schema_fail(error, where, l->data,
                         "unknown key (expected only %s)", known);
    }
  for (gsize i = 0; keys[i]; i++)
    if (!json_object_has_member(object, keys[i]))
      return schema_fail(error, where, keys[i], "missing");
  return TRUE;
}

static gboolean is_string(JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE(node) &&
         json_node_get_value_type(node) == G_TYPE_STRING;
}

/* A non-empty text of at most TEXT_MAX characters. The value never goes into
 * the message (it may be a name). */
static gboolean get_text(JsonObject *object, const char *key, const char *where,
                         const char **ret_text, GError **error)
{
  JsonNode *node = json_object_get_member(object, key);
  const char *text;

  if (!is_string(node))
    return schema_fail(error, where, key, "expected a text, got %s",
                       json_kind(node));
  text = json_node_get_string(node);
  if (!*text || g_utf8_strlen(text, -1) > TEXT_MAX)
    return schema_fail(error, where, key, "expected a text of 1..%d characters",
                       TEXT_MAX);
  *ret_text = text;
  return TRUE;
}

static gboolean get_enum(JsonObject *object, const char *key,
                         const char *const *names, gsize n_names,
                         const char *where, int *ret_value, GError **error)
{
  JsonNode *node = json_object_get_member(object, key);
  g_autoptr(GString) expected = g_string_new(NULL);
  const char *text = NULL;

  if (is_string(node)) {
    text = json_node_get_string(node);
    for (gsize i = 0; i < n_names; i++)
      if (strcmp(text, names[i]) == 0) {
        *ret_value = (int)i;
        return TRUE;
      }
  }
  for (gsize i = 0; i < n_names; i++)
    g_string_append_printf(expected, "%s\"%s\"",
                           i == 0             ? ""
                           : i + 1 == n_names ? " or "
                                              : ", ",
                           names[i]);
  if (!text)
    return schema_fail(error, where, key, "expected %s, got %s", expected->str,
                       json_kind(node));
  return schema_fail(error, where, key, "expected %s, got \"%.40s\"",
                     expected->str, text);
}

/* 6..12 digits: the check-in keypad is numeric. */
static gboolean code_is_valid(const char *code)
{
  gsize len = code ? strlen(code) : 0;

  if (len < CODE_MIN || len > CODE_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit(code[i]))
      return FALSE;
  return TRUE;
}

static Person *parse_person(JsonNode *node, GDateTime *start, const char *where,
                            GError **error)
{
  static const char *const keys[] = {
      "name",
      "date_of_birth",
      "document_type",
      "prior_biometrics",
      "first_permit",
      "fingerprints",
      NULL,
  };
  g_autoptr(Person) person = g_new0(Person, 1);
  JsonObject *object;
  JsonNode *member;
  const char *text;
  int value;

  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    schema_fail(error, where, "person", "expected an object, got %s",
                json_kind(node));
    return NULL;
  }
  object = json_node_get_object(node);
  if (!check_keys(object, keys, where, error))
    return NULL;

  /* Name and date of birth are personal data: never echoed in messages. */
  if (!get_text(object, "name", where, &text, error))
    return NULL;
  person->name = g_strdup(text);

  member = json_object_get_member(object, "date_of_birth");
  if (!is_string(member)) {
    schema_fail(error, where, "date_of_birth", "expected a text, got %s",
                json_kind(member));
    return NULL;
  }
  /* Completed months on the appointment's date: -1 for a malformed date, a
   * day that does not exist, or one after the appointment. */
  if (rules_age_months(json_node_get_string(member), start) < 0) {
    schema_fail(error, where, "date_of_birth",
                "expected a date YYYY-MM-DD not after the appointment");
    return NULL;
  }
  person->date_of_birth = g_strdup(json_node_get_string(member));

  if (!get_text(object, "document_type", where, &text, error))
    return NULL;
  person->document_type = g_strdup(text);

  if (!get_enum(object, "prior_biometrics", prior_names,
                G_N_ELEMENTS(prior_names), where, &value, error))
    return NULL;
  person->prior = value;

  member = json_object_get_member(object, "first_permit");
  if (!JSON_NODE_HOLDS_VALUE(member) ||
      json_node_get_value_type(member) != G_TYPE_BOOLEAN) {
    schema_fail(error, where, "first_permit", "expected true or false, got %s",
                json_kind(member));
    return NULL;
  }
  person->first_permit = json_node_get_boolean(member);

  if (!get_enum(object, "fingerprints", fingerprint_names,
                G_N_ELEMENTS(fingerprint_names), where, &value, error))
    return NULL;
  person->fingerprints = value;
  return g_steal_pointer(&person);
}

/* The appointment code: present, a text, and 6..12 digits. */
static gboolean get_code(JsonObject *object, const char *where,
                         const char **ret_code, GError **error)
{
  JsonNode *member = json_object_get_member(object, "code");
  const char *text;

  if (!member)
    return schema_fail(error, where, "code", "missing");
  if (!is_string(member))
    return schema_fail(error, where, "code",
                       "expected a text of %d to %d digits, got %s", CODE_MIN,
                       CODE_MAX, json_kind(member));
  text = json_node_get_string(member);
  if (!code_is_valid(text))
    return schema_fail(error, where, "code",
                       "expected %d to %d digits, got \"%.40s\"", CODE_MIN,
                       CODE_MAX, text);
  *ret_code = text;
  return TRUE;
}

/* ISO 8601 with a UTC offset: the kiosk may not be in the schedule's zone. */
static GDateTime *get_start(JsonObject *object, const char *where,
                            GError **error)
{
  JsonNode *member = json_object_get_member(object, "start");
  GDateTime *start = NULL;

  if (!is_string(member)) {
    schema_fail(error, where, "start",
                "expected a date and time with UTC offset, got %s",
                json_kind(member));
    return NULL;
  }
  start = g_date_time_new_from_iso8601(json_node_get_string(member), NULL);
  if (!start)
    schema_fail(error, where, "start",
                "expected a date and time with UTC offset like "
                "2026-11-27T10:30:00+01:00, got \"%.40s\"",
                json_node_get_string(member));
  return start;
}

/* At least one person, each checked against the appointment's date. */
static gboolean parse_persons(JsonObject *object, Appointment *appointment,
                              const char *where, GError **error)
{
  JsonNode *member = json_object_get_member(object, "persons");
  JsonArray *persons;

  if (!JSON_NODE_HOLDS_ARRAY(member))
    return schema_fail(error, where, "persons", "expected a list, got %s",
                       json_kind(member));
  persons = json_node_get_array(member);
  if (json_array_get_length(persons) == 0)
    return schema_fail(error, where, "persons", "expected at least one person");
  for (guint i = 0; i < json_array_get_length(persons); i++) {
    g_autofree char *person_where =
        g_strdup_printf("%s: persons[%u]", where, i);
    Person *person = parse_person(json_array_get_element(persons, i),
                                  appointment->start, person_where, error);
    if (!person)
      return FALSE;
    g_ptr_array_add(appointment->persons, person);
  }
  return TRUE;
}

static Appointment *parse_appointment(JsonNode *node, const char *source,
                                      guint index, GError **error)
{
  static const char *const keys[] = {
      "code", "location_id", "location_name", "start", "persons", NULL,
  };
  g_autoptr(Appointment) appointment = appointment_new();
  g_autofree char *where =
      g_strdup_printf("%s: appointments[%u]", source, index);
  JsonObject *object;
  const char *text = NULL;

  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA,
                "%s: expected an object, got %s", where, json_kind(node));
    return NULL;
  }
  object = json_node_get_object(node);

  /* The code first, so that every later message names it. */
  if (!get_code(object, where, &text, error))
    return NULL;
  appointment->code = g_strdup(text);
  g_free(where);
  where = g_strdup_printf("%s: appointments[%u] (code %s)", source, index,
                          appointment->code);

  if (!check_keys(object, keys, where, error))
    return NULL;
  if (!get_text(object, "location_id", where, &text, error))
    return NULL;
  appointment->location_id = g_strdup(text);
  if (!get_text(object, "location_name", where, &text, error))
    return NULL;
  appointment->location_name = g_strdup(text);
  appointment->start = get_start(object, where, error);
  if (!appointment->start || !parse_persons(object, appointment, where, error))
    return NULL;
  return g_steal_pointer(&appointment);
}

/* The whole schedule, validated; NULL and `error` at the first problem. */
static GPtrArray *parse_schedule(const char *source, const char *json,
                                 gssize len, GError **error)
{
  static const char *const keys[] = {"version", "appointments", NULL};
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GHashTable) codes = NULL;
  JsonNode *root, *member;
  JsonObject *object;
  JsonArray *list;

  if (!json_parser_load_from_data(parser, json, len, &local)) {
    g_autofree char *message = NULL;

    /* json-glib says "<data>:LINE:COLUMN: Parse error: ..."; put the file's
     * name in place of "<data>". */
    if (g_str_has_prefix(local->message, "<data>:"))
      message = g_strconcat(source, local->message + strlen("<data>"), NULL);
    else
      message = g_strdup_printf("%s: not JSON: %s", source, local->message);
    g_strdelimit(message, "\n\r", ' ');
    g_set_error_literal(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_JSON,
                        message);
    return NULL;
  }
  root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA,
                "%s: expected an object {\"version\": 1, \"appointments\": "
                "[...]}, got %s",
                source, root ? json_kind(root) : "nothing");
    return NULL;
  }
  object = json_node_get_object(root);
  if (!check_keys(object, keys, source, error))
    return NULL;
  member = json_object_get_member(object, "version");
  if (!JSON_NODE_HOLDS_VALUE(member) ||
      json_node_get_value_type(member) != G_TYPE_INT64 ||
      json_node_get_int(member) != 1) {
    schema_fail(error, source, "version", "expected 1 (the only version)");
    return NULL;
  }
  member = json_object_get_member(object, "appointments");
  if (!JSON_NODE_HOLDS_ARRAY(member)) {
    schema_fail(error, source, "appointments", "expected a list, got %s",
                json_kind(member));
    return NULL;
  }
  list = json_node_get_array(member);
  result = g_ptr_array_new_with_free_func((GDestroyNotify)appointment_free);
  codes = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length(list); i++) {
    Appointment *appointment =
        parse_appointment(json_array_get_element(list, i), source, i, error);
    gpointer first;

    if (!appointment)
      return NULL;
    g_ptr_array_add(result, appointment);
    if (g_hash_table_lookup_extended(codes, appointment->code, NULL, &first)) {
      g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DUPLICATE,
                  "%s: appointments[%u] (code %s): code: also used by "
                  "appointments[%u]",
                  source, i, appointment->code, GPOINTER_TO_UINT(first));
      return NULL;
    }
    g_hash_table_insert(codes, appointment->code, GUINT_TO_POINTER(i));
  }
  return g_steal_pointer(&result);
}

/* ---- storage ------------------------------------------------------------- */

static gboolean insert_appointment(sqlite3 *db, const Appointment *appointment,
                                   const char *now, GError **error)
{
  g_autofree char *start =
      g_date_time_format(appointment->start, "%Y-%m-%dT%H:%M:%S%:z");
  sqlite3_stmt *stmt = NULL;
  sqlite3_int64 id;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "INSERT INTO appointment (code, location_id, "
                         "location_name, start, imported_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return appointments_db_fail(db, "insert", error);
  sqlite3_bind_text(stmt, 1, appointment->code, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, appointment->location_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, appointment->location_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, start, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, now, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return appointments_db_fail(db, "insert", error);
  id = sqlite3_last_insert_rowid(db);

  if (sqlite3_prepare_v2(db,
                         "INSERT INTO appointment_person (appointment_id, "
                         "position, name, date_of_birth, document_type, "
                         "prior_biometrics, first_permit, fingerprints) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return appointments_db_fail(db, "insert person", error);
  for (guint i = 0; i < appointment->persons->len; i++) {
    const Person *person = g_ptr_array_index(appointment->persons, i);

    sqlite3_reset(stmt);
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int(stmt, 2, (int)i);
    sqlite3_bind_text(stmt, 3, person->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, person->date_of_birth, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, person->document_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, prior_names[person->prior], -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 7, person->first_permit ? 1 : 0);
    sqlite3_bind_text(stmt, 8, fingerprint_names[person->fingerprints], -1,
                      SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      sqlite3_finalize(stmt);
      return appointments_db_fail(db, "insert person", error);
    }
  }
  sqlite3_finalize(stmt);
  return TRUE;
}

/* TRUE when `code` is already in the store (import only: the import is the
 * technician's, not an oracle for guessing codes, so a plain query does). */
static gboolean code_stored(sqlite3 *db, const char *code, gboolean *ret_stored,
                            GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, "SELECT 1 FROM appointment WHERE code = ?", -1,
                         &stmt, NULL) != SQLITE_OK)
    return appointments_db_fail(db, "select", error);
  sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return appointments_db_fail(db, "select", error);
  *ret_stored = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean import_schedule(sqlite3 *db, const char *source,
                                const char *json, gssize len, guint *ret_count,
                                GError **error)
{
  g_autoptr(GPtrArray) schedule = parse_schedule(source, json, len, error);
  g_autoptr(GDateTime) now_time = g_date_time_new_now_utc();
  g_autofree char *now = g_date_time_format_iso8601(now_time);

  if (!schedule)
    return FALSE;
  if (!appointments_init(db, error) ||
      !appointments_exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < schedule->len; i++) {
    const Appointment *appointment = g_ptr_array_index(schedule, i);
    gboolean stored = FALSE;

    if (!code_stored(db, appointment->code, &stored, error))
      goto rollback;
    if (stored) {
      g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DUPLICATE,
                  "%s: appointments[%u] (code %s): code: already imported",
                  source, i, appointment->code);
      goto rollback;
    }
    if (!insert_appointment(db, appointment, now, error))
      goto rollback;
  }
  if (!appointments_exec(db, "COMMIT", error))
    goto rollback;
  g_debug("imported %u appointments", schedule->len);
  if (ret_count)
    *ret_count = schedule->len;
  return TRUE;

rollback:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

gboolean appointments_import_data(sqlite3 *db, const char *json, gssize len,
                                  guint *ret_count, GError **error)
{
  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(json != NULL, FALSE);
  return import_schedule(db, "schedule", json, len, ret_count, error);
}

gboolean appointments_import_file(sqlite3 *db, const char *path,
                                  guint *ret_count, GError **error)
{
  g_autofree char *json = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);

  if (!g_file_get_contents(path, &json, &len, &local)) {
    g_set_error(error, G_FILE_ERROR, local->code, "%s: cannot read: %s", path,
                local->code == G_FILE_ERROR_NOENT ? "no such file"
                                                  : local->message);
    return FALSE;
  }
  return import_schedule(db, path, json, (gssize)len, ret_count, error);
}

/* ---- lookup -------------------------------------------------------------- */

static int enum_from_name(const char *const *names, gsize n, const char *text)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0(names[i], text) == 0)
      return (int)i;
  return 0;
}

static char *column_dup(sqlite3_stmt *stmt, int column)
{
  return g_strdup((const char *)sqlite3_column_text(stmt, column));
}

/* The appointment stored under row `id`, with its persons. */
static Appointment *appointments_load(sqlite3 *db, sqlite3_int64 id,
                                      GError **error)
{
  g_autoptr(Appointment) appointment = appointment_new();
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "SELECT code, location_id, location_name, start "
                         "FROM appointment WHERE id = ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  sqlite3_bind_int64(stmt, 1, id);
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(stmt);
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  appointment->code = column_dup(stmt, 0);
  appointment->location_id = column_dup(stmt, 1);
  appointment->location_name = column_dup(stmt, 2);
  appointment->start = g_date_time_new_from_iso8601(
      (const char *)sqlite3_column_text(stmt, 3), NULL);
  sqlite3_finalize(stmt);
  if (!appointment->start) {
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_DB,
                "appointments: code %s: stored start time is not valid",
                appointment->code);
    return NULL;
  }

  if (sqlite3_prepare_v2(db,
                         "SELECT name, date_of_birth, document_type, "
                         "prior_biometrics, first_permit, fingerprints "
                         "FROM appointment_person WHERE appointment_id = ? "
                         "ORDER BY position",
                         -1, &stmt, NULL) != SQLITE_OK) {
    appointments_db_fail(db, "select persons", error);
    return NULL;
  }
  sqlite3_bind_int64(stmt, 1, id);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Person *person = g_new0(Person, 1);

    person->name = column_dup(stmt, 0);
    person->date_of_birth = column_dup(stmt, 1);
    person->document_type = column_dup(stmt, 2);
    person->prior = enum_from_name(prior_names, G_N_ELEMENTS(prior_names),
                                   (const char *)sqlite3_column_text(stmt, 3));
    person->first_permit = sqlite3_column_int(stmt, 4) != 0;
    person->fingerprints =
        enum_from_name(fingerprint_names, G_N_ELEMENTS(fingerprint_names),
                       (const char *)sqlite3_column_text(stmt, 5));
    g_ptr_array_add(appointment->persons, person);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    appointments_db_fail(db, "select persons", error);
    return NULL;
  }
  return g_steal_pointer(&appointment);
}

/* `code` zero-padded into a fixed-size buffer, so that comparisons do not
 * depend on its length. */
static void code_pad(guint8 buffer[CODE_BUF], const char *code, gsize len)
{
  memset(buffer, 0, CODE_BUF);
  memcpy(buffer, code, MIN(len, (gsize)CODE_BUF - 1));
}

Appointment *appointments_lookup(sqlite3 *db, const char *code, GError **error)
{
  guint8 wanted[CODE_BUF];
  guint8 stored[CODE_BUF];
  sqlite3_stmt *stmt = NULL;
  sqlite3_int64 found = 0;
  int rc;

  g_return_val_if_fail(db != NULL, NULL);

  /* The import refuses anything else, so such a code cannot match; what the
   * kiosk typed is no secret to the one who typed it. */
  if (!code_is_valid(code))
    return NULL;
  code_pad(wanted, code, strlen(code));

  /* No "WHERE code = ?": an index search and SQLite's memcmp stop at the
   * first differing byte, which would time how close a guess came. Instead
   * every stored code is compared in full with sodium_memcmp, whose time
   * does not depend on where the buffers differ. */
  if (sqlite3_prepare_v2(db, "SELECT id, code FROM appointment", -1, &stmt,
                         NULL) != SQLITE_OK) {
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(stmt, 0);
    const char *text = (const char *)sqlite3_column_text(stmt, 1);
    int same;

    code_pad(stored, text ? text : "", (gsize)sqlite3_column_bytes(stmt, 1));
    same = sodium_memcmp(wanted, stored, CODE_BUF) == 0;
    /* No early exit: the scan always visits every row. */
    found = same ? id : found;
  }
  sqlite3_finalize(stmt);
  sodium_memzero(wanted, sizeof wanted);
  sodium_memzero(stored, sizeof stored);
  if (rc != SQLITE_DONE) {
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  if (!found)
    return NULL;
  return appointments_load(db, found, error);
}

static gint appointments_compare_start(gconstpointer a, gconstpointer b)
{
  const Appointment *x = *(const Appointment *const *)a;
  const Appointment *y = *(const Appointment *const *)b;
  int order = g_date_time_compare(x->start, y->start);

  return order ? order : strcmp(x->code, y->code);
}

GPtrArray *appointments_list(sqlite3 *db, GError **error)
{
  g_autoptr(GPtrArray) list =
      g_ptr_array_new_with_free_func((GDestroyNotify)appointment_free);
  g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(sqlite3_int64));
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail(db != NULL, NULL);

  if (sqlite3_prepare_v2(db, "SELECT id FROM appointment", -1, &stmt, NULL) !=
      SQLITE_OK) {
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(stmt, 0);
    g_array_append_val(ids, id);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    appointments_db_fail(db, "select", error);
    return NULL;
  }
  for (guint i = 0; i < ids->len; i++) {
    Appointment *appointment =
        appointments_load(db, g_array_index(ids, sqlite3_int64, i), error);
    if (!appointment)
      return NULL;
    g_ptr_array_add(list, appointment);
  }
  /* By time, not by text: starts may carry different UTC offsets. */
  g_ptr_array_sort(list, appointments_compare_start);
  return g_steal_pointer(&list);
}
