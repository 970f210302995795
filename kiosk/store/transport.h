/* Upload transports: how a sealed envelope leaves the kiosk. One
 * TransportClass per URL scheme ("file", "https", "s3"), picked from the
 * registry by the scheme of the target URL. The queue (queue.c) only talks
 * to the wrappers below; a new transport is one file with its class, a line
 * in the registry (transport.c) and one in meson.build.
 *
 * Usage, as queue_upload() does it on the uploading thread:
 *
 *   g_autoptr(KioskTransport) t =
 *       transport_open_with_options(url, options, &error);
 *   transport_begin_pass(t, now);
 *   for each record:
 *     if (transport_put(t, id, envelope, &error) &&
 *         transport_verify_receipt(t, id, sha256_hex, &error))
 *       ... acknowledged: delete the row
 *     else if (g_error_matches(error, TRANSPORT_ERROR,
 *                              TRANSPORT_ERROR_REFUSED))
 *       ... the target will never take these bytes: quarantine
 *     else
 *       ... try again later: after transport_retry_after(t) seconds when
 *           the target named a time (Retry-After), else by the backoff
 *
 * Options (TransportOptions) come from the configuration's [upload] group
 * (store/settings.h: settings_upload_target()). open() checks them with
 * the URL, before any record is touched: a missing or unreadable
 * certificate, key or credentials file, or a certificate and key that do
 * not match, is TRANSPORT_ERROR_INVALID_OPTION with a one-line message
 * that names the [upload] key and the file; `biokiosk` stops with it
 * (exit 2).
 *
 * Threads: the class tables are constant and may be read anywhere. A
 * KioskTransport belongs to the thread that opened it (the uploader, or the
 * CLI's main thread); put and verify_receipt do file or network I/O and
 * block, so never call them on the UI thread. Errors are GErrors in
 * TRANSPORT_ERROR; a record that could not be delivered is an error of
 * put/verify_receipt here, and the queue turns it into a per-record result. */
#pragma once

#include <glib.h>

#define TRANSPORT_ERROR (transport_error_quark())
GQuark transport_error_quark(void);

typedef enum {
  /* The target is not a URL, or not a valid one for its scheme. Fix the
   * configuration; no record was touched. */
  TRANSPORT_ERROR_INVALID_URL,
  /* No transport in the registry handles the URL's scheme. */
  TRANSPORT_ERROR_UNSUPPORTED_SCHEME,
  /* Delivery or receipt failed in a way that may pass (target folder or
   * server unreachable, disk full, receipt missing or not matching): keep
   * the record and retry it with backoff. */
  TRANSPORT_ERROR_TEMPORARY,
  /* The target refused this record for good (an unsafe id, HTTP 400,
   * 401, 403 or 413, a receipt that shows other bytes than were sent):
   * sending the same bytes again will not help. The queue quarantines
   * the record (docs/record-format.md) instead of retrying it. */
  TRANSPORT_ERROR_REFUSED,
  /* libcurl could not be initialised (transport_init_global()). */
  TRANSPORT_ERROR_FAILED,
  /* An option in TransportOptions is wrong for this scheme: a file that is
   * missing, unreadable or not what its key needs, a certificate and key
   * that do not match, a required option left empty. The message names
   * the [upload] key and, for a file, the file. No record was touched. */
  TRANSPORT_ERROR_INVALID_OPTION,
} TransportError;

/* The [upload] options a network transport needs, from the configuration
 * (settings_upload_target() makes relative paths absolute). Every string
 * may be NULL or "" (not set); a class reads what it needs, checks it in
 * open() and ignores the rest (file:// ignores them all). Owned strings:
 * transport_options_clear(). */
typedef struct {
  /* https (and s3 when set): the PEM file of the only CA trusted for the
   * server's certificate; the system's store is never used. */
  char *ca;
  /* https: the kiosk's client certificate and its private key (PEM). */
  char *cert;
  char *key;
  /* https: optional pin of the server's public key, as libcurl's
   * CURLOPT_PINNEDPUBLICKEY takes it ("sha256//<base64>[;sha256//...]"). */
  char *pinned_public_key;
  /* Seconds allowed to connect (TCP and TLS), for one whole transfer, and
   * the time below low_speed_bytes_s after which a stalled transfer is
   * dropped. 0 = the class's default. */
  guint connect_timeout_s;
  guint transfer_timeout_s;
  guint low_speed_time_s;
  guint low_speed_bytes_s;
  /* s3: region and endpoint (https://host:port; empty = AWS for the
   * region), a credentials file readable only by the kiosk's user, and the
   * size from which an object goes up in parts. */
  char *region;
  char *endpoint;
  char *credentials;
  guint64 multipart_threshold; /* bytes; 0 = the class's default */
} TransportOptions;

