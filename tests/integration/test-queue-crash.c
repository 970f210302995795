/* The queue killed at random moments on a nearly full disk (issue 14's
 * acceptance, and issue 9's crash test). A worker (crash-worker.c) stores
 * records and uploads them to a folder, or over HTTPS with mutual TLS to
 * nginx (tests/tools/https-server.h: its records folder is then the outbox
 * that is checked; that run is skipped when nginx cannot start), with the
 * state folder on a small tmpfs that has 768 KB to 1.5 MB free, and is killed
 * with SIGKILL after a random delay, cycle after cycle. After every kill a
 * fresh read-only open checks that the audit chain verifies, that every
 * record the worker was told is stored is still queued or delivered, that
 * no record is stored or delivered twice, that every envelope in the queue
 * and the outbox verifies, opens and holds the payload the worker made,
 * and that the queue and the audit log agree. Then space comes back and
 * one upload must drain the queue.
 *
 * BK_CRASH_CYCLES sets the number of cycles (`make stress`: 1000) and
 * BK_CRASH_SEED the seed (printed, to replay the sequence of delays and
 * payload sizes; the kill lands where the scheduler lets it). Mounts a
 * tmpfs in a private mount namespace as test-queue-full-disk.c does:
 * exits 77 without root. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "crash-worker.h"
#include "db.h"
#include "envelope.h"
#include "keys.h"
#include "queue.h"
#include "record.h"
#include "testlib.h"
#include "tools/https-server.h"
#include "transport.h"

#define KIB 1024
#define MIB (1024 * 1024)
/* Room for the database, its reserve, and a WAL that grows to its
 * automatic checkpoint (1000 pages, some 4 MB) while the filler gives the
 * space back: beyond that the disk would be full of the kiosk's own files
 * (see crash_keep_nearly_full()). */
#define CRASH_TMPFS_BYTES (16 * MIB)
/* Free space left on the state folder's file system: a seeded choice.
 * A store needs about twice the record free (db_room_for_write(): the WAL,
 * and the database file's growth at the checkpoint), so that is the least,
 * for the worker's largest record (384 KB); the most is four times it. */
#define CRASH_FREE_MIN (768 * KIB)
#define CRASH_FREE_MAX (1536 * KIB)
/* Before the disk is filled, this many records are stored and delivered,
 * so that the database file holds free pages for later records (as a
 * kiosk's does once it has delivered some): without them every new record
 * would need the file to grow, which the nearly full disk forbids. */
#define CRASH_PREGROW_RECORDS 6
#define CRASH_PREGROW_BYTES   (384 * KIB)
/* meson test's default; `make stress` sets BK_CRASH_CYCLES=1000. */
#define CRASH_DEFAULT_CYCLES 200
/* The kill comes 0 .. this many microseconds after the worker starts
 * (its start-up takes some 10 ms, a store or an upload pass a few). */
#define CRASH_KILL_MAX_US (150 * 1000)

static const char *scratch;

typedef struct {
  char *token;
  char *payload_sha256; /* from the worker's "storing" line */
  char *id;             /* from its "stored" line; NULL before */
  gboolean refused;     /* its "refused" line: the queue said no */
} Promise;

/* An outbox file already checked, as it was then. */
typedef struct {
  ino_t ino;
  off_t size;
  gint64 mtime_ns;
  char *token; /* NULL when it did not check out */
  char *sha256;
} OutboxFile;

typedef struct {
  guint cycles;
  guint promised; /* records the worker was told are stored */
  guint refused;  /* stores the queue refused (disk full) */
  guint upload_passes;
  guint acknowledged;  /* as the workers' passes reported */
  guint in_both;       /* delivered and still queued after a kill */
  guint resolved;      /* of which the next upload took off the queue */
  guint delivered;     /* in the outbox at the end */
  guint kills[4];      /* by moment: see crash_kill_moments */
  guint upload_failed; /* records an upload pass could not acknowledge */
  guint top_ups;       /* cycles that began with space given back */
  guint64 given_back;  /* bytes the filler gave back meanwhile */
  guint lost, duplicated, corrupt, phantom, disagree;
  char *first_refusal; /* why, the first time */
  char *first_upload_failure;
} Figures;

static const char *const crash_kill_moments[] = {"starting", "storing",
                                                 "uploading", "between steps"};

/* What one check found: ids mapped to the tokens of their records. */
typedef struct {
  GHashTable *queued;       /* id -> token */
  GHashTable *queued_sha;   /* id -> envelope SHA-256 */
  GHashTable *delivered;    /* id -> token */
  GHashTable *audit_queued; /* ids with a record.queued entry */
  GHashTable *audit_acked;  /* ids with a record.acknowledged entry */
  guint n_parts;            /* hidden .part files in the outbox */
  guint n_both;             /* delivered and still queued */
} Snapshot;

