/* The hash-chained audit log (see audit.h). The hash input is length-framed
 * so that moving text between fields changes the hash. The head is signed
 * with the kiosk's key and the number of committed entries is kept in a
 * counter file outside the database: the anchor, attached per connection. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sodium.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "db.h"
#include "keys.h"

G_DEFINE_QUARK(biokiosk - audit - error - quark, audit_error)

#define AUDIT_GENESIS                                                          \
  "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_HASH_CONTEXT    "biokiosk-audit/1"
#define AUDIT_HEAD_CONTEXT    "biokiosk-audit-head/1"
#define AUDIT_PRUNED_CONTEXT  "biokiosk-audit-pruned/1"
#define AUDIT_COUNTER_MAGIC   "biokiosk-audit-counter/1"
#define AUDIT_COUNTER_TMP     AUDIT_COUNTER_FILE ".tmp"
#define AUDIT_COUNTER_MAX_LEN 64
/* The SQL function that carries the anchor (see anchor_attach()). */
#define AUDIT_ANCHOR_FUNCTION "biokiosk_audit_kiosk_key"

/* ---- hashing and the head's signature ------------------------------------ */

static void hash_u64(GChecksum *checksum, guint64 value)
{
  guint8 be[8];

  for (int i = 0; i < 8; i++)
    be[i] = (guint8)(value >> (56 - 8 * i));
  g_checksum_update(checksum, be, sizeof be);
}

static void hash_text(GChecksum *checksum, const char *text)
{
  gsize len;

  if (!text)
    text = ""; /* a NULL column can only come from tampering */
  len = strlen(text);

  hash_u64(checksum, len);
  g_checksum_update(checksum, (const guchar *)text, (gssize)len);
}

static char *audit_hash(const char *prev_hash, gint64 seq, gint64 time,
                        const char *actor, const char *event,
                        const char *details)
{
  g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);

  hash_text(checksum, AUDIT_HASH_CONTEXT);
  hash_text(checksum, prev_hash);
  hash_u64(checksum, (guint64)seq);
  hash_u64(checksum, (guint64)time);
  hash_text(checksum, actor);
  hash_text(checksum, event);
  hash_text(checksum, details);
  return g_strdup(g_checksum_get_string(checksum));
}

static void bytes_u64(GByteArray *bytes, guint64 value)
{
  guint8 be[8];

  for (int i = 0; i < 8; i++)
    be[i] = (guint8)(value >> (56 - 8 * i));
  g_byte_array_append(bytes, be, sizeof be);
}

static void bytes_text(GByteArray *bytes, const char *text)
{
  gsize len = text ? strlen(text) : 0;

  bytes_u64(bytes, len);
  g_byte_array_append(bytes, (const guint8 *)(text ? text : ""), (guint)len);
}

/* What the head's (or the pruning anchor's) signature covers:
 * L(context) || u64(seq) || L(hash). */
static GByteArray *head_message(const char *context, gint64 seq,
                                const char *hash)
{
  GByteArray *message = g_byte_array_new();

  bytes_text(message, context);
  bytes_u64(message, (guint64)seq);
  bytes_text(message, hash);
  return message;
}

/* ---- the counter file ------------------------------------------------------
 */

/* The number in the counter file; 0 when there is none yet (a new kiosk).
 * A file that is there but not a counter is tampering (AUDIT_ERROR). */
static gboolean counter_read(const char *state_dir, gint64 *ret_value,
                             GError **error)
{
  g_autofree char *path = g_build_filename(state_dir, AUDIT_COUNTER_FILE, NULL);
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  gsize len = 0;
  guint64 value = 0;

  if (!g_file_get_contents(path, &text, &len, &local)) {
    if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      *ret_value = 0;
      return TRUE;
    }
    g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED,
                "audit log: cannot read its counter: %s", local->message);
    return FALSE;
  }
  words = g_strsplit(g_strchomp(text), " ", 0);
  if (len > AUDIT_COUNTER_MAX_LEN || g_strv_length(words) != 2 ||
      !g_str_equal(words[0], AUDIT_COUNTER_MAGIC) ||
      !g_ascii_string_to_unsigned(words[1], 10, 0, G_MAXINT64, &value, NULL)) {
    g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED,
                "audit log: its counter %s is not a counter", path);
    return FALSE;
  }
  *ret_value = (gint64)value;
  return TRUE;
}

