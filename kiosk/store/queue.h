/* The record queue: sealed, signed envelopes (envelope.h) kept in the kiosk
 * database until the back office has acknowledged them. Storing is one
 * transaction, so a record is either fully queued or not at all; only
 * sealed bytes reach the disk. Uploading sends each due envelope to a target
 * URL with the record id as idempotency key and deletes the row once the
 * target acknowledges the envelope's SHA-256; failures are retried with a
 * deterministic exponential backoff and nothing is lost. Time is always
 * passed in (unix seconds) so that schedules can be tested.
 *
 * One KioskQueue may be called from several threads: its calls are
 * serialised on an internal lock, and no transaction is held during a
 * transfer. Its connection must not be used by anything else at the same
 * time (a transaction of another module would mix with the queue's): give a
 * thread that stores records its own connection (db_open) and queue, as
 * the uploader thread does. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "record.h"
#include "transport.h"

#define QUEUE_ERROR (queue_error_quark())
GQuark queue_error_quark(void);

typedef enum {
  QUEUE_ERROR_TARGET, /* the target URL is malformed or its scheme unknown */
  QUEUE_ERROR_FAILED, /* sealing failed (should not happen) */
  /* a queue from queue_open_readonly() was asked to store, upload or purge */
  QUEUE_ERROR_READ_ONLY,
} QueueError;

/* Retry schedule: after the n-th failed attempt the next one is due
 * min(BASE * 2^(n-1), MAX) seconds later: 30 s, 1 min, 2 min, ... 1 h,
 * unless the target named a time with Retry-After (transport.h), which is
 * honoured instead. The uploader adds jitter when it wakes for a retry
 * (uploader.h), so that kiosks that failed together do not retry
 * together. */
#define QUEUE_BACKOFF_BASE_S 30
#define QUEUE_BACKOFF_MAX_S  3600

/* Extension of an envelope file in a folder target: <id>.bkrec */
#define QUEUE_FILE_EXTENSION TRANSPORT_FOLDER_EXTENSION

typedef struct _KioskQueue KioskQueue;

/* Opens the queue on `db` (not owned; must outlive the queue), creating its
 * tables and the audit tables. Loads or creates the kiosk's signing key in
 * `state_dir` and the back office's public key (`backoffice_public_key`,
 * base64; "" or NULL = the demo pair in state_dir, see
 * queue_uses_demo_key()). Makes the reserve next to the database file
 * when there is room (db.h; queue_upload() uses it on a full disk). Also
 * initialises libcurl globally: open the first queue on the main thread
 * before starting other threads. */
KioskQueue *queue_open(sqlite3 *db, const char *state_dir,
                       const char *backoffice_public_key, GError **error);

/* A queue for looking only (status, list): on `db` (db_open_readonly();
 * not owned) it creates no table and no key and writes nothing. The
 * kiosk's public key is read from its file in `state_dir` when there is
 * one (else queue_dup_kiosk_key() gives NULL); a configured back-office key
 * is checked, an empty one means the demo key, which is not created.
 * queue_store*(), queue_upload() and queue_purge() fail with
 * QUEUE_ERROR_READ_ONLY. A missing queue table shows as a DB_ERROR of
 * queue_status() and queue_list(), not as an empty queue. */
KioskQueue *queue_open_readonly(sqlite3 *db, const char *state_dir,
                                const char *backoffice_public_key,
                                GError **error);

/* As queue_open(), on a connection of its own to the database file at
 * `database_path` (db_open()), which queue_close() closes. The simple way
 * to give a worker thread its own queue. */
KioskQueue *queue_open_file(const char *database_path, const char *state_dir,
                            const char *backoffice_public_key, GError **error);

/* Frees the queue and wipes its keys; closes the database only when it was
 * opened by queue_open_file(). Accepts NULL. */
void queue_close(KioskQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KioskQueue, queue_close)

/* TRUE when records are sealed to the generated demo key, whose secret half
 * lies in the state folder: the app must say so loudly (not for production). */
gboolean queue_uses_demo_key(const KioskQueue *queue);

/* The kiosk's signing public key, base64 (the back office pins it); NULL
 * only for a read-only queue that found no key file. */
char *queue_dup_kiosk_key(const KioskQueue *queue);

/* Seals `plain` (a serialised record), signs it and inserts it with a new
 * random id in one transaction, together with an audit entry. The plain
 * bytes are read, never copied or kept; the caller releases them (the bytes
 * from record_serialize() wipe themselves). On success *ret_id (may be NULL)
 * gets the id (free with g_free). */
gboolean queue_store(KioskQueue *queue, GBytes *plain, gint64 now,
                     char **ret_id, GError **error);

/* The usual way in: sets the record's "queue.id", "queue.created" and
 * "queue.kiosk_key" metadata (so the sealed content names its own envelope
 * and signer) and "audit.head_seq"/"audit.head_hash" (the audit chain's
 * head at that moment, see audit_get_head()), serialises it, stores it as
 * queue_store() does and wipes the serialised copy. The record stays the
 * caller's (free it right after). */
