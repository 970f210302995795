/* Heartbeat checkpoints (heartbeat.h): made in one transaction with their
 * audit entry, kept in the heartbeat_checkpoint table until delivered, and
 * written as "key: value" lines whose last line is the Ed25519 signature
 * over every byte before it. */
#include "heartbeat.h"

#include <sodium.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "retention.h"

#define HEARTBEAT_SIGNATURE_KEY "signature: "
#define HEARTBEAT_BOOT_ID_FILE  "/proc/sys/kernel/random/boot_id"

struct _KioskHeartbeat {
  sqlite3 *db; /* borrowed */
  guint8 public_key[KEYS_PUBLIC_BYTES];
  guint8 secret_key[KEYS_SIGN_SECRET_BYTES];
  char *kiosk_key; /* base64 of public_key */
};

/* The state the next checkpoint continues from: the newest one made. */
typedef struct {
  gint64 seq;
  char *hash;
  gint64 audit_seq;
  gint64 queued, acknowledged, removed;
} HeartbeatLast;

static void heartbeat_last_clear(HeartbeatLast *last)
{
  g_free(last->hash);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HeartbeatLast, heartbeat_last_clear)

void heartbeat_checkpoint_free(HeartbeatCheckpoint *checkpoint)
{
  if (!checkpoint)
    return;
  g_free(checkpoint->kiosk_key);
  g_free(checkpoint->location_id);
  g_free(checkpoint->version);
  g_free(checkpoint->prev);
  g_free(checkpoint->audit_hash);
  g_free(checkpoint->devices);
  g_free(checkpoint->boot_id);
  g_free(checkpoint->hash);
  g_free(checkpoint);
}

char *heartbeat_checkpoint_id(gint64 seq)
{
  char hex[33];

  g_snprintf(hex, sizeof hex, "%032" G_GINT64_MODIFIER "x", (guint64)seq);
  return g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                         hex + 16, hex + 20);
}

/* ---- the text form ------------------------------------------------------ */

/* A value as one line: no newline, no control character. */
static const char *heartbeat_line_value(const char *value)
{
  if (!value || !*value)
    return "-";
  for (const char *p = value; *p; p++)
    if ((guchar)*p < 0x20 || *p == 0x7f)
      return "-";
  return value;
}

static char *heartbeat_format(const HeartbeatCheckpoint *c)
{
  GString *text = g_string_new(HEARTBEAT_FORMAT "\n");

  g_string_append_printf(
      text,
      "kiosk_key: %s\nlocation_id: %s\nversion: %s\n"
      "seq: %" G_GINT64_FORMAT "\nprev: %s\n"
      "audit_seq: %" G_GINT64_FORMAT "\naudit_hash: %s\n"
      "queue_depth: %" G_GINT64_FORMAT "\noldest_age_s: %" G_GINT64_FORMAT
      "\nrecords_queued: %" G_GINT64_FORMAT
      "\nrecords_acknowledged: %" G_GINT64_FORMAT
      "\nrecords_removed: %" G_GINT64_FORMAT "\ndevices: %s\n"
      "disk_free: %" G_GUINT64_FORMAT "\nwall_us: %" G_GINT64_FORMAT
      "\nmono_us: %" G_GINT64_FORMAT "\nboot_id: %s\n",
      c->kiosk_key, heartbeat_line_value(c->location_id),
      heartbeat_line_value(c->version), c->seq, c->prev, c->audit_seq,
      c->audit_hash, c->queue_depth, c->oldest_age_s, c->records_queued,
      c->records_acknowledged, c->records_removed,
      heartbeat_line_value(c->devices), c->disk_free, c->wall_us, c->mono_us,
      heartbeat_line_value(c->boot_id));
  return g_string_free(text, FALSE);
}

/* The signed object: the text, then "signature: <base64>\n" over it. */
static GBytes *heartbeat_sign(const KioskHeartbeat *hb, const char *text)
{
  guint8 signature[KEYS_SIGNATURE_BYTES];
  g_autofree char *encoded = NULL;
  gsize len = strlen(text);

  crypto_sign_detached(signature, NULL, (const guint8 *)text, len,
                       hb->secret_key);
  encoded = keys_encode(signature, sizeof signature);
  return g_bytes_new_take(
      g_strconcat(text, HEARTBEAT_SIGNATURE_KEY, encoded, "\n", NULL),
      len + strlen(HEARTBEAT_SIGNATURE_KEY) + strlen(encoded) + 1);
}

