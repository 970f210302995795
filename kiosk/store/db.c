/* Opening the kiosk's SQLite database with the durability settings the
 * record queue relies on; small helpers for errors; the free space on the
 * database's file system and the reserve file. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

G_DEFINE_QUARK(biokiosk - db - error - quark, db_error)

/* SQLITE_FULL (in any extended form) is the one failure callers act on. */
static DbError db_error_code(int rc)
{
  return (rc & 0xff) == SQLITE_FULL ? DB_ERROR_FULL : DB_ERROR_SQL;
}

gboolean db_fail(sqlite3 *db, const char *what, GError **error)
{
  g_set_error(error, DB_ERROR,
              db ? db_error_code(sqlite3_errcode(db)) : DB_ERROR_SQL, "%s: %s",
              what, db ? sqlite3_errmsg(db) : "no database");
  return FALSE;
}

gboolean db_exec(sqlite3 *db, const char *sql, GError **error)
{
  char *message = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK) {
    g_set_error(error, DB_ERROR, db_error_code(rc), "%s",
                message ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return FALSE;
  }
  return TRUE;
}

/* Free bytes on the file system of `path`'s folder; G_MAXUINT64 when
 * unknown. */
static guint64 db_folder_free(const char *path)
{
  g_autofree char *folder = g_path_get_dirname(path);
  struct statvfs st;

  if (statvfs(folder, &st) != 0)
    return G_MAXUINT64;
  return (guint64)st.f_bavail * st.f_frsize;
}

static sqlite3 *db_open_once(const char *path, GError **error)
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

sqlite3 *db_open(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *reserve = NULL;
  sqlite3 *db;

  g_return_val_if_fail(path != NULL, NULL);
  db = db_open_once(path, &local);
  if (db)
    return db;
  /* The first reader of a WAL database makes its 32 KB -shm file: on a
   * full disk only the reserve has room for it. */
  reserve = g_strconcat(path, DB_RESERVE_SUFFIX, NULL);
  if (strcmp(path, ":memory:") != 0 &&
      db_folder_free(path) < DB_RESERVE_BYTES && g_unlink(reserve) == 0) {
    g_debug("released the reserve %s to open the database", reserve);
    g_clear_error(&local);
    db = db_open_once(path, &local);
  }
  if (!db)
    g_propagate_error(error, g_steal_pointer(&local));
  return db;
}

static gboolean db_folder_writable(const char *path)
{
  g_autofree char *folder = g_path_get_dirname(path);

  return access(folder, W_OK) == 0;
}

/* TRUE when the database has a -wal or -shm file next to it. */
static gboolean db_wal_files_present(const char *path)
{
  g_autofree char *wal = g_strconcat(path, "-wal", NULL);
  g_autofree char *shm = g_strconcat(path, "-shm", NULL);

  return g_file_test(wal, G_FILE_TEST_EXISTS) ||
         g_file_test(shm, G_FILE_TEST_EXISTS);
}