typedef struct {
  char *base;      /* this run's folder in the scratch folder */
  char *state_dir; /* a tmpfs mount */
  char *db_path;
  char *filler;
  char *outbox; /* on the ordinary file system: the target is elsewhere */
  char *target;
  HttpsServer *server;      /* https: nginx, whose records are the outbox */
  TransportOptions options; /* https: the kiosk's trust and identity */
  char *log_path;
  char *worker;
  guint8 kiosk_public[KEYS_PUBLIC_BYTES];
  char *kiosk_key; /* base64 */
  guint8 backoffice_secret[KEYS_BOX_SECRET_BYTES];
  GRand *rand;
  guint64 leave; /* bytes free at the start of a cycle */
  guint cycle;
  GHashTable *promises;     /* token -> Promise */
  GHashTable *known;        /* token -> id: every record ever found */
  GHashTable *outbox_files; /* name -> OutboxFile */
  Figures fig;
} Crash;

static void promise_free(gpointer data)
{
  Promise *p = data;

  g_free(p->token);
  g_free(p->payload_sha256);
  g_free(p->id);
  g_free(p);
}

static void outbox_file_free(gpointer data)
{
  OutboxFile *f = data;

  g_free(f->token);
  g_free(f->sha256);
  g_free(f);
}

static GHashTable *string_table(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static GHashTable *string_set(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static Snapshot *snapshot_new(void)
{
  Snapshot *s = g_new0(Snapshot, 1);

  s->queued = string_table();
  s->queued_sha = string_table();
  s->delivered = string_table();
  s->audit_queued = string_set();
  s->audit_acked = string_set();
  return s;
}

static void snapshot_free(Snapshot *s)
{
  g_hash_table_unref(s->queued);
  g_hash_table_unref(s->queued_sha);
  g_hash_table_unref(s->delivered);
  g_hash_table_unref(s->audit_queued);
  g_hash_table_unref(s->audit_acked);
  g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Snapshot, snapshot_free)

/* Counts a problem and says what it is. */
G_GNUC_PRINTF(3, 4)
static void crash_problem(Crash *c, guint *counter, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start(args, format);
  text = g_strdup_vprintf(format, args);
  va_end(args);
  (*counter)++;
  g_test_message("cycle %u: %s", c->cycle, text);
}

static guint crash_problems(const Crash *c)
{
  return c->fig.lost + c->fig.duplicated + c->fig.corrupt + c->fig.phantom +
         c->fig.disagree;
}

/* --- the state folder ---------------------------------------------------- */

static guint64 free_bytes(const char *dir)
{
  struct statvfs st;

  g_assert_cmpint(statvfs(dir, &st), ==, 0);
  return (guint64)st.f_bavail * st.f_frsize;
}

static gint64 file_size(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 ? (gint64)st.st_size : -1;
}

/* The state folder's figures, for the test's messages. */
static void crash_describe_state(Crash *c, const char *when)
{
  g_autofree char *wal = g_strconcat(c->db_path, "-wal", NULL);
  g_autofree char *reserve = g_strconcat(c->db_path, DB_RESERVE_SUFFIX, NULL);

  g_test_message(
      "%s: %" G_GUINT64_FORMAT " bytes free; database %" G_GINT64_FORMAT
      ", WAL %" G_GINT64_FORMAT ", reserve %" G_GINT64_FORMAT " bytes",
      when, free_bytes(c->state_dir), file_size(c->db_path), file_size(wal),
      file_size(reserve));
}

/* Fills the state folder's file system until `leave` bytes are free. */
static void crash_fill(Crash *c, guint64 leave)
{
  static const char zeros[64 * KIB];
  int fd = open(c->filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint(fd, >=, 0);
  for (;;) {
    guint64 avail = free_bytes(c->state_dir);
    gsize n = MIN(sizeof zeros, avail > leave ? avail - leave : 0);

    if (n == 0)
      break;
    g_assert_cmpint(write(fd, zeros, n), ==, (gssize)n);
  }
  g_assert_cmpint(close(fd), ==, 0);
}

static char *crash_payload_record(gsize size, const char *token,
                                  BkRecord **ret_record)
{
  guint8 *data = g_malloc(size);
  g_autoptr(GBytes) payload = NULL;
  BkRecord *record = record_new();
  char *sha256;

  randombytes_buf(data, size);
  payload = g_bytes_new_take(data, size);
  sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, payload);
  record_set_string(record, CRASH_KEY_TOKEN, token);
  record_set_string(record, CRASH_KEY_SHA256, sha256);
  record_add_part(record, CRASH_PART, RECORD_MEDIA_JPEG, payload);
  *ret_record = record;
  return sha256;
}

/* Makes the queue (keys, demo back-office pair, reserve) and leaves free
 * pages in its database file: records stored and delivered to a folder of
 * their own, which is then removed. */
static void crash_pregrow(Crash *c)
{
  g_autofree char *folder = g_build_filename(scratch, "pregrow", NULL);
  g_autofree char *target = queue_target_for_folder(folder);
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint(g_mkdir(folder, 0700), ==, 0);
  queue = queue_open_file(c->db_path, c->state_dir, "", &error);
  g_assert_no_error(error);
  for (int i = 0; i < CRASH_PREGROW_RECORDS; i++) {
    g_autoptr(BkRecord) record = NULL;
    g_free(crash_payload_record(CRASH_PREGROW_BYTES, "pregrow", &record));

    g_assert_true(queue_store_record(queue, record, 1, NULL, &error));
    g_assert_no_error(error);
  }
  g_assert_true(
      queue_upload(queue, target, 1, QUEUE_UPLOAD_ALL, &report, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(report->n_acknowledged, ==, CRASH_PREGROW_RECORDS);
  testlib_rmtree(folder);
}

/* The keys a back office checks and opens the records with. */
static void crash_load_keys(Crash *c)
{
  g_autofree char *secret =
      g_build_filename(c->state_dir, KEYS_DEMO_SECRET_FILE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(keys_load_signing(c->state_dir, c->kiosk_public, NULL, &error));
  g_assert_no_error(error);
  c->kiosk_key = keys_encode(c->kiosk_public, KEYS_PUBLIC_BYTES);
  g_assert_true(keys_read_box_secret(secret, c->backoffice_secret, &error));
  g_assert_no_error(error);
}

/* The target: a folder, or nginx over HTTPS (`server`). */
static void crash_setup_target(Crash *c, HttpsServer *server)
{
  if (!server) {
    c->outbox = g_build_filename(c->base, "outbox", NULL);
    c->target = queue_target_for_folder(c->outbox);
    g_assert_cmpint(g_mkdir(c->outbox, 0700), ==, 0);
    return;
  }
  c->server = server;
  c->outbox = g_strdup(server->records);
  c->target = https_server_url(server, "records");
  c->options.ca = g_strdup(server->ca);
  c->options.cert = g_strdup(server->cert);
  c->options.key = g_strdup(server->key);
  /* The worker reads them from its environment (crash-worker.c). */
  g_setenv("BK_CRASH_CA", server->ca, TRUE);
  g_setenv("BK_CRASH_CERT", server->cert, TRUE);
  g_setenv("BK_CRASH_KEY", server->key, TRUE);
}

static void crash_setup(Crash *c, guint32 seed, HttpsServer *server)
{
  c->base = g_build_filename(scratch, server ? "https" : "folder", NULL);
  g_assert_cmpint(g_mkdir(c->base, 0700), ==, 0);
  c->state_dir = g_build_filename(c->base, "state", NULL);
  g_assert_cmpint(g_mkdir(c->state_dir, 0700), ==, 0);
  c->db_path = g_build_filename(c->state_dir, CRASH_DATABASE, NULL);
  c->filler = g_build_filename(c->state_dir, "filler", NULL);
  crash_setup_target(c, server);
  c->log_path = g_build_filename(c->base, "worker.log", NULL);
  c->worker = testlib_build_path("tests/integration/crash-worker");
  c->rand = g_rand_new_with_seed(seed);
  c->promises =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, promise_free);
  c->known = string_table();
  c->outbox_files =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, outbox_file_free);
  if (!g_file_test(c->worker, G_FILE_TEST_IS_EXECUTABLE))
    g_error("no crash worker at %s", c->worker);

  testlib_mount_tmpfs(c->state_dir, CRASH_TMPFS_BYTES);
  crash_pregrow(c);
  crash_load_keys(c);
  c->leave = (guint64)g_rand_int_range(c->rand, CRASH_FREE_MIN, CRASH_FREE_MAX);
  crash_fill(c, c->leave);
  crash_describe_state(c, "state folder filled");
}

static void crash_teardown(Crash *c)
{
  g_assert_cmpint(umount2(c->state_dir, MNT_DETACH), ==, 0);
  g_hash_table_unref(c->promises);
  g_hash_table_unref(c->known);
  g_hash_table_unref(c->outbox_files);
  g_rand_free(c->rand);
  g_free(c->fig.first_refusal);
  g_free(c->fig.first_upload_failure);
  sodium_memzero(c->backoffice_secret, sizeof c->backoffice_secret);
  g_free(c->kiosk_key);
  g_free(c->state_dir);
  g_free(c->db_path);
  g_free(c->filler);
  g_free(c->outbox);
  g_free(c->target);
  transport_options_clear(&c->options);
  g_free(c->base);
  g_free(c->log_path);
  g_free(c->worker);
}

/* Keeps the disk nearly full, not wholly: when the WAL has taken the free
 * space (it grows until the disk is full and shrinks only when the queue
 * truncates it after a full-disk pass) and less than the largest record
 * would need is left, the filler gives it back, as far as it can.
 * Otherwise a WAL grown over an empty queue would leave room for no record
 * at all, and the cycles would test refusals only. */
static void crash_keep_nearly_full(Crash *c)
{
  guint64 now_free = free_bytes(c->state_dir);
  gint64 filler = file_size(c->filler);
  guint64 give;

  if (now_free >= CRASH_FREE_MIN / 2 || filler <= 0)
    return;
  give = MIN(c->leave - now_free, (guint64)filler);
  g_assert_cmpint(truncate(c->filler, filler - (gint64)give), ==, 0);
  c->fig.top_ups++;
  c->fig.given_back += give;
}

/* --- a cycle: the worker, its kill and its log -------------------------- */

/* Starts the worker and kills it `delay_us` later. Returns its wait
 * status. */
static int crash_run_worker(Crash *c, guint delay_us)
{
  g_autofree char *prefix = g_strdup_printf("c%u", c->cycle);
  g_autofree char *seed = g_strdup_printf("%u", g_rand_int(c->rand));
  char *argv[] = {c->worker,   c->state_dir, c->server ? c->target : c->outbox,
                  c->log_path, prefix,       seed,
                  NULL};
  int status = 0;
  pid_t pid;

  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  g_usleep(delay_us);
  kill(pid, SIGKILL);
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  return status;
}

/* One complete line of the worker's log. */
static void crash_log_line(Crash *c, char **words)
{
  guint n = g_strv_length(words);
  Promise *p = n >= 2 ? g_hash_table_lookup(c->promises, words[1]) : NULL;

  if (g_str_equal(words[0], CRASH_LOG_STORING) && n == 3) {
    g_assert_null(p); /* tokens are unique */
    p = g_new0(Promise, 1);
    p->token = g_strdup(words[1]);
    p->payload_sha256 = g_strdup(words[2]);
    g_hash_table_insert(c->promises, p->token, p);
  } else if (g_str_equal(words[0], CRASH_LOG_STORED) && p && n == 3) {
    p->id = g_strdup(words[2]);
    c->fig.promised++;
  } else if (g_str_equal(words[0], CRASH_LOG_REFUSED) && p && n == 3) {
    p->refused = TRUE;
    c->fig.refused++;
    if (!c->fig.first_refusal)
      c->fig.first_refusal = g_strdup(words[2]);
  } else if (g_str_equal(words[0], CRASH_LOG_UPLOAD_FAILED) && n == 3) {
    c->fig.upload_failed++;
    if (!c->fig.first_upload_failure)
      c->fig.first_upload_failure = g_strdup(words[2]);
  } else if (g_str_equal(words[0], CRASH_LOG_UPLOADED) && n == 3) {
    c->fig.upload_passes++;
    c->fig.acknowledged += (guint)g_ascii_strtoull(words[1], NULL, 10);
  } else if (g_str_equal(words[0], CRASH_LOG_OPEN_FAILED) ||
             g_str_equal(words[0], CRASH_LOG_UPLOAD_ERROR)) {
    crash_problem(c, &c->fig.disagree, "worker: %s %s", words[0],
                  n > 1 ? words[1] : "");
  } else if (!g_str_equal(words[0], CRASH_LOG_OPEN) &&
             !g_str_equal(words[0], CRASH_LOG_UPLOADING)) {
    g_error("crash-worker log: unexpected line '%s'", words[0]);
  }
}

/* Reads the log of the cycle's worker, then removes it; counts the moment
 * of the kill by the last line it completed. */
static void crash_read_log(Crash *c)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *last = NULL;
  guint n;

  if (!g_file_get_contents(c->log_path, &text, NULL, NULL)) {
    c->fig.kills[0]++;
    return;
  }
  g_unlink(c->log_path);
  lines = g_strsplit(text, "\n", -1);
  n = g_strv_length(lines);
  /* The last piece has no newline: empty, or cut by the kill. */
  for (guint i = 0; i + 1 < n; i++) {
    g_auto(GStrv) words = g_strsplit(lines[i], " ", 3);

    if (words[0])
      crash_log_line(c, words);
    last = lines[i];
  }
  if (!last)
    c->fig.kills[0]++;
  else if (g_str_has_prefix(last, CRASH_LOG_STORING " "))
    c->fig.kills[1]++;
  else if (g_str_equal(last, CRASH_LOG_UPLOADING))
    c->fig.kills[2]++;
  else
    c->fig.kills[3]++;
}

/* --- the check ----------------------------------------------------------- */

/* The record of a found envelope checked against what its worker logged;
 * returns its token, or NULL after counting the problem. */
static char *crash_check_record(Crash *c, const BkRecord *record,
                                const char *id, const char *where)
{
  const char *token = record_get_string(record, CRASH_KEY_TOKEN);
  const BkRecordPart *part = record_find_part(record, CRASH_PART);
  g_autofree char *sha256 =
      part ? g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, part->data) : NULL;
  Promise *p = token ? g_hash_table_lookup(c->promises, token) : NULL;

  if (g_strcmp0(record_get_string(record, "queue.id"), id) != 0 ||
      g_strcmp0(record_get_string(record, "queue.kiosk_key"), c->kiosk_key)) {
    crash_problem(c, &c->fig.corrupt, "%s: not bound to envelope %s", where,
                  id);
    return NULL;
  }
  if (!p || p->refused) {
    crash_problem(c, &c->fig.phantom, "%s: record %s (%s) %s", where, id,
                  token ? token : "no token",
                  p ? "was refused by the queue" : "was never stored");
    return NULL;
  }
  if (g_strcmp0(sha256, p->payload_sha256) != 0 ||
      g_strcmp0(record_get_string(record, CRASH_KEY_SHA256), sha256) != 0) {
    crash_problem(c, &c->fig.corrupt, "%s: record %s (%s): payload differs",
                  where, id, token);
    return NULL;
  }
  if (p->id && !g_str_equal(p->id, id)) {
    crash_problem(c, &c->fig.duplicated, "%s: %s was stored as %s, found as %s",
                  where, token, p->id, id);
    return NULL;
  }
  return g_strdup(token);
}

/* Checks and opens envelope bytes as `biokiosk record open` does: the
 * signature, the kiosk's key, unsealing with the back office's key, the
 * record's binding to its envelope. Returns the record's token, or NULL
 * after counting the problem. */
static char *crash_open(Crash *c, GBytes *bytes, const char *id,
                        const char *where)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskEnvelope) envelope = envelope_parse(bytes, &error);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(BkRecord) record = NULL;

  if (!envelope) {
    crash_problem(c, &c->fig.corrupt, "%s: %s: %s", where, id, error->message);
    return NULL;
  }
  if (memcmp(envelope->kiosk_key, c->kiosk_public, KEYS_PUBLIC_BYTES) != 0 ||
      g_strcmp0(envelope->id, id) != 0) {
    crash_problem(c, &c->fig.corrupt, "%s: %s: another signer or id %s", where,
                  id, envelope->id);
    return NULL;
  }
  plain = envelope_open(envelope, c->backoffice_secret, &error);
  if (plain)
    record = record_deserialize(plain, &error);
  if (!record) {
    crash_problem(c, &c->fig.corrupt, "%s: %s: %s", where, id, error->message);
    return NULL;
  }
  return crash_check_record(c, record, id, where);
}