/* Frees the strings of `options` and zeroes it; accepts NULL. */
void transport_options_clear(TransportOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TransportOptions, transport_options_clear)

/* A deep copy of `options` into `dest` (NULL = all unset). */
void transport_options_copy(TransportOptions *dest,
                            const TransportOptions *options);

/* For a class's open(): TRUE when `path`, the value of [upload] `key`, is
 * a regular file this process can read; else TRANSPORT_ERROR_INVALID_OPTION
 * "[upload] <key>: <path>: <why>". */
gboolean transport_option_check_file(const char *key, const char *path,
                                     GError **error);

/* Longest wait a target may ask for with Retry-After that the queue
 * honours as given; a longer one is cut to this. */
#define TRANSPORT_RETRY_AFTER_MAX_S 86400

/* Extension of an envelope file in a folder target: <id>.bkrec */
#define TRANSPORT_FOLDER_EXTENSION ".bkrec"

/* Longest record id a transport is given (queue ids are 36-char UUIDs). */
#define TRANSPORT_ID_MAX 64

/* What an object put through a transport is; it decides the object's name
 * at the target, relative to the target URL (transport_object_name()), so
 * that the back office tells them apart by name alone. */
typedef enum {
  /* A sealed envelope from the queue: "<id>.bkrec". */
  TRANSPORT_OBJECT_RECORD,
  /* A signed heartbeat checkpoint (heartbeat.h): "heartbeat/<id>.bkchk". */
  TRANSPORT_OBJECT_CHECKPOINT,
} TransportObject;

/* The folder checkpoints go to under the target, and their extension. */
#define TRANSPORT_CHECKPOINT_FOLDER    "heartbeat"
#define TRANSPORT_CHECKPOINT_EXTENSION ".bkchk"

typedef struct {
  /* URL scheme this class handles, lower case, without "://" ("file").
   * Matched case-insensitively. */
  const char *scheme;
  /* One line for --help, error messages and diagnostics, e.g.
   * "folder on this machine or a mount (file:///folder)". */
  const char *description;

  /* Checks `url` (whose scheme is this class's) and `options` (never NULL;
   * see TransportOptions) and returns the transport's state, freed by
   * close(), or NULL with TRANSPORT_ERROR_INVALID_URL or
   * TRANSPORT_ERROR_INVALID_OPTION. Parses and reads local files only
   * (certificates, keys, credentials): must not contact the target,
   * because a target that is down is a per-record TEMPORARY failure, not
   * a bad configuration (queue_check_target() relies on this). Must not be
   * NULL. */
  gpointer (*open)(const char *url, const TransportOptions *options,
                   GError **error);

  /* Releases everything open() made (closes connections, wipes any
   * credentials). Accepts NULL. Must not be NULL. */
  void (*close)(gpointer priv);

  /* Housekeeping at the start of each upload pass, before the first put:
   * e.g. removing the leftovers of a transfer that crashed or was killed,
   * but never those of a transfer still running in another process. The
   * uploader's first pass runs at start-up. `now` is wall-clock unix
   * seconds. Best effort, no error. May block. May be NULL (nothing to
   * do). */
  void (*begin_pass)(gpointer priv, gint64 now);

  /* Delivers one sealed envelope (or checkpoint) under `name`, its name
   * relative to the target as transport_object_name() makes it: "<id>" +
   * extension, with at most one folder in front ("heartbeat/"); the id is
   * safe (transport_id_is_safe()). A class that puts the object in a folder
   * of the target makes that folder when it is missing. Idempotent by
   * name: putting the same name again,
   * e.g. after a crash between delivery and the queue's delete, leaves the
   * target holding one copy of the same bytes. The target must never see a
   * partial envelope under the final name. Blocks. TEMPORARY or REFUSED on
   * failure. Must not be NULL. */
  gboolean (*put)(gpointer priv, const char *name, GBytes *envelope,
                  GError **error);

  /* Proves that the target now holds exactly the envelope the queue
   * stored under `name` (as for put()): `sha256` is its lower-case hex
   * SHA-256. Only after
   * TRUE does the queue delete the record, so a transport must not
   * answer TRUE from its own memory of what it sent: the folder re-reads
   * the file; https compares the hash the server returned for the put.
   * Blocks. TEMPORARY (missing, different bytes) on failure. Must not be
   * NULL. */
  gboolean (*verify_receipt)(gpointer priv, const char *name,
                             const char *sha256, GError **error);

  /* After put() or verify_receipt() failed: the seconds the target asked
   * the kiosk to wait before trying again (HTTP Retry-After, in seconds or
   * as a date), or 0 when it named no time and the queue's backoff
   * decides. May be NULL (never names a time). */
  gint64 (*retry_after)(gpointer priv);

  /* The target in one line for status output, logs and audit entries:
   * never a password, token, key or signed query (for the folder: its
   * file:// URL). Owned by priv, valid until close(). Does not block.
   * Must not be NULL. */
  const char *(*describe)(gpointer priv);
} TransportClass;

