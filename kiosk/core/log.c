/* The kiosk's log writer and its structured entries; see log.h. GLib does
 * the journal's native protocol (g_log_writer_journald) and tells whether
 * stderr is the journal (g_log_writer_is_journald); this file adds our
 * fields, the configured level and the one-line stderr format. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const log_level_names[] = {"error", "warning", "info", "debug",
                                       NULL};

static gint log_level = LOG_LEVEL_INFO;
static gint log_journal = -1; /* -1: not asked yet; else a gboolean */

gboolean log_level_parse(const char *name, LogLevel *ret_level)
{
  for (int i = 0; name && log_level_names[i]; i++)
    if (strcmp(name, log_level_names[i]) == 0) {
      *ret_level = (LogLevel)i;
      return TRUE;
    }
  return FALSE;
}

void log_set_level(LogLevel level)
{
  g_atomic_int_set(&log_level, (gint)level);
}

LogLevel log_get_level(void)
{
  return (LogLevel)g_atomic_int_get(&log_level);
}

/* Whether stderr is the journal; asked once (a service's stderr stays). */
static gboolean log_to_journal(void)
{
  gint known = g_atomic_int_get(&log_journal);

  if (known < 0) {
    known = g_log_writer_is_journald(fileno(stderr)) ? 1 : 0;
    g_atomic_int_set(&log_journal, known);
  }
  return known == 1;
}

static const char *log_field(const GLogField *fields, gsize n_fields,
                             const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp(fields[i].key, key) == 0 && fields[i].length < 0)
      return fields[i].value;
  return NULL;
}

static LogLevel log_level_of(GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_LEVEL_ERROR;
  /* Notices: trouble the kiosk copes with (a device gone, an upload to
   * retry). Not warnings, which GLib's test harness makes fatal. */
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    return LOG_LEVEL_WARNING;
  if (level & G_LOG_LEVEL_INFO)
    return LOG_LEVEL_INFO;
  return LOG_LEVEL_DEBUG;
}

static gboolean log_wanted(GLogLevelFlags level, const char *domain)
{
  if (log_level_of(level) <= log_get_level())
    return TRUE;
  return log_level_of(level) == LOG_LEVEL_DEBUG &&
         !g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, domain);
}

