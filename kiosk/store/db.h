/* The kiosk's one SQLite database (appointments, record queue, audit log):
 * opened with WAL and synchronous=FULL so that a committed record survives a
 * power cut. Each module creates its own tables on open. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define DB_ERROR (db_error_quark())
GQuark db_error_quark(void);

typedef enum {
  DB_ERROR_OPEN,
  DB_ERROR_SQL,
} DbError;

/* Opens (creating when absent) the database at `path` (":memory:" for
 * tests), sets WAL, synchronous=FULL, foreign keys and a busy timeout. */
sqlite3 *db_open(const char *path, GError **error);

/* Runs SQL without results (schema, BEGIN/COMMIT). */
gboolean db_exec(sqlite3 *db, const char *sql, GError **error);

/* Sets `error` from the connection's last error, prefixed with `what`;
 * always returns FALSE so callers can `return db_fail(...)`. */
gboolean db_fail(sqlite3 *db, const char *what, GError **error);

void db_close(sqlite3 *db); /* accepts NULL */
