/* `biokiosk queue status|list|upload|purge`: the technician's view of the
 * record queue and the manual upload. Shows ids, times, sizes, hashes and
 * attempts only: the queue holds nothing readable anyway. JSON output is
 * documented in docs/record-format.md. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "cmd-json.h"
#include "settings.h"
#include "db.h"
#include "keys.h"
#include "queue.h"

#define CMD "queue"

/* ISO 8601 in local time, or NULL for 0 (none). */
static char *queue_cmd_time(gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = NULL;

  if (unix_seconds <= 0)
    return NULL;
  time = g_date_time_new_from_unix_local(unix_seconds);
  return time ? g_date_time_format(time, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static void json_add_time(JsonBuilder *b, const char *member, gint64 seconds)
{
  g_autofree char *text = queue_cmd_time(seconds);

  json_builder_set_member_name(b, member);
  if (text)
    json_builder_add_string_value(b, text);
  else
    json_builder_add_null_value(b);
}

static void json_print(JsonBuilder *b)
{
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = NULL;

  json_generator_set_root(gen, root);
  text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
}

/* What `queue status` reports, gathered before printing. */
typedef struct {
  QueueStatus queue;
  gint64 now;
  gboolean demo_key;
  char *kiosk_key;
  gint64 n_audit;
  gboolean audit_ok;
  GError *audit_error; /* why the chain did not verify */
  GPtrArray *entries;  /* QueueEntry*: each record and its state */
} StatusReport;

static void status_report_clear(StatusReport *report)
{
  g_free(report->kiosk_key);
  g_clear_error(&report->audit_error);
  g_clear_pointer(&report->entries, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StatusReport, status_report_clear)

/* One record as `list --json` and `status --json` show it. */
static void json_add_entry(JsonBuilder *b, const QueueEntry *entry)
{
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "id");
  json_builder_add_string_value(b, entry->id);
  json_add_time(b, "created", entry->created);
  json_builder_set_member_name(b, "bytes");
  json_builder_add_int_value(b, entry->size);
  json_builder_set_member_name(b, "sha256");
  json_builder_add_string_value(b, entry->sha256);
  json_builder_set_member_name(b, "attempts");
  json_builder_add_int_value(b, entry->attempts);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, queue_entry_state(entry));
  json_add_time(b, "next_attempt",
                entry->quarantined ? 0 : entry->next_attempt);
  cmd_json_add_string(b, "last_error", entry->last_error);
  json_builder_end_object(b);
}

static void queue_cmd_status_json(const StatusReport *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new();

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "records");
  json_builder_add_int_value(b, r->queue.n_records);
  json_builder_set_member_name(b, "due");
  json_builder_add_int_value(b, r->queue.n_due);
  json_builder_set_member_name(b, "retrying");
  json_builder_add_int_value(b, r->queue.n_retrying);
  json_builder_set_member_name(b, "quarantined");
  json_builder_add_int_value(b, r->queue.n_quarantined);
  json_builder_set_member_name(b, "bytes");
  json_builder_add_int_value(b, (gint64)r->queue.bytes);
  json_add_time(b, "oldest_created", r->queue.oldest_created);
  json_builder_set_member_name(b, "oldest_age_s");
  if (r->queue.n_records)
    json_builder_add_int_value(b, MAX(r->now - r->queue.oldest_created, 0));
  else
    json_builder_add_null_value(b);
  json_add_time(b, "next_attempt",
                r->queue.n_records ? r->queue.next_attempt : 0);
  json_builder_set_member_name(b, "backoffice_key");
  json_builder_add_string_value(b, r->demo_key ? "demo" : "configured");
  cmd_json_add_string(b, "kiosk_key", r->kiosk_key);
  json_builder_set_member_name(b, "audit");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "entries");
  json_builder_add_int_value(b, r->n_audit);
  json_builder_set_member_name(b, "verified");
  json_builder_add_boolean_value(b, r->audit_ok);
  cmd_json_add_string(b, "error",
                      r->audit_error ? r->audit_error->message : NULL);
  json_builder_end_object(b);
  json_builder_set_member_name(b, "queue");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->entries->len; i++)
    json_add_entry(b, g_ptr_array_index(r->entries, i));
  json_builder_end_array(b);
  json_builder_end_object(b);
  json_print(b);
}