static gboolean counter_fail(GError **error, const char *what)
{
  int saved = errno;

  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
              "audit counter: %s: %s", what, g_strerror(saved));
  return FALSE;
}

/* Replaces the counter file in the folder `dir_fd` with `value`: written
 * and fsynced under a temporary name, renamed, and the folder fsynced, so a
 * power cut leaves the old or the new counter, never a torn one. */
static gboolean counter_write(int dir_fd, gint64 value, GError **error)
{
  g_autofree char *text =
      g_strdup_printf(AUDIT_COUNTER_MAGIC " %" G_GINT64_FORMAT "\n", value);
  gsize len = strlen(text);
  int fd = openat(dir_fd, AUDIT_COUNTER_TMP,
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    return counter_fail(error, "create");
  if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
    int saved = errno;

    close(fd);
    errno = saved;
    return counter_fail(error, "write");
  }
  if (close(fd) != 0)
    return counter_fail(error, "close");
  if (renameat(dir_fd, AUDIT_COUNTER_TMP, dir_fd, AUDIT_COUNTER_FILE) != 0)
    return counter_fail(error, "rename");
  if (fsync(dir_fd) != 0)
    return counter_fail(error, "sync the folder");
  return TRUE;
}

/* Raises the counter to `value` when it is lower; never lowers it. The
 * state folder is locked meanwhile, so that two connections (threads or
 * processes) advancing at once cannot write a lower number last. */
static gboolean counter_advance(const char *state_dir, gint64 value,
                                GError **error)
{
  gint64 current = 0;
  gboolean ok;
  int dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dir_fd < 0)
    return counter_fail(error, state_dir);
  if (flock(dir_fd, LOCK_EX) != 0) {
    int saved = errno;

    close(dir_fd);
    errno = saved;
    return counter_fail(error, "lock the state folder");
  }
  ok = counter_read(state_dir, &current, error);
  if (ok && value > current)
    ok = counter_write(dir_fd, value, error);
  close(dir_fd); /* releases the lock */
  return ok;
}

/* ---- the anchor: key and counter, attached to a connection ----------------
 */

typedef struct {
  sqlite3 *db;
  char *state_dir;
  gboolean can_append; /* attached by audit_init(): signs, advances */
  gboolean has_key;    /* FALSE: verify-only and the kiosk has no key yet */
  guint8 public_key[KEYS_PUBLIC_BYTES];
  guint8 secret_key[KEYS_SIGN_SECRET_BYTES];
  gint64 pending_seq; /* appended in a transaction that has not ended */
  int autocheckpoint; /* WAL frames; the checkpoint our WAL hook keeps */
} AuditAnchor;

/* sqlite3* -> AuditAnchor*; the anchors are owned by their connections. */
static GMutex anchors_lock;
static GHashTable *anchors;

static AuditAnchor *anchor_for(sqlite3 *db)
{
  AuditAnchor *anchor;

  g_mutex_lock(&anchors_lock);
  anchor = anchors ? g_hash_table_lookup(anchors, db) : NULL;
  g_mutex_unlock(&anchors_lock);
  return anchor;
}

static void anchor_register(AuditAnchor *anchor)
{
  g_mutex_lock(&anchors_lock);
  if (!anchors)
    anchors = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_hash_table_insert(anchors, anchor->db, anchor);
  g_mutex_unlock(&anchors_lock);
}

/* The SQL function's destructor: runs when the connection closes or the
 * anchor is replaced. */
static void anchor_destroy(void *data)
{
  AuditAnchor *anchor = data;

  g_mutex_lock(&anchors_lock);
  if (anchors && g_hash_table_lookup(anchors, anchor->db) == anchor)
    g_hash_table_remove(anchors, anchor->db);
  g_mutex_unlock(&anchors_lock);
  g_free(anchor->state_dir);
  sodium_memzero(anchor, sizeof *anchor);
  g_free(anchor);
}