gboolean queue_store_record(KioskQueue *queue, BkRecord *record, gint64 now,
                            char **ret_id, GError **error);

typedef struct {
  guint n_records;       /* rows in the queue (none of them acknowledged) */
  guint n_due;           /* of which an upload is due at `now` */
  guint n_retrying;      /* of which at least one upload failed */
  guint n_quarantined;   /* of which the target refused for good */
  guint64 bytes;         /* total envelope bytes */
  gint64 oldest_created; /* unix seconds; 0 when empty */
  gint64 next_attempt;   /* earliest next_attempt of a record that is not
                            quarantined; 0 when there is none */
} QueueStatus;

gboolean queue_status(KioskQueue *queue, gint64 now, QueueStatus *ret_status,
                      GError **error);

/* A queued record as the technician sees it: no personal data. */
typedef struct {
  char *id;
  gint64 created;       /* unix seconds */
  gint64 size;          /* envelope bytes */
  char *sha256;         /* hex, of the envelope */
  int attempts;         /* failed upload attempts so far */
  gint64 next_attempt;  /* unix seconds */
  char *last_error;     /* of the last failed attempt, or NULL */
  gboolean quarantined; /* refused for good: not uploaded until released */
} QueueEntry;

/* "queued" (never tried), "retrying" (at least one temporary failure) or
 * "quarantined" (the target refused it for good: HTTP 400, 401, 403, 413
 * or a receipt for other bytes; kept, never uploaded again until a
 * technician releases it with queue_release()). docs/record-format.md
 * describes each state and transition. */
const char *queue_entry_state(const QueueEntry *entry);

/* All queued records, oldest first: an array of QueueEntry*, freed by
 * g_ptr_array_unref(). */
GPtrArray *queue_list(KioskQueue *queue, GError **error);

void queue_entry_free(QueueEntry *entry); /* accepts NULL */

/* The envelope bytes of one queued record (what an upload sends), or NULL
 * with G_IO_ERROR_NOT_FOUND. */
GBytes *queue_get_envelope(KioskQueue *queue, const char *id, GError **error);

typedef enum {
  QUEUE_UPLOAD_DUE = 0,      /* only records whose next_attempt <= now */
  QUEUE_UPLOAD_ALL = 1 << 0, /* every record (technician's manual upload) */
} QueueUploadFlags;

/* The steps of one record's upload. A record that fails is reported with
 * the step it failed in, and its error reads "record <id>: <step>: why". */
#define QUEUE_STEP_READ        "reading the queued envelope"
#define QUEUE_STEP_DELIVER     "delivering"
#define QUEUE_STEP_RECEIPT     "checking the receipt"
#define QUEUE_STEP_ACKNOWLEDGE "acknowledging (deleting the delivered record)"

typedef struct {
  char *id;
  gboolean acknowledged; /* uploaded, acknowledged by hash, row deleted */
  gboolean quarantined;  /* refused for good (TRANSPORT_ERROR_REFUSED) */
  const char *step;      /* QUEUE_STEP_* it failed in; NULL when acknowledged */
  char *error;           /* why not, when not acknowledged (names id, step) */
  int attempts;          /* failed attempts after this one */
  gint64 next_attempt;   /* when not acknowledged */
} QueueUploadItem;

typedef struct {
  guint n_acknowledged;
  guint n_failed;      /* including the quarantined ones */
  guint n_quarantined; /* moved to quarantine in this pass */
  guint n_not_due;     /* left for later because of their backoff */
  GPtrArray *items;    /* QueueUploadItem*, in upload order */
} QueueUploadReport;

/* Uploads records to `target_url` through the transport for its scheme
 * (transport.h; now "file:///folder", whose folder must exist: a missing
 * mount must not look like a delivery). Each envelope is put under its
 * record id (idempotent: the same id twice gives one copy; a folder gets
 * <id>.bkrec, written atomically so the back office never sees a partial
 * file) and acknowledged only when the transport's receipt shows the
 * target holds the queued SHA-256; then the row is deleted (secure_delete
 * wipes its pages) and the audit entry names the target as the transport
 * describes it.
 *
 * Each record is tried on its own: a failure in any step (QUEUE_STEP_*),
 * a database error included, is that record's result in the report, and
 * the pass goes on with the next record. A failed record stays, with
 * attempts + 1 and the next attempt scheduled by the backoff or the
 * target's Retry-After (when even that cannot be written, its error says
 * so and it is simply tried again). A record the target refused for good
 * (TRANSPORT_ERROR_REFUSED) is quarantined instead, with its last error
 * and a "record.quarantined" audit entry; quarantined records are never
 * uploaded (not even with QUEUE_UPLOAD_ALL) until queue_release().
 *
 * On a full disk the delete still works: secure_delete=ON would write the
 * whole record once more (zeroed) to the WAL, so when that finds the disk
 * full the delete is retried with secure_delete=FAST, which leaves the
 * freed pages (sealed bytes only) on the database's free list to be
 * overwritten when reused and needs some 50 KB; when even that is full,
 * the reserve (db.h) is given up and the delete retried. After such a pass
 * the WAL is truncated and the reserve made again when there is room.
 *
 * FALSE only for an unusable target URL (QUEUE_ERROR_TARGET), a read-only
 * queue or a database error before any record was tried (listing the
 * queue). Blocks for the transfers: not on the UI thread. *ret_report may
 * be NULL; free it with queue_upload_report_free(). */