/* A record found under `id`: one token has one id for the whole run. */
static void crash_found(Crash *c, GHashTable *where, const char *id,
                        const char *token)
{
  const char *known = g_hash_table_lookup(c->known, token);

  if (known && !g_str_equal(known, id))
    crash_problem(c, &c->fig.duplicated, "%s is there as %s and as %s", token,
                  known, id);
  else if (!known)
    g_hash_table_insert(c->known, g_strdup(token), g_strdup(id));
  g_hash_table_insert(where, g_strdup(id), g_strdup(token));
}

/* The ids of record.queued and record.acknowledged entries. */
static void crash_read_audit(Crash *c, sqlite3 *db, Snapshot *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gint64 n = 0;

  if (!audit_verify(db, &n, &error))
    crash_problem(c, &c->fig.corrupt, "audit log: %s", error->message);
  g_clear_error(&error);
  entries = audit_list(db, 0, 0, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < entries->len; i++) {
    const AuditEntry *e = g_ptr_array_index(entries, i);
    GHashTable *ids = g_str_equal(e->event, "record.queued") ? s->audit_queued
                      : g_str_equal(e->event, "record.acknowledged")
                          ? s->audit_acked
                          : NULL;
    const char *end;

    if (!ids || !g_str_has_prefix(e->details, "id="))
      continue;
    end = strchr(e->details, ' ');
    g_hash_table_add(ids, end ? g_strndup(e->details + 3, end - e->details - 3)
                              : g_strdup(e->details + 3));
  }
}

