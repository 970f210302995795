/* The appointment store: a JSON schedule (docs/schedule.md) read within
 * size limits, scanned strictly, validated as a whole and imported in one
 * transaction, and the lookup by appointment code, which compares the typed
 * code with every stored code in constant time so that response times say
 * nothing about which codes exist. */
#include "appointments.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
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

/* ---- the strict scan ------------------------------------------------------
 */

/* json-glib is lenient where a schedule must not be: the last of two equal
 * keys wins, "\u0000" cuts a text short, a second document after the first
 * is ignored, and its recursive parser overflows the stack on deep nesting.
 * So every text is first scanned against the JSON grammar (RFC 8259) with
 * those refused too, and json-glib only ever builds the tree of a text that
 * passed. The scan recurses at most APPOINTMENTS_MAX_DEPTH levels. */
typedef struct {
  const char *text; /* the whole input */
  const char *end;
  const char *p; /* the next byte */
  int depth;
  GPtrArray *path; /* keys and "[index]"s down to `p`, for messages */
  /* The first problem: */
  AppointmentsError code;
  const char *problem; /* static text */
  const char *at;      /* where in `text` */
  char *where;         /* `path` then, as "key[i]: key" */
} JsonScan;

/* A key as messages may show it: itself when it is a plain name, which
 * every key of the format is; anything else could carry a terminal escape
 * or personal data. */