/* SELECT biokiosk_audit_kiosk_key(): the key heads are checked with. */
static void anchor_sql_key(sqlite3_context *context, int argc,
                           sqlite3_value **argv)
{
  AuditAnchor *anchor = sqlite3_user_data(context);
  char *text;

  if (!anchor->has_key) {
    sqlite3_result_null(context);
    return;
  }
  text = keys_encode(anchor->public_key, KEYS_PUBLIC_BYTES);
  sqlite3_result_text(context, text, -1, g_free);
}

/* Once the transaction that appended has committed, the counter catches
 * up. A failure leaves the counter behind, which still verifies: it is
 * retried with the next entry. */
static void anchor_settle(AuditAnchor *anchor)
{
  g_autoptr(GError) local = NULL;
  gint64 seq = anchor->pending_seq;

  if (!seq || !sqlite3_get_autocommit(anchor->db))
    return;
  anchor->pending_seq = 0;
  if (!counter_advance(anchor->state_dir, seq, &local))
    g_debug("audit: the counter stays behind: %s", local->message);
}

/* Called by SQLite after every commit in WAL mode: the moment an appended
 * entry is durable. It replaces SQLite's automatic checkpoint hook, so it
 * does that job too. */
static int anchor_wal_hook(void *data, sqlite3 *db, const char *name,
                           int n_frames)
{
  AuditAnchor *anchor = data;

  anchor_settle(anchor);
  if (anchor->autocheckpoint > 0 && n_frames >= anchor->autocheckpoint)
    sqlite3_wal_checkpoint(db, name);
  return SQLITE_OK;
}

void audit_set_autocheckpoint(sqlite3 *db, int frames)
{
  AuditAnchor *anchor = anchor_for(db);

  /* The anchor's hook checkpoints for the connection: change its
   * threshold rather than let SQLite install its own hook over it. */
  if (anchor && anchor->can_append)
    anchor->autocheckpoint = MAX(frames, 0);
  else
    sqlite3_wal_autocheckpoint(db, frames);
}

/* An entry rolled back never counts. */
static void anchor_rollback_hook(void *data)
{
  AuditAnchor *anchor = data;

  anchor->pending_seq = 0;
}

static gboolean anchor_load_key(AuditAnchor *anchor, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (anchor->can_append) {
    anchor->has_key = keys_load_or_create_signing(
        anchor->state_dir, anchor->public_key, anchor->secret_key, error);
    return anchor->has_key;
  }
  anchor->has_key =
      keys_load_signing(anchor->state_dir, anchor->public_key, NULL, &local);
  if (anchor->has_key || g_error_matches(local, KEYS_ERROR, KEYS_ERROR_ABSENT))
    return TRUE;
  g_propagate_error(error, g_steal_pointer(&local));
  return FALSE;
}

/* The connection's automatic checkpoint threshold before our hook. */
static int anchor_autocheckpoint(sqlite3 *db, const AuditAnchor *previous)
{
  sqlite3_stmt *stmt = NULL;
  int frames = 0;

  /* Our own hook hides it (the pragma then reads 0): keep the old one's. */
  if (previous && previous->can_append)
    return previous->autocheckpoint;
  if (sqlite3_prepare_v2(db, "PRAGMA wal_autocheckpoint", -1, &stmt, NULL) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    frames = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return frames;
}

/* SQLite 3.40 has no per-connection client data (sqlite3_set_clientdata
 * came in 3.44). The destructor of a function registered on the connection
 * runs when the connection closes, so the anchor is that function's user
 * data, and a registry maps the connection to it meanwhile. */
static gboolean anchor_attach(sqlite3 *db, const char *state_dir,
                              gboolean can_append, GError **error)
{
  AuditAnchor *previous = anchor_for(db);
  AuditAnchor *anchor;
  int frames;
  int rc;

  if (previous && g_str_equal(previous->state_dir, state_dir) &&
      (previous->can_append || !can_append))
    return TRUE;
  anchor = g_new0(AuditAnchor, 1);
  anchor->db = db;
  anchor->state_dir = g_strdup(state_dir);
  anchor->can_append = can_append;
  if (!anchor_load_key(anchor, error)) {
    anchor_destroy(anchor);
    return FALSE;
  }
  frames = anchor->autocheckpoint = anchor_autocheckpoint(db, previous);
  anchor_register(anchor);
  if (can_append) {
    sqlite3_wal_hook(db, anchor_wal_hook, anchor);
    sqlite3_rollback_hook(db, anchor_rollback_hook, anchor);
  }
  /* Replacing the function destroys the previous anchor; on failure SQLite
   * destroys the new one. */
  rc = sqlite3_create_function_v2(db, AUDIT_ANCHOR_FUNCTION, 0, SQLITE_UTF8,
                                  anchor, anchor_sql_key, NULL, NULL,
                                  anchor_destroy);
  if (rc != SQLITE_OK) {
    if (can_append) {
      sqlite3_rollback_hook(db, NULL, NULL);
      sqlite3_wal_autocheckpoint(db, frames); /* SQLite's own hook again */
    }
    return db_fail(db, "audit anchor", error);
  }
  return TRUE;
}

static AuditAnchor *anchor_require(sqlite3 *db, gboolean for_append,
                                   GError **error)
{
  AuditAnchor *anchor = anchor_for(db);

  if (anchor && (anchor->can_append || !for_append))
    return anchor;
  g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_NO_ANCHOR,
              "audit log: no kiosk key and counter attached to the database "
              "connection");
  return NULL;
}

