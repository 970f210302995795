/* The configuration on this machine: the file or the embedded defaults read
 * into core/'s schema, and the state folder that relative paths live in. */
#include "settings.h"

#include <gio/gio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resources.h"

const char *config_embedded_defaults(void)
{
  return resources_default_config();
}

static gboolean settings_file_fail(GError **error, int code, const char *what)
{
  g_set_error_literal(error, G_FILE_ERROR, code, what);
  return FALSE;
}

static gboolean settings_errno_fail(GError **error, int saved_errno)
{
  return settings_file_fail(error, g_file_error_from_errno(saved_errno),
                            g_strerror(saved_errno));
}

static gboolean settings_too_large(GError **error, gsize max_bytes)
{
  g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
              "larger than %" G_GSIZE_FORMAT " bytes", max_bytes);
  return FALSE;
}

/* Reads an open file to its end, refusing more than `max_bytes`. */
static gboolean settings_read_fd(int fd, gsize max_bytes, GByteArray *buffer,
                                 GError **error)
{
  guint8 chunk[64 * 1024];

  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return settings_errno_fail(error, errno);
    if (n == 0)
      return TRUE;
    if (buffer->len + (gsize)n > max_bytes)
      return settings_too_large(error, max_bytes);
    g_byte_array_append(buffer, chunk, (guint)n);
  }
}

gboolean settings_read_file(const char *path, gsize max_bytes,
                            char **ret_contents, gsize *ret_length,
                            GError **error)
{
  g_autoptr(GByteArray) buffer = NULL;
  struct stat st;
  gboolean ok;
  int fd;

  g_return_val_if_fail(path != NULL && ret_contents != NULL, FALSE);
  /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
  fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return settings_errno_fail(error, errno);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return settings_file_fail(error, G_FILE_ERROR_INVAL,
                              "not a regular file (a FIFO, a device or a "
                              "folder?)");
  }
  if ((guint64)st.st_size > max_bytes) {
    close(fd);
    return settings_too_large(error, max_bytes);
  }
  /* st_size may lie (/proc) or change: the read itself keeps the cap. */
  buffer = g_byte_array_sized_new((guint)st.st_size + 1);
  ok = settings_read_fd(fd, max_bytes, buffer, error);
  close(fd);
  if (!ok)
    return FALSE;
  if (ret_length)
    *ret_length = buffer->len;
  g_byte_array_append(buffer, (const guint8 *)"", 1);
  *ret_contents = (char *)g_byte_array_free(g_steal_pointer(&buffer), FALSE);
  return TRUE;
}

KioskConfig *config_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  KioskConfig *config;

  if (path &&
      !settings_read_file(path, CONFIG_FILE_MAX_BYTES, &text, NULL, &local)) {
    g_set_error(error, CONFIG_ERROR, CONFIG_ERROR_NOT_FOUND,
                "%s: cannot read the configuration: %s", path,
                g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                    ? "no such file"
                    : local->message);
    return NULL;
  }
  config = config_parse(config_embedded_defaults(), path, text, error);
  if (config && path)
    g_debug("configuration loaded from %s", path);
  return config;
}

/* The state folder holds the database and the keys: owner only, also when
 * it existed before with a laxer mode (mkdir's mode only applies to a new
 * folder). A folder of another user is left alone. */
static void state_dir_tighten(const char *dir)
{
  struct stat st;

  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) == 0 ||
      st.st_uid != geteuid())
    return;
  if (chmod(dir, 0700) != 0)
    g_debug("cannot tighten %s to 0700: %s", dir, g_strerror(errno));
}

char *config_resolve_path(const KioskConfig *config, const char *path)
{
  g_autofree char *state_dir = NULL;

  g_return_val_if_fail(config != NULL, NULL);
  g_return_val_if_fail(path != NULL, NULL);

  /* SQLite's in-memory database is not a file. */
  if (g_path_is_absolute(path) || strcmp(path, ":memory:") == 0)
    return g_strdup(path);
  if (!config->state_dir || !*config->state_dir)
    state_dir = g_build_filename(g_get_user_state_dir(), "biokiosk", NULL);
  else
    state_dir = g_canonicalize_filename(config->state_dir, NULL);
  /* Failure shows up, with its reason, when the caller opens the file. */
  if (g_mkdir_with_parents(state_dir, 0700) != 0)
    g_debug("cannot create %s: %s", state_dir, g_strerror(errno));
  else
    state_dir_tighten(state_dir);
  if (!*path || strcmp(path, ".") == 0)
    return g_steal_pointer(&state_dir);
  return g_build_filename(state_dir, path, NULL);
}

