/* The transport registry and the thin wrappers that hold every class to
 * the contracts in transport.h (safe ids, scheme errors that name what is
 * supported). Classes live in transport-*.c. */
#include "transport.h"
#include "transport-classes.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(biokiosk - transport - error - quark, transport_error)

/* One class per scheme. Add a class here and in meson.build. */
const TransportClass *const transport_classes[] = {
    &transport_folder_class,
    &transport_https_class,
    &transport_s3_class,
    NULL,
};

struct _KioskTransport {
  const TransportClass *klass;
  gpointer priv;
};

const TransportClass *transport_class_find(const char *scheme)
{
  if (!scheme)
    return NULL;
  for (gsize i = 0; transport_classes[i]; i++)
    if (g_ascii_strcasecmp(transport_classes[i]->scheme, scheme) == 0)
      return transport_classes[i];
  return NULL;
}

gboolean transport_init_global(GError **error)
{
  static gsize done = 0;
  static CURLcode result = CURLE_OK;

  if (g_once_init_enter(&done)) {
    result = curl_global_init(CURL_GLOBAL_DEFAULT);
    g_once_init_leave(&done, 1);
  }
  if (result != CURLE_OK) {
    g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_FAILED,
                "libcurl could not be initialised: %s",
                curl_easy_strerror(result));
    return FALSE;
  }
  return TRUE;
}

gboolean transport_id_is_safe(const char *id)
{
  if (!id || !*id || strlen(id) > TRANSPORT_ID_MAX)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isxdigit(*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* "file, https": the registry's schemes, for error messages. */
static char *transport_supported_schemes(void)
{
  GString *list = g_string_new(NULL);

  for (gsize i = 0; transport_classes[i]; i++)
    g_string_append_printf(list, "%s%s", i ? ", " : "",
                           transport_classes[i]->scheme);
  return g_string_free(list, FALSE);
}

void transport_options_clear(TransportOptions *options)
{
  if (!options)
    return;
  g_free(options->ca);
  g_free(options->cert);
  g_free(options->key);
  g_free(options->pinned_public_key);
  g_free(options->region);
  g_free(options->endpoint);
  g_free(options->credentials);
  memset(options, 0, sizeof *options);
}

void transport_options_copy(TransportOptions *dest,
                            const TransportOptions *options)
{
  g_return_if_fail(dest != NULL);
  memset(dest, 0, sizeof *dest);
  if (!options)
    return;
  *dest = *options;
  dest->ca = g_strdup(options->ca);
  dest->cert = g_strdup(options->cert);
  dest->key = g_strdup(options->key);
  dest->pinned_public_key = g_strdup(options->pinned_public_key);
  dest->region = g_strdup(options->region);
  dest->endpoint = g_strdup(options->endpoint);
  dest->credentials = g_strdup(options->credentials);
}

gboolean transport_option_check_file(const char *key, const char *path,
                                     GError **error)
{
  GStatBuf st;
  const char *why = NULL;
  int saved = 0;

  if (!path || !*path)
    why = "no file given";
  else if (g_stat(path, &st) != 0)
    saved = errno;
  else if (!S_ISREG(st.st_mode))
    why = "not a regular file";
  else if (g_access(path, R_OK) != 0)
    saved = errno;
  if (saved)
    why = g_strerror(saved);
  if (!why)
    return TRUE;
  g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_OPTION,
              "[upload] %s: %s: %s", key, path && *path ? path : "(empty)",
              why);
  return FALSE;
}

KioskTransport *transport_open(const char *url, GError **error)
{
  return transport_open_with_options(url, NULL, error);
}

KioskTransport *transport_open_with_options(const char *url,
                                            const TransportOptions *options,
                                            GError **error)
{
  static const TransportOptions none = {0};
  g_autofree char *scheme = url ? g_uri_parse_scheme(url) : NULL;
  g_autofree char *supported = transport_supported_schemes();
  const TransportClass *klass = transport_class_find(scheme);
  KioskTransport *transport;
  gpointer priv;

  if (!scheme) {
    g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_INVALID_URL,
                "upload target '%s' is not a URL (expected scheme://..., "
                "supported: %s)",
                url ? url : "", supported);
    return NULL;
  }
  if (!klass) {
    g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_UNSUPPORTED_SCHEME,
                "upload target scheme '%s' is not supported (supported: %s)",
                scheme, supported);
    return NULL;
  }
  priv = klass->open(url, options ? options : &none, error);
  if (!priv)
    return NULL;
  transport = g_new0(KioskTransport, 1);
  transport->klass = klass;
  transport->priv = priv;
  return transport;
}