static void queue_cmd_status_text(const StatusReport *r)
{
  g_autofree char *oldest = queue_cmd_time(r->queue.oldest_created);
  g_autofree char *next = queue_cmd_time(r->queue.next_attempt);

  printf("records:        %u (%u due, %u retrying, %u quarantined)\n",
         r->queue.n_records, r->queue.n_due, r->queue.n_retrying,
         r->queue.n_quarantined);
  printf("bytes:          %" G_GUINT64_FORMAT "\n", r->queue.bytes);
  if (r->queue.n_records) {
    printf("oldest:         %s (%" G_GINT64_FORMAT " s ago)\n", oldest,
           MAX(r->now - r->queue.oldest_created, 0));
    printf("next attempt:   %s\n", next);
  }
  printf("back-office key: %s\n",
         r->demo_key ? "DEMO (not for production)" : "configured");
  printf("kiosk key:      %s\n", r->kiosk_key ? r->kiosk_key : "none yet");
  if (r->audit_ok)
    printf("audit log:      %" G_GINT64_FORMAT " entries, chain verified\n",
           r->n_audit);
  else
    printf("audit log:      NOT VERIFIED: %s\n", r->audit_error->message);
}

static int queue_cmd_status(KioskQueue *queue, sqlite3 *db, gint64 now,
                            gboolean json)
{
  g_auto(StatusReport) r = {.now = now};
  g_autoptr(GError) error = NULL;

  if (!queue_status(queue, now, &r.queue, &error) ||
      !(r.entries = queue_list(queue, &error)))
    return kiosk_usage_error(CMD, "%s", error->message);
  r.audit_ok = audit_verify(db, &r.n_audit, &r.audit_error);
  if (r.audit_error &&
      !g_error_matches(r.audit_error, AUDIT_ERROR, AUDIT_ERROR_TAMPERED))
    return kiosk_usage_error(CMD, "%s", r.audit_error->message);
  r.demo_key = queue_uses_demo_key(queue);
  r.kiosk_key = queue_dup_kiosk_key(queue);

  if (json)
    queue_cmd_status_json(&r);
  else
    queue_cmd_status_text(&r);
  /* A broken audit chain is a failed check. */
  return r.audit_ok ? EXIT_OK : EXIT_NEGATIVE;
}

static int queue_cmd_list(KioskQueue *queue, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = queue_list(queue, &error);

  if (!entries)
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!json && entries->len == 0)
    printf("the queue is empty\n");
  else if (!json)
    printf("%-36s  %-25s  %10s  %8s  %-11s  %s\n", "ID", "CREATED", "BYTES",
           "ATTEMPTS", "STATE", "SHA256");
  for (guint i = 0; i < entries->len; i++) {
    const QueueEntry *entry = g_ptr_array_index(entries, i);
    g_autofree char *created = queue_cmd_time(entry->created);

    if (json) {
      g_autoptr(JsonBuilder) b = json_builder_new();

      json_add_entry(b, entry);
      json_print(b);
    } else {
      printf("%-36s  %-25s  %10" G_GINT64_FORMAT "  %8d  %-11s  %s\n",
             entry->id, created, entry->size, entry->attempts,
             queue_entry_state(entry), entry->sha256);
      if (entry->last_error)
        printf("    last error: %s\n", entry->last_error);
    }
  }
  return EXIT_OK;
}

static int queue_cmd_upload(KioskQueue *queue, const char *target, gint64 now,
                            gboolean due_only, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QueueUploadReport) report = NULL;

  if (!queue_upload(queue, target, now,
                    due_only ? QUEUE_UPLOAD_DUE : QUEUE_UPLOAD_ALL, &report,
                    &error))
    return kiosk_usage_error(CMD, "%s", error->message);

  if (json) {
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "target");
    json_builder_add_string_value(b, target);
    json_builder_set_member_name(b, "acknowledged");
    json_builder_add_int_value(b, report->n_acknowledged);
    json_builder_set_member_name(b, "failed");
    json_builder_add_int_value(b, report->n_failed);
    json_builder_set_member_name(b, "not_due");
    json_builder_add_int_value(b, report->n_not_due);
    json_builder_set_member_name(b, "records");
    json_builder_begin_array(b);
    for (guint i = 0; i < report->items->len; i++) {
      const QueueUploadItem *item = g_ptr_array_index(report->items, i);

      json_builder_begin_object(b);
      json_builder_set_member_name(b, "id");
      json_builder_add_string_value(b, item->id);
      json_builder_set_member_name(b, "result");
      json_builder_add_string_value(b, item->acknowledged ? "acknowledged"
                                                          : "failed");
      cmd_json_add_string(b, "step", item->step);
      cmd_json_add_string(b, "error", item->error);
      json_builder_set_member_name(b, "attempts");
      json_builder_add_int_value(b, item->attempts);
      json_add_time(b, "next_attempt",
                    item->acknowledged ? 0 : item->next_attempt);
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_print(b);
  } else {
    for (guint i = 0; i < report->items->len; i++) {
      const QueueUploadItem *item = g_ptr_array_index(report->items, i);
      g_autofree char *next = queue_cmd_time(item->next_attempt);

      /* The error names the record and the step. */
      if (item->acknowledged)
        printf("acknowledged %s\n", item->id);
      else
        printf("failed       %s (attempt %d, next at %s)\n", item->error,
               item->attempts, next);
    }
    printf("%u acknowledged, %u failed, %u not due yet (target %s)\n",
           report->n_acknowledged, report->n_failed, report->n_not_due, target);
  }
  return report->n_failed ? EXIT_NEGATIVE : EXIT_OK;
}

