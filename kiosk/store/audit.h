/* The audit log: an append-only, hash-chained table in the kiosk database.
 * Each entry holds a time, the acting role, an event name and details that
 * never contain personal data (ids and counts, not names or codes), plus
 * prev_hash and hash = SHA-256 over prev_hash and the entry's fields. A head
 * row remembers the last entry, signed with the kiosk's Ed25519 key, and a
 * counter file in the state folder (outside the database) remembers how many
 * entries the kiosk has committed. So audit_verify() detects a changed,
 * inserted or deleted entry, including the last ones, a wiped log and an
 * older copy of the database put back, even by someone who can run any SQL
 * on the database (docs/record-format.md, section 5, says what it does not
 * protect against).
 *
 * The key and the counter are attached to a database connection
 * (audit_init() with a state folder, or audit_attach_verify()); appending
 * and verifying on a connection without them fail with
 * AUDIT_ERROR_NO_ANCHOR. Threads: as the connection (one at a time). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define AUDIT_ERROR (audit_error_quark())
GQuark audit_error_quark(void);

typedef enum {
  AUDIT_ERROR_TAMPERED,  /* the log does not verify; message says where */
  AUDIT_ERROR_NO_ANCHOR, /* no kiosk key and counter attached (programmer
                            error: see audit_init) */
} AuditError;

/* Roles that act at the kiosk (the actor column). */
#define AUDIT_ACTOR_KIOSK      "kiosk" /* the application itself */
#define AUDIT_ACTOR_APPLICANT  "applicant"
#define AUDIT_ACTOR_OFFICER    "officer"
#define AUDIT_ACTOR_TECHNICIAN "technician"
#define AUDIT_ACTOR_UPLOADER   "uploader"

/* The counter file in the state folder: "biokiosk-audit-counter/1 <n>\n",
 * mode 0600, replaced atomically (written, fsynced, renamed, folder
 * fsynced) and never lowered. */
#define AUDIT_COUNTER_FILE "audit-counter"

typedef struct {
  gint64 seq;  /* 1, 2, 3, ... without gaps */
  gint64 time; /* unix microseconds */
  char *actor;
  char *event;     /* e.g. "record.queued" */
  char *details;   /* free text without personal data, may be "" */
  char *prev_hash; /* hex; 64 zeros for the first entry */
  char *hash;      /* hex */
} AuditEntry;

/* Creates the audit tables when absent (idempotent; an older head row gets
 * its signature column) and, when `state_dir` is not NULL, attaches the
 * kiosk's anchor to this connection: the signing key in `state_dir` (loaded,
 * or created on first use) and the counter file there. From then on
 * audit_append() signs the head and advances the counter after each commit,
 * and audit_verify() checks both. The anchor lives until the connection is
 * closed. The anchor's WAL hook (which also keeps the connection's
 * automatic checkpoints) is how it learns of commits at once: change the
 * connection's checkpoint threshold only with audit_set_autocheckpoint(),
 * never with PRAGMA wal_autocheckpoint or another WAL hook, which would
 * replace it (the connection's entries would then count only at its next
 * append or verification). */
gboolean audit_init(sqlite3 *db, const char *state_dir, GError **error);

/* Sets the connection's automatic checkpoint threshold in WAL frames (0:
 * off) without displacing the anchor's commit hook; on a connection
 * without an anchor it is sqlite3_wal_autocheckpoint(). Thread of the
 * connection. */
void audit_set_autocheckpoint(sqlite3 *db, int frames);

/* Attaches the anchor in `state_dir` for verification only, to a
 * connection that may be read-only: creates no table, no key and no file.
 * A kiosk without a key yet verifies only an empty log. */
gboolean audit_attach_verify(sqlite3 *db, const char *state_dir,
                             GError **error);

/* Appends one entry at `time` (unix microseconds; g_get_real_time() in the
 * app). Atomic: inside the caller's transaction when one is open (so an
 * audited change and its entry commit together), otherwise in its own
 * BEGIN IMMEDIATE transaction. `details` may be NULL. On success stores the
 * new entry's hash in *ret_hash (hex, free with g_free) when not NULL. The
 * counter is advanced once the entry has committed (a failure to write it
 * leaves the log verifiable and is retried with the next entry). Needs an
 * anchor attached by audit_init(). */
gboolean audit_append(sqlite3 *db, gint64 time, const char *actor,
                      const char *event, const char *details, char **ret_hash,
                      GError **error);

/* The last entry's sequence number and hash (0 and 64 zeros for an empty
 * log). Copied off the kiosk (queue_store_record() puts it into every
 * record), it lets the back office notice a rewritten chain. */
gboolean audit_get_head(sqlite3 *db, gint64 *ret_seq, char **ret_hash,
                        GError **error);

/* Walks the whole chain (from the pruning anchor, when entries were
 * pruned: audit_prune()). TRUE when every entry's hash, link and sequence
 * number agree, the head names the last entry and carries the kiosk's
 * signature over it, and the log is not shorter than the counter; FALSE
 * with AUDIT_ERROR_TAMPERED naming the first bad entry, or
 * AUDIT_ERROR_NO_ANCHOR, or a DB_ERROR. *ret_n_entries gets the number
 * checked (the entries kept). */
gboolean audit_verify(sqlite3 *db, gint64 *ret_n_entries, GError **error);

/* The entry audit_prune() appends: "through=<seq> entries=<n>". */
#define AUDIT_EVENT_PRUNED "audit.pruned"

/* Deletes the entries up to and including `through_seq` (retention.h
 * decides when) and keeps the chain verifiable: the last deleted entry's
 * sequence number and hash, which the first kept entry links to, stay as
 * the pruning anchor, signed with the kiosk's key, where audit_verify()
 * starts. Then appends AUDIT_EVENT_PRUNED at `time`. Atomic, in the
 * caller's transaction when one is open (begun IMMEDIATE). An entry that
 * is gone already prunes nothing. *ret_n_deleted (may be NULL) gets the
 * count. Needs an anchor attached by audit_init(). */
gboolean audit_prune(sqlite3 *db, gint64 through_seq, gint64 time,
                     guint *ret_n_deleted, GError **error);

/* Entries with seq > after_seq, oldest first, at most `limit` (0 = all).
 * Array of AuditEntry*, freed by g_ptr_array_unref. */
GPtrArray *audit_list(sqlite3 *db, gint64 after_seq, guint limit,
                      GError **error);

void audit_entry_free(AuditEntry *entry); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AuditEntry, audit_entry_free)