/* One read-only connection to `uri` (a path, or a file: URI). */
static sqlite3 *db_open_readonly_once(const char *path, const char *uri,
                                      GError **error)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2(uri, &db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX |
                          SQLITE_OPEN_URI,
                      NULL) != SQLITE_OK) {
    g_set_error(error, DB_ERROR, DB_ERROR_OPEN, "cannot open database %s: %s",
                path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  /* The first read opens the WAL, where a read-only file system fails. */
  if (!db_exec(db, "PRAGMA query_only=ON; SELECT count(*) FROM sqlite_master",
               error)) {
    g_prefix_error(error, "database %s: ", path);
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

sqlite3 *db_open_readonly(const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *immutable = NULL;
  sqlite3 *db;

  g_return_val_if_fail(path != NULL, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, DB_ERROR, DB_ERROR_OPEN, "no database at %s", path);
    return NULL;
  }
  uri = g_filename_to_uri(path, NULL, error);
  if (!uri)
    return NULL;
  db = db_open_readonly_once(path, uri, &local);
  /* A WAL reader needs the -shm file, which it cannot make in a folder it
   * may not write. Without -wal and -shm there, nobody can be writing
   * either (the last writer removed them), so the file is taken as it is. */
  if (!db && !db_folder_writable(path) && !db_wal_files_present(path)) {
    immutable = g_strconcat(uri, "?immutable=1", NULL);
    g_clear_error(&local);
    db = db_open_readonly_once(path, immutable, &local);
  }
  if (!db)
    g_propagate_error(error, g_steal_pointer(&local));
  return db;
}

void db_close(sqlite3 *db)
{
  if (db)
    sqlite3_close(db);
}

/* The main database's file, or NULL when it has none (":memory:"). */
static const char *db_file(sqlite3 *db)
{
  const char *file = sqlite3_db_filename(db, "main");

  return file && *file ? file : NULL;
}

static char *db_reserve_path(sqlite3 *db)
{
  const char *file = db_file(db);

  return file ? g_strconcat(file, DB_RESERVE_SUFFIX, NULL) : NULL;
}

/* A regular file of the full size whose blocks are all allocated: a sparse
 * file would hold no space. */
static gboolean db_reserve_ready(const char *path)
{
  struct stat st;

  return lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
         st.st_size >= DB_RESERVE_BYTES &&
         (guint64)st.st_blocks * 512 >= DB_RESERVE_BYTES;
}

static gboolean db_pragma_int(sqlite3 *db, const char *sql, gint64 *ret_value,
                              GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return db_fail(db, sql, error);
  if (sqlite3_step(stmt) != SQLITE_ROW) {
    sqlite3_finalize(stmt);
    return db_fail(db, sql, error);
  }
  *ret_value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return TRUE;
}

gboolean db_space(sqlite3 *db, DbSpace *ret_space, GError **error)
{
  const char *file = db_file(db);
  g_autofree char *reserve = db_reserve_path(db);
  DbSpace space = {G_MAXUINT64, G_MAXUINT64, TRUE, 0};
  gint64 free_pages = 0, page_size = 0, pages = 0;
  struct statvfs st;
  struct stat file_st;

  g_return_val_if_fail(db != NULL && ret_space != NULL, FALSE);
  if (file) {
    if (statvfs(file, &st) != 0) {
      int saved = errno;

      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                  "free space for %s: %s", file, g_strerror(saved));
      return FALSE;
    }
    if (!db_pragma_int(db, "PRAGMA freelist_count", &free_pages, error) ||
        !db_pragma_int(db, "PRAGMA page_size", &page_size, error) ||
        !db_pragma_int(db, "PRAGMA page_count", &pages, error))
      return FALSE;
    space.filesystem_free = (guint64)st.f_bavail * st.f_frsize;
    space.database_free = (guint64)MAX(free_pages, 0) * (guint64)page_size;
    space.reserve_ready = db_reserve_ready(reserve);
    if (stat(file, &file_st) == 0 && pages * page_size > file_st.st_size)
      space.checkpoint_growth = (guint64)(pages * page_size - file_st.st_size);
  }
  *ret_space = space;
  return TRUE;
}

gboolean db_room_for_write(sqlite3 *db, guint64 bytes, GError **error)
{
  DbSpace space;
  guint64 growth, need;

  g_return_val_if_fail(db != NULL, FALSE);
  if (!db_space(db, &space, error))
    return FALSE;
  growth = space.checkpoint_growth +
           (bytes > space.database_free ? bytes - space.database_free : 0);
  need = bytes + growth;
  if (space.filesystem_free >= need)
    return TRUE;
  g_set_error(error, DB_ERROR, DB_ERROR_FULL,
              "not enough room on the disk: %" G_GUINT64_FORMAT
              " bytes free, %" G_GUINT64_FORMAT " needed (%" G_GUINT64_FORMAT
              " for the write, %" G_GUINT64_FORMAT
              " for the database to take in its WAL)",
              space.filesystem_free, need, bytes, growth);
  return FALSE;
}

gboolean db_reserve_ensure(sqlite3 *db)
{
  g_autofree char *path = db_reserve_path(db);
  int fd, rc;

  g_return_val_if_fail(db != NULL, FALSE);
  if (!path)
    return FALSE;
  if (db_reserve_ready(path))
    return TRUE;
  /* Leave as much again free, or the reserve itself would fill the disk
   * and be given up by the next delete. */
  if (db_folder_free(path) < 2 * (guint64)DB_RESERVE_BYTES)
    return FALSE;
  fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return FALSE;
  rc = posix_fallocate(fd, 0, DB_RESERVE_BYTES);
  close(fd);
  if (rc != 0) {
    g_debug("cannot allocate the reserve %s: %s", path, g_strerror(rc));
    g_unlink(path);
    return FALSE;
  }
  return TRUE;
}

gboolean db_checkpoint_in_place(sqlite3 *db, gboolean truncate)
{
  const char *file = db_file(db);
  gint64 pages = 0, page_size = 0;
  struct statvfs vfs;
  struct stat st;

  g_return_val_if_fail(db != NULL, FALSE);
  if (!file || stat(file, &st) != 0 ||
      !db_pragma_int(db, "PRAGMA page_count", &pages, NULL) ||
      !db_pragma_int(db, "PRAGMA page_size", &page_size, NULL))
    return FALSE;
  if (pages * page_size > (gint64)st.st_size &&
      (statvfs(file, &vfs) != 0 || (guint64)(pages * page_size - st.st_size) >
                                       (guint64)vfs.f_bavail * vfs.f_frsize))
    return FALSE; /* no room for the file to grow by the WAL's new pages */
  return sqlite3_wal_checkpoint_v2(db, NULL,
                                   truncate ? SQLITE_CHECKPOINT_TRUNCATE
                                            : SQLITE_CHECKPOINT_PASSIVE,
                                   NULL, NULL) == SQLITE_OK;
}

gboolean db_reserve_release(sqlite3 *db)
{
  g_autofree char *path = db_reserve_path(db);

  g_return_val_if_fail(db != NULL, FALSE);
  if (!path || g_unlink(path) != 0)
    return FALSE;
  g_debug("released the reserve %s", path);
  return TRUE;
}