static int queue_cmd_purge(KioskQueue *queue, gint64 now, gboolean force,
                           gboolean json)
{
  g_autoptr(GError) error = NULL;
  guint acknowledged = 0;
  guint unacknowledged = 0;
  QueueStatus status;

  if (!queue_purge(queue, force, now, &acknowledged, &unacknowledged, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!queue_status(queue, now, &status, &error))
    return kiosk_usage_error(CMD, "%s", error->message);

  if (json) {
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "purged_acknowledged");
    json_builder_add_int_value(b, acknowledged);
    json_builder_set_member_name(b, "purged_unacknowledged");
    json_builder_add_int_value(b, unacknowledged);
    json_builder_set_member_name(b, "kept");
    json_builder_add_int_value(b, status.n_records);
    json_builder_end_object(b);
    json_print(b);
    return EXIT_OK;
  }
  if (force) {
    printf("deleted %u unacknowledged record%s (never delivered to the back "
           "office)\n",
           unacknowledged, unacknowledged == 1 ? "" : "s");
  } else {
    printf("nothing to purge: acknowledged records are deleted when the "
           "back office acknowledges them\n");
    if (status.n_records)
      printf("%u unacknowledged record%s kept (--force-unacknowledged "
             "deletes them)\n",
             status.n_records, status.n_records == 1 ? "" : "s");
  }
  return EXIT_OK;
}

