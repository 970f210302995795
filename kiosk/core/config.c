/* Loading and validating the kiosk's key-file configuration against one
 * table-driven schema (group, key, type, range, place in KioskConfig), so
 * that the file, the embedded defaults and --set overrides all go through the
 * same checks and produce the same one-line messages. */
#include "config.h"

#include <string.h>

#include "officer.h"

#include "finger-plan.h"
#include "log.h"

G_DEFINE_QUARK(biokiosk - config - error - quark, config_error)

#define CONFIG_EMBEDDED_SOURCE "(embedded defaults)"

typedef enum {
  FIELD_STRING,
  FIELD_INT,
  FIELD_INT_LIST, /* ';'-separated, ascending */
} FieldType;

enum {
  FIELD_REQUIRED = 1 << 0, /* every file must set it */
  FIELD_NONEMPTY = 1 << 1, /* strings: "" is refused */
};

/* Extra check of a string value; returns NULL when fine, else what was
 * expected (a new string, which never quotes the value). */
typedef char *(*FieldCheck)(const char *value);

typedef struct {
  const char *group;
  const char *key;
  FieldType type;
  guint flags;
  int min, max;               /* INT, INT_LIST items; STRING: max length */
  const char *const *choices; /* STRING: the allowed values, or NULL */
  FieldCheck check;           /* STRING: extra check, or NULL */
  gsize offset;               /* of the value in KioskConfig */
  gsize count_offset;         /* INT_LIST: of its gsize length */
} ConfigField;

/* Moves *p past `c` when it is there. */
static gboolean phc_char(const char **p, char c)
{
  if (**p != c)
    return FALSE;
  (*p)++;
  return TRUE;
}

/* "name=decimal" at *p: no sign, no leading zero, at most 32 bits. */
static gboolean phc_number(const char **p, const char *name, guint64 *ret)
{
  gsize len = strlen(name);
  const char *q = *p;
  guint64 value = 0;

  if (strncmp(q, name, len) != 0 || q[len] != '=')
    return FALSE;
  q += len + 1;
  if (!g_ascii_isdigit(*q) || (q[0] == '0' && g_ascii_isdigit(q[1])))
    return FALSE;
  for (; g_ascii_isdigit(*q); q++) {
    value = value * 10 + (guint64)(*q - '0');
    if (value > G_MAXUINT32)
      return FALSE;
  }
  *ret = value;
  *p = q;
  return TRUE;
}

/* Unpadded base64 at *p of `n_bytes`, in the canonical form libsodium's
 * decoder demands (the unused low bits of the last character zero). */
static gboolean phc_base64(const char **p, gsize n_bytes)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "abcdefghijklmnopqrstuvwxyz0123456789+/";
  gsize len = strspn(*p, alphabet);
  gsize bytes = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
  int last;

  if (len == 0 || len % 4 == 1 || bytes != n_bytes)
    return FALSE;
  last = (int)(strchr(alphabet, (*p)[len - 1]) - alphabet);
  if ((len % 4 == 2 && (last & 0x0F)) || (len % 4 == 3 && (last & 0x03)))
    return FALSE;
  *p += len;
  return TRUE;
}

#define PIN_HASH_FORM                                                          \
  "a whole argon2id hash from crypto_pwhash_str "                              \
  "($argon2id$v=19$m=...,t=...,p=1$salt$hash)"

