/* The lockouts' table (see lockouts.h): one row per lockout, replaced on
 * every change. */
#include "lockouts.h"

#include <string.h>

#include "db.h"

gboolean lockouts_init(sqlite3 *db, GError **error)
{
  g_return_val_if_fail(db != NULL, FALSE);
  return db_exec(db,
                 "CREATE TABLE IF NOT EXISTS lockouts ("
                 "  name TEXT PRIMARY KEY,"
                 "  failures INTEGER NOT NULL,"
                 "  locked_until INTEGER NOT NULL);",
                 error);
}

gboolean lockouts_load(sqlite3 *db, const char *name, StoredLockout *ret,
                       GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail(db != NULL && name != NULL && ret != NULL, FALSE);
  if (sqlite3_prepare_v2(db,
                         "SELECT failures, locked_until FROM lockouts "
                         "WHERE name = ?",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "lockouts", error);
  sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    sqlite3_finalize(stmt);
    return db_fail(db, "lockouts", error);
  }
  ret->failures = rc == SQLITE_ROW ? MAX(sqlite3_column_int(stmt, 0), 0) : 0;
  ret->locked_until = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 1) : 0;
  sqlite3_finalize(stmt);
  return TRUE;
}

gboolean lockouts_save(sqlite3 *db, const char *name,
                       const StoredLockout *lockout, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail(db != NULL && name != NULL && lockout != NULL, FALSE);
  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO lockouts (name, failures, "
                         "locked_until) VALUES (?, ?, ?)",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "lockouts", error);
  sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int(stmt, 2, lockout->failures);
  sqlite3_bind_int64(stmt, 3, lockout->locked_until);
  rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE)
    return db_fail(db, "lockouts", error);
  return TRUE;
}

char *lockouts_officer_name(const char *id)
{
  g_return_val_if_fail(id != NULL, NULL);
  return *id ? g_strconcat(LOCKOUTS_OFFICER_PREFIX, id, NULL)
             : g_strdup(LOCKOUTS_OFFICER_PIN);
}

gboolean lockouts_each_officer(sqlite3 *db, LockoutsOfficerFunc func,
                               gpointer user_data, GError **error)
{
  gsize prefix = strlen(LOCKOUTS_OFFICER_PREFIX);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail(db != NULL && func != NULL, FALSE);
  if (sqlite3_prepare_v2(db,
                         "SELECT name, failures, locked_until FROM lockouts "
                         "WHERE substr(name, 1, ?) = ? ORDER BY name",
                         -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, "lockouts", error);
  sqlite3_bind_int(stmt, 1, (int)prefix);
  sqlite3_bind_text(stmt, 2, LOCKOUTS_OFFICER_PREFIX, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(stmt, 0);
    StoredLockout lockout = {
        .failures = MAX(sqlite3_column_int(stmt, 1), 0),
        .locked_until = sqlite3_column_int64(stmt, 2),
    };

    func(name + prefix, &lockout, user_data);
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE || db_fail(db, "lockouts", error);
}