/* syslog's priority as GLib's own writer gives it. */
static const char *log_priority(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

static const char *log_level_word(GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "notice";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

const char *const log_fields[LOG_N_FIELDS + 1] = {
    LOG_FIELD_EVENT, LOG_FIELD_RECORD_ID, LOG_FIELD_DEVICE,
    LOG_FIELD_DEVICE_STATE, NULL};

void log_append_fields(GString *line, const char *const *values)
{
  static const char *const labels[] = {"", "record=", "device=", "state="};

  G_STATIC_ASSERT(G_N_ELEMENTS(labels) == LOG_N_FIELDS);
  for (gsize i = 0; i < G_N_ELEMENTS(labels); i++)
    if (values[i])
      g_string_append_printf(line, " %s%s", labels[i], values[i]);
}

/* "13:24:01.123 biokiosk[3088] <info> record-stored record=<id>: text". */
static GLogWriterOutput log_write_line(GLogLevelFlags level,
                                       const GLogField *fields, gsize n_fields)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *clock = g_date_time_format(now, "%H:%M:%S.%f");
  const char *message = log_field(fields, n_fields, "MESSAGE");
  g_autoptr(GString) line = g_string_new(NULL);
  const char *values[LOG_N_FIELDS] = {NULL};

  /* %f is microseconds: keep milliseconds. */
  if (clock && strlen(clock) > 12)
    clock[12] = '\0';
  g_string_append_printf(line, "%s %s[%d] <%s>", clock ? clock : "",
                         LOG_IDENTIFIER, (int)getpid(), log_level_word(level));
  for (gsize i = 0; log_fields[i]; i++)
    values[i] = log_field(fields, n_fields, log_fields[i]);
  log_append_fields(line, values);
  g_string_append_printf(line, ": %s", message ? message : "");
  g_strdelimit(line->str, "\n\r", ' ');
  g_string_append_c(line, '\n');
  if (fputs(line->str, stderr) == EOF)
    return G_LOG_WRITER_UNHANDLED;
  fflush(stderr);
  return G_LOG_WRITER_HANDLED;
}

/* Adds SYSLOG_IDENTIFIER, so that entries are ours whatever the program's
 * file is called, and hands the entry to GLib's journal writer. */
static GLogWriterOutput
log_write_journal(GLogLevelFlags level, const GLogField *fields, gsize n_fields)
{
  GLogField all[LOG_N_FIELDS + 16];

  if (log_field(fields, n_fields, "SYSLOG_IDENTIFIER") ||
      n_fields >= G_N_ELEMENTS(all))
    return g_log_writer_journald(level, fields, n_fields, NULL);
  memcpy(all, fields, n_fields * sizeof *fields);
  all[n_fields] = (GLogField){"SYSLOG_IDENTIFIER", LOG_IDENTIFIER, -1};
  return g_log_writer_journald(level, all, n_fields + 1, NULL);
}

static GLogWriterOutput log_writer(GLogLevelFlags level,
                                   const GLogField *fields, gsize n_fields,
                                   gpointer user_data)
{
  if (!log_wanted(level, log_field(fields, n_fields, "GLIB_DOMAIN")))
    return G_LOG_WRITER_HANDLED;
  if (log_to_journal() &&
      log_write_journal(level, fields, n_fields) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  return log_write_line(level, fields, n_fields);
}

void log_init(void)
{
  static gsize once = 0;

  if (g_once_init_enter(&once)) {
    g_log_set_writer_func(log_writer, NULL, NULL);
    g_once_init_leave(&once, 1);
  }
}

void log_at(const char *file, const char *line, const char *func,
            GLogLevelFlags level, const char *const *values, const char *format,
            ...)
{
  GLogField fields[LOG_N_FIELDS + 5];
  g_autofree char *message = NULL;
  va_list args;
  gsize n = 0;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);
  fields[n++] = (GLogField){"PRIORITY", log_priority(level), -1};
  fields[n++] = (GLogField){"CODE_FILE", file, -1};
  fields[n++] = (GLogField){"CODE_LINE", line, -1};
  fields[n++] = (GLogField){"CODE_FUNC", func, -1};
  for (gsize i = 0; i < LOG_N_FIELDS; i++)
    if (values[i])
      fields[n++] = (GLogField){log_fields[i], values[i], -1};
  fields[n++] = (GLogField){"MESSAGE", message, -1};
  g_log_structured_array(level, fields, n);
}

/* Working: "ready" or "busy" (a capture under way). */
static gboolean log_state_is_up(const char *state)
{
  return g_strcmp0(state, "ready") == 0 || g_strcmp0(state, "busy") == 0;
}

void log_device_state_at(const char *file, const char *line, const char *func,
                         const char *device, const char *from, const char *to,
                         const char *message)
{
  gboolean was_up = log_state_is_up(from), up = log_state_is_up(to);
  GLogLevelFlags level = was_up && up ? G_LOG_LEVEL_DEBUG
                         : up         ? G_LOG_LEVEL_INFO
                                      : G_LOG_LEVEL_MESSAGE;

  log_at(file, line, func, level,
         (const char *const[LOG_N_FIELDS]){LOG_EVENT_DEVICE_STATE, NULL, device,
                                           to},
         "%s: %s -> %s%s%s", device, from, to, message ? ": " : "",
         message ? message : "");
}

void log_command_error(const char *command, const char *message)
{
  g_autofree char *text =
      g_strdup_printf("%s%s%s: %s", LOG_IDENTIFIER, command ? " " : "",
                      command ? command : "", message ? message : "");
  gboolean kiosk = !command || strcmp(command, "run") == 0;
  const GLogField fields[] = {
      {"PRIORITY", "3", -1},
      {"SYSLOG_IDENTIFIER", LOG_IDENTIFIER, -1},
      {LOG_FIELD_EVENT,
       kiosk ? LOG_EVENT_STARTUP_FAILED : LOG_EVENT_COMMAND_FAILED, -1},
      {"MESSAGE", text, -1},
  };

  /* One line: strip anything after a newline a library may have added. */
  g_strdelimit(text, "\n\r", ' ');
  if (log_to_journal() &&
      g_log_writer_journald(G_LOG_LEVEL_CRITICAL, fields, G_N_ELEMENTS(fields),
                            NULL) == G_LOG_WRITER_HANDLED)
    return;
  fprintf(stderr, "%s\n", text);
}