/* `release [ID]`: quarantined records back to the queue. */
static int queue_cmd_release(KioskQueue *queue, const char *id, gint64 now,
                             gboolean json)
{
  g_autoptr(GError) error = NULL;
  guint released = 0;

  if (!queue_release(queue, id, now, &released, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (json) {
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "released");
    json_builder_add_int_value(b, released);
    json_builder_end_object(b);
    json_print(b);
  } else {
    printf("released %u quarantined record%s (tried again at the next "
           "upload)\n",
           released, released == 1 ? "" : "s");
  }
  /* An id that was not in quarantine is a failed check. */
  return id && !released ? EXIT_NEGATIVE : EXIT_OK;
}

/* The command line of `biokiosk queue`. */
typedef struct {
  CommandConfig cc;
  char *database;
  char *target;
  char **args; /* the action, alone */
  gboolean json;
  gboolean due_only;
  gboolean force;
} QueueArgs;

static void queue_args_clear(QueueArgs *a)
{
  command_config_clear(&a->cc);
  g_free(a->database);
  g_free(a->target);
  g_strfreev(a->args);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QueueArgs, queue_args_clear)

/* Checks the action and that each option goes with it. */
static int queue_check_args(const QueueArgs *a)
{
  const char *action;

  if (!a->args || !a->args[0] ||
      g_strv_length(a->args) > (strcmp(a->args[0], "release") == 0 ? 2 : 1))
    return kiosk_usage_error(CMD, "expected one of status, list, upload, "
                                  "purge, release [ID] (see 'biokiosk queue "
                                  "--help')");
  action = a->args[0];
  if (strcmp(action, "status") != 0 && strcmp(action, "list") != 0 &&
      strcmp(action, "upload") != 0 && strcmp(action, "purge") != 0 &&
      strcmp(action, "release") != 0)
    return kiosk_usage_error(CMD,
                             "unknown action '%s' (expected status, "
                             "list, upload, purge or release)",
                             action);
  if ((a->target || a->due_only) && strcmp(action, "upload") != 0)
    return kiosk_usage_error(CMD, "--target and --due-only are for upload");
  if (a->force && strcmp(action, "purge") != 0)
    return kiosk_usage_error(CMD, "--force-unacknowledged is for purge");
  return EXIT_OK;
}

/* Fills `a` from the command line; EXIT_OK or EXIT_USAGE (said why). */
static int queue_parse_args(QueueArgs *a, int argc, char **argv)
{
  const GOptionEntry entries[] = {
      {"database", 'd', 0, G_OPTION_ARG_FILENAME, &a->database,
       "Database file instead of paths.database (relative to the current "
       "folder)",
       "PATH"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &a->json,
       "Machine-readable output (docs/record-format.md)", NULL},
      {"target", 't', 0, G_OPTION_ARG_STRING, &a->target,
       "upload: target URL (default: file:// of paths.outbox)", "URL"},
      {"due-only", 0, 0, G_OPTION_ARG_NONE, &a->due_only,
       "upload: only records whose retry time has come", NULL},
      {"force-unacknowledged", 0, 0, G_OPTION_ARG_NONE, &a->force,
       "purge: also delete records the back office never acknowledged", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->args, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
      "status|list|upload|purge|release - the sealed record queue");
  g_autoptr(GError) error = NULL;

  g_option_context_set_description(
      ctx,
      "status  counts, size, oldest record, retry state, audit chain check\n"
      "list    one line per queued record (id, time, size, attempts, hash)\n"
      "upload  sends every queued record to the target now (exit 1 when any\n"
      "        failed; those are retried later)\n"
      "purge   removes acknowledged records; --force-unacknowledged also\n"
      "        deletes records that were never delivered\n"
      "release [ID]  puts quarantined records (refused for good by the\n"
      "        back office) back in the queue, once the cause is fixed\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  command_config_add_options(&a->cc, ctx);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  return queue_check_args(a);
}

static int queue_run_action(const QueueArgs *a, KioskQueue *queue, sqlite3 *db,
                            const char *target, gint64 now)
{
  const char *action = a->args[0];

  if (strcmp(action, "status") == 0)
    return queue_cmd_status(queue, db, now, a->json);
  if (strcmp(action, "list") == 0)
    return queue_cmd_list(queue, a->json);
  if (strcmp(action, "upload") == 0)
    return queue_cmd_upload(queue, target, now, a->due_only, a->json);
  if (strcmp(action, "release") == 0)
    return queue_cmd_release(queue, a->args[1], now, a->json);
  return queue_cmd_purge(queue, now, a->force, a->json);
}

/* status and list only look: they open the database read-only, so they
 * work without write access and never create a file, table or key. */
static gboolean queue_action_reads_only(const QueueArgs *a)
{
  return strcmp(a->args[0], "status") == 0 || strcmp(a->args[0], "list") == 0;
}

/* The queue for the action, on a connection of its own in *ret_db (closed
 * by the caller after the queue). */
static KioskQueue *queue_cmd_open(const QueueArgs *a, const char *db_path,
                                  const char *state_dir, const char *key,
                                  sqlite3 **ret_db, GError **error)
{
  gboolean read_only = queue_action_reads_only(a);
  sqlite3 *db =
      read_only ? db_open_readonly(db_path, error) : db_open(db_path, error);
  KioskQueue *queue;

  if (!db)
    return NULL;
  queue = read_only ? queue_open_readonly(db, state_dir, key, error)
                    : queue_open(db, state_dir, key, error);
  if (!queue) {
    db_close(db);
    return NULL;
  }
  *ret_db = db;
  return queue;
}

/* upload's target: --target, else [upload] target, else the outbox; with
 * the [upload] options, checked (settings_upload_target()). */
static gboolean queue_cmd_target(const QueueArgs *a, KioskConfig *config,
                                 char **ret_target, TransportOptions *options,
                                 GError **error)
{
  if (a->target) {
    g_free(config->upload_target);
    config->upload_target = g_strdup(a->target);
  }
  return settings_upload_target(config, ret_target, options, error);
}

static int queue_run(int argc, char **argv)
{
  g_auto(QueueArgs) a = {0};
  g_autoptr(GError) error = NULL;
  g_autoptr(KioskConfig) config = NULL;
  g_autoptr(KioskQueue) queue = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *target = NULL;
  g_auto(TransportOptions) options = {0};
  gint64 now = g_get_real_time() / G_USEC_PER_SEC;
  sqlite3 *db = NULL;
  int status;

  status = queue_parse_args(&a, argc, argv);
  if (status != EXIT_OK)
    return status;
  config = command_config_load(&a.cc, &error);
  if (!config)
    return kiosk_usage_error(CMD, "%s", error->message);

  /* A path typed on the command line is relative to where it was typed. */
  db_path = a.database ? g_canonicalize_filename(a.database, NULL)
                       : config_resolve_path(config, config->database);
  state_dir = config_resolve_path(config, "");
  /* The target and its files are checked before any record is touched. */
  if (strcmp(a.args[0], "upload") == 0 &&
      !queue_cmd_target(&a, config, &target, &options, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  queue = queue_cmd_open(&a, db_path, state_dir, config->backoffice_public_key,
                         &db, &error);
  if (!queue)
    return kiosk_usage_error(CMD, "%s", error->message);
  queue_set_transport_options(queue, &options);
  if (queue_uses_demo_key(queue) && strcmp(a.args[0], "list") != 0)
    fprintf(stderr,
            "biokiosk queue: warning: records are sealed to a DEMO "
            "back-office key whose secret half is in %s; set "
            "paths.backoffice_public_key for real use\n",
            state_dir);

  status = queue_run_action(&a, queue, db, target, now);
  g_clear_pointer(&queue, queue_close);
  db_close(db);
  return status;
}

const KioskCommand kiosk_cmd_queue = {
    .name = "queue",
    .summary = "Show, upload or purge the sealed record queue",
    .run = queue_run,
};
