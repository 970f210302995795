/* The officers table (officers.h). */
#include "officers.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "officer.h"
#include "resources.h"

/* The format nests three levels (file, list, officer); deeper input is
 * refused before json-glib, whose parser recurses once per level. */
#define OFFICERS_MAX_DEPTH 8

G_DEFINE_QUARK(biokiosk - officers - error - quark, officers_error)

typedef struct {
  char *id;
  char *pin_hash;
  char *role; /* NULL: none */
} OfficerRow;

static void officer_row_free(OfficerRow *row)
{
  g_free(row->id);
  g_free(row->pin_hash);
  g_free(row->role);
  g_free(row);
}

gboolean officers_init(sqlite3 *db, GError **error)
{
  g_return_val_if_fail(db != NULL, FALSE);
  return db_exec(db,
                 "CREATE TABLE IF NOT EXISTS officers ("
                 "  id TEXT PRIMARY KEY,"
                 "  pin_hash TEXT NOT NULL,"
                 "  role TEXT);",
                 error);
}

/* ---- checking the file ---------------------------------------------- */

static gboolean schema_fail(GError **error, const char *source, int index,
                            const char *problem)
{
  if (index < 0)
    g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_SCHEMA, "%s: %s", source,
                problem);
  else
    g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_SCHEMA,
                "%s: officers[%d]: %s", source, index, problem);
  return FALSE;
}

/* Nesting depth outside strings, before any parser sees the text. */
static gboolean depth_ok(const char *json, gsize len)
{
  int depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++) {
    char c = json[i];

    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (++depth > OFFICERS_MAX_DEPTH)
        return FALSE;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return TRUE;
}

/* Only the keys in `known` (spelled out in `expected`). A repeated key is
 * not seen here: json-glib keeps the last one. */
static gboolean keys_ok(JsonObject *object, const char *const *known,
                        const char *expected, const char *source, int index,
                        GError **error)
{
  g_autoptr(GList) members = json_object_get_members(object);

  for (GList *m = members; m; m = m->next) {
    const char *key = m->data;
    g_autofree char *problem = NULL;

    if (g_strv_contains(known, key))
      continue;
    problem = g_strdup_printf(
        "unknown key %s (expected %s)",
        strlen(key) <= 32 && config_location_id_is_valid(key) ? key
                                                              : "(not shown)",
        expected);
    return schema_fail(error, source, index, problem);
  }
  return TRUE;
}

static const char *string_member(JsonObject *object, const char *key)
{
  JsonNode *node = json_object_get_member(object, key);

  if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
      json_node_get_value_type(node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(node);
}

static gboolean role_ok(const char *role)
{
  gsize len = strlen(role);

  return len > 0 && len <= OFFICERS_ROLE_MAX &&
         config_location_id_is_valid(role);
}

static OfficerRow *parse_officer(JsonNode *node, const char *source, int index,
                                 GError **error)
{
  static const char *const keys[] = {"id", "pin_hash", "role", NULL};
  g_autofree char *hash_problem = NULL;
  JsonObject *object;
  const char *id, *hash, *role;
  OfficerRow *row;

  if (!JSON_NODE_HOLDS_OBJECT(node))
    return schema_fail(error, source, index, "not an object"), NULL;
  object = json_node_get_object(node);
  if (!keys_ok(object, keys, "id, pin_hash, role", source, index, error))
    return NULL;
  id = string_member(object, "id");
  if (!id || !officer_id_is_valid(id))
    return schema_fail(error, source, index,
                       "id: 3 to 10 digits expected (a pseudonym)"),
           NULL;
  hash = string_member(object, "pin_hash");
  hash_problem = hash ? config_pin_hash_problem(hash)
                      : g_strdup("a string from crypto_pwhash_str");
  if (hash_problem) {
    g_autofree char *problem =
        g_strdup_printf("pin_hash: must be %s", hash_problem);
    return schema_fail(error, source, index, problem), NULL;
  }
  role = json_object_has_member(object, "role") ? string_member(object, "role")
                                                : NULL;
  if (json_object_has_member(object, "role") && (!role || !role_ok(role)))
    return schema_fail(error, source, index,
                       "role: 1 to 32 ASCII letters, digits, '-', '_' or '.'"),
           NULL;
  row = g_new0(OfficerRow, 1);
  row->id = g_strdup(id);
  row->pin_hash = g_strdup(hash);
  row->role = g_strdup(role);
  return row;
}

static GPtrArray *parse_officers(JsonNode *root, const char *source,
                                 GError **error)
{
  static const char *const keys[] = {"officers", NULL};
  g_autoptr(GPtrArray) rows =
      g_ptr_array_new_with_free_func((GDestroyNotify)officer_row_free);
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  JsonNode *list;
  JsonArray *array;

  if (!root || !JSON_NODE_HOLDS_OBJECT(root))
    return schema_fail(error, source, -1, "not a JSON object"), NULL;
  if (!keys_ok(json_node_get_object(root), keys, "officers", source, -1, error))
    return NULL;
  list = json_object_get_member(json_node_get_object(root), "officers");
  if (!list || !JSON_NODE_HOLDS_ARRAY(list))
    return schema_fail(error, source, -1, "officers: a list expected"), NULL;
  array = json_node_get_array(list);
  if (json_array_get_length(array) > OFFICERS_MAX) {
    g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_LIMIT,
                "%s: more than %d officers", source, OFFICERS_MAX);
    return NULL;
  }
  for (guint i = 0; i < json_array_get_length(array); i++) {
    OfficerRow *row =
        parse_officer(json_array_get_element(array, i), source, (int)i, error);
    if (!row)
      return NULL;
    g_ptr_array_add(rows, row);
    if (!g_hash_table_add(seen, row->id)) {
      g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_DUPLICATE,
                  "%s: officers[%u]: id %s: twice in the file", source, i,
                  row->id);
      return NULL;
    }
  }
  return g_steal_pointer(&rows);
}