/* ---- tables ------------------------------------------------------------- */

/* The head row's signature column, added to a database made before it. */
static gboolean audit_add_signature_column(sqlite3 *db, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2(db, "SELECT signature FROM audit_head", -1, &stmt,
                         NULL) == SQLITE_OK) {
    sqlite3_finalize(stmt);
    return TRUE;
  }
  return db_exec(db, "ALTER TABLE audit_head ADD COLUMN signature TEXT", error);
}

gboolean audit_init(sqlite3 *db, const char *state_dir, GError **error)
{
  g_return_val_if_fail(db != NULL, FALSE);
  if (!db_exec(db,
               "CREATE TABLE IF NOT EXISTS audit_log ("
               "  seq INTEGER PRIMARY KEY,"
               "  time INTEGER NOT NULL,"
               "  actor TEXT NOT NULL,"
               "  event TEXT NOT NULL,"
               "  details TEXT NOT NULL,"
               "  prev_hash TEXT NOT NULL,"
               "  hash TEXT NOT NULL);"
               "CREATE TABLE IF NOT EXISTS audit_head ("
               "  id INTEGER PRIMARY KEY CHECK (id = 1),"
               "  seq INTEGER NOT NULL,"
               "  hash TEXT NOT NULL,"
               "  signature TEXT);"
               "CREATE TABLE IF NOT EXISTS audit_pruned ("
               "  id INTEGER PRIMARY KEY CHECK (id = 1),"
               "  seq INTEGER NOT NULL,"
               "  hash TEXT NOT NULL,"
               "  signature TEXT NOT NULL);",
               error) ||
      !audit_add_signature_column(db, error))
    return FALSE;
  return !state_dir || anchor_attach(db, state_dir, TRUE, error);
}

gboolean audit_attach_verify(sqlite3 *db, const char *state_dir, GError **error)
{
  g_return_val_if_fail(db != NULL && state_dir != NULL, FALSE);
  return anchor_attach(db, state_dir, FALSE, error);
}

/* ---- the head ---------------------------------------------------------- */

typedef struct {
  gint64 seq;      /* 0 for an empty log */
  char *hash;      /* 64 zeros for an empty log */
  char *signature; /* base64, NULL when absent */
  gboolean present;
} AuditHead;

static void audit_head_clear(AuditHead *head)
{
  g_free(head->hash);
  g_free(head->signature);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AuditHead, audit_head_clear)

/* The head row, or (0, genesis) for an empty log. A database older than
 * the signature column, opened read-only, has unsigned heads. */
static gboolean audit_read_head(sqlite3 *db, AuditHead *ret_head,
                                GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "SELECT seq, hash, signature FROM audit_head "
                         "WHERE id = 1",
                         -1, &stmt, NULL) != SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "SELECT seq, hash, NULL FROM audit_head WHERE id = 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit head", error);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    ret_head->seq = sqlite3_column_int64(stmt, 0);
    ret_head->hash = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    ret_head->signature = g_strdup((const char *)sqlite3_column_text(stmt, 2));
    ret_head->present = TRUE;
  } else if (rc == SQLITE_DONE) {
    ret_head->seq = 0;
    ret_head->hash = g_strdup(AUDIT_GENESIS);
    ret_head->present = FALSE;
  } else {
    sqlite3_finalize(stmt);
    return db_fail(db, "audit head", error);
  }
  sqlite3_finalize(stmt);
  return TRUE;
}