/* The whole PHC string, with its cost in the limits of config.h. */
static char *config_check_pin_hash(const char *value)
{
  const char *p = value;
  guint64 version = 0, memory_kib = 0, passes = 0, lanes = 0;

  /* libsodium refuses a string of STRBYTES or more. */
  if (strlen(value) >= CONFIG_PIN_HASH_STRBYTES ||
      !g_str_has_prefix(p, CONFIG_ARGON2ID_PREFIX))
    return g_strdup(PIN_HASH_FORM);
  p += strlen(CONFIG_ARGON2ID_PREFIX);
  if (!phc_number(&p, "v", &version) || !phc_char(&p, '$') ||
      !phc_number(&p, "m", &memory_kib) || !phc_char(&p, ',') ||
      !phc_number(&p, "t", &passes) || !phc_char(&p, ',') ||
      !phc_number(&p, "p", &lanes) || !phc_char(&p, '$') ||
      !phc_base64(&p, CONFIG_PIN_SALT_BYTES) || !phc_char(&p, '$') ||
      !phc_base64(&p, CONFIG_PIN_HASH_BYTES) || *p)
    return g_strdup(PIN_HASH_FORM);
  if (version != CONFIG_ARGON2ID_VERSION || lanes != CONFIG_ARGON2ID_LANES)
    return g_strdup_printf("an argon2id hash with v=%d and p=%d, as "
                           "crypto_pwhash_str makes",
                           CONFIG_ARGON2ID_VERSION, CONFIG_ARGON2ID_LANES);
  if (memory_kib * 1024 < CONFIG_PIN_MEMLIMIT_MIN ||
      memory_kib * 1024 > CONFIG_PIN_MEMLIMIT_MAX ||
      passes < CONFIG_PIN_OPSLIMIT_MIN || passes > CONFIG_PIN_OPSLIMIT_MAX)
    return g_strdup_printf("an argon2id hash costing m=%u..%u, t=%u..%u "
                           "(libsodium's interactive to sensitive limits)",
                           CONFIG_PIN_MEMLIMIT_MIN / 1024,
                           CONFIG_PIN_MEMLIMIT_MAX / 1024,
                           CONFIG_PIN_OPSLIMIT_MIN, CONFIG_PIN_OPSLIMIT_MAX);
  return NULL;
}

char *config_pin_hash_problem(const char *value)
{
  g_return_val_if_fail(value != NULL, NULL);
  return config_check_pin_hash(value);
}

/* [officer] four_eyes: the officer actions of officer.h. */
static char *config_check_four_eyes(const char *value)
{
  guint actions;

  if (!officer_four_eyes_parse(value, &actions))
    return g_strdup("a comma-separated list of " OFFICER_FOUR_EYES_NAMES
                    ", or none");
  return NULL;
}

/* The technician's PIN hash: empty (no technician screen) or a whole one. */
static char *config_check_optional_pin_hash(const char *value)
{
  if (!*value)
    return NULL;
  return config_check_pin_hash(value);
}

gboolean config_location_id_is_valid(const char *text)
{
  g_return_val_if_fail(text != NULL, FALSE);
  return strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789-_.") == strlen(text);
}

static char *config_check_location_id(const char *value)
{
  if (!config_location_id_is_valid(value))
    return g_strdup_printf("%s only", CONFIG_LOCATION_ID_CHARACTERS);
  return NULL;
}

/* A base64 (standard alphabet, padded) X25519 public key: 32 bytes are 43
 * characters and one '='. Checked here by shape; store/ decodes it. */
static char *config_check_public_key(const char *value)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "abcdefghijklmnopqrstuvwxyz0123456789+/";
  const gsize encoded = 4 * ((CONFIG_PUBLIC_KEY_BYTES + 2) / 3);

  if (!*value)
    return NULL;
  if (strlen(value) != encoded || value[encoded - 1] != '=' ||
      strspn(value, alphabet) != encoded - 1)
    return g_strdup("empty or a base64 X25519 public key (32 bytes)");
  return NULL;
}

/* The languages with a catalogue (po/LINGUAS) and English; the same codes
 * as i18n_known_languages() (kiosk/core/i18n.c), which tests/unit/test-i18n.c
 * checks. */
static const char *const config_languages[] = {"nl", "en", "ar", "tr",
                                               "uk", "fa", "ti", NULL};
static const char *const config_yes_no[] = {"no", "yes", NULL};

#define STR(g, k, fl, maxlen, field)                                           \
  {                                                                            \
    g, k, FIELD_STRING, fl, 0, maxlen, NULL, NULL,                             \
        G_STRUCT_OFFSET(KioskConfig, field), 0                                 \
  }
#define STR_CHECK(g, k, fl, maxlen, check, field)                              \
  {                                                                            \
    g, k, FIELD_STRING, fl, 0, maxlen, NULL, check,                            \
        G_STRUCT_OFFSET(KioskConfig, field), 0                                 \
  }
#define STR_CHOICE(g, k, fl, choices, field)                                   \
  {                                                                            \
    g, k, FIELD_STRING, fl, 0, 0, choices, NULL,                               \
        G_STRUCT_OFFSET(KioskConfig, field), 0                                 \
  }
#define INT(g, k, fl, lo, hi, field)                                           \
  {                                                                            \
    g, k, FIELD_INT, fl, lo, hi, NULL, NULL,                                   \
        G_STRUCT_OFFSET(KioskConfig, field), 0                                 \
  }
