/* The kiosk's own journal entries as a file, for the technician screen's
 * "export the last day's logs" (to a USB stick, or a file in tests). Reads
 * the systemd journal through sd-journal (libsystemd): the entries whose
 * SYSLOG_IDENTIFIER is "biokiosk" or whose unit is biokiosk.service, one
 * line each, oldest first:
 *
 *   2026-11-30T13:24:01.123456+0000 biokiosk[3088] <info> record-stored
 *   record=<id>: record <id> stored (1234 bytes)
 *
 * (on one line; the BIOKIOSK_* fields as event, record=, device=, state=).
 * The kiosk's user needs read access to the system journal (the
 * systemd-journal group). Blocks for as long as the reading takes (well
 * under a second for a day of a kiosk's entries): call it from a worker,
 * or accept the pause. Any thread. */
#pragma once

#include <glib.h>

/* Writes the last 24 hours to `dest_path` (replaced whole, mode 0600).
 * Fails with G_IO_ERROR_NOT_FOUND and a one-line message when this system
 * has no journal the kiosk can read, and with a G_FILE_ERROR when the file
 * cannot be written. An empty day is a file with the header line only. */
gboolean log_export_last_day(const char *dest_path, GError **error);

/* The same from the journal files in `journal_dir` (NULL: the system's
 * journal), for entries at or after `since_us` (CLOCK_REALTIME, µs).
 * `ret_count` (may be NULL) gets the number of entries written. */
gboolean log_export_since(const char *journal_dir, gint64 since_us,
                          const char *dest_path, guint *ret_count,
                          GError **error);