gboolean audit_get_head(sqlite3 *db, gint64 *ret_seq, char **ret_hash,
                        GError **error)
{
  g_auto(AuditHead) head = {0};

  g_return_val_if_fail(db != NULL, FALSE);
  if (!audit_read_head(db, &head, error))
    return FALSE;
  if (ret_seq)
    *ret_seq = head.seq;
  if (ret_hash)
    *ret_hash = g_steal_pointer(&head.hash);
  return TRUE;
}

static char *head_sign(const AuditAnchor *anchor, const char *context,
                       gint64 seq, const char *hash)
{
  g_autoptr(GByteArray) message = head_message(context, seq, hash);
  guint8 signature[KEYS_SIGNATURE_BYTES];

  crypto_sign_detached(signature, NULL, message->data, message->len,
                       anchor->secret_key);
  return keys_encode(signature, sizeof signature);
}

/* `signature_text` (base64, may be NULL) is the kiosk's over (context,
 * seq, hash). */
static gboolean anchor_signature_valid(const AuditAnchor *anchor,
                                       const char *context, gint64 seq,
                                       const char *hash,
                                       const char *signature_text)
{
  g_autoptr(GByteArray) message = NULL;
  guint8 signature[KEYS_SIGNATURE_BYTES];

  if (!anchor->has_key || !signature_text ||
      !keys_decode(signature_text, signature, sizeof signature, NULL))
    return FALSE;
  message = head_message(context, seq, hash);
  return crypto_sign_verify_detached(signature, message->data, message->len,
                                     anchor->public_key) == 0;
}

static gboolean head_signature_valid(const AuditAnchor *anchor,
                                     const AuditHead *head)
{
  return anchor_signature_valid(anchor, AUDIT_HEAD_CONTEXT, head->seq,
                                head->hash, head->signature);
}

/* ---- appending ---------------------------------------------------------- */

static gboolean audit_write_head(sqlite3 *db, const AuditAnchor *anchor,
                                 gint64 seq, const char *hash, GError **error)
{
  g_autofree char *signature = head_sign(anchor, AUDIT_HEAD_CONTEXT, seq, hash);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO audit_head (id, seq, hash, "
                         "signature) VALUES (1, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit head", error);
  sqlite3_bind_int64(stmt, 1, seq);
  sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 3, signature, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "audit head", error);
  return TRUE;
}

static gboolean audit_insert(sqlite3 *db, AuditAnchor *anchor, gint64 time,
                             const char *actor, const char *event,
                             const char *details, char **ret_hash,
                             GError **error)
{
  g_auto(AuditHead) head = {0};
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 seq;
  int rc;

  if (!audit_read_head(db, &head, error))
    return FALSE;
  /* With no entry of ours pending, the head is committed: a counter left
   * behind by a crash between a commit and its counter catches up. */
  if (anchor->pending_seq == 0 && head.seq > 0 &&
      !counter_advance(anchor->state_dir, head.seq, NULL))
    g_debug("audit: the counter could not catch up");
  seq = head.seq + 1;
  hash = audit_hash(head.hash, seq, time, actor, event, details);

  if (sqlite3_prepare_v2(db,
                         "INSERT INTO audit_log (seq, time, actor, event, "
                         "details, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit append", error);
  sqlite3_bind_int64(stmt, 1, seq);
  sqlite3_bind_int64(stmt, 2, time);
  sqlite3_bind_text(stmt, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 4, event, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 5, details, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 6, head.hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 7, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "audit append", error);
  if (!audit_write_head(db, anchor, seq, hash, error))
    return FALSE;
  anchor->pending_seq = seq;
  if (ret_hash)
    *ret_hash = g_steal_pointer(&hash);
  return TRUE;
}

gboolean audit_append(sqlite3 *db, gint64 time, const char *actor,
                      const char *event, const char *details, char **ret_hash,
                      GError **error)
{
  AuditAnchor *anchor;
  gboolean own_transaction;

  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(actor != NULL && event != NULL, FALSE);
  if (!details)
    details = "";
  anchor = anchor_require(db, TRUE, error);
  if (!anchor)
    return FALSE;
  anchor_settle(anchor);

  /* Two connections appending at once must not both read the same head:
   * IMMEDIATE takes the write lock before the read. Inside a caller's
   * transaction, that caller is responsible for having begun IMMEDIATE. */
  own_transaction = sqlite3_get_autocommit(db) != 0;
  if (!db_exec(db, own_transaction ? "BEGIN IMMEDIATE" : "SAVEPOINT audit",
               error))
    return FALSE;
  if (!audit_insert(db, anchor, time, actor, event, details, ret_hash, error)) {
    db_exec(db,
            own_transaction ? "ROLLBACK" : "ROLLBACK TO audit; RELEASE audit",
            NULL);
    return FALSE;
  }
  if (!db_exec(db, own_transaction ? "COMMIT" : "RELEASE audit", error)) {
    if (own_transaction)
      db_exec(db, "ROLLBACK", NULL);
    anchor->pending_seq = 0;
    return FALSE;
  }
  /* Without WAL there is no hook: count our own commit here. */
  anchor_settle(anchor);
  return TRUE;
}

/* ---- verifying ---------------------------------------------------------- */

static gboolean audit_tampered(GError **error, const char *what, gint64 seq)
{
  g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED,
              "audit log: entry %" G_GINT64_FORMAT " %s", seq, what);
  return FALSE;
}

