/* Opening the kiosk's SQLite database with the durability settings the
 * record queue relies on; small helpers for errors. */
#include "db.h"

#include <glib/gstdio.h>
#include <string.h>

G_DEFINE_QUARK(biokiosk - db - error - quark, db_error)

gboolean db_fail(sqlite3 *db, const char *what, GError **error)
{
  g_set_error(error, DB_ERROR, DB_ERROR_SQL, "%s: %s", what,
              db ? sqlite3_errmsg(db) : "no database");
  return FALSE;
}

gboolean db_exec(sqlite3 *db, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
    g_set_error(error, DB_ERROR, DB_ERROR_SQL, "%s", message ? message : "?");
    sqlite3_free(message);
    return FALSE;
  }
  return TRUE;
}

sqlite3 *db_open(const char *path, GError **error)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2(path, &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                          SQLITE_OPEN_FULLMUTEX,
                      NULL) != SQLITE_OK) {
    g_set_error(error, DB_ERROR, DB_ERROR_OPEN, "cannot open database %s: %s",
                path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  /* The database holds personal data (names, dates of birth): owner only.
   * SQLite gives the -wal and -shm files the database file's mode. */
  if (strcmp(path, ":memory:") != 0)
    g_chmod(path, 0600);
  sqlite3_busy_timeout(db, 5000);
  /* WAL + FULL: a committed transaction is on disk before COMMIT returns. */
  if (!db_exec(db,
               "PRAGMA journal_mode=WAL;"
               "PRAGMA synchronous=FULL;"
               "PRAGMA foreign_keys=ON;"
               "PRAGMA secure_delete=ON;",
               error)) {
    g_prefix_error(error, "database %s: ", path);
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

void db_close(sqlite3 *db)
{
  if (db)
    sqlite3_close(db);
}