/* The registry, NULL-terminated; one class per scheme. */
extern const TransportClass *const transport_classes[];

/* The class for `scheme` (case-insensitive), or NULL when there is none. */
const TransportClass *transport_class_find(const char *scheme);

/* Initialises what the transports share (libcurl's global state). Not
 * thread-safe in libcurl's older versions: call on the main thread before
 * starting others. queue_open() calls it. TRANSPORT_ERROR_FAILED. */
gboolean transport_init_global(GError **error);

/* TRUE when `id` may be handed to a transport: 1 to TRANSPORT_ID_MAX hex
 * digits and dashes. Ids come from the kiosk's own database, but a
 * tampered row must not be able to name a file or a path outside the
 * target. */
gboolean transport_id_is_safe(const char *id);

typedef struct _KioskTransport KioskTransport;

/* Opens the transport for `url`, picked by its scheme, with `options`
 * (NULL = none set). TRANSPORT_ERROR_INVALID_URL when `url` is NULL or not
 * a URL, TRANSPORT_ERROR_UNSUPPORTED_SCHEME (the message names the scheme
 * and the supported ones), or the class's own open() error (such as
 * TRANSPORT_ERROR_INVALID_OPTION). Contacts nothing. Free with
 * transport_close(). */
KioskTransport *transport_open_with_options(const char *url,
                                            const TransportOptions *options,
                                            GError **error);
/* transport_open_with_options() with no options (enough for file://). */
KioskTransport *transport_open(const char *url, GError **error);

/* Closes the transport; accepts NULL. */
void transport_close(KioskTransport *transport);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KioskTransport, transport_close)

/* The class behind an open transport. */
const TransportClass *transport_get_class(const KioskTransport *transport);

/* Thin wrappers over the class members, with the contracts above. An id
 * that transport_id_is_safe() rejects is TRANSPORT_ERROR_REFUSED without
 * reaching the class. transport_begin_pass() does nothing for a class
 * without begin_pass. transport_describe()'s string is the transport's. */
void transport_begin_pass(KioskTransport *transport, gint64 now);
gboolean transport_put(KioskTransport *transport, const char *id,
                       GBytes *envelope, GError **error);
gboolean transport_verify_receipt(KioskTransport *transport, const char *id,
                                  const char *sha256, GError **error);
/* transport_put() and transport_verify_receipt() for an object of `kind`
 * (the two above are these for TRANSPORT_OBJECT_RECORD). */
gboolean transport_put_object(KioskTransport *transport, TransportObject kind,
                              const char *id, GBytes *bytes, GError **error);
gboolean transport_verify_object(KioskTransport *transport,
                                 TransportObject kind, const char *id,
                                 const char *sha256, GError **error);
/* The name of the object `id` of `kind` relative to the target:
 * "<id>.bkrec" or "heartbeat/<id>.bkchk". Free with g_free(). */
char *transport_object_name(TransportObject kind, const char *id);
const char *transport_describe(KioskTransport *transport);
/* The class's retry_after() after a failed put or verify_receipt, cut to
 * TRANSPORT_RETRY_AFTER_MAX_S; 0 for a class without it. */
gint64 transport_retry_after(KioskTransport *transport);
