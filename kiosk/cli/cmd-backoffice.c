/* `biokiosk backoffice verify-chain [--kiosk-key KEY] FOLDER|CHECKPOINT...`:
 * the back office's check of a kiosk's heartbeat (store/heartbeat.h). It
 * reads the checkpoints (a folder's *.bkchk by name, which is by number; a
 * folder with a heartbeat/ folder in it, as a delivery target has, means
 * that one; or files in the order given) and reports, one line each, every
 * signature that does not verify, a missing checkpoint, one out of order,
 * a broken link, an audit head that went back (a deleted audit tail), a
 * clock that went back, and a queue that shrank without acknowledgements.
 * Runs on the back office's machine. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "heartbeat.h"
#include "keys.h"
#include "transport.h"

#define CMD "backoffice"

typedef struct {
  char *path;
  HeartbeatCheckpoint *checkpoint;
} ChainItem;

static void chain_item_free(ChainItem *item)
{
  g_free(item->path);
  heartbeat_checkpoint_free(item->checkpoint);
  g_free(item);
}

static int chain_compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The checkpoint files of `folder`, sorted by name. */
static gboolean chain_list_folder(const char *folder, GPtrArray *paths,
                                  GError **error)
{
  g_autofree char *nested =
      g_build_filename(folder, TRANSPORT_CHECKPOINT_FOLDER, NULL);
  const char *dir_path =
      g_file_test(nested, G_FILE_TEST_IS_DIR) ? nested : folder;
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  if (!dir)
    return FALSE;
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, TRANSPORT_CHECKPOINT_EXTENSION) &&
        name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, chain_compare_names);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add(paths, g_build_filename(dir_path, names->pdata[i], NULL));
  return TRUE;
}

/* Reads and parses every checkpoint; EXIT_USAGE with one line when one is
 * unreadable or not a checkpoint (bad input, not a verdict). */
static int chain_read(char **args, GPtrArray *items)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;

  for (char **a = args; *a; a++) {
    if (!g_file_test(*a, G_FILE_TEST_IS_DIR))
      g_ptr_array_add(paths, g_strdup(*a));
    else if (!chain_list_folder(*a, paths, &error))
      return kiosk_usage_error(CMD, "%s", error->message);
  }
  if (paths->len == 0)
    return kiosk_usage_error(CMD, "no checkpoints (*%s) in %s",
                             TRANSPORT_CHECKPOINT_EXTENSION, args[0]);
  for (guint i = 0; i < paths->len; i++) {
    const char *path = paths->pdata[i];
    g_autofree char *data = NULL;
    g_autoptr(GBytes) bytes = NULL;
    ChainItem *item;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, &error))
      return kiosk_usage_error(CMD, "%s", error->message);
    bytes = g_bytes_new_take(g_steal_pointer(&data), len);
    item = g_new0(ChainItem, 1);
    item->path = g_strdup(path);
    item->checkpoint = heartbeat_parse(bytes, &error);
    g_ptr_array_add(items, item);
    if (!item->checkpoint)
      return kiosk_usage_error(CMD, "%s: %s", path, error->message);
  }
  return EXIT_OK;
}

G_GNUC_PRINTF(3, 4)
static void chain_problem(guint *n_problems, const char *path,
                          const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  printf("%s: %s\n", path, message);
  (*n_problems)++;
}

/* What one checkpoint must show on its own: the expected signer's valid
 * signature, under the name its number gives. */
static void chain_check_one(const ChainItem *item, const char *kiosk_key,
                            guint *n)
{
  const HeartbeatCheckpoint *c = item->checkpoint;
  g_autofree char *id = heartbeat_checkpoint_id(c->seq);
  g_autofree char *expected =
      g_strconcat(id, TRANSPORT_CHECKPOINT_EXTENSION, NULL);
  g_autofree char *name = g_path_get_basename(item->path);

  if (!c->signature_ok)
    chain_problem(n, item->path,
                  "checkpoint %" G_GINT64_FORMAT
                  ": the signature does not verify (forged or changed)",
                  c->seq);
  if (strcmp(c->kiosk_key, kiosk_key) != 0)
    chain_problem(n, item->path,
                  "checkpoint %" G_GINT64_FORMAT
                  " is signed by kiosk key %s, expected %s",
                  c->seq, c->kiosk_key, kiosk_key);
  if (g_str_has_suffix(name, TRANSPORT_CHECKPOINT_EXTENSION) &&
      strcmp(name, expected) != 0)
    chain_problem(n, item->path,
                  "holds checkpoint %" G_GINT64_FORMAT
                  ", stored under another name",
                  c->seq);
}

/* The order, the link and the audit head from `p` to `c`. */
static void chain_check_order(const ChainItem *item,
                              const HeartbeatCheckpoint *p, guint *n)
{
  const HeartbeatCheckpoint *c = item->checkpoint;

  if (c->seq <= p->seq)
    chain_problem(n, item->path,
                  "checkpoint %" G_GINT64_FORMAT " comes after checkpoint "
                  "%" G_GINT64_FORMAT " (reordered or replayed)",
                  c->seq, p->seq);
  else if (c->seq > p->seq + 1)
    chain_problem(n, item->path,
                  "checkpoints %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                  " are missing (a gap after checkpoint %" G_GINT64_FORMAT ")",
                  p->seq + 1, c->seq - 1, p->seq);
  else if (strcmp(c->prev, p->hash) != 0)
    chain_problem(n, item->path,
                  "checkpoint %" G_GINT64_FORMAT " does not link to "
                  "checkpoint %" G_GINT64_FORMAT " (replaced or forged)",
                  c->seq, p->seq);
  if (c->audit_seq <= p->audit_seq)
    chain_problem(n, item->path,
                  "the audit head went back from entry %" G_GINT64_FORMAT
                  " to %" G_GINT64_FORMAT
                  " (the audit tail was deleted or rewritten)",
                  p->audit_seq, c->audit_seq);
}