static gboolean parse_fail(GError **error, const char *why)
{
  g_set_error(error, KEYS_ERROR, KEYS_ERROR_INVALID, "not a checkpoint: %s",
              why);
  return FALSE;
}

static gboolean parse_int(GHashTable *fields, const char *key, gint64 *ret,
                          GError **error)
{
  const char *text = g_hash_table_lookup(fields, key);
  guint64 value = 0;

  if (!text ||
      !g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, &value, NULL)) {
    g_autofree char *why = g_strdup_printf("no number for %s", key);

    return parse_fail(error, why);
  }
  *ret = (gint64)value;
  return TRUE;
}

static char *parse_str(GHashTable *fields, const char *key)
{
  const char *value = g_hash_table_lookup(fields, key);

  return g_strdup(value && strcmp(value, "-") != 0 ? value : "");
}

static gboolean parse_fields(HeartbeatCheckpoint *c, GHashTable *fields,
                             GError **error)
{
  gint64 disk_free = 0;

  if (!parse_int(fields, "seq", &c->seq, error) ||
      !parse_int(fields, "audit_seq", &c->audit_seq, error) ||
      !parse_int(fields, "queue_depth", &c->queue_depth, error) ||
      !parse_int(fields, "oldest_age_s", &c->oldest_age_s, error) ||
      !parse_int(fields, "records_queued", &c->records_queued, error) ||
      !parse_int(fields, "records_acknowledged", &c->records_acknowledged,
                 error) ||
      !parse_int(fields, "records_removed", &c->records_removed, error) ||
      !parse_int(fields, "disk_free", &disk_free, error) ||
      !parse_int(fields, "wall_us", &c->wall_us, error) ||
      !parse_int(fields, "mono_us", &c->mono_us, error))
    return FALSE;
  c->disk_free = (guint64)disk_free;
  c->kiosk_key = parse_str(fields, "kiosk_key");
  c->location_id = parse_str(fields, "location_id");
  c->version = parse_str(fields, "version");
  c->prev = parse_str(fields, "prev");
  c->audit_hash = parse_str(fields, "audit_hash");
  c->devices = parse_str(fields, "devices");
  c->boot_id = parse_str(fields, "boot_id");
  if (strlen(c->prev) != 64 || strlen(c->audit_hash) != 64)
    return parse_fail(error, "prev or audit_hash is not a SHA-256");
  return TRUE;
}

/* The "key: value" lines of `text` (the signed part, after the format
 * line) into a table; FALSE on a line that is not one. */
static gboolean parse_lines(const char *text, GHashTable *fields,
                            GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", 0);

  for (gsize i = 1; lines[i]; i++) {
    char *colon = strstr(lines[i], ": ");

    if (!*lines[i] && !lines[i + 1])
      break; /* after the last newline */
    if (!colon)
      return parse_fail(error, "a line is not 'key: value'");
    *colon = '\0';
    g_hash_table_replace(fields, g_strdup(lines[i]), g_strdup(colon + 2));
  }
  return TRUE;
}

/* Checks the signature over `signed_text` (its length `len`). */
static gboolean heartbeat_signature_ok(const HeartbeatCheckpoint *c,
                                       const char *signed_text, gsize len,
                                       const char *signature_text)
{
  guint8 key[KEYS_PUBLIC_BYTES];
  guint8 signature[KEYS_SIGNATURE_BYTES];

  return keys_decode(c->kiosk_key, key, sizeof key, NULL) &&
         keys_decode(signature_text, signature, sizeof signature, NULL) &&
         crypto_sign_verify_detached(signature, (const guint8 *)signed_text,
                                     len, key) == 0;
}

