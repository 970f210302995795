/* The record queue (see queue.h): store = seal + sign + one INSERT with its
 * audit entry; upload = the target's transport (transport.h) puts the
 * envelope and proves the receipt by SHA-256, then DELETE. Database
 * transactions are kept short and never span a transfer, so the uploader
 * thread and the app can share the file. */
#include "queue.h"

#include <gio/gio.h>
#include <sodium.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "envelope.h"
#include "keys.h"
#include "log.h"
#include "transport.h"

G_DEFINE_QUARK(biokiosk - queue - error - quark, queue_error)

/* SQLite's default wal_autocheckpoint (pages), restored after a write on a
 * full disk turned it off. */
#define QUEUE_WAL_AUTOCHECKPOINT 1000

struct _KioskQueue {
  /* Serialises this queue's use of its connection: a store on a worker
   * thread and an upload on another must not interleave transactions. */
  GMutex lock;
  sqlite3 *db; /* borrowed, unless owns_db */
  gboolean owns_db;
  guint8 kiosk_public[KEYS_PUBLIC_BYTES];
  guint8 kiosk_secret[KEYS_SIGN_SECRET_BYTES];
  guint8 backoffice_public[KEYS_PUBLIC_BYTES];
  gboolean demo_key;
  gboolean read_only;     /* queue_open_readonly(): no keys, no writes */
  gboolean has_kiosk_key; /* FALSE only for a read-only queue without one */
  /* A write of this upload pass needed the full-disk fallback (see
   * queue_write_with_room()); the pass ends by restoring the reserve. */
  gboolean low_space;
  TransportOptions transport_options; /* queue_set_transport_options() */
};

/* libcurl's global state, for the transports; QUEUE_ERROR_FAILED. */
static gboolean queue_transport_init(GError **error)
{
  g_autoptr(GError) local = NULL;

  if (transport_init_global(&local))
    return TRUE;
  g_set_error_literal(error, QUEUE_ERROR, QUEUE_ERROR_FAILED, local->message);
  return FALSE;
}

/* A database made before quarantine existed gets its column. */
static gboolean queue_add_quarantine_column(sqlite3 *db, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(db, "SELECT quarantined FROM queue_records", -1,
                              &stmt, NULL);

  sqlite3_finalize(stmt);
  if (rc == SQLITE_OK)
    return TRUE;
  return db_exec(db,
                 "ALTER TABLE queue_records ADD COLUMN quarantined INTEGER "
                 "NOT NULL DEFAULT 0",
                 error);
}

KioskQueue *queue_open(sqlite3 *db, const char *state_dir,
                       const char *backoffice_public_key, GError **error)
{
  g_autoptr(KioskQueue) queue = NULL;

  g_return_val_if_fail(db != NULL, NULL);
  g_return_val_if_fail(state_dir != NULL, NULL);

  if (!queue_transport_init(error))
    return NULL;
  if (!db_exec(db,
               "CREATE TABLE IF NOT EXISTS queue_records ("
               "  id TEXT PRIMARY KEY,"
               "  created INTEGER NOT NULL,"
               "  size INTEGER NOT NULL,"
               "  sha256 TEXT NOT NULL,"
               "  attempts INTEGER NOT NULL DEFAULT 0,"
               "  next_attempt INTEGER NOT NULL,"
               "  last_error TEXT,"
               "  envelope BLOB NOT NULL,"
               "  quarantined INTEGER NOT NULL DEFAULT 0);"
               "CREATE INDEX IF NOT EXISTS queue_records_due"
               "  ON queue_records (next_attempt);",
               error) ||
      !queue_add_quarantine_column(db, error))
    return NULL;
  if (!audit_init(db, state_dir, error))
    return NULL;

  queue = g_new0(KioskQueue, 1);
  g_mutex_init(&queue->lock);
  queue->db = db;
  if (!keys_load_or_create_signing(state_dir, queue->kiosk_public,
                                   queue->kiosk_secret, error))
    return NULL;
  if (!keys_load_backoffice(backoffice_public_key, state_dir,
                            queue->backoffice_public, &queue->demo_key, error))
    return NULL;
  queue->has_kiosk_key = TRUE;
  /* While there is room: the reserve keeps deletes possible on a full
   * disk (queue_write_with_room()). */
  db_reserve_ensure(db);
  return g_steal_pointer(&queue);
}