#define INT_LIST(g, k, fl, lo, hi, field, count)                               \
  {                                                                            \
    g, k, FIELD_INT_LIST, fl, lo, hi, NULL, NULL,                              \
        G_STRUCT_OFFSET(KioskConfig, field),                                   \
        G_STRUCT_OFFSET(KioskConfig, count)                                    \
  }

#define REQ (FIELD_REQUIRED | FIELD_NONEMPTY)

static const ConfigField config_schema[] = {
    STR_CHECK("kiosk", "location_id", REQ, 32, config_check_location_id,
              location_id),
    STR("kiosk", "location_name", REQ, 80, location_name),
    STR_CHOICE("kiosk", "language", FIELD_NONEMPTY, config_languages, language),
    STR("kiosk", "banner", 0, 200, banner),
    STR_CHOICE("kiosk", "allow_training", 0, config_yes_no, allow_training),
    INT("kiosk", "idle_timeout_s", 0, 10, 3600, idle_timeout_s),
    INT("kiosk", "idle_warning_s", 0, 0, 60, idle_warning_s),
    STR_CHOICE("kiosk", "camera_height_adjustable", 0, config_yes_no,
               camera_height_adjustable),
    STR_CHECK("kiosk", "technician_pin_hash", 0, 0,
              config_check_optional_pin_hash, technician_pin_hash),
    STR("kiosk", "technician_export_dir", 0, 0, technician_export_dir),

    STR("devices", "camera", REQ, 32, camera_backend),
    STR("devices", "reader", REQ, 32, reader_backend),
    STR("devices", "pad", REQ, 32, pad_backend),

    STR("paths", "state_dir", 0, 0, state_dir),
    STR("paths", "database", FIELD_NONEMPTY, 0, database),
    STR("paths", "outbox", FIELD_NONEMPTY, 0, outbox),
    STR_CHECK("paths", "backoffice_public_key", 0, 0, config_check_public_key,
              backoffice_public_key),

    STR("upload", "target", 0, 2048, upload_target),
    STR("upload", "ca", 0, 0, upload_ca),
    STR("upload", "cert", 0, 0, upload_cert),
    STR("upload", "key", 0, 0, upload_key),
    STR("upload", "pinned_public_key", 0, 1024, upload_pinned_public_key),
    INT("upload", "connect_timeout_s", 0, 1, 600, upload_connect_timeout_s),
    INT("upload", "transfer_timeout_s", 0, 1, 86400, upload_transfer_timeout_s),
    INT("upload", "low_speed_time_s", 0, 1, 3600, upload_low_speed_time_s),
    INT("upload", "low_speed_bytes_s", 0, 1, 1000000000,
        upload_low_speed_bytes_s),
    STR("upload", "region", 0, 64, upload_region),
    STR("upload", "endpoint", 0, 2048, upload_endpoint),
    STR("upload", "credentials", 0, 0, upload_credentials),
    INT("upload", "multipart_threshold_mb", 0, 5, 5000,
        upload_multipart_threshold_mb),
    INT("upload", "heartbeat_interval_s", 0, 0, 86400,
        upload_heartbeat_interval_s),

    INT("policy", "photo_card_under_months", 0, 0, 60, photo_card_under_months),
    INT("policy", "fingerprint_min_age", 0, 0, 120, fingerprint_min_age),
    INT_LIST("policy", "fingerprint_recapture_ages", 0, 0, 120,
             fingerprint_recapture_ages, n_fingerprint_recapture_ages),
    INT("policy", "signature_min_age", 0, 0, 120, signature_min_age),
    INT("policy", "checkin_early_minutes", 0, 0, 1440, checkin_early_minutes),
    INT("policy", "checkin_late_minutes", 0, 0, 1440, checkin_late_minutes),
    INT("policy", "checkin_max_attempts", 0, 1, 100, checkin_max_attempts),
    INT("policy", "checkin_lockout_s", 0, 1, 86400, checkin_lockout_s),

    STR_CHECK("officer", "pin_hash", REQ, 0, config_check_pin_hash,
              officer_pin_hash),
    INT("officer", "max_attempts", 0, 1, 100, officer_max_attempts),
    INT("officer", "lockout_s", 0, 1, 86400, officer_lockout_s),
    INT("officer", "idle_lock_s", 0, 0, 3600, officer_idle_lock_s),
    INT("officer", "idle_lock_warning_s", 0, 0, 60,
        officer_idle_lock_warning_s),
    STR_CHECK("officer", "four_eyes", 0, 200, config_check_four_eyes,
              officer_four_eyes),

    INT("retention", "appointment_days", 0, 0, 90, retention_appointment_days),
    INT("retention", "unacked_days", 0, 0, 365, retention_unacked_days),
    INT("retention", "unacked_grace_days", 0, 0, 365,
        retention_unacked_grace_days),
    INT("retention", "audit_days", 0, 0, 3650, retention_audit_days),

    STR_CHECK("fingerprint", "plan", FIELD_NONEMPTY, 400, finger_plan_check,
              fingerprint_plan),

    STR_CHOICE("log", "level", FIELD_NONEMPTY, log_level_names, log_level),

    STR_CHOICE("speech", "enabled", 0, config_yes_no, speech_enabled),
    STR("speech", "device", 0, 200, speech_device),
    INT("speech", "rate", 0, 80, 300, speech_rate),
};

