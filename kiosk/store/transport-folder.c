/* The folder transport (file:///folder): each envelope becomes
 * <folder>/<id>.bkrec (a checkpoint <folder>/heartbeat/<id>.bkchk),
 * written atomically and durably, and its receipt is
 * the file read back. The folder is the outbox on this machine or a mount
 * the back office collects from; it must exist, so that a missing mount
 * does not look like a delivery. */
#include "transport-classes.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* A transfer holds a lock on its ".<id>.<8 hex>.part" file while it runs,
 * and a killed process drops its locks, so begin_pass() removes a part
 * file nobody holds at once: after a kill it is gone with the next pass,
 * which the uploader makes at start-up. Where the file system has no
 * locks, a part file is taken as left behind once it is this old. */
#define TRANSPORT_FOLDER_STALE_PART_S 3600
/* Length of a queue id (UUID) in a part name. */
#define TRANSPORT_FOLDER_ID_LEN 36

typedef struct {
  char *folder; /* absolute path */
  char *url;    /* file:// URL of the folder, for describe() */
} TransportFolder;

/* Every failure of a folder is TEMPORARY: a missing mount, a full disk or a
 * wrong permission passes once fixed, and a folder never judges content. */
G_GNUC_PRINTF(2, 3)
static gboolean folder_fail(GError **error, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_propagate_error(error, g_error_new_valist(TRANSPORT_ERROR,
                                              TRANSPORT_ERROR_TEMPORARY, format,
                                              args));
  va_end(args);
  return FALSE;
}

static void transport_folder_close(gpointer priv)
{
  TransportFolder *self = priv;

  if (!self)
    return;
  g_free(self->folder);
  g_free(self->url);
  g_free(self);
}

static gpointer transport_folder_open(const char *url,
                                      const TransportOptions *options,
                                      GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *host = NULL;
  TransportFolder *self;
  char *folder;

  folder = g_filename_from_uri(url, &host, &local);
  if (!folder) {
    g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_URL,
                "upload target '%s': %s", url, local->message);
    return NULL;
  }
  /* file://server/share would otherwise mean /share on this machine. */
  if (host && g_ascii_strcasecmp(host, "localhost") != 0) {
    g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_URL,
                "upload target '%s': a file URL names a folder on this "
                "machine, not on host '%s' (mount it and use file:///folder)",
                url, host);
    g_free(folder);
    return NULL;
  }
  self = g_new0(TransportFolder, 1);
  self->folder = folder;
  self->url = g_filename_to_uri(folder, NULL, NULL);
  if (!self->url)
    self->url = g_strdup(url);
  return self;
}

/* fsync(2) of a file or, with O_DIRECTORY, a folder. errno on failure. */
static gboolean fsync_path(const char *path, int flags)
{
  int fd = open(path, flags | O_CLOEXEC);
  int saved;
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync(fd) == 0;
  saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

/* Writes `envelope` to `tmp_path` through libcurl's FILE protocol (mode
 * 0640); removes what it wrote on failure. */
static gboolean transport_folder_write_part(const char *tmp_path,
                                            GBytes *envelope, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *tmp_url = g_filename_to_uri(tmp_path, NULL, &local);
  char curl_error[CURL_ERROR_SIZE] = "";
  TransportBody source = {0};
  CURLcode rc;
  CURL *curl;

  if (!tmp_url)
    return folder_fail(error, "%s", local->message);
  source.data = g_bytes_get_data(envelope, &source.len);
  curl = curl_easy_init();
  if (!curl)
    return folder_fail(error, "libcurl could not start a transfer");
  curl_easy_setopt(curl, CURLOPT_URL, tmp_url);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "file");
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, transport_body_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &source);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)source.len);
  curl_easy_setopt(curl, CURLOPT_NEW_FILE_PERMS, 0640L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    g_unlink(tmp_path);
    return folder_fail(error, "writing %s: %s", tmp_path,
                       *curl_error ? curl_error : curl_easy_strerror(rc));
  }
  if (source.offset != source.len) {
    g_unlink(tmp_path);
    return folder_fail(error, "writing %s: short transfer", tmp_path);
  }
  return TRUE;
}

/* Creates the part file and locks it for the transfer (see
 * TRANSPORT_FOLDER_STALE_PART_S); closing the descriptor unlocks it. -1
 * with errno on failure. Without locks on this file system the transfer
 * goes on unlocked. */
static int transport_folder_create_part(const char *tmp_path)
{
  struct stat st;
  int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

  if (fd < 0)
    return -1;
  if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0) {
    /* Another pass took it for a leftover before our lock: start again
     * next time rather than write a file that is not there. */
    close(fd);
    errno = ENOENT;
    return -1;
  }
  return fd;
}

/* The folder of `final_path` inside the target (the target itself, or a
 * folder in it such as "heartbeat/"), made when missing. */
static gboolean transport_folder_prepare(TransportFolder *self,
                                         const char *final_dir, GError **error)
{
  if (!g_file_test(self->folder, G_FILE_TEST_IS_DIR))
    return folder_fail(error, "target folder %s does not exist", self->folder);
  if (g_mkdir(final_dir, 0750) != 0 && errno != EEXIST)
    return folder_fail(error, "creating %s: %s", final_dir, g_strerror(errno));
  return TRUE;
}