static const char *shown_key(const char *key)
{
  gsize len = strlen(key);

  if (len == 0 || len > 40 ||
      strspn(key, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-") != len)
    return "(a key that is not a plain name)";
  return key;
}

static char *scan_path_string(GPtrArray *path)
{
  GString *where = g_string_new(NULL);

  for (guint i = 0; i < path->len; i++) {
    const char *part = g_ptr_array_index(path, i);

    if (where->len && part[0] != '[')
      g_string_append(where, ": ");
    g_string_append(where, part);
  }
  return g_string_free(where, FALSE);
}

static gboolean scan_fail(JsonScan *s, const char *at, AppointmentsError code,
                          const char *problem)
{
  if (!s->problem) {
    s->code = code;
    s->problem = problem;
    s->at = at;
    s->where = scan_path_string(s->path);
  }
  return FALSE;
}

static gboolean scan_syntax(JsonScan *s, const char *problem)
{
  return scan_fail(s, s->p, APPOINTMENTS_ERROR_JSON, problem);
}

static gboolean scan_peek(const JsonScan *s, char c)
{
  return s->p < s->end && *s->p == c;
}

static void scan_space(JsonScan *s)
{
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* The value of four hex digits at `p`, or -1. */
static int scan_hex4(const JsonScan *s, const char *p)
{
  int value = 0;

  if (s->end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++) {
    int digit = g_ascii_xdigit_value(p[i]);
    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

/* "\uXXXX", or a surrogate pair "\uD8xx\uDCxx", at `p`. */
static gboolean scan_unicode_escape(JsonScan *s, gunichar *ret_char)
{
  const char *at = s->p;
  int high = scan_hex4(s, s->p + 2);
  int low;

  if (high < 0)
    return scan_syntax(s, "expected four hex digits after \\u");
  s->p += 6;
  if (high < 0xD800 || high > 0xDFFF) {
    *ret_char = (gunichar)high;
    return TRUE;
  }
  if (high > 0xDBFF || !scan_peek(s, '\\') || s->end - s->p < 2 ||
      s->p[1] != 'u' || (low = scan_hex4(s, s->p + 2)) < 0xDC00 || low > 0xDFFF)
    return scan_fail(s, at, APPOINTMENTS_ERROR_JSON,
                     "a \\u escape of half a UTF-16 surrogate pair");
  s->p += 6;
  *ret_char =
      0x10000 + (((gunichar)high - 0xD800) << 10) + ((gunichar)low - 0xDC00);
  return TRUE;
}

/* The character of a one-letter escape such as "\n", or 0. */
static gunichar scan_simple_escape(char letter)
{
  switch (letter) {
  case '"':
  case '\\':
  case '/':
    return (gunichar)letter;
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  default:
    return 0;
  }
}

/* One escape at `p`, its character appended to `text` when not NULL. */
static gboolean scan_escape(JsonScan *s, GString *text)
{
  const char *at = s->p;
  gunichar c;

  if (s->end - s->p < 2)
    return scan_syntax(s, "a text without its closing quote");
  if (s->p[1] == 'u') {
    if (!scan_unicode_escape(s, &c))
      return FALSE;
  } else if ((c = scan_simple_escape(s->p[1]))) {
    s->p += 2;
  } else {
    return scan_syntax(s, "an unknown escape after '\\'");
  }
  /* json-glib would end the text at the NUL and drop the rest. */
  if (c == 0)
    return scan_fail(s, at, APPOINTMENTS_ERROR_SCHEMA,
                     "\\u0000 (a NUL character) is not allowed");
  if (text)
    g_string_append_unichar(text, c);
  return TRUE;
}

/* A text in quotes at `p`; decoded into `text` when not NULL (keys). */
static gboolean scan_string(JsonScan *s, GString *text)
{
  const char *start = ++s->p;
  const char *run = start; /* bytes not yet appended to `text` */

  while (s->p < s->end && *s->p != '"') {
    if ((guchar)*s->p < 0x20)
      return scan_syntax(s, "a control character in a text (JSON needs an "
                            "escape)");
    if (*s->p != '\\') {
      s->p++;
      continue;
    }
    if (text)
      g_string_append_len(text, run, s->p - run);
    if (!scan_escape(s, text))
      return FALSE;
    run = s->p;
  }
  if (s->p >= s->end)
    return scan_fail(s, start - 1, APPOINTMENTS_ERROR_JSON,
                     "a text without its closing quote");
  /* Escapes are ASCII, so the raw bytes are UTF-8 when the text is. */
  if (!g_utf8_validate_len(start, (gsize)(s->p - start), NULL))
    return scan_fail(s, start - 1, APPOINTMENTS_ERROR_JSON,
                     "a text that is not UTF-8");
  if (text)
    g_string_append_len(text, run, s->p - run);
  s->p++;
  return TRUE;
}

static void scan_digits(JsonScan *s)
{
  while (s->p < s->end && g_ascii_isdigit(*s->p))
    s->p++;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean scan_number(JsonScan *s)
{
  if (scan_peek(s, '-'))
    s->p++;
  if (scan_peek(s, '0'))
    s->p++;
  else if (s->p < s->end && *s->p >= '1' && *s->p <= '9')
    scan_digits(s);
  else
    return scan_syntax(s, "expected a digit");
  if (scan_peek(s, '.')) {
    s->p++;
    if (s->p >= s->end || !g_ascii_isdigit(*s->p))
      return scan_syntax(s, "expected a digit after '.'");
    scan_digits(s);
  }
  if (scan_peek(s, 'e') || scan_peek(s, 'E')) {
    s->p++;
    if (scan_peek(s, '+') || scan_peek(s, '-'))
      s->p++;
    if (s->p >= s->end || !g_ascii_isdigit(*s->p))
      return scan_syntax(s, "expected a digit in the exponent");
    scan_digits(s);
  }
  return TRUE;
}

static gboolean scan_literal(JsonScan *s, const char *word)
{
  gsize len = strlen(word);

  if ((gsize)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
    return scan_syntax(s, "expected true, false or null");
  s->p += len;
  return TRUE;
}

static gboolean scan_value(JsonScan *s);

/* One level deeper at `p` ('{' or '['), within the limit. */
static gboolean scan_enter(JsonScan *s)
{
  if (++s->depth > APPOINTMENTS_MAX_DEPTH)
    return scan_fail(
        s, s->p, APPOINTMENTS_ERROR_LIMIT,
        "nested more than " G_STRINGIFY(APPOINTMENTS_MAX_DEPTH) " levels deep");
  s->p++;
  scan_space(s);
  return TRUE;
}

/* `"key": value`, the key not one of `keys` (which it joins). */
static gboolean scan_member(JsonScan *s, GHashTable *keys)
{
  g_autoptr(GString) key = g_string_new(NULL);
  const char *at = s->p;

  if (!scan_peek(s, '"'))
    return scan_syntax(s, "expected a key in quotes");
  if (!scan_string(s, key))
    return FALSE;
  g_ptr_array_add(s->path, g_strdup(shown_key(key->str)));
  if (g_hash_table_contains(keys, key->str))
    return scan_fail(s, at, APPOINTMENTS_ERROR_SCHEMA,
                     "the same key twice in one object");
  g_hash_table_add(keys, g_string_free(g_steal_pointer(&key), FALSE));
  scan_space(s);
  if (!scan_peek(s, ':'))
    return scan_syntax(s, "expected ':' after a key");
  s->p++;
  if (!scan_value(s))
    return FALSE;
  g_ptr_array_set_size(s->path, s->path->len - 1);
  return TRUE;
}

static gboolean scan_object(JsonScan *s)
{
  g_autoptr(GHashTable) keys =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

  if (!scan_enter(s))
    return FALSE;
  if (!scan_peek(s, '}')) {
    for (;;) {
      scan_space(s);
      if (!scan_member(s, keys))
        return FALSE;
      scan_space(s);
      if (!scan_peek(s, ','))
        break;
      s->p++;
    }
  }
  if (!scan_peek(s, '}'))
    return scan_syntax(s, "expected ',' or '}'");
  s->p++;
  s->depth--;
  return TRUE;
}

static gboolean scan_array(JsonScan *s)
{
  if (!scan_enter(s))
    return FALSE;
  if (!scan_peek(s, ']')) {
    for (guint i = 0;; i++) {
      g_ptr_array_add(s->path, g_strdup_printf("[%u]", i));
      if (!scan_value(s))
        return FALSE;
      g_ptr_array_set_size(s->path, s->path->len - 1);
      scan_space(s);
      if (!scan_peek(s, ','))
        break;
      s->p++;
    }
  }
  if (!scan_peek(s, ']'))
    return scan_syntax(s, "expected ',' or ']'");
  s->p++;
  s->depth--;
  return TRUE;
}

static gboolean scan_value(JsonScan *s)
{
  scan_space(s);
  if (s->p >= s->end)
    return scan_syntax(s, "expected a value, got the end of the text");
  switch (*s->p) {
  case '{':
    return scan_object(s);
  case '[':
    return scan_array(s);
  case '"':
    return scan_string(s, NULL);
  case 't':
    return scan_literal(s, "true");
  case 'f':
    return scan_literal(s, "false");
  case 'n':
    return scan_literal(s, "null");
  default:
    if (*s->p == '-' || g_ascii_isdigit(*s->p))
      return scan_number(s);
    return scan_syntax(s, "expected a value (text, number, object, list, "
                          "true, false or null)");
  }
}

/* "source:LINE:COLUMN: where: problem" for the scan's first problem; the
 * column counts characters. */
static void scan_set_error(const JsonScan *s, const char *source,
                           GError **error)
{
  int line = 1, column = 1;

  for (const char *p = s->text; p < s->at; p++) {
    if (*p == '\n') {
      line++;
      column = 1;
    } else if (((guchar)*p & 0xC0) != 0x80) {
      column++;
    }
  }
  g_set_error(error, APPOINTMENTS_ERROR, s->code, "%s:%d:%d: %s%s%s", source,
              line, column, s->where, *s->where ? ": " : "", s->problem);
}

/* Checks that `json` is one JSON text within the limits, without repeated
 * keys or NUL characters. Nothing but blanks is left to the schema check
 * ("expected an object, got nothing"). */
static gboolean schedule_scan(const char *source, const char *json, gsize len,
                              GError **error)
{
  JsonScan s = {
      .text = json,
      .end = json + len,
      .p = json,
      .path = g_ptr_array_new_with_free_func(g_free),
  };
  gboolean ok = TRUE;

  scan_space(&s);
  if (s.p < s.end) {
    ok = scan_value(&s);
    scan_space(&s);
    if (ok && s.p < s.end)
      ok = scan_syntax(&s, "a second JSON document or other text after the "
                           "schedule");
  }
  if (!ok)
    scan_set_error(&s, source, error);
  g_ptr_array_unref(s.path);
  g_free(s.where);
  return ok;
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
      return schema_fail(error, where, shown_key(l->data),
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

/* What a text field may hold. Every one of them reaches a screen or the
 * officer's list, so none may hold a control character (a newline, a
 * terminal escape) or a format character (a direction override). */
typedef enum {
  TEXT_SHOWN,       /* any other character */
  TEXT_NAME,        /* a person's name */
  TEXT_LOCATION_ID, /* compared with kiosk.location_id */
} TextRule;

#define ZERO_WIDTH_NON_JOINER 0x200C
#define ZERO_WIDTH_JOINER     0x200D

static gboolean char_is_letter_or_mark(gunichar c)
{
  switch (g_unichar_type(c)) {
  case G_UNICODE_LOWERCASE_LETTER:
  case G_UNICODE_MODIFIER_LETTER:
  case G_UNICODE_OTHER_LETTER:
  case G_UNICODE_TITLECASE_LETTER:
  case G_UNICODE_UPPERCASE_LETTER:
  case G_UNICODE_SPACING_MARK:
  case G_UNICODE_ENCLOSING_MARK:
  case G_UNICODE_NON_SPACING_MARK:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Persian and Indic spellings need the zero-width (non-)joiner between two
 * letters; anywhere else it only hides something. */
static gboolean char_is_joiner(gunichar c)
{
  return c == ZERO_WIDTH_NON_JOINER || c == ZERO_WIDTH_JOINER;
}

/* No control, format (but the joiners), separator other than the space,
 * private or unassigned character. */
static gboolean text_is_shown(const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);

    switch (g_unichar_type(c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_PRIVATE_USE:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return FALSE;
    case G_UNICODE_FORMAT:
      if (!char_is_joiner(c))
        return FALSE;
      break;
    default:
      break;
    }
  }
  return TRUE;
}

/* The apostrophe and hyphen in their typewriter and typographic forms
 * (U+2019 RIGHT SINGLE QUOTATION MARK, U+2010 HYPHEN), and the space. */
static gboolean char_is_name_punctuation(gunichar c)
{
  return c == ' ' || c == '-' || c == '\'' || c == 0x2010 || c == 0x2019;
}

/* Letters and marks in any script, spaces, hyphens and apostrophes, at
 * least one letter; a joiner only between letters or marks. */
static gboolean text_is_name(const char *text)
{
  gboolean letter = FALSE;
  gunichar before = 0;

  for (const char *p = text; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    gunichar after = g_utf8_get_char(g_utf8_next_char(p)); /* 0 at the end */

    if (char_is_letter_or_mark(c)) {
      letter = letter || g_unichar_isalpha(c);
    } else if (char_is_joiner(c)) {
      if (!char_is_letter_or_mark(before) || !char_is_letter_or_mark(after))
        return FALSE;
    } else if (!char_is_name_punctuation(c)) {
      return FALSE;
    }
    before = c;
  }
  return letter;
}

/* A non-empty text of at most TEXT_MAX characters that follows `rule`.
 * The value never goes into the message (it may be a name, or hold a
 * terminal escape). */
static gboolean get_text(JsonObject *object, const char *key, TextRule rule,
                         const char *where, const char **ret_text,
                         GError **error)
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
  if (!text_is_shown(text))
    return schema_fail(error, where, key,
                       "expected a text without control or format "
                       "characters (a newline, an escape, a direction "
                       "override)");
  if (rule == TEXT_NAME && !text_is_name(text))
    return schema_fail(error, where, key,
                       "expected letters, marks, spaces, hyphens and "
                       "apostrophes only");
  if (rule == TEXT_LOCATION_ID && !config_location_id_is_valid(text))
    return schema_fail(error, where, key, "expected %s only",
                       CONFIG_LOCATION_ID_CHARACTERS);
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
  /* Another text is not shown: it may hold anything. */
  return schema_fail(error, where, key, "expected %s, got %s", expected->str,
                     text ? "another text" : json_kind(node));
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
  if (!get_text(object, "name", TEXT_NAME, where, &text, error))
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

  if (!get_text(object, "document_type", TEXT_SHOWN, where, &text, error))
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
    return schema_fail(error, where, "code", "expected %d to %d digits",
                       CODE_MIN, CODE_MAX);
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
                "2026-11-27T10:30:00+01:00");
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
  if (!get_text(object, "location_id", TEXT_LOCATION_ID, where, &text, error))
    return NULL;
  appointment->location_id = g_strdup(text);
  if (!get_text(object, "location_name", TEXT_SHOWN, where, &text, error))
    return NULL;
  appointment->location_name = g_strdup(text);
  appointment->start = get_start(object, where, error);
  if (!appointment->start || !parse_persons(object, appointment, where, error))
    return NULL;
  return g_steal_pointer(&appointment);
}

/* The text scanned strictly, then loaded into `parser`. */
static gboolean schedule_load(JsonParser *parser, const char *source,
                              const char *json, gsize len, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!schedule_scan(source, json, len, error))
    return FALSE;
  if (!json_parser_load_from_data(parser, json, (gssize)len, &local)) {
    /* The scan passed: json-glib disagrees with RFC 8259. Its message may
     * quote the input, so it is not passed on. */
    g_debug("json-glib refused a scanned schedule: code %d", local->code);
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_JSON,
                "%s: not JSON that json-glib can read", source);
    return FALSE;
  }
  return TRUE;
}

/* The whole schedule, validated; NULL and `error` at the first problem. */
static GPtrArray *parse_schedule(const char *source, const char *json,
                                 gsize len, GError **error)
{
  static const char *const keys[] = {"version", "appointments", NULL};
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GHashTable) codes = NULL;
  JsonNode *root, *member;
  JsonObject *object;
  JsonArray *list;

  if (!schedule_load(parser, source, json, len, error))
    return NULL;
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

/* The local date of `time` as a GDate. */
static void local_date(GDateTime *time, GDate *ret_date)
{
  g_autoptr(GDateTime) local = g_date_time_to_local(time);
  int year, month, day;

  g_date_time_get_ymd(local, &year, &month, &day);
  g_date_clear(ret_date, 1);
  g_date_set_dmy(ret_date, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
}

/* Moves every appointment by the same whole number of days, so that the
 * earliest falls on `day`'s local date; each keeps its wall-clock time in
 * the kiosk's time zone (across a change to or from summer time too). A
 * person born after their appointment's new day is an error. */
static gboolean shift_schedule(GPtrArray *schedule, const char *source,
                               GDateTime *day, GError **error)
{
  GDate earliest, target, date;
  int delta;

  if (schedule->len == 0)
    return TRUE;
  local_date(day, &target);
  local_date(((Appointment *)g_ptr_array_index(schedule, 0))->start, &earliest);
  for (guint i = 1; i < schedule->len; i++) {
    local_date(((Appointment *)g_ptr_array_index(schedule, i))->start, &date);
    if (g_date_compare(&date, &earliest) < 0)
      earliest = date;
  }
  delta = g_date_days_between(&earliest, &target);
  for (guint i = 0; i < schedule->len; i++) {
    Appointment *appointment = g_ptr_array_index(schedule, i);
    g_autoptr(GDateTime) local = g_date_time_to_local(appointment->start);
    g_autofree char *new_day = NULL;

    g_date_time_unref(appointment->start);
    appointment->start = g_date_time_add_days(local, delta);
    new_day = g_date_time_format(appointment->start, "%Y-%m-%d");
    for (guint j = 0; j < appointment->persons->len; j++) {
      const Person *person = g_ptr_array_index(appointment->persons, j);

      if (strcmp(person->date_of_birth, new_day) > 0) {
        g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_SCHEMA,
                    "%s: appointments[%u] (code %s): persons[%u]: born after "
                    "the appointment's shifted day",
                    source, i, appointment->code, j);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean import_schedule(sqlite3 *db, const char *source,
                                const char *json, gsize len,
                                GDateTime *shift_to, guint *ret_count,
                                GError **error)
{
  g_autoptr(GPtrArray) schedule = parse_schedule(source, json, len, error);
  g_autoptr(GDateTime) now_time = g_date_time_new_now_utc();
  g_autofree char *now = g_date_time_format_iso8601(now_time);

  if (!schedule)
    return FALSE;
  if (shift_to && !shift_schedule(schedule, source, shift_to, error))
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
  return appointments_import_data_shifted(db, json, len, NULL, ret_count,
                                          error);
}

gboolean appointments_import_data_shifted(sqlite3 *db, const char *json,
                                          gssize len, GDateTime *shift_to,
                                          guint *ret_count, GError **error)
{
  gsize size;

  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(json != NULL, FALSE);

  size = len < 0 ? strlen(json) : (gsize)len;
  if (size > APPOINTMENTS_MAX_BYTES) {
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_LIMIT,
                "schedule: larger than %d bytes", APPOINTMENTS_MAX_BYTES);
    return FALSE;
  }
  return import_schedule(db, "schedule", json, size, shift_to, ret_count,
                         error);
}

static gboolean read_fail(const char *path, int errsv, GError **error)
{
  g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv),
              "%s: cannot read: %s", path,
              errsv == ENOENT ? "no such file" : g_strerror(errsv));
  return FALSE;
}

/* Reads at most APPOINTMENTS_MAX_BYTES + 1 bytes of `fd` into `buffer`: the
 * size that fstat() gave may be wrong (a file in /proc says 0) or change. */
static gboolean read_bounded(int fd, const char *path, GString *buffer,
                             GError **error)
{
  char chunk[65536];

  while (buffer->len <= APPOINTMENTS_MAX_BYTES) {
    ssize_t got = read(fd, chunk, sizeof chunk);

    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return read_fail(path, errno, error);
    if (got == 0)
      return TRUE;
    g_string_append_len(buffer, chunk, got);
  }
  g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_LIMIT,
              "%s: larger than %d bytes", path, APPOINTMENTS_MAX_BYTES);
  return FALSE;
}

/* The file's text, when it is a regular file within the size limit. It is
 * opened without waiting (O_NONBLOCK), so a FIFO without a writer is
 * refused rather than waited on, and /dev/zero is never read. */
static GString *schedule_read(const char *path, GError **error)
{
  g_autoptr(GString) buffer = NULL;
  struct stat st;
  gboolean ok = FALSE;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

  if (fd < 0) {
    read_fail(path, errno, error);
    return NULL;
  }
  if (fstat(fd, &st) != 0)
    read_fail(path, errno, error);
  else if (S_ISDIR(st.st_mode))
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                "%s: cannot read: a folder, not a file", path);
  else if (!S_ISREG(st.st_mode))
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "%s: cannot read: not a regular file", path);
  else if (st.st_size > APPOINTMENTS_MAX_BYTES)
    g_set_error(error, APPOINTMENTS_ERROR, APPOINTMENTS_ERROR_LIMIT,
                "%s: larger than %d bytes", path, APPOINTMENTS_MAX_BYTES);
  else {
    buffer = g_string_sized_new((gsize)st.st_size + 1);
    ok = read_bounded(fd, path, buffer, error);
  }
  close(fd);
  return ok ? g_steal_pointer(&buffer) : NULL;
}

gboolean appointments_import_file(sqlite3 *db, const char *path,
                                  guint *ret_count, GError **error)
{
  return appointments_import_file_shifted(db, path, NULL, ret_count, error);
}

gboolean appointments_import_file_shifted(sqlite3 *db, const char *path,
                                          GDateTime *shift_to, guint *ret_count,
                                          GError **error)
{
  g_autoptr(GString) json = NULL;

  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(path != NULL, FALSE);

  json = schedule_read(path, error);
  if (!json)
    return FALSE;
  return import_schedule(db, path, json->str, json->len, shift_to, ret_count,
                         error);
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