/* Checks every entry's sequence number, link and hash in order, from the
 * one after `start_seq` whose prev_hash is `start_hash` (0 and genesis, or
 * the pruning anchor). On success *ret_n is the last entry's sequence
 * number and *ret_last its hash (start_seq and start_hash for none). */
static gboolean audit_walk(sqlite3 *db, gint64 start_seq,
                           const char *start_hash, gint64 *ret_n,
                           char **ret_last, GError **error)
{
  g_autofree char *prev = g_strdup(start_hash);
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  gint64 expected = start_seq + 1;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "SELECT seq, time, actor, event, details, prev_hash, "
                         "hash FROM audit_log ORDER BY seq",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit verify", error);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    gint64 seq = sqlite3_column_int64(stmt, 0);
    const char *stored_prev = (const char *)sqlite3_column_text(stmt, 5);
    const char *stored_hash = (const char *)sqlite3_column_text(stmt, 6);
    g_autofree char *hash = NULL;

    if (seq != expected) {
      ok = audit_tampered(error, "is missing (entries were deleted)", expected);
      break;
    }
    if (g_strcmp0(stored_prev, prev) != 0) {
      ok = audit_tampered(error, "does not link to the one before", seq);
      break;
    }
    hash = audit_hash(prev, seq, sqlite3_column_int64(stmt, 1),
                      (const char *)sqlite3_column_text(stmt, 2),
                      (const char *)sqlite3_column_text(stmt, 3),
                      (const char *)sqlite3_column_text(stmt, 4));
    if (g_strcmp0(hash, stored_hash) != 0) {
      ok = audit_tampered(error, "was changed (hash mismatch)", seq);
      break;
    }
    g_free(prev);
    prev = g_steal_pointer(&hash);
    expected++;
  }
  if (ok && rc != SQLITE_DONE)
    ok = db_fail(db, "audit verify", error);
  sqlite3_finalize(stmt);
  if (!ok)
    return FALSE;
  *ret_n = expected - 1;
  *ret_last = g_steal_pointer(&prev);
  return TRUE;
}

/* The head must name the last entry and carry the kiosk's signature, and
 * the log must reach the counter. */
/* Why the head does not carry the kiosk's signature; NULL when it does. */
static const char *head_signature_problem(const AuditAnchor *anchor,
                                          const AuditHead *head)
{
  if (!anchor->has_key)
    return "is the recorded head, but the kiosk's signing key is missing";
  if (!head->signature)
    return "is the recorded head, but it is not signed (written before "
           "signed heads, or rewritten)";
  if (!head_signature_valid(anchor, head))
    return "is the recorded head, but it is not signed by this kiosk's key "
           "(it was rewritten)";
  return NULL;
}