/* libcurl's FILE protocol writes in place (O_TRUNC, no fsync), so a crash
 * mid-transfer would leave a truncated file under the final name; hence
 * curl writes a hidden temporary name in the target folder (where
 * begin_pass() finds leftovers), locked while it is written, and we fsync
 * and rename(2) it into place ourselves. The rename also makes a repeated
 * put of the same name replace the file, not add one. */
static gboolean transport_folder_put(gpointer priv, const char *name,
                                     GBytes *envelope, GError **error)
{
  TransportFolder *self = priv;
  g_autofree char *id = g_path_get_basename(name);
  g_autofree char *tmp_name = NULL;
  g_autofree char *final_path = g_build_filename(self->folder, name, NULL);
  g_autofree char *final_dir = g_path_get_dirname(final_path);
  g_autofree char *tmp_path = NULL;
  char *dot = strchr(id, '.');
  int lock_fd;

  if (dot)
    *dot = '\0'; /* "<id>.bkrec" -> "<id>" */
  tmp_name = g_strdup_printf(".%s.%08x.part", id, g_random_int());
  tmp_path = g_build_filename(self->folder, tmp_name, NULL);
  if (!transport_folder_prepare(self, final_dir, error))
    return FALSE;
  lock_fd = transport_folder_create_part(tmp_path);
  if (lock_fd < 0)
    return folder_fail(error, "writing %s: %s", tmp_path, g_strerror(errno));
  if (!transport_folder_write_part(tmp_path, envelope, error)) {
    close(lock_fd);
    return FALSE;
  }
  if (!fsync_path(tmp_path, O_RDONLY) || g_rename(tmp_path, final_path) != 0) {
    int saved = errno;

    g_unlink(tmp_path);
    close(lock_fd);
    return folder_fail(error, "writing %s: %s", final_path, g_strerror(saved));
  }
  close(lock_fd);
  /* The rename itself is durable only once the folders are synced. */
  fsync_path(final_dir, O_RDONLY | O_DIRECTORY);
  if (strcmp(final_dir, self->folder) != 0)
    fsync_path(self->folder, O_RDONLY | O_DIRECTORY);
  return TRUE;
}

/* The receipt: what the folder holds under the name is what was queued. */
static gboolean transport_folder_verify_receipt(gpointer priv, const char *name,
                                                const char *sha256,
                                                GError **error)
{
  TransportFolder *self = priv;
  g_autofree char *path = g_build_filename(self->folder, name, NULL);
  g_autofree char *written = NULL;
  g_autofree char *actual = NULL;
  g_autoptr(GError) local = NULL;
  gsize written_len = 0;

  if (!g_file_get_contents(path, &written, &written_len, &local))
    return folder_fail(error, "acknowledgement: %s", local->message);
  actual = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                       (const guchar *)written, written_len);
  if (g_strcmp0(actual, sha256) != 0)
    return folder_fail(error, "acknowledgement: %s has SHA-256 %s, expected %s",
                       path, actual, sha256);
  return TRUE;
}

/* TRUE for our own temporary names: "." + id + "." + 8 hex + ".part". */
static gboolean transport_folder_is_part_name(const char *name)
{
  g_autofree char *id = NULL;

  if (strlen(name) != 1 + TRANSPORT_FOLDER_ID_LEN + 1 + 8 + 5 ||
      name[0] != '.' || !g_str_has_suffix(name, ".part"))
    return FALSE;
  id = g_strndup(name + 1, TRANSPORT_FOLDER_ID_LEN);
  return transport_id_is_safe(id);
}

/* Removes `path`, a part file, when its transfer is over: nobody holds
 * its lock, or (no locks here) it is older than the limit. */
static void transport_folder_remove_if_stale(const char *path, gint64 now)
{
  GStatBuf st;
  gboolean stale;
  int fd;

  if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0)
    stale = TRUE; /* its writer is gone */
  else
    stale = errno != EWOULDBLOCK &&
            now - (gint64)st.st_mtime > TRANSPORT_FOLDER_STALE_PART_S;
  if (stale) {
    g_debug("removing stale %s", path);
    g_unlink(path);
  }
  close(fd);
}

/* Removes the temporary files of transfers that crashed or were killed.
 * `now` is compared with the files' mtime where there are no locks. */
static void transport_folder_begin_pass(gpointer priv, gint64 now)
{
  TransportFolder *self = priv;
  g_autoptr(GDir) dir = g_dir_open(self->folder, 0, NULL);
  const char *name;

  if (!dir)
    return;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path = NULL;

    if (!transport_folder_is_part_name(name))
      continue;
    path = g_build_filename(self->folder, name, NULL);
    transport_folder_remove_if_stale(path, now);
  }
}

static const char *transport_folder_describe(gpointer priv)
{
  TransportFolder *self = priv;

  return self->url;
}

const TransportClass transport_folder_class = {
    .scheme = "file",
    .description = "a folder on this machine or a mount (file:///folder)",
    .open = transport_folder_open,
    .close = transport_folder_close,
    .begin_pass = transport_folder_begin_pass,
    .put = transport_folder_put,
    .verify_receipt = transport_folder_verify_receipt,
    .describe = transport_folder_describe,
};