/* The kiosk's public key from its file, when there is one: reading only. */
static gboolean queue_read_kiosk_key(KioskQueue *queue, const char *state_dir,
                                     GError **error)
{
  g_autofree char *path =
      g_build_filename(state_dir, KEYS_SIGNING_PUBLIC_FILE, NULL);
  g_autofree char *text = NULL;

  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  if (!g_file_get_contents(path, &text, NULL, error) ||
      !keys_decode(text, queue->kiosk_public, KEYS_PUBLIC_BYTES, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  queue->has_kiosk_key = TRUE;
  return TRUE;
}

KioskQueue *queue_open_readonly(sqlite3 *db, const char *state_dir,
                                const char *backoffice_public_key,
                                GError **error)
{
  g_autoptr(KioskQueue) queue = NULL;

  g_return_val_if_fail(db != NULL, NULL);
  g_return_val_if_fail(state_dir != NULL, NULL);

  queue = g_new0(KioskQueue, 1);
  g_mutex_init(&queue->lock);
  queue->db = db;
  queue->read_only = TRUE;
  if (!audit_attach_verify(db, state_dir, error) ||
      !queue_read_kiosk_key(queue, state_dir, error))
    return NULL;
  /* An empty key means the demo pair, which only a writing queue makes. */
  queue->demo_key = !backoffice_public_key || !*backoffice_public_key;
  if (!queue->demo_key &&
      !keys_load_backoffice(backoffice_public_key, state_dir,
                            queue->backoffice_public, &queue->demo_key, error))
    return NULL;
  return g_steal_pointer(&queue);
}

/* FALSE with QUEUE_ERROR_READ_ONLY for a queue that may not write. */
static gboolean queue_check_writable(KioskQueue *queue, GError **error)
{
  if (!queue->read_only)
    return TRUE;
  g_set_error(error, QUEUE_ERROR, QUEUE_ERROR_READ_ONLY,
              "the queue was opened for reading only");
  return FALSE;
}

KioskQueue *queue_open_file(const char *database_path, const char *state_dir,
                            const char *backoffice_public_key, GError **error)
{
  sqlite3 *db;
  KioskQueue *queue;

  g_return_val_if_fail(database_path != NULL, NULL);
  db = db_open(database_path, error);
  if (!db)
    return NULL;
  queue = queue_open(db, state_dir, backoffice_public_key, error);
  if (!queue) {
    db_close(db);
    return NULL;
  }
  queue->owns_db = TRUE;
  return queue;
}

void queue_close(KioskQueue *queue)
{
  if (!queue)
    return;
  if (queue->owns_db)
    db_close(queue->db);
  transport_options_clear(&queue->transport_options);
  g_mutex_clear(&queue->lock);
  sodium_memzero(queue, sizeof *queue);
  g_free(queue);
}

gboolean queue_uses_demo_key(const KioskQueue *queue)
{
  g_return_val_if_fail(queue != NULL, FALSE);
  return queue->demo_key;
}

char *queue_dup_kiosk_key(const KioskQueue *queue)
{
  g_return_val_if_fail(queue != NULL, NULL);
  if (!queue->has_kiosk_key)
    return NULL;
  return keys_encode(queue->kiosk_public, KEYS_PUBLIC_BYTES);
}

gint64 queue_backoff_delay(int attempts)
{
  gint64 delay = QUEUE_BACKOFF_BASE_S;

  for (int i = 1; i < attempts && delay < QUEUE_BACKOFF_MAX_S; i++)
    delay *= 2;
  return MIN(delay, QUEUE_BACKOFF_MAX_S);
}

char *queue_target_for_folder(const char *folder)
{
  g_autofree char *absolute = g_canonicalize_filename(folder, NULL);

  return g_filename_to_uri(absolute, NULL, NULL);
}

static char *sha256_hex(GBytes *bytes)
{
  return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
}

/* A rollback after a failure; keeps the first error. */
static gboolean queue_rollback(KioskQueue *queue)
{
  db_exec(queue->db, "ROLLBACK", NULL);
  return FALSE;
}

/* On a nearly full disk a stored record's pages go into the database file
 * at once (db_room_for_write() kept room for that): a WAL that holds pages
 * beyond the file's end can be emptied only by growing the file, and once
 * later writes have grown the WAL over the free space, nothing could be
 * deleted any more. Called with the queue's lock held. */
static void queue_settle_wal(KioskQueue *queue)
{
  DbSpace space;

  if (db_space(queue->db, &space, NULL) && space.checkpoint_growth > 0 &&
      space.filesystem_free < QUEUE_SPACE_WAL_BYTES)
    db_checkpoint_in_place(queue->db, FALSE);
}

static gboolean queue_store_with_id(KioskQueue *queue, const char *id,
                                    GBytes *plain, gint64 now, GError **error)
{
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *details = NULL;
  sqlite3_stmt *stmt = NULL;
  gsize size = 0;
  const void *data;
  int rc;

  if (!queue_check_writable(queue, error))
    return FALSE;
  envelope = envelope_seal(id, now, plain, queue->backoffice_public,
                           queue->kiosk_public, queue->kiosk_secret);
  if (!envelope) {
    g_set_error(error, QUEUE_ERROR, QUEUE_ERROR_FAILED,
                "the record could not be sealed");
    return FALSE;
  }
  sha256 = sha256_hex(envelope);
  data = g_bytes_get_data(envelope, &size);

  locker = g_mutex_locker_new(&queue->lock);
  /* Never so full that the WAL could not be checkpointed: then not even a
   * delivered record could be deleted to make room. */
  if (!db_room_for_write(queue->db, size, error)) {
    g_prefix_error(error, "record %s not stored: ", id);
    return FALSE;
  }
  /* IMMEDIATE: the audit append reads the chain head, which must not move
   * under us (see audit_append). */
  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2(queue->db,
                         "INSERT INTO queue_records (id, created, size, "
                         "sha256, attempts, next_attempt, envelope) "
                         "VALUES (?, ?, ?, ?, 0, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue store", error);
    return queue_rollback(queue);
  }
  sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, now);
  sqlite3_bind_int64(stmt, 3, (sqlite3_int64)size);
  sqlite3_bind_text(stmt, 4, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 5, now);
  sqlite3_bind_blob64(stmt, 6, data, size, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    db_fail(queue->db, "queue store", error);
    return queue_rollback(queue);
  }
  details = g_strdup_printf("id=%s bytes=%" G_GSIZE_FORMAT " sha256=%s", id,
                            size, sha256);
  if (!audit_append(queue->db, now * G_USEC_PER_SEC, AUDIT_ACTOR_KIOSK,
                    "record.queued", details, NULL, error))
    return queue_rollback(queue);
  /* synchronous=FULL: on disk when COMMIT returns. */
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_RECORD_STORED, id,
            "record %s stored (%" G_GSIZE_FORMAT " bytes)", id, size);
  queue_settle_wal(queue);
  return TRUE;
}

