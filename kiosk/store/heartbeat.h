/* The heartbeat: a signed checkpoint the kiosk sends to its upload target
 * at a configured interval, even when nothing is queued, so that the back
 * office sees a kiosk whose records or audit tail were deleted, whose clock
 * went back, or that went quiet. Each checkpoint names its audit chain's
 * head, the queue's depth and oldest record, counters of records queued,
 * acknowledged and removed, the devices' states, the free disk and both
 * clocks, and links to the previous checkpoint by its SHA-256, so the
 * checkpoints form a chain of their own (`biokiosk backoffice verify-chain`
 * checks it; docs/record-format.md, section 7, has the format).
 *
 * Usage, as the uploader thread does it every interval:
 *
 *   g_autoptr(KioskHeartbeat) hb = heartbeat_open(db, state_dir, &error);
 *   heartbeat_beat(hb, transport, &inputs, g_get_real_time(),
 *                  g_get_monotonic_time(), &report, &error);
 *
 * A checkpoint is made in one transaction with its audit entry
 * ("heartbeat.checkpoint", which it covers as its head) and kept until the
 * target's receipt proves delivery; one that could not be delivered is
 * sent again, unchanged, next time, so the chain has no holes. The
 * newest delivered checkpoint is the back office's acknowledgement that
 * the audit entries up to its head are known there (retention.h).
 *
 * Threads: a KioskHeartbeat belongs to one thread and uses its connection
 * (which must have the audit anchor, audit_init()) only from there. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "keys.h"
#include "transport.h"

/* The checkpoint's first line: its format and version. */
#define HEARTBEAT_FORMAT "biokiosk-checkpoint/1"
/* The audit entry each checkpoint covers as its head. */
#define HEARTBEAT_AUDIT_EVENT "heartbeat.checkpoint"
/* prev of the first checkpoint. */
#define HEARTBEAT_GENESIS                                                      \
  "0000000000000000000000000000000000000000000000000000000000000000"
/* Longest checkpoint accepted by heartbeat_parse() (one is ~1 KB). */
#define HEARTBEAT_MAX_BYTES 16384

/* What the kiosk's running parts know and the database does not; strings
 * borrowed for the call, NULL = not known. */
typedef struct {
  const char *location_id; /* [kiosk] location_id */
  const char *version;     /* kiosk.version (BK_VERSION) */
  /* "camera=ok;reader=ok;pad=<trouble>": what the officer's footer shows */
  const char *devices;
} HeartbeatInputs;

/* A checkpoint as parsed (heartbeat_parse()) or made. Owned strings. */
typedef struct {
  char *kiosk_key; /* base64 Ed25519 public key: who signed it */
  char *location_id;
  char *version;
  gint64 seq; /* 1, 2, 3, ... */
  char *prev; /* hex SHA-256 of checkpoint seq - 1; genesis for the first */
  gint64 audit_seq; /* the audit chain's head: this checkpoint's entry */
  char *audit_hash;
  gint64 queue_depth;    /* records in the queue, quarantined included */
  gint64 oldest_age_s;   /* age of the oldest of them; 0 when empty */
  gint64 records_queued; /* counted since the first checkpoint */
  gint64 records_acknowledged;
  gint64 records_removed; /* purged, or deleted by retention */
  char *devices;
  guint64 disk_free; /* bytes free on the database's file system */
  gint64 wall_us;    /* unix microseconds */
  gint64 mono_us;    /* CLOCK_MONOTONIC microseconds, since boot_id's boot */
  char *boot_id;
  char *hash;            /* hex SHA-256 of the whole object (the next's prev) */
  gboolean signature_ok; /* the signature verifies against kiosk_key */
} HeartbeatCheckpoint;

void heartbeat_checkpoint_free(HeartbeatCheckpoint *checkpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HeartbeatCheckpoint, heartbeat_checkpoint_free)

/* Parses a checkpoint's bytes and checks its signature against the key it
 * names (signature_ok; whether that key is the expected kiosk's is the
 * caller's question). NULL with KEYS_ERROR_INVALID when the bytes are not
 * a checkpoint. */
HeartbeatCheckpoint *heartbeat_parse(GBytes *bytes, GError **error);

/* The transport id of checkpoint `seq`: its number in 32 hex digits,
 * dashed like a UUID ("00000000-0000-0000-0000-00000000000c"), so that
 * names sort by number. Free with g_free(). */
char *heartbeat_checkpoint_id(gint64 seq);

typedef struct _KioskHeartbeat KioskHeartbeat;

/* Creates the heartbeat's table on `db` when absent and loads the kiosk's
 * signing key from `state_dir` (creating it on first use, as the audit log
 * does). `db` is borrowed and must outlive the heartbeat. */
KioskHeartbeat *heartbeat_open(sqlite3 *db, const char *state_dir,
                               GError **error);
void heartbeat_close(KioskHeartbeat *heartbeat); /* accepts NULL; wipes */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KioskHeartbeat, heartbeat_close)

typedef struct {
  gint64 seq;        /* the checkpoint delivered last in this beat, or 0 */
  gint64 audit_seq;  /* its audit head */
  guint n_delivered; /* 2 when one left over from before went first */
} HeartbeatReport;

/* One beat at `now_us` (wall) and `mono_us` (monotonic): delivers the
 * checkpoint left undelivered by an earlier beat, if any, then makes a new
 * one and delivers it through `transport` (as heartbeat/<id>.bkchk) with
 * its receipt checked. Blocks for the transfer. FALSE with the transport's
 * or the database's error; what was made stays for the next beat.
 * *ret_report may be NULL. */
gboolean heartbeat_beat(KioskHeartbeat *heartbeat, KioskTransport *transport,
                        const HeartbeatInputs *inputs, gint64 now_us,
                        gint64 mono_us, HeartbeatReport *ret_report,
                        GError **error);

/* The audit head (sequence number) of the newest checkpoint the target
 * has acknowledged, and when it was made (unix microseconds); 0 and 0
 * when none has been, or the heartbeat's table does not exist. On any
 * connection to the kiosk database. */
gboolean heartbeat_acknowledged(sqlite3 *db, gint64 *ret_audit_seq,
                                gint64 *ret_time_us, GError **error);