HeartbeatCheckpoint *heartbeat_parse(GBytes *bytes, GError **error)
{
  g_autoptr(HeartbeatCheckpoint) c = g_new0(HeartbeatCheckpoint, 1);
  g_autoptr(GHashTable) fields =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  g_autofree char *text = NULL;
  char *sig;

  if (len == 0 || len > HEARTBEAT_MAX_BYTES || memchr(data, '\0', len) ||
      !g_utf8_validate(data, (gssize)len, NULL)) {
    parse_fail(error, "empty, too long or not text");
    return NULL;
  }
  text = g_strndup(data, len);
  sig = strstr(text, "\n" HEARTBEAT_SIGNATURE_KEY);
  if (!g_str_has_prefix(text, HEARTBEAT_FORMAT "\n") || !sig ||
      !g_str_has_suffix(text, "\n")) {
    parse_fail(error, "no " HEARTBEAT_FORMAT " header or no signature");
    return NULL;
  }
  sig[1] = '\0'; /* text is now the signed part */
  sig += 1 + strlen(HEARTBEAT_SIGNATURE_KEY);
  sig[strlen(sig) - 1] = '\0';
  if (!parse_lines(text, fields, error) || !parse_fields(c, fields, error))
    return NULL;
  c->signature_ok = heartbeat_signature_ok(c, text, strlen(text), sig);
  c->hash = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
  return g_steal_pointer(&c);
}

/* ---- the table ---------------------------------------------------------- */

KioskHeartbeat *heartbeat_open(sqlite3 *db, const char *state_dir,
                               GError **error)
{
  g_autoptr(KioskHeartbeat) hb = g_new0(KioskHeartbeat, 1);

  g_return_val_if_fail(db != NULL && state_dir != NULL, NULL);
  hb->db = db;
  if (!keys_init(error) ||
      !keys_load_or_create_signing(state_dir, hb->public_key, hb->secret_key,
                                   error) ||
      !db_exec(db,
               "CREATE TABLE IF NOT EXISTS heartbeat_checkpoint ("
               "  seq INTEGER PRIMARY KEY,"
               "  hash TEXT NOT NULL,"
               "  audit_seq INTEGER NOT NULL,"
               "  created INTEGER NOT NULL,"
               "  queued INTEGER NOT NULL,"
               "  acknowledged INTEGER NOT NULL,"
               "  removed INTEGER NOT NULL,"
               "  body BLOB NOT NULL,"
               "  delivered INTEGER NOT NULL DEFAULT 0)",
               error))
    return NULL;
  hb->kiosk_key = keys_encode(hb->public_key, KEYS_PUBLIC_BYTES);
  return g_steal_pointer(&hb);
}

void heartbeat_close(KioskHeartbeat *heartbeat)
{
  if (!heartbeat)
    return;
  g_free(heartbeat->kiosk_key);
  sodium_memzero(heartbeat, sizeof *heartbeat);
  g_free(heartbeat);
}

/* The newest checkpoint made (seq 0, genesis when none). */
static gboolean heartbeat_read_last(sqlite3 *db, HeartbeatLast *ret,
                                    GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db,
                         "SELECT seq, hash, audit_seq, queued, acknowledged, "
                         "removed FROM heartbeat_checkpoint ORDER BY seq "
                         "DESC LIMIT 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "heartbeat", error);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    ret->seq = sqlite3_column_int64(stmt, 0);
    ret->hash = g_strdup((const char *)sqlite3_column_text(stmt, 1));
    ret->audit_seq = sqlite3_column_int64(stmt, 2);
    ret->queued = sqlite3_column_int64(stmt, 3);
    ret->acknowledged = sqlite3_column_int64(stmt, 4);
    ret->removed = sqlite3_column_int64(stmt, 5);
  } else {
    ret->hash = g_strdup(HEARTBEAT_GENESIS);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(db, "heartbeat", error);
  return TRUE;
}

/* Runs `sql` (with ?1 bound to `arg`) and reads one row of up to four
 * integers into `ret`. */
static gboolean heartbeat_query(sqlite3 *db, const char *sql, gint64 arg,
                                gint64 *ret, int n, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "heartbeat", error);
  sqlite3_bind_int64(stmt, 1, arg);
  rc = sqlite3_step(stmt);
  for (int i = 0; rc == SQLITE_ROW && i < n; i++)
    ret[i] = sqlite3_column_int64(stmt, i);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW)
    return db_fail(db, "heartbeat", error);
  return TRUE;
}

/* The queue and the counters, read in the checkpoint's transaction: the
 * audit entries after the last checkpoint's head say what came and went
 * (they are never pruned before a later checkpoint is acknowledged). */