void transport_close(KioskTransport *transport)
{
  if (!transport)
    return;
  transport->klass->close(transport->priv);
  g_free(transport);
}

const TransportClass *transport_get_class(const KioskTransport *transport)
{
  g_return_val_if_fail(transport != NULL, NULL);
  return transport->klass;
}

void transport_begin_pass(KioskTransport *transport, gint64 now)
{
  g_return_if_fail(transport != NULL);
  if (transport->klass->begin_pass)
    transport->klass->begin_pass(transport->priv, now);
}

static gboolean transport_refuse_id(GError **error)
{
  g_set_error(error, TRANSPORT_ERROR, TRANSPORT_ERROR_REFUSED,
              "record id is not a safe file name");
  return FALSE;
}

char *transport_object_name(TransportObject kind, const char *id)
{
  if (kind == TRANSPORT_OBJECT_CHECKPOINT)
    return g_strconcat(TRANSPORT_CHECKPOINT_FOLDER "/", id,
                       TRANSPORT_CHECKPOINT_EXTENSION, NULL);
  return g_strconcat(id, TRANSPORT_FOLDER_EXTENSION, NULL);
}

gboolean transport_put_object(KioskTransport *transport, TransportObject kind,
                              const char *id, GBytes *bytes, GError **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail(transport != NULL && bytes != NULL, FALSE);
  if (!transport_id_is_safe(id))
    return transport_refuse_id(error);
  name = transport_object_name(kind, id);
  return transport->klass->put(transport->priv, name, bytes, error);
}

gboolean transport_verify_object(KioskTransport *transport,
                                 TransportObject kind, const char *id,
                                 const char *sha256, GError **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail(transport != NULL && sha256 != NULL, FALSE);
  if (!transport_id_is_safe(id))
    return transport_refuse_id(error);
  name = transport_object_name(kind, id);
  return transport->klass->verify_receipt(transport->priv, name, sha256, error);
}

gboolean transport_put(KioskTransport *transport, const char *id,
                       GBytes *envelope, GError **error)
{
  return transport_put_object(transport, TRANSPORT_OBJECT_RECORD, id, envelope,
                              error);
}

gboolean transport_verify_receipt(KioskTransport *transport, const char *id,
                                  const char *sha256, GError **error)
{
  return transport_verify_object(transport, TRANSPORT_OBJECT_RECORD, id, sha256,
                                 error);
}

const char *transport_describe(KioskTransport *transport)
{
  g_return_val_if_fail(transport != NULL, NULL);
  return transport->klass->describe(transport->priv);
}

gint64 transport_retry_after(KioskTransport *transport)
{
  gint64 seconds;

  g_return_val_if_fail(transport != NULL, 0);
  if (!transport->klass->retry_after)
    return 0;
  seconds = transport->klass->retry_after(transport->priv);
  return CLAMP(seconds, 0, TRANSPORT_RETRY_AFTER_MAX_S);
}

size_t transport_body_read(char *buffer, size_t size, size_t n, void *user)
{
  TransportBody *body = user;
  gsize count = MIN(size * n, body->len - body->offset);

  memcpy(buffer, body->data + body->offset, count);
  body->offset += count;
  return count;
}

int transport_body_seek(void *user, curl_off_t offset, int origin)
{
  TransportBody *body = user;

  if (origin != SEEK_SET || offset < 0 || (gsize)offset > body->len)
    return CURL_SEEKFUNC_FAIL;
  body->offset = (gsize)offset;
  return CURL_SEEKFUNC_OK;
}