gboolean settings_check_state_dir(const KioskConfig *config, GError **error)
{
  g_autofree char *dir = config_resolve_path(config, ".");
  struct stat st;

  if (stat(dir, &st) != 0) {
    int saved = errno;

    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "state folder %s: %s", dir, g_strerror(saved));
    return FALSE;
  }
  if (!S_ISDIR(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                "state folder %s is not a folder", dir);
    return FALSE;
  }
  if (st.st_uid != geteuid()) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "state folder %s belongs to uid %u, but the kiosk runs as uid "
                "%u: run it as the folder's owner",
                dir, (unsigned)st.st_uid, (unsigned)geteuid());
    return FALSE;
  }
  if (st.st_mode & 077) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "state folder %s is open to others (mode %04o) and could not "
                "be tightened to 0700",
                dir, (unsigned)(st.st_mode & 07777));
    return FALSE;
  }
  return TRUE;
}

void config_resolve_option_paths(const KioskConfig *config, GHashTable *options)
{
  static const char *const keys[] = {"folder", "file"};

  for (gsize i = 0; options && i < G_N_ELEMENTS(keys); i++) {
    const char *value = g_hash_table_lookup(options, keys[i]);
    if (value && *value && !g_path_is_absolute(value))
      g_hash_table_insert(options, g_strdup(keys[i]),
                          config_resolve_path(config, value));
  }
}

/* An [upload] path made absolute against state_dir; NULL when not set. */
static char *settings_upload_path(const KioskConfig *config, const char *path)
{
  if (!path || !*path)
    return NULL;
  return config_resolve_path(config, path);
}

/* file:// of paths.outbox; a relative outbox lives in the state folder and
 * is created on first use, an absolute one is typically a mount and must
 * already exist, so that a missing mount never looks like a delivery. */
static char *settings_outbox_url(const KioskConfig *config, GError **error)
{
  g_autofree char *outbox = config_resolve_path(config, config->outbox);
  g_autofree char *absolute = NULL;

  if (!g_path_is_absolute(config->outbox) &&
      g_mkdir_with_parents(outbox, 0700) < 0) {
    int saved = errno;

    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot create the outbox %s: %s", outbox, g_strerror(saved));
    return NULL;
  }
  absolute = g_canonicalize_filename(outbox, NULL);
  return g_filename_to_uri(absolute, NULL, error);
}

gboolean settings_upload_target(const KioskConfig *config, char **ret_url,
                                TransportOptions *ret_options, GError **error)
{
  g_auto(TransportOptions) options = {0};
  g_autoptr(KioskTransport) transport = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail(config != NULL && ret_url != NULL, FALSE);
  g_return_val_if_fail(ret_options != NULL, FALSE);
  url = config->upload_target && *config->upload_target
            ? g_strdup(config->upload_target)
            : settings_outbox_url(config, error);
  if (!url)
    return FALSE;
  options.ca = settings_upload_path(config, config->upload_ca);
  options.cert = settings_upload_path(config, config->upload_cert);
  options.key = settings_upload_path(config, config->upload_key);
  options.credentials =
      settings_upload_path(config, config->upload_credentials);
  options.pinned_public_key = g_strdup(config->upload_pinned_public_key);
  options.connect_timeout_s = (guint)config->upload_connect_timeout_s;
  options.transfer_timeout_s = (guint)config->upload_transfer_timeout_s;
  options.low_speed_time_s = (guint)config->upload_low_speed_time_s;
  options.low_speed_bytes_s = (guint)config->upload_low_speed_bytes_s;
  options.region = g_strdup(config->upload_region);
  options.endpoint = g_strdup(config->upload_endpoint);
  options.multipart_threshold =
      (guint64)config->upload_multipart_threshold_mb * 1024 * 1024;
  /* Every file named must be readable, whatever the scheme uses. */
  if ((options.ca && !transport_option_check_file("ca", options.ca, error)) ||
      (options.cert &&
       !transport_option_check_file("cert", options.cert, error)) ||
      (options.key &&
       !transport_option_check_file("key", options.key, error)) ||
      (options.credentials &&
       !transport_option_check_file("credentials", options.credentials, error)))
    return FALSE;
  transport = transport_open_with_options(url, &options, error);
  if (!transport)
    return FALSE;
  *ret_url = g_steal_pointer(&url);
  *ret_options = options;
  memset(&options, 0, sizeof options);
  return TRUE;
}