static gboolean audit_check_head(const AuditAnchor *anchor,
                                 const AuditHead *head, gint64 n,
                                 const char *last, gint64 counted,
                                 GError **error)
{
  const char *problem;

  if (n != head->seq || (head->present && strcmp(head->hash, last) != 0))
    return audit_tampered(error,
                          "is the recorded head, but the log ends elsewhere "
                          "(the last entries were removed or changed)",
                          head->seq);
  problem = head->present ? head_signature_problem(anchor, head) : NULL;
  if (problem)
    return audit_tampered(error, problem, head->seq);
  if (n < counted) {
    g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED,
                "audit log: it ends at entry %" G_GINT64_FORMAT
                ", but the kiosk has counted %" G_GINT64_FORMAT
                " entries (entries were removed or an older copy of the "
                "database was put back)",
                n, counted);
    return FALSE;
  }
  return TRUE;
}

/* ---- pruning ------------------------------------------------------------ */

/* The pruning anchor: the last deleted entry's sequence number and hash,
 * which the first kept entry links to, signed with the kiosk's key; (0,
 * genesis) when nothing was ever pruned (or, read-only, the table is older
 * than pruning). An anchor the kiosk did not sign is tampering. */
static gboolean audit_read_pruned(sqlite3 *db, const AuditAnchor *anchor,
                                  AuditHead *ret, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  ret->seq = 0;
  ret->hash = g_strdup(AUDIT_GENESIS);
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, hash, signature FROM audit_pruned "
                         "WHERE id = 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return TRUE;
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    ret->present = TRUE;
    ret->seq = sqlite3_column_int64(stmt, 0);
    g_free(ret->hash);
    ret->hash = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    ret->signature = g_strdup((const char *)sqlite3_column_text(stmt, 2));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(db, "audit pruned", error);
  if (ret->present &&
      !anchor_signature_valid(anchor, AUDIT_PRUNED_CONTEXT, ret->seq, ret->hash,
                              ret->signature))
    return audit_tampered(error,
                          "is where the log was pruned, but that anchor is "
                          "not signed by this kiosk's key",
                          ret->seq);
  return TRUE;
}

/* Inside the caller's transaction: deletes the entries up to
 * `through_seq`, signs the new anchor and audits it; *ret_n gets the
 * count (0 when that entry is gone already). */
static gboolean audit_prune_in(sqlite3 *db, const AuditAnchor *anchor,
                               gint64 through_seq, gint64 time, guint *ret_n,
                               GError **error)
{
  g_autoptr(GPtrArray) last = audit_list(db, through_seq - 1, 1, error);
  g_autofree char *signature = NULL;
  g_autofree char *details = NULL;
  const AuditEntry *entry;
  char *sql;
  gboolean ok;

  *ret_n = 0;
  if (!last)
    return FALSE;
  entry = last->len ? last->pdata[0] : NULL;
  if (!entry || entry->seq != through_seq)
    return TRUE;
  signature = head_sign(anchor, AUDIT_PRUNED_CONTEXT, entry->seq, entry->hash);
  sql = sqlite3_mprintf("DELETE FROM audit_log WHERE seq <= %lld;",
                        (long long)through_seq);
  ok = db_exec(db, sql, error);
  sqlite3_free(sql);
  if (!ok)
    return FALSE;
  *ret_n = (guint)sqlite3_changes(db);
  sql = sqlite3_mprintf("INSERT OR REPLACE INTO audit_pruned (id, seq, hash, "
                        "signature) VALUES (1, %lld, %Q, %Q);",
                        (long long)through_seq, entry->hash, signature);
  ok = db_exec(db, sql, error);
  sqlite3_free(sql);
  details = g_strdup_printf("through=%" G_GINT64_FORMAT " entries=%u",
                            through_seq, *ret_n);
  return ok && audit_append(db, time, AUDIT_ACTOR_KIOSK, AUDIT_EVENT_PRUNED,
                            details, NULL, error);
}

