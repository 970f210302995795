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
  char *location_id;    /* e.g. "IND-ZWL" */
  char *location_name;  /* shown on screen and in "go to" messages */
  char *language;       /* "nl", "en", "ar", "tr", "uk", "fa" or "ti" */
  char *banner;         /* notice banner text, may be "" */
  char *allow_training; /* "yes": training mode even with a real key */
  int idle_timeout_s;   /* screen clears after this much inactivity */
  int idle_warning_s;   /* "Do you need more time?" this long before; 0 = no
                           prompt (at most half of idle_timeout_s shows) */
  char *camera_height_adjustable; /* "yes": the applicant can move the
                                     camera (height guidance says how) */
  /* argon2id string, as officer.pin_hash; "" = no technician screen */
  char *technician_pin_hash;
  /* where the technician screen exports (a USB stick's mount point) */
  char *technician_export_dir;

  /* [devices] backend names and their options ([camera], [reader], [pad]
   * groups: every key there is passed to the backend as a string). */
  char *camera_backend;
  char *reader_backend;
  char *pad_backend;
  GHashTable *camera_options; /* char* -> char* */
  GHashTable *reader_options;
  GHashTable *pad_options;
  /* [photo]: the photo validator's limits by name (config/photo-limits.def),
   * as text, each checked to be a number in its range when read */
  GHashTable *photo_limits;

  /* [paths] relative paths are resolved against state_dir */
  char *state_dir;             /* "" = $XDG_STATE_HOME/biokiosk */
  char *database;              /* SQLite file */
  char *outbox;                /* upload target for the file:// uploader */
  char *backoffice_public_key; /* base64 X25519 key records are sealed to;
                                  "" = generate a demo key pair in state_dir */

  /* [upload] where sealed records go and how (docs/delivery.md). Paths
   * are resolved against state_dir; store/settings.h turns these into a
   * target URL and TransportOptions and checks the files. */
  char *upload_target;            /* URL; "" = file:// of paths.outbox */
  char *upload_ca;                /* PEM CA file: the only trust (https) */
  char *upload_cert;              /* kiosk's client certificate (PEM) */
  char *upload_key;               /* its private key (PEM) */
  char *upload_pinned_public_key; /* "sha256//<base64>", or "" */
  int upload_connect_timeout_s;
  int upload_transfer_timeout_s;
  int upload_low_speed_time_s;
  int upload_low_speed_bytes_s;
  char *upload_region;               /* s3 */
  char *upload_endpoint;             /* s3: https://host:port, "" = AWS */
  char *upload_credentials;          /* s3: credentials file (owner only) */
  int upload_multipart_threshold_mb; /* s3 */
  int upload_heartbeat_interval_s;   /* signed checkpoints; 0: none */

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
  int officer_idle_lock_s;         /* officer mode locks itself; 0 = never */
  int officer_idle_lock_warning_s; /* the countdown before it */
  char *officer_four_eyes; /* actions needing a second officer (officer.h) */

  /* [retention] */
  int retention_appointment_days;   /* appointment rows kept after their day */
  int retention_unacked_days;       /* unacknowledged record alarmed; 0 off */
  int retention_unacked_grace_days; /* ... and deleted this much later */
  int retention_audit_days;         /* audit entries kept at least; 0 forever */

  /* [fingerprint] */
  char *fingerprint_plan; /* fingers to take and their substitutes
                             (finger-plan.h), checked when read */

  /* [log] */
  char *log_level; /* "error", "warning", "info" or "debug" (log.h) */

  /* [speech] spoken guidance (docs/speech.md) */
  char *speech_enabled; /* "yes": the applicant's screens are read aloud */
  char *speech_device;  /* audio output by name; "" = the default */
  int speech_rate;      /* words per minute */
} KioskConfig;

/* Byte length of the back-office public key (X25519), which the schema
 * checks by shape. */
#define CONFIG_PUBLIC_KEY_BYTES 32

/* The officer's PIN hash is checked whole, as libsodium's crypto_pwhash_str()
 * writes it (the PHC string format):
 *   $argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>
 * with salt and hash in unpadded base64, of the lengths it writes (a cut-off
 * hash is refused even where it still looks like one). Its cost must be at
 * least libsodium's interactive limits, so that a weak or cut-off hash stops
 * the kiosk when the configuration is read instead of locking the officer
 * out at the desk; and at most its sensitive limits, so that checking a PIN
 * cannot take the kiosk's memory or minutes. core/ cannot include sodium.h:
 * tests/unit/test-config-input.c checks each value against libsodium's
 * constant named beside it. */
#define CONFIG_ARGON2ID_PREFIX  "$argon2id$" /* ..._argon2id_STRPREFIX */
#define CONFIG_ARGON2ID_VERSION 19           /* argon2 1.3 (0x13) */
#define CONFIG_ARGON2ID_LANES   1            /* p, as crypto_pwhash_str */
/* crypto_pwhash_OPSLIMIT_INTERACTIVE, _SENSITIVE */
#define CONFIG_PIN_OPSLIMIT_MIN 2U
#define CONFIG_PIN_OPSLIMIT_MAX 4U
/* crypto_pwhash_MEMLIMIT_INTERACTIVE, _SENSITIVE (bytes; m= is in KiB) */
#define CONFIG_PIN_MEMLIMIT_MIN 67108864U
#define CONFIG_PIN_MEMLIMIT_MAX 1073741824U
/* crypto_pwhash_SALTBYTES; the hash length crypto_pwhash_str writes;
 * crypto_pwhash_STRBYTES (the longest string, with its NUL) */
#define CONFIG_PIN_SALT_BYTES    16
#define CONFIG_PIN_HASH_BYTES    32
#define CONFIG_PIN_HASH_STRBYTES 128

/* What is wrong with `value` as such a PIN hash (a phrase to follow "must
 * be"), or NULL when it is one; free the phrase. For the officers table. */
char *config_pin_hash_problem(const char *value);

/* A location id (kiosk.location_id, and an appointment's in the schedule,
 * which are compared): only the characters below, so that it can never
 * carry a control character, a terminal escape or a direction override.
 * The length is the caller's to check. */
#define CONFIG_LOCATION_ID_CHARACTERS "ASCII letters, digits, '-', '_' and '.'"
gboolean config_location_id_is_valid(const char *text);

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
