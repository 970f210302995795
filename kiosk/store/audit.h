/* The audit log: an append-only, hash-chained table in the kiosk database.
 * Each entry holds a time, the acting role, an event name and details that
 * never contain personal data (ids and counts, not names or codes), plus
 * prev_hash and hash = SHA-256 over prev_hash and the entry's fields. A head
 * row remembers the last hash, so audit_verify() detects a changed, inserted
 * or deleted entry, including the last one. (Whoever can rewrite the whole
 * database can rewrite the whole chain; the head's hash is what to copy off
 * the kiosk to make that visible.) */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define AUDIT_ERROR (audit_error_quark())
GQuark audit_error_quark(void);

typedef enum {
  AUDIT_ERROR_TAMPERED, /* the chain does not verify; message says where */
} AuditError;

/* Roles that act at the kiosk (the actor column). */
#define AUDIT_ACTOR_KIOSK      "kiosk" /* the application itself */
#define AUDIT_ACTOR_APPLICANT  "applicant"
#define AUDIT_ACTOR_OFFICER    "officer"
#define AUDIT_ACTOR_TECHNICIAN "technician"
#define AUDIT_ACTOR_UPLOADER   "uploader"

typedef struct {
  gint64 seq;  /* 1, 2, 3, ... without gaps */
  gint64 time; /* unix microseconds */
  char *actor;
  char *event;     /* e.g. "record.queued" */
  char *details;   /* free text without personal data, may be "" */
  char *prev_hash; /* hex; 64 zeros for the first entry */
  char *hash;      /* hex */
} AuditEntry;

/* Creates the audit tables when absent. Idempotent. */
gboolean audit_init(sqlite3 *db, GError **error);

/* Appends one entry at `time` (unix microseconds; g_get_real_time() in the
 * app). Atomic: inside the caller's transaction when one is open (so an
 * audited change and its entry commit together), otherwise in its own
 * BEGIN IMMEDIATE transaction. `details` may be NULL. On success stores the
 * new entry's hash in *ret_hash (hex, free with g_free) when not NULL. */
gboolean audit_append(sqlite3 *db, gint64 time, const char *actor,
                      const char *event, const char *details, char **ret_hash,
                      GError **error);

/* The last entry's sequence number and hash (0 and 64 zeros for an empty
 * log). Copied off the kiosk (queue_store_record() puts it into every
 * record), it lets the back office notice a rewritten chain. */
gboolean audit_get_head(sqlite3 *db, gint64 *ret_seq, char **ret_hash,
                        GError **error);

/* Walks the whole chain. TRUE when every entry's hash, link and sequence
 * number and the head agree; FALSE with AUDIT_ERROR_TAMPERED naming the
 * first bad entry, or a DB_ERROR. *ret_n_entries gets the number checked. */
gboolean audit_verify(sqlite3 *db, gint64 *ret_n_entries, GError **error);

/* Entries with seq > after_seq, oldest first, at most `limit` (0 = all).
 * Array of AuditEntry*, freed by g_ptr_array_unref. */
GPtrArray *audit_list(sqlite3 *db, gint64 after_seq, guint limit,
                      GError **error);

void audit_entry_free(AuditEntry *entry); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AuditEntry, audit_entry_free)