/* Every queued record: its envelope is the one listed and opens. */
static void crash_read_queue(Crash *c, KioskQueue *queue, Snapshot *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = queue_list(queue, &error);

  g_assert_no_error(error);
  for (guint i = 0; i < entries->len; i++) {
    const QueueEntry *e = g_ptr_array_index(entries, i);
    g_autoptr(GBytes) envelope = queue_get_envelope(queue, e->id, &error);
    g_autofree char *sha256 = NULL;
    g_autofree char *token = NULL;

    g_assert_no_error(error);
    sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, envelope);
    if (!g_str_equal(sha256, e->sha256))
      crash_problem(c, &c->fig.corrupt, "queue: %s: SHA-256 differs", e->id);
    else if ((token = crash_open(c, envelope, e->id, "queue")))
      crash_found(c, s->queued, e->id, token);
    g_hash_table_insert(s->queued_sha, g_strdup(e->id), g_strdup(e->sha256));
    if (!g_hash_table_contains(s->audit_queued, e->id) ||
        g_hash_table_contains(s->audit_acked, e->id))
      crash_problem(
          c, &c->fig.disagree, "queue: %s: the audit log says it is %s", e->id,
          g_hash_table_contains(s->audit_acked, e->id) ? "acknowledged"
                                                       : "not queued");
  }
}