static gboolean heartbeat_counts(sqlite3 *db, const HeartbeatLast *last,
                                 gint64 now_us, HeartbeatCheckpoint *c,
                                 GError **error)
{
  gint64 counts[3] = {0};
  gint64 queue[2] = {0};

  if (!heartbeat_query(
          db,
          "SELECT coalesce(sum(event = 'record.queued'), 0), "
          "coalesce(sum(event = 'record.acknowledged'), 0), "
          "coalesce(sum(CASE WHEN event = '" RETENTION_EVENT_DELETED "' THEN 1 "
          "WHEN event = 'queue.purged' THEN CAST(substr(details, 16) AS "
          "INTEGER) ELSE 0 END), 0) FROM audit_log WHERE seq > ?1",
          last->audit_seq, counts, 3, error) ||
      !heartbeat_query(db,
                       "SELECT count(*), coalesce(min(created), 0) FROM "
                       "queue_records WHERE ?1 = ?1",
                       0, queue, 2, error))
    return FALSE;
  c->records_queued = last->queued + counts[0];
  c->records_acknowledged = last->acknowledged + counts[1];
  c->records_removed = last->removed + counts[2];
  c->queue_depth = queue[0];
  c->oldest_age_s = queue[0] ? MAX(now_us / G_USEC_PER_SEC - queue[1], 0) : 0;
  return TRUE;
}

static char *heartbeat_boot_id(void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents(HEARTBEAT_BOOT_ID_FILE, &text, NULL, NULL))
    return g_strdup("unknown");
  return g_strdup(g_strstrip(text));
}

static gboolean heartbeat_insert(sqlite3 *db, const HeartbeatCheckpoint *c,
                                 GBytes *body, gint64 now_us, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gsize len = 0;
  const void *data = g_bytes_get_data(body, &len);
  g_autofree char *hash = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, body);
  int rc;

  if (sqlite3_prepare_v2(db,
                         "INSERT INTO heartbeat_checkpoint (seq, hash, "
                         "audit_seq, created, queued, acknowledged, removed, "
                         "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "heartbeat", error);
  sqlite3_bind_int64(stmt, 1, c->seq);
  sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, c->audit_seq);
  sqlite3_bind_int64(stmt, 4, now_us);
  sqlite3_bind_int64(stmt, 5, c->records_queued);
  sqlite3_bind_int64(stmt, 6, c->records_acknowledged);
  sqlite3_bind_int64(stmt, 7, c->records_removed);
  sqlite3_bind_blob(stmt, 8, data, (int)len, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE || db_fail(db, "heartbeat", error);
}

/* Inside the caller's transaction: the audit entry, then the checkpoint
 * that covers it, stored undelivered. */
static gboolean heartbeat_make_in(KioskHeartbeat *hb,
                                  const HeartbeatInputs *inputs, gint64 now_us,
                                  gint64 mono_us, GError **error)
{
  g_auto(HeartbeatLast) last = {0};
  HeartbeatCheckpoint c = {0};
  g_autofree char *details = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) body = NULL;
  DbSpace space = {0};

  if (!heartbeat_read_last(hb->db, &last, error))
    return FALSE;
  c.seq = last.seq + 1;
  details = g_strdup_printf("seq=%" G_GINT64_FORMAT, c.seq);
  if (!audit_append(hb->db, now_us, AUDIT_ACTOR_UPLOADER, HEARTBEAT_AUDIT_EVENT,
                    details, NULL, error) ||
      !audit_get_head(hb->db, &c.audit_seq, &c.audit_hash, error))
    return FALSE;
  if (!heartbeat_counts(hb->db, &last, now_us, &c, error)) {
    g_free(c.audit_hash);
    return FALSE;
  }
  db_space(hb->db, &space, NULL);
  c.kiosk_key = hb->kiosk_key;
  c.location_id = (char *)inputs->location_id;
  c.version = (char *)inputs->version;
  c.devices = (char *)inputs->devices;
  c.prev = last.hash;
  c.disk_free = space.filesystem_free;
  c.wall_us = now_us;
  c.mono_us = mono_us;
  c.boot_id = heartbeat_boot_id();
  text = heartbeat_format(&c);
  body = heartbeat_sign(hb, text);
  g_free(c.boot_id);
  g_free(c.audit_hash);
  return heartbeat_insert(hb->db, &c, body, now_us, error);
}