gboolean audit_prune(sqlite3 *db, gint64 through_seq, gint64 time,
                     guint *ret_n_deleted, GError **error)
{
  AuditAnchor *anchor;
  gboolean own_transaction;
  guint n = 0;

  g_return_val_if_fail(db != NULL && through_seq > 0, FALSE);
  anchor = anchor_require(db, TRUE, error);
  if (!anchor)
    return FALSE;
  own_transaction = sqlite3_get_autocommit(db) != 0;
  if (!db_exec(db, own_transaction ? "BEGIN IMMEDIATE" : "SAVEPOINT prune",
               error))
    return FALSE;
  if (!audit_prune_in(db, anchor, through_seq, time, &n, error)) {
    db_exec(db,
            own_transaction ? "ROLLBACK" : "ROLLBACK TO prune; RELEASE prune",
            NULL);
    return FALSE;
  }
  if (!db_exec(db, own_transaction ? "COMMIT" : "RELEASE prune", error)) {
    if (own_transaction)
      db_exec(db, "ROLLBACK", NULL);
    return FALSE;
  }
  if (ret_n_deleted)
    *ret_n_deleted = n;
  return TRUE;
}

gboolean audit_verify(sqlite3 *db, gint64 *ret_n_entries, GError **error)
{
  g_auto(AuditHead) head = {0};
  g_auto(AuditHead) pruned = {0};
  g_autofree char *last = NULL;
  AuditAnchor *anchor;
  gboolean own_transaction;
  gint64 counted = 0;
  gint64 n = 0;
  gboolean ok;

  g_return_val_if_fail(db != NULL, FALSE);
  anchor = anchor_require(db, FALSE, error);
  if (!anchor)
    return FALSE;
  if (anchor->can_append)
    anchor_settle(anchor);
  /* The counter first: it never runs ahead of what is committed, so a
   * commit between the two reads cannot look like a truncation. */
  if (!counter_read(anchor->state_dir, &counted, error))
    return FALSE;
  /* One read transaction so that a concurrent append cannot make the head
   * and the rows disagree. */
  own_transaction = sqlite3_get_autocommit(db) != 0;
  if (own_transaction && !db_exec(db, "BEGIN", error))
    return FALSE;
  ok = audit_read_head(db, &head, error) &&
       audit_read_pruned(db, anchor, &pruned, error) &&
       audit_walk(db, pruned.seq, pruned.hash, &n, &last, error);
  if (own_transaction)
    db_exec(db, ok ? "COMMIT" : "ROLLBACK", NULL);
  if (!ok || !audit_check_head(anchor, &head, n, last, counted, error))
    return FALSE;
  if (ret_n_entries)
    *ret_n_entries = n - pruned.seq;
  return TRUE;
}

/* ---- listing ------------------------------------------------------------ */

GPtrArray *audit_list(sqlite3 *db, gint64 after_seq, guint limit,
                      GError **error)
{
  g_autoptr(GPtrArray) entries =
      g_ptr_array_new_with_free_func((GDestroyNotify)audit_entry_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail(db != NULL, NULL);
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, time, actor, event, details, prev_hash, "
                         "hash FROM audit_log WHERE seq > ? ORDER BY seq "
                         "LIMIT ?",
                         -1, &stmt, NULL) != SQLITE_OK) {
    db_fail(db, "audit list", error);
    return NULL;
  }
  sqlite3_bind_int64(stmt, 1, after_seq);
  sqlite3_bind_int64(stmt, 2, limit ? (gint64)limit : -1);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    AuditEntry *entry = g_new0(AuditEntry, 1);

    entry->seq = sqlite3_column_int64(stmt, 0);
    entry->time = sqlite3_column_int64(stmt, 1);
    entry->actor = g_strdup((const char *)sqlite3_column_text(stmt, 2));
    entry->event = g_strdup((const char *)sqlite3_column_text(stmt, 3));
    entry->details = g_strdup((const char *)sqlite3_column_text(stmt, 4));
    entry->prev_hash = g_strdup((const char *)sqlite3_column_text(stmt, 5));
    entry->hash = g_strdup((const char *)sqlite3_column_text(stmt, 6));
    g_ptr_array_add(entries, entry);
  }
  if (rc != SQLITE_DONE) {
    db_fail(db, "audit list", error);
    sqlite3_finalize(stmt);
    return NULL;
  }
  sqlite3_finalize(stmt);
  return g_steal_pointer(&entries);
}

void audit_entry_free(AuditEntry *entry)
{
  if (!entry)
    return;
  g_free(entry->actor);
  g_free(entry->event);
  g_free(entry->details);
  g_free(entry->prev_hash);
  g_free(entry->hash);
  g_free(entry);
}