/* The outbox file `name`, checked when new or changed since the last
 * check (a repeated put replaces it: with the same bytes). */
static OutboxFile *crash_outbox_file(Crash *c, const char *name, const char *id)
{
  g_autofree char *path = g_build_filename(c->outbox, name, NULL);
  OutboxFile *f = g_hash_table_lookup(c->outbox_files, name);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *sha256 = NULL;
  char *contents = NULL;
  gsize len = 0;
  struct stat st;

  g_assert_cmpint(stat(path, &st), ==, 0);
  if (f && f->ino == st.st_ino && f->size == st.st_size &&
      f->mtime_ns == st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) +
                         st.st_mtim.tv_nsec)
    return f;
  g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
  bytes = g_bytes_new_take(contents, len);
  sha256 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
  if (f && !g_str_equal(f->sha256, sha256))
    crash_problem(c, &c->fig.corrupt, "outbox: %s was replaced by other bytes",
                  name);
  f = g_new0(OutboxFile, 1);
  f->ino = st.st_ino;
  f->size = st.st_size;
  f->mtime_ns =
      st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
  f->sha256 = g_steal_pointer(&sha256);
  f->token = crash_open(c, bytes, id, "outbox");
  g_hash_table_replace(c->outbox_files, g_strdup(name), f);
  return f;
}