/* [photo]: the photo validator's limits, each a number in the range
 * config/photo-limits.def gives it (the list capture/photo.h's PhotoLimits
 * is made of), and the kiosk's own photo settings (config/photo-kiosk.def).
 * Returns what was expected, or NULL when the value fits. */
static char *config_check_photo_limit(const char *key, const char *value)
{
  static const struct {
    const char *key;
    double lo, hi;
  } limits[] = {
#define PHOTO_LIMIT(key, def, lo, hi) {#key, lo, hi},
#include "photo-limits.def"
#undef PHOTO_LIMIT
#define PHOTO_KIOSK(key, def, lo, hi) {#key, lo, hi},
#include "photo-kiosk.def"
#undef PHOTO_KIOSK
  };
  g_autofree char *trimmed = g_strstrip(g_strdup(value));
  char *end = NULL;
  double number = g_ascii_strtod(trimmed, &end);

  for (gsize i = 0; i < G_N_ELEMENTS(limits); i++) {
    if (strcmp(limits[i].key, key) != 0)
      continue;
    if (!*trimmed || *end ||
        !(number >= limits[i].lo && number <= limits[i].hi))
      return g_strdup_printf("expected a number %g..%g", limits[i].lo,
                             limits[i].hi);
    return NULL;
  }
  return g_strdup("unknown key (the limits are in docs/photo-validator.md)");
}

/* Groups whose keys are free-form backend options, and [photo], whose keys
 * are checked by `check` (NULL: any text). */
static const struct {
  const char *group;
  gsize offset;
  char *(*check)(const char *key, const char *value);
} config_option_groups[] = {
    {"camera", G_STRUCT_OFFSET(KioskConfig, camera_options)},
    {"reader", G_STRUCT_OFFSET(KioskConfig, reader_options)},
    {"pad", G_STRUCT_OFFSET(KioskConfig, pad_options)},
    {"photo", G_STRUCT_OFFSET(KioskConfig, photo_limits),
     config_check_photo_limit},
};

static const char *const config_groups[] = {
    "kiosk",       "devices", "camera", "reader",  "pad",
    "paths",       "upload",  "policy", "officer", "retention",
    "fingerprint", "log",     "photo",  "speech",  NULL,
};

/* A group or key name as messages show it: itself when it is a plain name,
 * as every name of the schema is; anything else could hold a terminal
 * escape or a secret pasted on the wrong line. */
static const char *config_shown_name(const char *name)
{
  gsize len = strlen(name);

  if (len == 0 || len > 64 ||
      strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-_.") != len)
    return "(not a plain name)";
  return name;
}

static const ConfigField *config_schema_find(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_schema); i++)
    if (strcmp(config_schema[i].group, group) == 0 &&
        strcmp(config_schema[i].key, key) == 0)
      return &config_schema[i];
  return NULL;
}

/* The check of an option group's keys, or NULL. */
static char *config_option_check(const char *group, const char *key,
                                 const char *value)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_option_groups); i++)
    if (strcmp(config_option_groups[i].group, group) == 0 &&
        config_option_groups[i].check)
      return config_option_groups[i].check(key, value);
  return NULL;
}

static GHashTable **config_option_table(KioskConfig *config, const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_option_groups); i++)
    if (strcmp(config_option_groups[i].group, group) == 0)
      return G_STRUCT_MEMBER_P(config, config_option_groups[i].offset);
  return NULL;
}