gboolean queue_store(KioskQueue *queue, GBytes *plain, gint64 now,
                     char **ret_id, GError **error)
{
  g_autofree char *id = g_uuid_string_random();

  g_return_val_if_fail(queue != NULL, FALSE);
  g_return_val_if_fail(plain != NULL, FALSE);
  if (!queue_store_with_id(queue, id, plain, now, error))
    return FALSE;
  if (ret_id)
    *ret_id = g_steal_pointer(&id);
  return TRUE;
}

gboolean queue_store_record(KioskQueue *queue, BkRecord *record, gint64 now,
                            char **ret_id, GError **error)
{
  g_autofree char *id = g_uuid_string_random();
  g_autofree char *kiosk_key = NULL;
  g_autofree char *head_hash = NULL;
  g_autoptr(GBytes) plain = NULL;
  gint64 head_seq = 0;
  gboolean ok;

  g_return_val_if_fail(queue != NULL, FALSE);
  g_return_val_if_fail(record != NULL, FALSE);

  if (!queue_check_writable(queue, error))
    return FALSE;
  kiosk_key = queue_dup_kiosk_key(queue);
  g_mutex_lock(&queue->lock);
  ok = audit_get_head(queue->db, &head_seq, &head_hash, error);
  g_mutex_unlock(&queue->lock);
  if (!ok)
    return FALSE;
  record_set_string(record, "queue.id", id);
  record_set_int(record, "queue.created", now);
  record_set_string(record, "queue.kiosk_key", kiosk_key);
  /* An anchor of the kiosk's audit chain, off the kiosk. */
  record_set_int(record, "audit.head_seq", head_seq);
  record_set_string(record, "audit.head_hash", head_hash);
  plain = record_serialize(record); /* wipes itself when released below */
  if (!queue_store_with_id(queue, id, plain, now, error))
    return FALSE;
  if (ret_id)
    *ret_id = g_steal_pointer(&id);
  return TRUE;
}