static gboolean heartbeat_make(KioskHeartbeat *hb,
                               const HeartbeatInputs *inputs, gint64 now_us,
                               gint64 mono_us, GError **error)
{
  if (!db_exec(hb->db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!heartbeat_make_in(hb, inputs, now_us, mono_us, error) ||
      !db_exec(hb->db, "COMMIT", error)) {
    db_exec(hb->db, "ROLLBACK", NULL);
    return FALSE;
  }
  return TRUE;
}

/* The oldest undelivered checkpoint: its seq, audit head and bytes; seq 0
 * when there is none. */
static gboolean heartbeat_pending(sqlite3 *db, gint64 *ret_seq,
                                  gint64 *ret_audit_seq, GBytes **ret_body,
                                  GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *ret_seq = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT seq, audit_seq, body FROM "
                         "heartbeat_checkpoint WHERE delivered = 0 ORDER BY "
                         "seq LIMIT 1",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "heartbeat", error);
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *ret_seq = sqlite3_column_int64(stmt, 0);
    *ret_audit_seq = sqlite3_column_int64(stmt, 1);
    *ret_body = g_bytes_new(sqlite3_column_blob(stmt, 2),
                            (gsize)sqlite3_column_bytes(stmt, 2));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(db, "heartbeat", error);
  return TRUE;
}

/* Sends checkpoint `seq` and, once the receipt matches, marks it delivered
 * and forgets the ones before it (the newest delivered one stays: the
 * acknowledgement retention reads). */
static gboolean heartbeat_deliver(KioskHeartbeat *hb, KioskTransport *transport,
                                  gint64 seq, GBytes *body, GError **error)
{
  g_autofree char *id = heartbeat_checkpoint_id(seq);
  g_autofree char *sha256 =
      g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, body);
  g_autofree char *sql = NULL;

  if (!transport_put_object(transport, TRANSPORT_OBJECT_CHECKPOINT, id, body,
                            error) ||
      !transport_verify_object(transport, TRANSPORT_OBJECT_CHECKPOINT, id,
                               sha256, error))
    return FALSE;
  sql = g_strdup_printf(
      "UPDATE heartbeat_checkpoint SET delivered = 1 WHERE seq = "
      "%" G_GINT64_FORMAT "; DELETE FROM heartbeat_checkpoint WHERE seq < "
      "%" G_GINT64_FORMAT ";",
      seq, seq);
  return db_exec(hb->db, sql, error);
}

gboolean heartbeat_beat(KioskHeartbeat *heartbeat, KioskTransport *transport,
                        const HeartbeatInputs *inputs, gint64 now_us,
                        gint64 mono_us, HeartbeatReport *ret_report,
                        GError **error)
{
  static const HeartbeatInputs none = {0};
  HeartbeatReport report = {0};

  g_return_val_if_fail(heartbeat != NULL && transport != NULL, FALSE);
  /* At most: one left over, the new one made, the new one delivered. */
  for (gboolean made = FALSE;;) {
    g_autoptr(GBytes) body = NULL;
    gint64 seq = 0, audit_seq = 0;

    if (!heartbeat_pending(heartbeat->db, &seq, &audit_seq, &body, error))
      return FALSE;
    if (seq) {
      if (!heartbeat_deliver(heartbeat, transport, seq, body, error))
        return FALSE;
      report.seq = seq;
      report.audit_seq = audit_seq;
      report.n_delivered++;
      continue;
    }
    if (made)
      break;
    if (!heartbeat_make(heartbeat, inputs ? inputs : &none, now_us, mono_us,
                        error))
      return FALSE;
    made = TRUE;
  }
  if (ret_report)
    *ret_report = report;
  return TRUE;
}

gboolean heartbeat_acknowledged(sqlite3 *db, gint64 *ret_audit_seq,
                                gint64 *ret_time_us, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *ret_audit_seq = 0;
  *ret_time_us = 0;
  if (sqlite3_prepare_v2(db,
                         "SELECT audit_seq, created FROM heartbeat_checkpoint "
                         "WHERE delivered = 1 ORDER BY seq DESC LIMIT 1",
                         -1, &stmt, NULL) != SQLITE_OK) {
    /* No table: no checkpoint was ever made on this database. */
    return TRUE;
  }
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *ret_audit_seq = sqlite3_column_int64(stmt, 0);
    *ret_time_us = sqlite3_column_int64(stmt, 1);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(db, "heartbeat", error);
  return TRUE;
}