/* Where each group and key sits in the text, for messages (GKeyFile does not
 * say). Also finds the first line that is not a key file line. */
typedef struct {
  GHashTable *lines; /* "group" or "group\nkey" -> line number */
  int bad_line;      /* first malformed line, 0 when none */
} ConfigLines;

static void config_lines_clear(ConfigLines *lines)
{
  g_clear_pointer(&lines->lines, g_hash_table_unref);
}

static void config_lines_scan(ConfigLines *lines, const char *text)
{
  g_auto(GStrv) split = g_strsplit(text, "\n", -1);
  g_autofree char *group = NULL;

  lines->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; split[i]; i++) {
    char *line = g_strstrip(split[i]);
    const char *eq;

    if (!*line || *line == '#')
      continue;
    if (*line == '[' && line[strlen(line) - 1] == ']') {
      g_free(group);
      group = g_strndup(line + 1, strlen(line) - 2);
      g_hash_table_insert(lines->lines, g_strdup(group),
                          GINT_TO_POINTER(i + 1));
      continue;
    }
    eq = strchr(line, '=');
    if (eq && group && eq != line) {
      g_autofree char *key = g_strndup(line, eq - line);
      g_hash_table_insert(lines->lines,
                          g_strdup_printf("%s\n%s", group, g_strstrip(key)),
                          GINT_TO_POINTER(i + 1));
      continue;
    }
    if (!lines->bad_line)
      lines->bad_line = i + 1;
  }
}

static int config_lines_find(const ConfigLines *lines, const char *group,
                             const char *key)
{
  g_autofree char *id =
      key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);

  if (!lines || !lines->lines)
    return 0;
  return GPOINTER_TO_INT(g_hash_table_lookup(lines->lines, id));
}

/* "source:line: " or "source: " */
static char *config_where(const char *source, int line)
{
  if (line > 0)
    return g_strdup_printf("%s:%d", source, line);
  return g_strdup(source);
}

static gboolean config_parse_int(const char *text, int min, int max,
                                 int *ret_value)
{
  gint64 value;

  if (!g_ascii_string_to_signed(text, 10, min, max, &value, NULL))
    return FALSE;
  *ret_value = (int)value;
  return TRUE;
}

/* Parses `text` for `field` into `config`, replacing the old value. On
 * failure returns what was expected (a new string) and leaves `config`
 * unchanged. */
static char *config_field_set(KioskConfig *config, const ConfigField *field,
                              const char *text)
{
  gpointer slot = G_STRUCT_MEMBER_P(config, field->offset);

  switch (field->type) {
  case FIELD_STRING: {
    g_autofree char *problem = NULL;

    if ((field->flags & FIELD_NONEMPTY) && !*text)
      return g_strdup("expected a non-empty text");
    if (field->max > 0 && g_utf8_strlen(text, -1) > field->max)
      return g_strdup_printf("expected at most %d characters", field->max);
    if (field->choices && !g_strv_contains(field->choices, text)) {
      g_autofree char *list = g_strjoinv(" or ", (char **)field->choices);
      return g_strdup_printf("expected %s", list);
    }
    if (field->check && (problem = field->check(text)))
      return g_strdup_printf("expected %s", problem);
    g_free(*(char **)slot);
    *(char **)slot = g_strdup(text);
    return NULL;
  }
  case FIELD_INT: {
    int value;
    g_autofree char *trimmed = g_strstrip(g_strdup(text));

    if (!config_parse_int(trimmed, field->min, field->max, &value))
      return g_strdup_printf("expected a whole number %d..%d", field->min,
                             field->max);
    *(int *)slot = value;
    return NULL;
  }
  case FIELD_INT_LIST: {
    g_auto(GStrv) items = g_strsplit(text, ";", -1);
    g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(int));
    gsize *count = G_STRUCT_MEMBER_P(config, field->count_offset);

    for (gsize i = 0; items[i]; i++) {
      int value;
      char *item = g_strstrip(items[i]);

      /* GKeyFile lists may end with the separator. */
      if (!*item && !items[i + 1] && i > 0)
        break;
      if (!config_parse_int(item, field->min, field->max, &value) ||
          (values->len > 0 &&
           value <= g_array_index(values, int, values->len - 1)))
        return g_strdup_printf("expected ascending whole numbers %d..%d "
                               "separated by ';'",
                               field->min, field->max);
      g_array_append_val(values, value);
    }
    g_free(*(int **)slot);
    *count = values->len;
    *(int **)slot = (int *)g_array_free(g_steal_pointer(&values), FALSE);
    return NULL;
  }
  }
  g_assert_not_reached();
}