/* ---- storing -------------------------------------------------------- */

static gboolean insert_officer(sqlite3 *db, const OfficerRow *row,
                               GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "INSERT INTO officers (id, pin_hash, role) "
                         "VALUES (?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "officers", error);
  sqlite3_bind_text(stmt, 1, row->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, row->pin_hash, -1, SQLITE_STATIC);
  if (row->role)
    sqlite3_bind_text(stmt, 3, row->role, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE || db_fail(db, "officers", error);
}

static gboolean replace_officers(sqlite3 *db, GPtrArray *rows, GError **error)
{
  if (!officers_init(db, error) || !db_exec(db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!db_exec(db, "DELETE FROM officers", error))
    goto rollback;
  for (guint i = 0; i < rows->len; i++)
    if (!insert_officer(db, g_ptr_array_index(rows, i), error))
      goto rollback;
  if (db_exec(db, "COMMIT", error))
    return TRUE;
rollback:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

gboolean officers_import_data(sqlite3 *db, const char *source, const char *json,
                              gssize len, guint *ret_count, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) local = NULL;
  gsize n = len < 0 ? strlen(json) : (gsize)len;

  g_return_val_if_fail(db != NULL && source != NULL && json != NULL, FALSE);
  if (n > OFFICERS_MAX_BYTES) {
    g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_LIMIT,
                "%s: larger than %d bytes", source, OFFICERS_MAX_BYTES);
    return FALSE;
  }
  if (!depth_ok(json, n) ||
      !json_parser_load_from_data(parser, json, (gssize)n, &local)) {
    g_set_error(error, OFFICERS_ERROR, OFFICERS_ERROR_JSON, "%s: %s", source,
                local ? local->message : "nested too deep");
    return FALSE;
  }
  rows = parse_officers(json_parser_get_root(parser), source, error);
  if (!rows || !replace_officers(db, rows, error))
    return FALSE;
  if (ret_count)
    *ret_count = rows->len;
  return TRUE;
}

/* The file's bytes, when it is a regular file within the size limit;
 * opened without waiting, so a FIFO or a device is refused, not read. */
static char *read_officers_file(const char *path, gsize *ret_len,
                                GError **error)
{
  g_autofree char *text = g_malloc(OFFICERS_MAX_BYTES + 2);
  gsize len = 0;
  struct stat st;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  int errsv = 0;

  if (fd < 0 || fstat(fd, &st) != 0)
    errsv = errno;
  else if (!S_ISREG(st.st_mode))
    errsv = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  while (!errsv && len <= OFFICERS_MAX_BYTES) {
    ssize_t got = read(fd, text + len, OFFICERS_MAX_BYTES + 1 - len);

    if (got == 0)
      break;
    if (got < 0 && errno != EINTR)
      errsv = errno;
    len += got > 0 ? (gsize)got : 0;
  }
  if (fd >= 0)
    close(fd);
  if (errsv) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv),
                "%s: cannot read: %s", path,
                errsv == EINVAL ? "not a regular file" : g_strerror(errsv));
    return NULL;
  }
  text[len] = '\0';
  *ret_len = len;
  return g_steal_pointer(&text);
}

