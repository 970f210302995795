/* The kiosk's journal entries to a file, through sd-journal; see
 * log-export.h. */
#include "log-export.h"

#include <gio/gio.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "log.h"

#define LOG_EXPORT_DAY_US (24 * G_TIME_SPAN_HOUR)
#define LOG_EXPORT_UNIT   "biokiosk.service"

/* A field's value as text (NULL when absent); the journal hands out
 * "KEY=value" without a terminating NUL. */
static char *log_export_field(sd_journal *j, const char *key)
{
  const void *data;
  size_t length, key_len = strlen(key);

  if (sd_journal_get_data(j, key, &data, &length) < 0 || length <= key_len)
    return NULL;
  return g_strndup((const char *)data + key_len + 1, length - key_len - 1);
}

static const char *log_export_priority_word(const char *priority)
{
  static const char *const words[] = {"emerg",   "alert",  "crit", "err",
                                      "warning", "notice", "info", "debug"};

  if (priority && priority[0] >= '0' && priority[0] <= '7' && !priority[1])
    return words[priority[0] - '0'];
  return "info";
}

/* One entry as one line: time, identifier[pid], <priority>, our fields,
 * message. Line breaks inside the message become spaces. */
static void log_export_entry(sd_journal *j, GString *out)
{
  g_autofree char *priority = log_export_field(j, "PRIORITY");
  g_autofree char *ident = log_export_field(j, "SYSLOG_IDENTIFIER");
  g_autofree char *pid = log_export_field(j, "_PID");
  g_autofree char *message = log_export_field(j, "MESSAGE");
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *stamp = NULL;
  guint64 usec = 0;
  char *values[LOG_N_FIELDS] = {NULL};
  gsize start = out->len;

  sd_journal_get_realtime_usec(j, &usec);
  when = g_date_time_new_from_unix_utc((gint64)(usec / G_USEC_PER_SEC));
  stamp = when ? g_date_time_format(when, "%Y-%m-%dT%H:%M:%S") : NULL;
  g_string_append_printf(out, "%s.%06u+0000 %s[%s] <%s>", stamp ? stamp : "?",
                         (unsigned)(usec % G_USEC_PER_SEC),
                         ident ? ident : LOG_IDENTIFIER, pid ? pid : "?",
                         log_export_priority_word(priority));
  for (gsize i = 0; log_fields[i]; i++)
    values[i] = log_export_field(j, log_fields[i]);
  log_append_fields(out, (const char *const *)values);
  for (gsize i = 0; log_fields[i]; i++)
    g_free(values[i]);
  g_string_append_printf(out, ": %s", message ? message : "");
  g_strdelimit(out->str + start, "\n\r", ' ');
  g_string_append_c(out, '\n');
}

static gboolean log_export_open(const char *journal_dir, sd_journal **ret,
                                GError **error)
{
  uint64_t bytes = 0;
  int r = journal_dir ? sd_journal_open_directory(ret, journal_dir, 0)
                      : sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);

  if (r < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "no journal to export: %s", g_strerror(-r));
    return FALSE;
  }
  /* Files it may not read are left out silently: none at all is an error. */
  if (sd_journal_get_usage(*ret, &bytes) < 0 || bytes == 0) {
    sd_journal_close(*ret);
    *ret = NULL;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "no journal to export: this system keeps none the kiosk can "
                "read (%s; its user needs the systemd-journal group)",
                journal_dir ? journal_dir
                            : "/run/log/journal, /var/log/journal");
    return FALSE;
  }
  return TRUE;
}

/* Ours: our identifier, or anything our unit wrote. */
static gboolean log_export_match(sd_journal *j, gint64 since_us, GError **error)
{
  int r = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=" LOG_IDENTIFIER, 0);

  if (r >= 0)
    r = sd_journal_add_disjunction(j);
  if (r >= 0)
    r = sd_journal_add_match(j, "_SYSTEMD_UNIT=" LOG_EXPORT_UNIT, 0);
  if (r >= 0)
    r = sd_journal_seek_realtime_usec(j, (uint64_t)MAX(since_us, 0));
  if (r < 0)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot search the journal: %s", g_strerror(-r));
  return r >= 0;
}

gboolean log_export_since(const char *journal_dir, gint64 since_us,
                          const char *dest_path, guint *ret_count,
                          GError **error)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GDateTime) since =
      g_date_time_new_from_unix_utc(MAX(since_us, 0) / G_USEC_PER_SEC);
  g_autofree char *since_text = g_date_time_format_iso8601(since);
  sd_journal *j = NULL;
  guint count = 0;
  int r;

  g_return_val_if_fail(dest_path != NULL, FALSE);
  if (!log_export_open(journal_dir, &j, error))
    return FALSE;
  if (!log_export_match(j, since_us, error)) {
    sd_journal_close(j);
    return FALSE;
  }
  g_string_append_printf(out, "# %s journal entries since %s (UTC)\n",
                         LOG_IDENTIFIER, since_text);
  while ((r = sd_journal_next(j)) > 0) {
    log_export_entry(j, out);
    count++;
  }
  sd_journal_close(j);
  if (r < 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot read the journal: %s", g_strerror(-r));
    return FALSE;
  }
  if (!g_file_set_contents_full(dest_path, out->str, (gssize)out->len,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  if (ret_count)
    *ret_count = count;
  return TRUE;
}

gboolean log_export_last_day(const char *dest_path, GError **error)
{
  return log_export_since(NULL, g_get_real_time() - LOG_EXPORT_DAY_US,
                          dest_path, NULL, error);
}