static KioskConfig *config_new(void)
{
  KioskConfig *config = g_new0(KioskConfig, 1);

  for (gsize i = 0; i < G_N_ELEMENTS(config_option_groups); i++)
    *(GHashTable **)G_STRUCT_MEMBER_P(config, config_option_groups[i].offset) =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  return config;
}

/* Loads `text` into `keyfile`, naming the first line that is not key-file
 * syntax when there is one. */
static gboolean config_load_keyfile(GKeyFile *keyfile, const char *source,
                                    const char *text, const ConfigLines *lines,
                                    GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *where = NULL;

  if (g_key_file_load_from_data(keyfile, text, (gsize)-1, G_KEY_FILE_NONE,
                                &local))
    return TRUE;
  /* Neither the line nor GKeyFile's message (which quotes it) is shown:
   * it may hold a secret pasted in the wrong place, or a terminal escape. */
  where = config_where(source, lines->bad_line);
  if (lines->bad_line)
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_PARSE,
                "%s: expected '[group]', 'key = value' or '# comment'", where);
  else
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_PARSE,
                "%s: not a key file (%s)", where,
                g_error_matches(local, G_KEY_FILE_ERROR,
                                G_KEY_FILE_ERROR_UNKNOWN_ENCODING)
                    ? "not UTF-8"
                    : "key-file syntax error");
  return FALSE;
}

/* One key: into its option table when the group has one (`options`), else
 * checked against the schema and set in `config`. */
static gboolean config_apply_key(KioskConfig *config, GKeyFile *keyfile,
                                 const char *source, const ConfigLines *lines,
                                 const char *group, const char *key,
                                 GHashTable **options, GError **error)
{
  g_autoptr(GError) local = NULL;
  const ConfigField *field = NULL;
  g_autofree char *value = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *where =
      config_where(source, config_lines_find(lines, group, key));

  if (!options && !(field = config_schema_find(group, key))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                "%s: [%s] %s: unknown key", where, group,
                config_shown_name(key));
    return FALSE;
  }
  if (options || field->type == FIELD_STRING)
    value = g_key_file_get_string(keyfile, group, key, &local);
  else
    value = g_key_file_get_value(keyfile, group, key, &local);
  if (!value) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE,
                "%s: [%s] %s: expected a text (a bad escape, or not UTF-8)",
                where, group, config_shown_name(key));
    return FALSE;
  }
  if (options && (problem = config_option_check(group, key, value))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE, "%s: [%s] %s: %s",
                where, group, config_shown_name(key), problem);
    return FALSE;
  }
  if (options) {
    g_hash_table_replace(*options, g_strdup(key), g_steal_pointer(&value));
    return TRUE;
  }
  if ((problem = config_field_set(config, field, value))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE, "%s: [%s] %s: %s",
                where, group, key, problem);
    return FALSE;
  }
  return TRUE;
}

static gboolean config_apply_group(KioskConfig *config, GKeyFile *keyfile,
                                   const char *source, const ConfigLines *lines,
                                   const char *group, GError **error)
{
  GHashTable **options = config_option_table(config, group);
  g_auto(GStrv) keys = NULL;

  if (!g_strv_contains(config_groups, group)) {
    g_autofree char *where =
        config_where(source, config_lines_find(lines, group, NULL));
    g_autofree char *known = g_strjoinv(", ", (char **)config_groups);
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                "%s: unknown group [%s] (expected one of %s)", where,
                config_shown_name(group), known);
    return FALSE;
  }
  keys = g_key_file_get_keys(keyfile, group, NULL, NULL);
  for (gsize k = 0; keys[k]; k++)
    if (!config_apply_key(config, keyfile, source, lines, group, keys[k],
                          options, error))
      return FALSE;
  return TRUE;
}

/* With `complete`, every key of the schema must be in `keyfile`; otherwise
 * only the required ones. */
static gboolean config_check_missing(GKeyFile *keyfile, const char *source,
                                     gboolean complete, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_schema); i++) {
    const ConfigField *field = &config_schema[i];

    if ((complete || (field->flags & FIELD_REQUIRED)) &&
        !g_key_file_has_key(keyfile, field->group, field->key, NULL)) {
      g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_MISSING,
                  "%s: [%s] %s: required key is missing", source, field->group,
                  field->key);
      return FALSE;
    }
  }
  return TRUE;
}

