/* The kiosk's one SQLite database (appointments, record queue, audit log):
 * opened with WAL and synchronous=FULL so that a committed record survives a
 * power cut. Each module creates its own tables on open. Also what the
 * database needs from its file system: the free space there and a reserve
 * file that keeps room for deleting records on a full disk. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#define DB_ERROR (db_error_quark())
GQuark db_error_quark(void);

typedef enum {
  DB_ERROR_OPEN,
  DB_ERROR_SQL,
  DB_ERROR_FULL, /* SQLITE_FULL: the file system (or the database) is full */
} DbError;

/* The reserve: a preallocated file next to the database,
 * <database>DB_RESERVE_SUFFIX, of DB_RESERVE_BYTES. Nothing writes into it;
 * it only holds disk space that db_reserve_release() hands back when a
 * write that frees space (deleting a delivered record) finds the disk
 * full. Deleting a record with secure_delete=FAST and auditing it needs
 * about ten pages of WAL (some 50 KB); the reserve covers many of those. */
#define DB_RESERVE_SUFFIX "-reserve"
#define DB_RESERVE_BYTES  (1024 * 1024)

/* Opens (creating when absent) the database at `path` (":memory:" for
 * tests), sets WAL, synchronous=FULL, foreign keys, secure_delete and a
 * busy timeout. When that fails and there is a reserve, the reserve is
 * released and the open tried once more (on a full disk the first reader
 * of a WAL database cannot otherwise make its -shm file). */
sqlite3 *db_open(const char *path, GError **error);

/* Opens the existing database at `path` for reading only: creates no file
 * and no table and changes no setting (status and list commands). The
 * database must exist: DB_ERROR_OPEN otherwise. */
sqlite3 *db_open_readonly(const char *path, GError **error);

/* Runs SQL without results (schema, BEGIN/COMMIT). */
gboolean db_exec(sqlite3 *db, const char *sql, GError **error);

/* Sets `error` from the connection's last error, prefixed with `what`
 * (DB_ERROR_FULL when the disk is full, else DB_ERROR_SQL); always returns
 * FALSE so callers can `return db_fail(...)`. */
gboolean db_fail(sqlite3 *db, const char *what, GError **error);

void db_close(sqlite3 *db); /* accepts NULL */

/* Space for the database on its file system. */
typedef struct {
  /* Bytes this process may still allocate on the database's file system
   * (statvfs f_bavail; the reserve is allocated, so not counted). */
  guint64 filesystem_free;
  /* Free pages inside the database file, in bytes: reused by new rows
   * before the file grows (a deleted record's pages land here). */
  guint64 database_free;
  /* The reserve file is in place and fully allocated. */
  gboolean reserve_ready;
  /* Bytes the database file must grow by before the WAL can be copied
   * into it (pages that live only in the WAL, beyond the file's end). A
   * checkpoint, and so every WAL restart, needs this much free. */
  guint64 checkpoint_growth;
} DbSpace;

/* Fills *ret_space for the database `db` is connected to (reads two
 * PRAGMAs; in WAL mode it never waits for a writer). An in-memory database
 * has no file system: both figures are G_MAXUINT64 and no reserve is
 * needed (reserve_ready TRUE). DB_ERROR_SQL, or G_IO_ERROR when statvfs
 * fails; *ret_space is untouched on failure. */
gboolean db_space(sqlite3 *db, DbSpace *ret_space, GError **error);

/* Whether `bytes` more may go into the database without the risk that its
 * WAL can no longer be emptied: the file system must hold the WAL's growth
 * (`bytes`) and the database file's growth at the next checkpoint (the
 * pages now beyond its end, plus what of `bytes` the free pages do not
 * take). A database whose WAL cannot be checkpointed cannot reuse its WAL
 * either, so on a full disk not even a delete would go through. FALSE
 * with DB_ERROR_FULL, whose message gives the figures, when there is not
 * that much room; an in-memory database always has room. */
gboolean db_room_for_write(sqlite3 *db, guint64 bytes, GError **error);

/* Makes sure the reserve exists and is allocated (creating it mode 0600),
 * when the file system has room for it. Best effort, never an error: TRUE
 * when the reserve is in place afterwards. Any process and thread may call
 * it; a half-made reserve is removed. FALSE for an in-memory database. */
gboolean db_reserve_ensure(sqlite3 *db);

/* Copies the WAL into the database (PASSIVE, or TRUNCATE, which also
 * empties the WAL file and may wait for readers), but only when the file
 * system has room for what the database file must grow by (the WAL's
 * pages beyond its end): a checkpoint that failed half-way on a full disk
 * would leave the WAL as it was and the space gone. Once it has completed,
 * the next write starts the WAL from its beginning instead of growing it.
 * Best effort: TRUE when a checkpoint ran and completed. */
gboolean db_checkpoint_in_place(sqlite3 *db, gboolean truncate);

/* Gives the reserve's space back to the file system (removes the file).
 * TRUE when there was a reserve to release. Call when a write that frees
 * space failed with DB_ERROR_FULL, then retry the write. */
gboolean db_reserve_release(sqlite3 *db);