/* Every delivered record: one file per id, which verifies and opens; one
 * that is still queued is the same envelope, one that is not has been
 * acknowledged. */
static void crash_read_outbox(Crash *c, Snapshot *s)
{
  g_autoptr(GDir) dir = g_dir_open(c->outbox, 0, NULL);
  const char *name;

  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *id = NULL;
    const char *queued_sha;
    OutboxFile *f;

    if (name[0] == '.' && g_str_has_suffix(name, ".part")) {
      s->n_parts++;
      continue;
    }
    if (!g_str_has_suffix(name, QUEUE_FILE_EXTENSION)) {
      crash_problem(c, &c->fig.corrupt, "outbox: a stray file %s", name);
      continue;
    }
    id = g_strndup(name, strlen(name) - strlen(QUEUE_FILE_EXTENSION));
    f = crash_outbox_file(c, name, id);
    if (f->token)
      crash_found(c, s->delivered, id, f->token);
    queued_sha = g_hash_table_lookup(s->queued_sha, id);
    if (queued_sha && !g_str_equal(queued_sha, f->sha256))
      crash_problem(c, &c->fig.corrupt, "outbox: %s differs from the queue's",
                    name);
    else if (queued_sha)
      s->n_both++;
    else if (!g_hash_table_contains(s->audit_acked, id))
      crash_problem(c, &c->fig.disagree,
                    "outbox: %s left the queue unacknowledged", id);
  }
}