gboolean queue_upload(KioskQueue *queue, const char *target_url, gint64 now,
                      QueueUploadFlags flags, QueueUploadReport **ret_report,
                      GError **error);

void queue_upload_report_free(QueueUploadReport *report); /* accepts NULL */

/* Technician's release of quarantined records (after the cause was fixed:
 * a certificate renewed, a server's limit raised): the record `id`, or
 * every quarantined one when `id` is NULL, goes back to "queued" with no
 * attempts, due at `now`; audited per record. *ret_n_released (may be
 * NULL) gets the count; an id that is not quarantined counts 0. */
gboolean queue_release(KioskQueue *queue, const char *id, gint64 now,
                       guint *ret_n_released, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QueueUploadReport, queue_upload_report_free)

/* Technician's purge. Acknowledged records are deleted when acknowledged,
 * so normally there is nothing to purge: *ret_n_acknowledged is then 0.
 * With `force_unacknowledged` every queued record (never delivered!) is
 * deleted too and counted in *ret_n_unacknowledged; this is audited. */
gboolean queue_purge(KioskQueue *queue, gboolean force_unacknowledged,
                     gint64 now, guint *ret_n_acknowledged,
                     guint *ret_n_unacknowledged, GError **error);

/* Room for new captures. A record goes into the WAL first and then into
 * the database (into free pages it left behind, else the file grows), so a
 * capture may start when the database's file system has at least
 * QUEUE_SPACE_WAL_BYTES free and, with the database's free pages,
 * QUEUE_SPACE_CAPTURE_BYTES. QUEUE_SPACE_RECORD_BYTES is a generous
 * bound of one sealed record (camera original and crops, ten 500 ppi
 * prints, the signature: some 10 MB). The reserve (db.h) is not counted:
 * it is kept for deleting delivered records. */
#define QUEUE_SPACE_RECORD_BYTES  (16 * 1024 * 1024)
#define QUEUE_SPACE_WAL_BYTES     (2 * QUEUE_SPACE_RECORD_BYTES)
#define QUEUE_SPACE_CAPTURE_BYTES (4 * QUEUE_SPACE_RECORD_BYTES)

typedef struct {
  gboolean capture_ok;     /* a new capture may start */
  guint64 filesystem_free; /* bytes free on the database's file system */
  guint64 database_free;   /* free pages inside the database, in bytes */
  guint64 needed_bytes;    /* QUEUE_SPACE_CAPTURE_BYTES, for messages */
  gboolean reserve_ready;  /* the reserve for deletes is in place */
} QueueSpace;

/* Whether there is room for a new capture (see QUEUE_SPACE_*): the
 * runtime asks before it starts one and tells the applicant when not.
 * `db` is any connection to the kiosk database, e.g. the main thread's
 * own: the check reads two PRAGMAs and statvfs(), does not write, and in
 * WAL mode never waits for the store worker or the uploader. Any thread.
 * Low space is a result (capture_ok FALSE), not an error; FALSE only when
 * the figures cannot be had (DB_ERROR, G_IO_ERROR), and *ret_space is then
 * untouched. An in-memory database always has room. */
gboolean queue_space_check(sqlite3 *db, QueueSpace *ret_space, GError **error);

/* Seconds until the next attempt after `attempts` failures (>= 1). */
gint64 queue_backoff_delay(int attempts);

/* Checks that `target_url` is a target queue_upload() can use (a
 * transport for its scheme accepts its form; not whether it is reachable).
 * FALSE with QUEUE_ERROR_TARGET, whose message names an unknown scheme and
 * the supported ones. */
gboolean queue_check_target(const char *target_url, GError **error);

/* As queue_check_target(), with the transport's `options` (NULL = none):
 * also FALSE with QUEUE_ERROR_TARGET for a file named in them that cannot
 * be read or a certificate and key that do not match (the message names
 * the [upload] key and the file). */
gboolean queue_check_upload_target(const char *target_url,
                                   const TransportOptions *options,
                                   GError **error);

/* The options queue_upload() opens its transports with from now on (a
 * copy is kept; NULL = none, as after queue_open()): certificates, keys,
 * timeouts (transport.h). Set before uploading to an https:// or s3://
 * target; settings_upload_target() makes them from the configuration. */
void queue_set_transport_options(KioskQueue *queue,
                                 const TransportOptions *options);

/* A file:// URL for a folder path (relative paths made absolute). */
char *queue_target_for_folder(const char *folder);