gboolean officers_import_file(sqlite3 *db, const char *path, guint *ret_count,
                              GError **error)
{
  gsize len = 0;
  g_autofree char *text = read_officers_file(path, &len, error);

  return text &&
         officers_import_data(db, path, text, (gssize)len, ret_count, error);
}

/* ---- reading -------------------------------------------------------- */

GPtrArray *officers_list(sqlite3 *db, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!officers_init(db, error))
    return NULL;
  if (sqlite3_prepare_v2(db, "SELECT id FROM officers ORDER BY id", -1, &stmt,
                         NULL) != SQLITE_OK)
    return db_fail(db, "officers", error), NULL;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "officers", error), NULL;
  return g_steal_pointer(&ids);
}

gboolean officers_count(sqlite3 *db, guint *ret_count, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!officers_init(db, error))
    return FALSE;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM officers", -1, &stmt,
                         NULL) != SQLITE_OK)
    return db_fail(db, "officers", error);
  rc = sqlite3_step(stmt);
  *ret_count = rc == SQLITE_ROW ? (guint)sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  return rc == SQLITE_ROW || db_fail(db, "officers", error);
}

char *officers_pin_hash(sqlite3 *db, const char *id, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  char *hash = NULL;
  int rc;

  g_return_val_if_fail(db != NULL && id != NULL, NULL);
  if (sqlite3_prepare_v2(db, "SELECT pin_hash FROM officers WHERE id = ?", -1,
                         &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "officers", error), NULL;
  sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    hash = g_strdup((const char *)sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    db_fail(db, "officers", error);
  return hash;
}

OfficerPinVerdict officers_check_pin(sqlite3 *db, const char *id,
                                     const char *pin, const char *decoy_hash)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = officers_pin_hash(db, id, &error);

  if (error)
    g_warning("officers: %s", error->message);
  return officers_verify_pin(hash, decoy_hash, pin);
}

OfficerPinVerdict officers_verify_pin(const char *hash, const char *decoy_hash,
                                      const char *pin)
{
  gboolean right;

  if (!hash && (!decoy_hash || !*decoy_hash))
    return OFFICER_PIN_UNKNOWN;
  if (sodium_init() < 0)
    return OFFICER_PIN_WRONG;
  right =
      crypto_pwhash_str_verify(hash ? hash : decoy_hash, pin, strlen(pin)) == 0;
  if (!hash)
    return OFFICER_PIN_UNKNOWN;
  return right ? OFFICER_PIN_RIGHT : OFFICER_PIN_WRONG;
}

static gboolean officer_stored(sqlite3 *db, const OfficerRow *row,
                               gboolean *ret_stored, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM officers WHERE id = ? AND "
                         "pin_hash = ?",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "officers", error);
  sqlite3_bind_text(stmt, 1, row->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, row->pin_hash, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  *ret_stored = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ||
         db_fail(db, "officers", error);
}

gboolean officers_include_demo(sqlite3 *db, gboolean *ret_demo, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GPtrArray) demo = NULL;

  *ret_demo = FALSE;
  if (!json_parser_load_from_data(parser, resources_demo_officers(), -1, error))
    return FALSE;
  demo = parse_officers(json_parser_get_root(parser), "demo officers", error);
  if (!demo)
    return FALSE;
  for (guint i = 0; i < demo->len && !*ret_demo; i++)
    if (!officer_stored(db, g_ptr_array_index(demo, i), ret_demo, error))
      return FALSE;
  return TRUE;
}