/* The clocks and the queue from `p` to `c`. */
static void chain_check_state(const ChainItem *item,
                              const HeartbeatCheckpoint *p, guint *n)
{
  const HeartbeatCheckpoint *c = item->checkpoint;
  gint64 came = c->records_queued - p->records_queued;
  gint64 went = (c->records_acknowledged - p->records_acknowledged) +
                (c->records_removed - p->records_removed);
  gint64 expected = p->queue_depth + came - went;

  if (c->wall_us <= p->wall_us)
    chain_problem(n, item->path,
                  "the wall clock went back by %" G_GINT64_FORMAT " s",
                  (p->wall_us - c->wall_us) / G_USEC_PER_SEC);
  if (strcmp(c->boot_id, p->boot_id) == 0 && c->mono_us <= p->mono_us)
    chain_problem(n, item->path,
                  "the monotonic clock went back within one boot");
  if (came < 0 || went < 0)
    chain_problem(n, item->path, "the record counters went back");
  else if (c->queue_depth < expected)
    chain_problem(n, item->path,
                  "the queue shrank by %" G_GINT64_FORMAT
                  " records without acknowledgements (%" G_GINT64_FORMAT
                  " expected, %" G_GINT64_FORMAT " there)",
                  expected - c->queue_depth, expected, c->queue_depth);
}

/* The key every checkpoint must be signed with: --kiosk-key's (base64, or
 * a file holding it), else the first checkpoint's. */
static char *chain_kiosk_key(const char *arg, const HeartbeatCheckpoint *first,
                             GError **error)
{
  guint8 key[KEYS_PUBLIC_BYTES];
  g_autofree char *text = NULL;

  if (!arg)
    return g_strdup(first->kiosk_key);
  if (!g_file_get_contents(arg, &text, NULL, NULL))
    text = g_strdup(arg);
  if (!keys_decode(text, key, sizeof key, error))
    return NULL;
  return keys_encode(key, sizeof key);
}

static int chain_verify_run(char **args, const char *kiosk_key_arg)
{
  g_autoptr(GPtrArray) items =
      g_ptr_array_new_with_free_func((GDestroyNotify)chain_item_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *kiosk_key = NULL;
  const HeartbeatCheckpoint *first, *last;
  guint n = 0;
  int status;

  if (!keys_init(&error))
    return kiosk_usage_error(CMD, "%s", error->message);
  status = chain_read(args, items);
  if (status != EXIT_OK)
    return status;
  first = ((ChainItem *)items->pdata[0])->checkpoint;
  kiosk_key = chain_kiosk_key(kiosk_key_arg, first, &error);
  if (!kiosk_key)
    return kiosk_usage_error(CMD, "--kiosk-key: %s", error->message);
  for (guint i = 0; i < items->len; i++) {
    const ChainItem *item = items->pdata[i];

    chain_check_one(item, kiosk_key, &n);
    if (i == 0)
      continue;
    chain_check_order(item, ((ChainItem *)items->pdata[i - 1])->checkpoint, &n);
    chain_check_state(item, ((ChainItem *)items->pdata[i - 1])->checkpoint, &n);
  }
  if (n)
    return EXIT_NEGATIVE;
  last = ((ChainItem *)items->pdata[items->len - 1])->checkpoint;
  printf("verified %u checkpoints %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
         " (audit head %" G_GINT64_FORMAT ", kiosk key %s%s)\n",
         items->len, first->seq, last->seq, last->audit_seq, kiosk_key,
         kiosk_key_arg ? ", pinned" : "");
  return EXIT_OK;
}

static int backoffice_run(int argc, char **argv)
{
  g_autofree char *kiosk_key = NULL;
  g_auto(GStrv) args = NULL;
  const GOptionEntry entries[] = {
      {"kiosk-key", 0, 0, G_OPTION_ARG_STRING, &kiosk_key,
       "Require this kiosk signing key (base64, or a file holding it)",
       "KEY|FILE"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
      "verify-chain FOLDER|CHECKPOINT... - check a kiosk's heartbeat "
      "checkpoints (back office)");
  g_autoptr(GError) error = NULL;

  g_option_context_set_description(
      ctx, "verify-chain reads a folder's checkpoints (*.bkchk, by name; "
           "its heartbeat/\nfolder when it has one) or the files given, in "
           "that order, and prints one\nline per problem: a signature that "
           "does not verify, a missing or reordered\ncheckpoint, a broken "
           "link, an audit head or a clock that went back, a queue\nthat "
           "shrank without acknowledgements (docs/delivery.md).\n"
           "Exit status: 0 the chain holds; 1 a problem; 2 usage or input "
           "error\n(unreadable file, not a checkpoint, no checkpoints).\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (!args || !args[0] || strcmp(args[0], "verify-chain") != 0 || !args[1])
    return kiosk_usage_error(CMD, "expected 'verify-chain [--kiosk-key KEY] "
                                  "FOLDER|CHECKPOINT...' (see 'biokiosk "
                                  "backoffice --help')");
  return chain_verify_run(args + 1, kiosk_key);
}

const KioskCommand kiosk_cmd_backoffice = {
    .name = "backoffice",
    .summary = "Check a kiosk's heartbeat checkpoints (verify-chain)",
    .run = backoffice_run,
};