static gboolean queue_status_locked(KioskQueue *queue, gint64 now,
                                    QueueStatus *ret_status, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  QueueStatus status = {0};

  g_return_val_if_fail(queue != NULL && ret_status != NULL, FALSE);
  if (sqlite3_prepare_v2(queue->db,
                         "SELECT COUNT(*),"
                         " COALESCE(SUM(NOT quarantined AND next_attempt <= ?),"
                         " 0),"
                         " COALESCE(SUM(NOT quarantined AND attempts > 0), 0),"
                         " COALESCE(SUM(size), 0), COALESCE(MIN(created), 0),"
                         " COALESCE(MIN(CASE WHEN quarantined THEN NULL"
                         " ELSE next_attempt END), 0),"
                         " COALESCE(SUM(quarantined != 0), 0)"
                         " FROM queue_records",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(queue->db, "queue status", error);
  sqlite3_bind_int64(stmt, 1, now);
  if (sqlite3_step(stmt) != SQLITE_ROW) {
    sqlite3_finalize(stmt);
    return db_fail(queue->db, "queue status", error);
  }
  status.n_records = (guint)sqlite3_column_int64(stmt, 0);
  status.n_due = (guint)sqlite3_column_int64(stmt, 1);
  status.n_retrying = (guint)sqlite3_column_int64(stmt, 2);
  status.bytes = (guint64)sqlite3_column_int64(stmt, 3);
  status.oldest_created = sqlite3_column_int64(stmt, 4);
  status.next_attempt = sqlite3_column_int64(stmt, 5);
  status.n_quarantined = (guint)sqlite3_column_int64(stmt, 6);
  sqlite3_finalize(stmt);
  *ret_status = status;
  return TRUE;
}

gboolean queue_status(KioskQueue *queue, gint64 now, QueueStatus *ret_status,
                      GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail(queue != NULL && ret_status != NULL, FALSE);
  locker = g_mutex_locker_new(&queue->lock);
  return queue_status_locked(queue, now, ret_status, error);
}

const char *queue_entry_state(const QueueEntry *entry)
{
  if (entry->quarantined)
    return "quarantined";
  return entry->attempts > 0 ? "retrying" : "queued";
}

void queue_entry_free(QueueEntry *entry)
{
  if (!entry)
    return;
  g_free(entry->id);
  g_free(entry->sha256);
  g_free(entry->last_error);
  g_free(entry);
}

/* Rows without their envelopes, oldest first; `due_before` >= 0 limits to
 * next_attempt <= due_before; quarantined rows only `with_quarantined`. */
static GPtrArray *queue_select(KioskQueue *queue, gint64 due_before,
                               gboolean with_quarantined, GError **error)
{
  g_autoptr(GPtrArray) entries =
      g_ptr_array_new_with_free_func((GDestroyNotify)queue_entry_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(queue->db,
                         "SELECT id, created, size, sha256, attempts, "
                         "next_attempt, last_error, quarantined "
                         "FROM queue_records "
                         "WHERE (? < 0 OR next_attempt <= ?) "
                         "AND (? OR NOT quarantined) "
                         "ORDER BY created, id",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue list", error);
    return NULL;
  }
  sqlite3_bind_int64(stmt, 1, due_before);
  sqlite3_bind_int64(stmt, 2, due_before);
  sqlite3_bind_int(stmt, 3, with_quarantined);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    QueueEntry *entry = g_new0(QueueEntry, 1);

    entry->id = g_strdup((const char *)sqlite3_column_text(stmt, 0));
    entry->created = sqlite3_column_int64(stmt, 1);
    entry->size = sqlite3_column_int64(stmt, 2);
    entry->sha256 = g_strdup((const char *)sqlite3_column_text(stmt, 3));
    entry->attempts = sqlite3_column_int(stmt, 4);
    entry->next_attempt = sqlite3_column_int64(stmt, 5);
    entry->last_error = g_strdup((const char *)sqlite3_column_text(stmt, 6));
    entry->quarantined = sqlite3_column_int(stmt, 7) != 0;
    g_ptr_array_add(entries, entry);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    db_fail(queue->db, "queue list", error);
    return NULL;
  }
  return g_steal_pointer(&entries);
}

GPtrArray *queue_list(KioskQueue *queue, GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail(queue != NULL, NULL);
  locker = g_mutex_locker_new(&queue->lock);
  return queue_select(queue, -1, TRUE, error);
}

static GBytes *queue_get_envelope_locked(KioskQueue *queue, const char *id,
                                         GError **error)
{
  sqlite3_stmt *stmt = NULL;
  GBytes *bytes = NULL;
  int rc;

  g_return_val_if_fail(queue != NULL && id != NULL, NULL);
  if (sqlite3_prepare_v2(queue->db,
                         "SELECT envelope FROM queue_records WHERE id = ?", -1,
                         &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue read", error);
    return NULL;
  }
  sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    bytes = g_bytes_new(sqlite3_column_blob(stmt, 0),
                        (gsize)sqlite3_column_bytes(stmt, 0));
  else if (rc == SQLITE_DONE)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no queued record %s",
                id);
  else
    db_fail(queue->db, "queue read", error);
  sqlite3_finalize(stmt);
  return bytes;
}

GBytes *queue_get_envelope(KioskQueue *queue, const char *id, GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail(queue != NULL && id != NULL, NULL);
  locker = g_mutex_locker_new(&queue->lock);
  return queue_get_envelope_locked(queue, id, error);
}

/* --- upload loop -------------------------------------------------------- */

/* One write of the upload loop, a transaction of its own. */
typedef struct {
  const QueueEntry *entry;
  gint64 now;
  const char *target; /* acknowledge: the transport's description */
  const char *why;    /* reschedule: the step and error, for last_error */
  gint64 retry_after; /* reschedule: seconds the target asked for, or 0 */
  int attempts;       /* reschedule: set to the new count */
  gint64 next;        /* reschedule: set to the next attempt */
} QueueWrite;

typedef gboolean (*QueueWriteFunc)(KioskQueue *queue, QueueWrite *w,
                                   GError **error);

static gboolean queue_acknowledge(KioskQueue *queue, QueueWrite *w,
                                  GError **error)
{
  g_autofree char *details = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  /* Only the envelope that was acknowledged: same id and same hash. */
  if (sqlite3_prepare_v2(queue->db,
                         "DELETE FROM queue_records WHERE id = ? AND "
                         "sha256 = ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue acknowledge", error);
    return queue_rollback(queue);
  }
  sqlite3_bind_text(stmt, 1, w->entry->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, w->entry->sha256, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    db_fail(queue->db, "queue acknowledge", error);
    return queue_rollback(queue);
  }
  /* 0 changes: another uploader acknowledged it first; nothing to audit. */
  if (sqlite3_changes(queue->db) > 0) {
    details = g_strdup_printf("id=%s sha256=%s target=%s", w->entry->id,
                              w->entry->sha256, w->target);
    if (!audit_append(queue->db, w->now * G_USEC_PER_SEC, AUDIT_ACTOR_UPLOADER,
                      "record.acknowledged", details, NULL, error))
      return queue_rollback(queue);
  }
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  return TRUE;
}

static gboolean queue_reschedule(KioskQueue *queue, QueueWrite *w,
                                 GError **error)
{
  g_autofree char *details = NULL;
  sqlite3_stmt *stmt = NULL;
  int attempts = w->entry->attempts + 1;
  gint64 next = w->now + (w->retry_after > 0 ? w->retry_after
                                             : queue_backoff_delay(attempts));
  int rc;

  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2(queue->db,
                         "UPDATE queue_records SET attempts = ?, "
                         "next_attempt = ?, last_error = ? WHERE id = ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue reschedule", error);
    return queue_rollback(queue);
  }
  sqlite3_bind_int(stmt, 1, attempts);
  sqlite3_bind_int64(stmt, 2, next);
  sqlite3_bind_text(stmt, 3, w->why, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, w->entry->id, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    db_fail(queue->db, "queue reschedule", error);
    return queue_rollback(queue);
  }
  details = g_strdup_printf("id=%s attempts=%d next_attempt=%" G_GINT64_FORMAT,
                            w->entry->id, attempts, next);
  if (!audit_append(queue->db, w->now * G_USEC_PER_SEC, AUDIT_ACTOR_UPLOADER,
                    "record.upload_failed", details, NULL, error))
    return queue_rollback(queue);
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  w->attempts = attempts;
  w->next = next;
  return TRUE;
}

/* A record the target refused for good: kept, out of the upload passes,
 * with its last error and an audit entry, until queue_release(). */
static gboolean queue_quarantine(KioskQueue *queue, QueueWrite *w,
                                 GError **error)
{
  g_autofree char *details = NULL;
  sqlite3_stmt *stmt = NULL;
  int attempts = w->entry->attempts + 1;
  int rc;

  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (sqlite3_prepare_v2(queue->db,
                         "UPDATE queue_records SET attempts = ?, "
                         "quarantined = 1, last_error = ? WHERE id = ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(queue->db, "queue quarantine", error);
    return queue_rollback(queue);
  }
  sqlite3_bind_int(stmt, 1, attempts);
  sqlite3_bind_text(stmt, 2, w->why, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, w->entry->id, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    db_fail(queue->db, "queue quarantine", error);
    return queue_rollback(queue);
  }
  details = g_strdup_printf("id=%s attempts=%d error=%s", w->entry->id,
                            attempts, w->why);
  if (!audit_append(queue->db, w->now * G_USEC_PER_SEC, AUDIT_ACTOR_UPLOADER,
                    "record.quarantined", details, NULL, error))
    return queue_rollback(queue);
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  w->attempts = attempts;
  w->next = w->entry->next_attempt;
  return TRUE;
}

/* Runs `write` so that it works on a nearly full disk. secure_delete=ON
 * zeroes every page it frees, so deleting a record writes all of it once
 * more to the WAL: a 1 MB record needs 1 MB free just to be deleted. On
 * SQLITE_FULL the write is retried with secure_delete=FAST, which leaves
 * freed overflow pages unwritten on the free list (they hold sealed bytes
 * only and are overwritten when reused), then once more after releasing
 * the reserve. Meanwhile no automatic checkpoint runs: one that grows the
 * database file would take the space the deletes need. Called with the
 * queue's lock held. */
static gboolean queue_write_with_room(KioskQueue *queue, QueueWriteFunc write,
                                      QueueWrite *w, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean ok;

  if (write(queue, w, &local))
    return TRUE;
  if (!g_error_matches(local, DB_ERROR, DB_ERROR_FULL)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  g_debug("disk full; retrying record %s with secure_delete=FAST",
          w->entry->id);
  queue->low_space = TRUE;
  g_clear_error(&local);
  db_exec(queue->db, "PRAGMA secure_delete=FAST", NULL);
  audit_set_autocheckpoint(queue->db, 0);
  /* The space may be in the WAL (earlier writes grew it until the disk was
   * full): once its frames are in the database file, the retry writes the
   * WAL from its start again instead of growing it. */
  db_checkpoint_in_place(queue->db, FALSE);
  ok = write(queue, w, &local);
  if (!ok && g_error_matches(local, DB_ERROR, DB_ERROR_FULL) &&
      db_reserve_release(queue->db)) {
    g_clear_error(&local);
    /* The reserve's room may be what the checkpoint was missing. */
    db_checkpoint_in_place(queue->db, FALSE);
    ok = write(queue, w, &local);
  }
  db_exec(queue->db, "PRAGMA secure_delete=ON", NULL);
  audit_set_autocheckpoint(queue->db, QUEUE_WAL_AUTOCHECKPOINT);
  /* Lets the next write reuse the WAL from its start instead of growing
   * it, when that takes no new space. */
  if (ok)
    db_checkpoint_in_place(queue->db, FALSE);
  else
    g_propagate_error(error, g_steal_pointer(&local));
  return ok;
}

/* After a pass: gives back the WAL that full-disk writes grew and puts the
 * reserve back when there is room. Best effort. */
static void queue_restore_reserve(KioskQueue *queue)
{
  g_autoptr(GMutexLocker) locker G_GNUC_UNUSED =
      g_mutex_locker_new(&queue->lock);

  if (queue->low_space)
    db_checkpoint_in_place(queue->db, TRUE);
  queue->low_space = FALSE;
  db_reserve_ensure(queue->db);
}

/* Releases the quarantined rows in `ids`, one audit entry each, in one
 * transaction. Called with the queue's lock held. */
static gboolean queue_release_ids(KioskQueue *queue, GPtrArray *ids, gint64 now,
                                  GError **error)
{
  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++) {
    const char *id = g_ptr_array_index(ids, i);
    g_autofree char *details = g_strdup_printf("id=%s", id);
    sqlite3_stmt *stmt = NULL;
    int rc = SQLITE_ERROR;

    if (sqlite3_prepare_v2(queue->db,
                           "UPDATE queue_records SET quarantined = 0, "
                           "attempts = 0, next_attempt = ? WHERE id = ? AND "
                           "quarantined",
                           -1, &stmt, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(stmt, 1, now);
      sqlite3_bind_text(stmt, 2, id, -1, SQLITE_STATIC);
      rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      db_fail(queue->db, "queue release", error);
      return queue_rollback(queue);
    }
    if (!audit_append(queue->db, now * G_USEC_PER_SEC, AUDIT_ACTOR_TECHNICIAN,
                      "record.released", details, NULL, error))
      return queue_rollback(queue);
  }
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  return TRUE;
}

gboolean queue_release(KioskQueue *queue, const char *id, gint64 now,
                       guint *ret_n_released, GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

  g_return_val_if_fail(queue != NULL, FALSE);
  if (ret_n_released)
    *ret_n_released = 0;
  if (!queue_check_writable(queue, error))
    return FALSE;
  locker = g_mutex_locker_new(&queue->lock);
  entries = queue_select(queue, -1, TRUE, error);
  if (!entries)
    return FALSE;
  for (guint i = 0; i < entries->len; i++) {
    const QueueEntry *entry = g_ptr_array_index(entries, i);

    if (entry->quarantined && (!id || g_strcmp0(id, entry->id) == 0))
      g_ptr_array_add(ids, g_strdup(entry->id));
  }
  if (ids->len && !queue_release_ids(queue, ids, now, error))
    return FALSE;
  if (ret_n_released)
    *ret_n_released = ids->len;
  return TRUE;
}

void queue_upload_report_free(QueueUploadReport *report)
{
  if (!report)
    return;
  g_clear_pointer(&report->items, g_ptr_array_unref);
  g_free(report);
}

static void queue_upload_item_free(gpointer data)
{
  QueueUploadItem *item = data;

  g_free(item->id);
  g_free(item->error);
  g_free(item);
}

/* The transport for `target_url`, or NULL with QUEUE_ERROR_TARGET (the
 * transport's message, which names the scheme and the supported ones, or
 * the option and its file). */
static KioskTransport *queue_open_transport(const char *target_url,
                                            const TransportOptions *options,
                                            GError **error)
{
  g_autoptr(GError) local = NULL;
  KioskTransport *transport =
      transport_open_with_options(target_url, options, &local);

  if (!transport)
    g_set_error_literal(error, QUEUE_ERROR, QUEUE_ERROR_TARGET, local->message);
  return transport;
}

gboolean queue_check_upload_target(const char *target_url,
                                   const TransportOptions *options,
                                   GError **error)
{
  g_autoptr(KioskTransport) transport =
      queue_open_transport(target_url, options, error);

  return transport != NULL;
}

gboolean queue_check_target(const char *target_url, GError **error)
{
  return queue_check_upload_target(target_url, NULL, error);
}

void queue_set_transport_options(KioskQueue *queue,
                                 const TransportOptions *options)
{
  g_return_if_fail(queue != NULL);
  g_mutex_lock(&queue->lock);
  transport_options_clear(&queue->transport_options);
  transport_options_copy(&queue->transport_options, options);
  g_mutex_unlock(&queue->lock);
}

/* Records the failure of `step` for one record: in the report, and in the
 * row (attempts, backoff, last_error) when that can be written. */
static void queue_upload_failed(KioskQueue *queue, KioskTransport *transport,
                                const QueueEntry *entry, const char *step,
                                const GError *cause, gint64 now,
                                QueueUploadItem *item,
                                QueueUploadReport *report)
{
  g_autofree char *why = g_strdup_printf("%s: %s", step, cause->message);
  g_autoptr(GError) local = NULL;
  QueueWrite w = {.entry = entry, .now = now, .why = why};
  gboolean ok;

  /* Refused for good: never retried in a loop, kept for a person. */
  gboolean refused =
      g_error_matches(cause, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED);

  item->step = step;
  report->n_failed++;
  if (strcmp(step, QUEUE_STEP_DELIVER) == 0 ||
      strcmp(step, QUEUE_STEP_RECEIPT) == 0)
    w.retry_after = transport_retry_after(transport);
  log_event(G_LOG_LEVEL_MESSAGE,
            refused ? LOG_EVENT_UPLOAD_QUARANTINED : LOG_EVENT_UPLOAD_FAILED,
            entry->id, "record %s not uploaded%s: %s", entry->id,
            refused ? " (refused for good: quarantined)" : "", why);
  g_mutex_lock(&queue->lock);
  ok = queue_write_with_room(
      queue, refused ? queue_quarantine : queue_reschedule, &w, &local);
  g_mutex_unlock(&queue->lock);
  if (ok && refused) {
    item->quarantined = TRUE;
    report->n_quarantined++;
  }
  if (ok) {
    item->error = g_strdup_printf("record %s: %s", entry->id, why);
    item->attempts = w.attempts;
    item->next_attempt = w.next;
    return;
  }
  /* Not even the failure could be written: tried again next pass. */
  item->error =
      g_strdup_printf("record %s: %s (the failed attempt could not be "
                      "recorded: %s)",
                      entry->id, why, local->message);
  item->attempts = entry->attempts;
  item->next_attempt = entry->next_attempt;
}

/* Delivers one record and acknowledges it, or reschedules it; every
 * failure is a result in `report`, naming the record and the step. */
static void queue_upload_one(KioskQueue *queue, KioskTransport *transport,
                             const QueueEntry *entry, gint64 now,
                             QueueUploadReport *report)
{
  g_autoptr(GBytes) envelope = NULL;
  g_autoptr(GError) local = NULL;
  QueueWrite w = {.entry = entry, .now = now};
  const char *step = QUEUE_STEP_READ;
  QueueUploadItem *item;
  gboolean ok;

  g_mutex_lock(&queue->lock);
  envelope = queue_get_envelope_locked(queue, entry->id, &local);
  g_mutex_unlock(&queue->lock);
  if (!envelope && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return; /* acknowledged meanwhile by another uploader */
  item = g_new0(QueueUploadItem, 1);
  item->id = g_strdup(entry->id);
  g_ptr_array_add(report->items, item);

  ok = envelope != NULL;
  if (ok) {
    step = QUEUE_STEP_DELIVER;
    ok = transport_put(transport, entry->id, envelope, &local);
  }
  if (ok) {
    step = QUEUE_STEP_RECEIPT;
    ok = transport_verify_receipt(transport, entry->id, entry->sha256, &local);
  }
  if (ok) {
    step = QUEUE_STEP_ACKNOWLEDGE;
    w.target = transport_describe(transport);
    g_mutex_lock(&queue->lock);
    ok = queue_write_with_room(queue, queue_acknowledge, &w, &local);
    g_mutex_unlock(&queue->lock);
  }
  if (!ok) {
    queue_upload_failed(queue, transport, entry, step, local, now, item,
                        report);
    return;
  }
  item->acknowledged = TRUE;
  report->n_acknowledged++;
  log_event(G_LOG_LEVEL_INFO, LOG_EVENT_UPLOAD_ACKNOWLEDGED, entry->id,
            "record %s acknowledged", entry->id);
}

gboolean queue_upload(KioskQueue *queue, const char *target_url, gint64 now,
                      QueueUploadFlags flags, QueueUploadReport **ret_report,
                      GError **error)
{
  g_autoptr(QueueUploadReport) report = g_new0(QueueUploadReport, 1);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(KioskTransport) transport = NULL;
  QueueStatus status;
  gboolean ok;

  g_return_val_if_fail(queue != NULL, FALSE);

  report->items = g_ptr_array_new_with_free_func(queue_upload_item_free);
  if (!queue_check_writable(queue, error))
    return FALSE;
  g_mutex_lock(&queue->lock);
  transport =
      queue_open_transport(target_url, &queue->transport_options, error);
  g_mutex_unlock(&queue->lock);
  if (!transport)
    return FALSE;
  transport_begin_pass(transport, now);
  g_mutex_lock(&queue->lock);
  entries =
      queue_select(queue, (flags & QUEUE_UPLOAD_ALL) ? -1 : now, FALSE, error);
  ok = entries && queue_status_locked(queue, now, &status, error);
  g_mutex_unlock(&queue->lock);
  if (!ok)
    return FALSE;
  report->n_not_due =
      status.n_records - status.n_quarantined > entries->len
          ? status.n_records - status.n_quarantined - entries->len
          : 0;

  for (guint i = 0; i < entries->len; i++)
    queue_upload_one(queue, transport, g_ptr_array_index(entries, i), now,
                     report);
  queue_restore_reserve(queue);
  if (ret_report)
    *ret_report = g_steal_pointer(&report);
  return TRUE;
}

gboolean queue_space_check(sqlite3 *db, QueueSpace *ret_space, GError **error)
{
  DbSpace db_space_now;
  QueueSpace space = {0};

  g_return_val_if_fail(db != NULL && ret_space != NULL, FALSE);
  if (!db_space(db, &db_space_now, error))
    return FALSE;
  space.filesystem_free = db_space_now.filesystem_free;
  space.database_free = db_space_now.database_free;
  space.reserve_ready = db_space_now.reserve_ready;
  space.needed_bytes = QUEUE_SPACE_CAPTURE_BYTES;
  /* Saturating: an in-memory database reports G_MAXUINT64 for both. */
  space.capture_ok = space.filesystem_free >= QUEUE_SPACE_WAL_BYTES &&
                     (space.filesystem_free >= QUEUE_SPACE_CAPTURE_BYTES ||
                      space.database_free >=
                          QUEUE_SPACE_CAPTURE_BYTES - space.filesystem_free);
  *ret_space = space;
  return TRUE;
}

gboolean queue_purge(KioskQueue *queue, gboolean force_unacknowledged,
                     gint64 now, guint *ret_n_acknowledged,
                     guint *ret_n_unacknowledged, GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *details = NULL;
  int deleted = 0;

  g_return_val_if_fail(queue != NULL, FALSE);

  /* Acknowledged rows are deleted in the acknowledging transaction, so
   * there are never any left to purge here. */
  if (ret_n_acknowledged)
    *ret_n_acknowledged = 0;
  if (ret_n_unacknowledged)
    *ret_n_unacknowledged = 0;
  if (!queue_check_writable(queue, error))
    return FALSE;
  if (!force_unacknowledged)
    return TRUE;

  locker = g_mutex_locker_new(&queue->lock);
  if (!db_exec(queue->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!db_exec(queue->db, "DELETE FROM queue_records", error))
    return queue_rollback(queue);
  deleted = sqlite3_changes(queue->db);
  details = g_strdup_printf("unacknowledged=%d", deleted);
  if (!audit_append(queue->db, now * G_USEC_PER_SEC, AUDIT_ACTOR_TECHNICIAN,
                    "queue.purged", details, NULL, error))
    return queue_rollback(queue);
  if (!db_exec(queue->db, "COMMIT", error))
    return queue_rollback(queue);
  if (ret_n_unacknowledged)
    *ret_n_unacknowledged = (guint)deleted;
  return TRUE;
}
