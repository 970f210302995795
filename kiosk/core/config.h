/* The kiosk's configuration: a GLib key file (config/biokiosk.conf, also
 * embedded in the binary as the defaults), loaded once and validated against
 * a schema. Any unknown group or key, missing required key or wrong type is
 * an error naming the file, the key (and line where known) and what was
 * expected. Command-line options override single keys afterwards. The type
 * and its schema are pure; store/settings.h reads the files. */
#pragma once

#include <glib.h>

#define CONFIG_ERROR (config_error_quark())
GQuark config_error_quark(void);

typedef enum {
  CONFIG_ERROR_NOT_FOUND, /* the file does not exist / cannot be read */
  CONFIG_ERROR_PARSE,     /* not a key file; message has the line */
  CONFIG_ERROR_UNKNOWN,   /* unknown group or key */
  CONFIG_ERROR_TYPE,      /* wrong type or out of range */
  CONFIG_ERROR_MISSING,   /* a required key is absent */
} ConfigError;

typedef struct {
  char *source; /* file path, or "(embedded defaults)" */

  /* [kiosk] */
  char *location_id;   /* e.g. "IND-ZWL" */
  char *location_name; /* shown on screen and in "go to" messages */
  char *language;      /* "nl" or "en" */
  char *banner;        /* notice banner text, may be "" */
  int idle_timeout_s;  /* screen clears after this much inactivity */

  /* [devices] backend names and their options ([camera], [reader], [pad]
   * groups: every key there is passed to the backend as a string). */
  char *camera_backend;
  char *reader_backend;
  char *pad_backend;
  GHashTable *camera_options; /* char* -> char* */
  GHashTable *reader_options;
  GHashTable *pad_options;

  /* [paths] relative paths are resolved against state_dir */
  char *state_dir;             /* "" = $XDG_STATE_HOME/biokiosk */
  char *database;              /* SQLite file */
  char *outbox;                /* upload target for the file:// uploader */
  char *backoffice_public_key; /* base64 X25519 key records are sealed to;
                                  "" = generate a demo key pair in state_dir */

  /* [policy] (the desk's rules, kept out of code) */
  int photo_card_under_months;     /* 12: younger children go by post */
  int fingerprint_min_age;         /* 6: no fingerprints below */
  int *fingerprint_recapture_ages; /* 6, 12, 18 */
  gsize n_fingerprint_recapture_ages;
  int signature_min_age;     /* 12: younger children do not sign */
  int checkin_early_minutes; /* how early one may check in */
  int checkin_late_minutes;  /* how late one may still check in */
  int checkin_max_attempts;  /* wrong codes before a lockout */
  int checkin_lockout_s;     /* length of that lockout */

  /* [officer] */
  char *officer_pin_hash; /* argon2id string (libsodium crypto_pwhash_str) */
  int officer_max_attempts;
  int officer_lockout_s;
} KioskConfig;

/* Byte length of the back-office public key (X25519) and the prefix of an
 * argon2id hash string, which the schema checks by shape. */
#define CONFIG_PUBLIC_KEY_BYTES 32
#define CONFIG_ARGON2ID_PREFIX  "$argon2id$"

/* Builds a configuration from the text of the embedded defaults and, when
 * `text` is not NULL, the text of a file named `source` (validated as a
 * whole file that must name its backends; its device options replace the
 * defaults'). Pure: reading files is store/settings.h's config_load(). */
KioskConfig *config_parse(const char *defaults, const char *source,
                          const char *text, GError **error);

/* Overrides one key given as "group.key=value" (the --set option), with the
 * same validation as the file. */
gboolean config_override(KioskConfig *config, const char *assignment,
                         GError **error);

void config_free(KioskConfig *config); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KioskConfig, config_free)