/* Nothing the queue took is gone: every record ever found and every one
 * the worker was told is stored is queued or delivered, under its id. */
static void crash_check_lost(Crash *c, Snapshot *s)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init(&iter, c->known);
  while (g_hash_table_iter_next(&iter, &key, &value))
    if (!g_hash_table_contains(s->queued, value) &&
        !g_hash_table_contains(s->delivered, value))
      crash_problem(c, &c->fig.lost, "%s (%s) is gone", (char *)key,
                    (char *)value);
  g_hash_table_iter_init(&iter, c->promises);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    const Promise *p = value;

    if (p->id && !g_hash_table_contains(c->known, p->token))
      crash_problem(c, &c->fig.lost, "%s (%s) was stored, but is not there",
                    p->token, p->id);
  }
}

/* A fresh look at the state folder and the outbox, with nobody running:
 * read-only, as `biokiosk queue status` opens it. */
static Snapshot *crash_check(Crash *c)
{
  g_autoptr(Snapshot) s = snapshot_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  sqlite3 *db = db_open_readonly(c->db_path, &error);

  g_assert_no_error(error);
  queue = queue_open_readonly(db, c->state_dir, "", &error);
  g_assert_no_error(error);
  crash_read_audit(c, db, s);
  crash_read_queue(c, queue, s);
  g_clear_pointer(&queue, queue_close);
  db_close(db);
  crash_read_outbox(c, s);
  crash_check_lost(c, s);
  return g_steal_pointer(&s);
}

/* One upload as a technician's `queue upload` makes it. */
static QueueUploadReport *crash_upload(Crash *c)
{
  g_autoptr(KioskQueue) queue = NULL;
  g_autoptr(GError) error = NULL;
  QueueUploadReport *report = NULL;

  queue = queue_open_file(c->db_path, c->state_dir, "", &error);
  g_assert_no_error(error);
  queue_set_transport_options(queue, &c->options);
  g_assert_true(queue_upload(queue, c->target, g_get_real_time() / 1000000,
                             QUEUE_UPLOAD_ALL, &report, &error));
  g_assert_no_error(error);
  /* Why, for the log of a failing run (the first few suffice). */
  for (guint i = 0, shown = 0; i < report->items->len && shown < 3; i++) {
    const QueueUploadItem *item = g_ptr_array_index(report->items, i);

    if (!item->acknowledged && ++shown)
      g_test_message("cycle %u: %s", c->cycle, item->error);
  }
  return report;
}

/* Records delivered and still queued (killed between the receipt and the
 * delete): the next upload must leave exactly one copy of each, the same
 * bytes, and take them off the queue (unless even that finds the disk
 * full: then they stay for the final upload). */
static void crash_resolve_both(Crash *c, Snapshot *before)
{
  g_autoptr(QueueUploadReport) report = crash_upload(c);
  g_autoptr(Snapshot) after = crash_check(c);
  guint n_files = g_hash_table_size(after->delivered);
  GHashTableIter iter;
  gpointer id;

  g_assert_cmpuint(n_files, >=, g_hash_table_size(before->delivered));
  g_hash_table_iter_init(&iter, before->queued);
  while (g_hash_table_iter_next(&iter, &id, NULL)) {
    if (!g_hash_table_contains(before->delivered, id))
      continue;
    if (!g_hash_table_contains(after->queued, id))
      c->fig.resolved++;
    else
      g_test_message("cycle %u: %s still queued after the next upload (%u "
                     "failed)",
                     c->cycle, (char *)id, report->n_failed);
  }
}

static void crash_cycle(Crash *c)
{
  guint delay_us = (guint)g_rand_int_range(c->rand, 0, CRASH_KILL_MAX_US);
  g_autoptr(Snapshot) s = NULL;
  int status;

  crash_keep_nearly_full(c);
  status = crash_run_worker(c, delay_us);
  if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) &&
      !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    crash_problem(c, &c->fig.disagree, "the worker ended with status %d",
                  status);
  crash_read_log(c);
  s = crash_check(c);
  c->fig.in_both += s->n_both;
  if (s->n_both > 0)
    crash_resolve_both(c, s);
  if (crash_problems(c) > 0)
    g_test_message("cycle %u: killed after %u us", c->cycle, delay_us);
  g_assert_cmpuint(crash_problems(c), ==, 0);
  c->fig.cycles++;
}

/* Space comes back: one upload drains the queue, and the outbox holds
 * every record once. */