/* Applies every group and key of `keyfile` (text `text`, named `source`) to
 * `config`. With `complete`, every key of the schema must be present (the
 * embedded defaults); otherwise only the required ones. */
static gboolean config_apply_keyfile(KioskConfig *config, const char *source,
                                     const char *text, gboolean complete,
                                     GError **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new();
  g_auto(GStrv) groups = NULL;
  ConfigLines lines = {0};
  gboolean ok;

  config_lines_scan(&lines, text);
  ok = config_load_keyfile(keyfile, source, text, &lines, error);
  if (ok) {
    groups = g_key_file_get_groups(keyfile, NULL);
    for (gsize g = 0; ok && groups[g]; g++)
      ok =
          config_apply_group(config, keyfile, source, &lines, groups[g], error);
  }
  ok = ok && config_check_missing(keyfile, source, complete, error);
  config_lines_clear(&lines);
  return ok;
}

KioskConfig *config_parse(const char *defaults, const char *source,
                          const char *text, GError **error)
{
  g_autoptr(KioskConfig) config = config_new();

  g_return_val_if_fail(defaults != NULL, NULL);
  config->source = g_strdup(CONFIG_EMBEDDED_SOURCE);
  if (!config_apply_keyfile(config, CONFIG_EMBEDDED_SOURCE, defaults, TRUE,
                            error))
    return NULL;
  if (!text)
    return g_steal_pointer(&config);
  g_free(config->source);
  config->source = g_strdup(source);
  /* Backend options belong to the backends a file names (every file must
   * name them): the defaults' demo options do not carry over. */
  for (gsize i = 0; i < G_N_ELEMENTS(config_option_groups); i++)
    g_hash_table_remove_all(*(GHashTable **)G_STRUCT_MEMBER_P(
        config, config_option_groups[i].offset));
  if (!config_apply_keyfile(config, source, text, FALSE, error))
    return NULL;
  return g_steal_pointer(&config);
}

gboolean config_override(KioskConfig *config, const char *assignment,
                         GError **error)
{
  const char *eq, *dot;
  g_autofree char *group = NULL;
  g_autofree char *key = NULL;
  g_autofree char *problem = NULL;
  const ConfigField *field;
  GHashTable **options;

  g_return_val_if_fail(config != NULL, FALSE);
  g_return_val_if_fail(assignment != NULL, FALSE);

  eq = strchr(assignment, '=');
  dot = strchr(assignment, '.');
  if (!eq || !dot || dot > eq || dot == assignment || dot + 1 == eq) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_PARSE,
                "--set: expected group.key=value");
    return FALSE;
  }
  group = g_strndup(assignment, dot - assignment);
  key = g_strndup(dot + 1, eq - dot - 1);

  if (!g_strv_contains(config_groups, group)) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                "--set: unknown group [%s]", config_shown_name(group));
    return FALSE;
  }
  if ((options = config_option_table(config, group)) &&
      (problem = config_option_check(group, key, eq + 1))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE, "--set: [%s] %s: %s",
                group, config_shown_name(key), problem);
    return FALSE;
  }
  if (options) {
    g_hash_table_replace(*options, g_steal_pointer(&key), g_strdup(eq + 1));
    return TRUE;
  }
  if (!(field = config_schema_find(group, key))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_UNKNOWN,
                "--set: [%s] %s: unknown key", group, config_shown_name(key));
    return FALSE;
  }
  if ((problem = config_field_set(config, field, eq + 1))) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_TYPE, "--set: [%s] %s: %s",
                group, key, problem);
    return FALSE;
  }
  return TRUE;
}

void config_free(KioskConfig *config)
{
  if (!config)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(config_schema); i++) {
    gpointer slot = G_STRUCT_MEMBER_P(config, config_schema[i].offset);
    /* Every field type but INT owns heap memory at its offset. */
    if (config_schema[i].type != FIELD_INT)
      g_free(*(gpointer *)slot);
  }
  for (gsize i = 0; i < G_N_ELEMENTS(config_option_groups); i++) {
    GHashTable **table =
        G_STRUCT_MEMBER_P(config, config_option_groups[i].offset);
    g_clear_pointer(table, g_hash_table_unref);
  }
  g_free(config->source);
  g_free(config);
}
