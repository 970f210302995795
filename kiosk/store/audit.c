/* The hash-chained audit log (see audit.h). The hash input is length-framed
 * so that moving text between fields changes the hash. */
#include "audit.h"

#include <string.h>

#include "db.h"

G_DEFINE_QUARK(biokiosk - audit - error - quark, audit_error)

#define AUDIT_GENESIS                                                          \
  "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_HASH_CONTEXT "biokiosk-audit/1"

gboolean audit_init(sqlite3 *db, GError **error)
{
  return db_exec(db,
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
                 "  hash TEXT NOT NULL);",
                 error);
}

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

/* The head (last seq and hash), or (0, genesis) for an empty log. */
static gboolean audit_read_head(sqlite3 *db, gint64 *ret_seq, char **ret_hash,
                                gboolean *ret_present, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit head", error);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *ret_seq = sqlite3_column_int64(stmt, 0);
    *ret_hash = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    *ret_present = TRUE;
  } else if (rc == SQLITE_DONE) {
    *ret_seq = 0;
    *ret_hash = g_strdup(AUDIT_GENESIS);
    *ret_present = FALSE;
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
  g_autofree char *hash = NULL;
  gboolean present = FALSE;
  gint64 seq = 0;

  g_return_val_if_fail(db != NULL, FALSE);
  if (!audit_read_head(db, &seq, &hash, &present, error))
    return FALSE;
  if (ret_seq)
    *ret_seq = seq;
  if (ret_hash)
    *ret_hash = g_steal_pointer(&hash);
  return TRUE;
}

static gboolean audit_insert(sqlite3 *db, gint64 time, const char *actor,
                             const char *event, const char *details,
                             char **ret_hash, GError **error)
{
  g_autofree char *prev = NULL;
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean present = FALSE;
  gint64 seq = 0;
  int rc;

  if (!audit_read_head(db, &seq, &prev, &present, error))
    return FALSE;
  seq++;
  hash = audit_hash(prev, seq, time, actor, event, details);

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
  sqlite3_bind_text(stmt, 6, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 7, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "audit append", error);

  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO audit_head (id, seq, hash) "
                         "VALUES (1, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "audit head", error);
  sqlite3_bind_int64(stmt, 1, seq);
  sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "audit head", error);
  if (ret_hash)
    *ret_hash = g_steal_pointer(&hash);
  return TRUE;
}

gboolean audit_append(sqlite3 *db, gint64 time, const char *actor,
                      const char *event, const char *details, char **ret_hash,
                      GError **error)
{
  gboolean own_transaction;

  g_return_val_if_fail(db != NULL, FALSE);
  g_return_val_if_fail(actor != NULL && event != NULL, FALSE);
  if (!details)
    details = "";

  /* Two connections appending at once must not both read the same head:
   * IMMEDIATE takes the write lock before the read. Inside a caller's
   * transaction, that caller is responsible for having begun IMMEDIATE. */
  own_transaction = sqlite3_get_autocommit(db) != 0;
  if (!db_exec(db, own_transaction ? "BEGIN IMMEDIATE" : "SAVEPOINT audit",
               error))
    return FALSE;
  if (!audit_insert(db, time, actor, event, details, ret_hash, error)) {
    db_exec(db,
            own_transaction ? "ROLLBACK" : "ROLLBACK TO audit; RELEASE audit",
            NULL);
    return FALSE;
  }
  if (!db_exec(db, own_transaction ? "COMMIT" : "RELEASE audit", error)) {
    if (own_transaction)
      db_exec(db, "ROLLBACK", NULL);
    return FALSE;
  }
  return TRUE;
}

static gboolean audit_tampered(GError **error, const char *what, gint64 seq)
{
  g_set_error(error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED,
              "audit log: entry %" G_GINT64_FORMAT " %s", seq, what);
  return FALSE;
}

gboolean audit_verify(sqlite3 *db, gint64 *ret_n_entries, GError **error)
{
  g_autofree char *prev = g_strdup(AUDIT_GENESIS);
  g_autofree char *head_hash = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean head_present = FALSE;
  gboolean ok = TRUE;
  gint64 head_seq = 0;
  gint64 expected = 1;
  gboolean own_transaction;
  int rc;

  g_return_val_if_fail(db != NULL, FALSE);
  /* One read transaction so that a concurrent append cannot make the head
   * and the rows disagree. */
  own_transaction = sqlite3_get_autocommit(db) != 0;
  if (own_transaction && !db_exec(db, "BEGIN", error))
    return FALSE;
  if (!audit_read_head(db, &head_seq, &head_hash, &head_present, error)) {
    if (own_transaction)
      db_exec(db, "ROLLBACK", NULL);
    return FALSE;
  }
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, time, actor, event, details, prev_hash, "
                         "hash FROM audit_log ORDER BY seq",
                         -1, &stmt, NULL) != SQLITE_OK) {
    ok = db_fail(db, "audit verify", error);
    if (own_transaction)
      db_exec(db, "ROLLBACK", NULL);
    return ok;
  }
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
  if (own_transaction)
    db_exec(db, "COMMIT", NULL);
  if (!ok)
    return FALSE;

  if (expected - 1 != head_seq || (head_present && strcmp(head_hash, prev)))
    return audit_tampered(error,
                          "is the recorded head, but the log ends elsewhere "
                          "(the last entries were removed or changed)",
                          head_seq);
  if (ret_n_entries)
    *ret_n_entries = expected - 1;
  return TRUE;
}

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