static void crash_drain(Crash *c)
{
  g_autoptr(QueueUploadReport) report = NULL;
  g_autoptr(Snapshot) s = NULL;

  crash_describe_state(c, "after the last cycle");
  g_assert_cmpint(g_unlink(c->filler), ==, 0);
  report = crash_upload(c);
  g_assert_cmpuint(report->n_failed, ==, 0);
  s = crash_check(c);
  g_assert_cmpuint(crash_problems(c), ==, 0);
  g_assert_cmpuint(g_hash_table_size(s->queued), ==, 0);
  g_assert_cmpuint(s->n_parts, ==, 0);
  c->fig.delivered = g_hash_table_size(s->delivered);
  g_assert_cmpuint(c->fig.delivered, ==, g_hash_table_size(c->known));
}

static guint crash_cycles(void)
{
  const char *text = g_getenv("BK_CRASH_CYCLES");
  guint64 n = CRASH_DEFAULT_CYCLES;

  if (text && !g_ascii_string_to_unsigned(text, 10, 1, 1000000, &n, NULL))
    g_error("BK_CRASH_CYCLES: not a number of cycles: %s", text);
  return (guint)n;
}

static guint32 crash_seed(void)
{
  const char *text = g_getenv("BK_CRASH_SEED");
  guint64 seed;

  if (!text)
    return g_random_int();
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &seed, NULL))
    g_error("BK_CRASH_SEED: not a seed: %s", text);
  return (guint32)seed;
}

static void crash_report(const Crash *c, gint64 start_us)
{
  const Figures *f = &c->fig;

  for (guint i = 0; i < G_N_ELEMENTS(crash_kill_moments); i++)
    g_test_message("kills while %s: %u", crash_kill_moments[i], f->kills[i]);
  g_test_message("stores refused %u (first: %s)", f->refused,
                 f->first_refusal ? f->first_refusal : "none");
  g_test_message("upload passes %u, acknowledged %u, failed %u (first: %s)",
                 f->upload_passes, f->acknowledged, f->upload_failed,
                 f->first_upload_failure ? f->first_upload_failure : "none");
  g_test_message("space given back %u times, %" G_GUINT64_FORMAT " bytes",
                 f->top_ups, f->given_back);
  g_test_message("delivered and still queued after a kill %u, taken off "
                 "the queue by the next upload %u",
                 f->in_both, f->resolved);
  g_test_message("crash test: cycles %u, %.1f s, records stored %u (%u "
                 "reported stored), delivered %u, lost %u, duplicated %u, "
                 "corrupt %u, phantom %u, inconsistent %u",
                 f->cycles, (g_get_monotonic_time() - start_us) / 1e6,
                 g_hash_table_size(c->known), f->promised, f->delivered,
                 f->lost, f->duplicated, f->corrupt, f->phantom, f->disagree);
}

/* `data`: NULL for the folder, else the HttpsServer. */
static void test_crash(gconstpointer data)
{
  gint64 start_us = g_get_monotonic_time();
  guint32 seed = crash_seed();
  guint n_cycles = crash_cycles();
  Crash c = {0};

  g_test_message("seed %u (replay with BK_CRASH_SEED=%u), %u cycles, "
                 "target %s",
                 seed, seed, n_cycles, data ? "https (nginx)" : "a folder");
  crash_setup(&c, seed, (HttpsServer *)data);
  for (c.cycle = 0; c.cycle < n_cycles; c.cycle++)
    crash_cycle(&c);
  crash_drain(&c);
  crash_report(&c, start_us);
  crash_teardown(&c);
}

/* Without nginx the folder's run still counts; the https one is skipped
 * (make deps installs nginx-light, so CI runs it). */
static void test_crash_skip(gconstpointer data)
{
  g_test_skip(data);
}

static int run_tests(int argc, char **argv, const char *scratch_dir)
{
  g_autoptr(GError) error = NULL;
  HttpsServer *server;
  int status;

  scratch = scratch_dir;
  g_test_init(&argc, &argv, NULL);
  testlib_private_mounts();
  if (sodium_init() < 0)
    testlib_skip_all("libsodium cannot be initialised");
  g_test_add_data_func("/queue-crash/sigkill", NULL, test_crash);
  server = https_server_start(&error);
  if (server)
    g_test_add_data_func("/queue-crash/sigkill-https", server, test_crash);
  else
    g_test_add_data_func("/queue-crash/sigkill-https", error->message,
                         test_crash_skip);
  status = g_test_run();
  https_server_stop(server);
  return status;
}

int main(int argc, char **argv)
{
  /* The tests run in a child, whose mounts (and workers) die with it; the
   * parent removes the scratch folder. */
  return testlib_run_in_child(run_tests, argc, argv);
}
