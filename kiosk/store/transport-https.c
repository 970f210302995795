/* The https transport (https://host[:port]/path/): one PUT of each envelope
 * to <path>/<id>.bkrec through libcurl, with the kiosk's client certificate
 * and key, trusting only the configured CA (and, when set, a pinned server
 * key). The receipt is the server's own copy: a GET of the same URL whose
 * body must hash to the SHA-256 the queue stored, so the record is only
 * acknowledged once the server is seen to hold the exact bytes. A WebDAV
 * server (nginx's dav module) or any receiver that stores PUT bodies under
 * their name and serves them back is a target (docs/delivery.md). */
#include "transport-classes.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

/* Defaults for options left at 0. */
#define HTTPS_CONNECT_TIMEOUT_S  10
#define HTTPS_TRANSFER_TIMEOUT_S 600
#define HTTPS_LOW_SPEED_TIME_S   30
#define HTTPS_LOW_SPEED_BYTES_S  1024
/* libcurl's upload and download buffers (its limits: 2 MB and 10 MB). */
#define HTTPS_BUFFER_BYTES (512L * 1024)
/* Bytes of an error answer's body kept for the message. */
#define HTTPS_ANSWER_MAX 512

typedef struct {
  char *base; /* https://host[:port]/path/ (ends with '/') */
  TransportOptions options;
  CURL *curl;         /* kept between records: one TLS connection */
  gint64 retry_after; /* of the last failed request, seconds */
  GString *answer;    /* start of the last answer's body */
  /* SHA-256 of the GET body (the receipt): OpenSSL's, which uses the
   * CPU's SHA instructions (GLib's is several times slower on 10 MB). */
  EVP_MD_CTX *checksum;
  gboolean receipt_running; /* a GET for a receipt is being hashed */
  char curl_error[CURL_ERROR_SIZE];
} TransportHttps;

static void transport_https_close(gpointer priv)
{
  TransportHttps *self = priv;

  if (!self)
    return;
  if (self->curl)
    curl_easy_cleanup(self->curl);
  transport_options_clear(&self->options);
  g_string_free(self->answer, TRUE);
  EVP_MD_CTX_free(self->checksum);
  g_free(self->base);
  g_free(self);
}

G_GNUC_PRINTF(3, 4)
static gboolean https_fail(GError **error, int code, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_propagate_error(error,
                    g_error_new_valist(TRANSPORT_ERROR, code, format, args));
  va_end(args);
  return FALSE;
}

/* The URL checked: https, a host, no credentials, query or fragment. */
static char *https_parse_base(const char *url, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *path = NULL;
  const char *why = NULL;

  if (!uri)
    why = "not a valid URL";
  else if (g_ascii_strcasecmp(g_uri_get_scheme(uri), "https") != 0)
    why = "not an https URL";
  else if (!g_uri_get_host(uri) || !*g_uri_get_host(uri))
    why = "no host";
  else if (g_uri_get_userinfo(uri))
    why = "a user or password in the URL (the kiosk proves who it is with "
          "[upload] cert and key)";
  else if (g_uri_get_query(uri) || g_uri_get_fragment(uri))
    why = "a query or fragment (records go to <path>/<id>.bkrec)";
  if (why) {
    https_fail(error, TRANSPORT_ERROR_INVALID_URL, "upload target '%s': %s",
               url, why);
    return NULL;
  }
  path = g_str_has_suffix(g_uri_get_path(uri), "/")
             ? g_strdup(g_uri_get_path(uri))
             : g_strconcat(g_uri_get_path(uri), "/", NULL);
  return g_uri_join(G_URI_FLAGS_NONE, "https", NULL, g_uri_get_host(uri),
                    g_uri_get_port(uri), path, NULL, NULL);
}

/* The first certificate of a PEM file; NULL with the option's error. */
static X509 *https_read_cert(const char *key, const char *path, GError **error)
{
  X509 *cert = NULL;
  FILE *file;

  if (!transport_option_check_file(key, path, error))
    return NULL;
  file = fopen(path, "re");
  if (file) {
    cert = PEM_read_X509(file, NULL, NULL, NULL);
    fclose(file);
  }
  if (!cert)
    https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
               "[upload] %s: %s: not a PEM certificate", key, path);
  return cert;
}

/* The client certificate and its key: both or neither, readable, and the
 * key the certificate's own. */
static gboolean https_check_identity(const TransportOptions *options,
                                     GError **error)
{
  gboolean has_cert = options->cert && *options->cert;
  gboolean has_key = options->key && *options->key;
  EVP_PKEY *pkey = NULL;
  X509 *cert = NULL;
  gboolean ok = FALSE;
  FILE *file;

  if (!has_cert && !has_key)
    return TRUE;
  if (has_cert != has_key)
    return https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                      "[upload] %s: needed with [upload] %s",
                      has_cert ? "key" : "cert", has_cert ? "cert" : "key");
  cert = https_read_cert("cert", options->cert, error);
  if (!cert || !transport_option_check_file("key", options->key, error))
    goto out;
  file = fopen(options->key, "re");
  if (file) {
    pkey = PEM_read_PrivateKey(file, NULL, NULL, NULL);
    fclose(file);
  }
  if (!pkey)
    https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
               "[upload] key: %s: not a PEM private key without a passphrase",
               options->key);
  else if (X509_check_private_key(cert, pkey) != 1)
    https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
               "[upload] key: %s: does not match the certificate in "
               "[upload] cert (%s)",
               options->key, options->cert);
  else
    ok = TRUE;
out:
  EVP_PKEY_free(pkey);
  X509_free(cert);
  return ok;
}

static gboolean https_check_options(const TransportOptions *options,
                                    GError **error)
{
  const char *pin = options->pinned_public_key;
  X509 *ca;

  if (!options->ca || !*options->ca)
    return https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                      "[upload] ca: needed for an https target (the PEM file "
                      "of the only CA the kiosk trusts)");
  ca = https_read_cert("ca", options->ca, error);
  if (!ca)
    return FALSE;
  X509_free(ca);
  if (pin && *pin && !g_str_has_prefix(pin, "sha256//"))
    return https_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                      "[upload] pinned_public_key: expected "
                      "sha256//<base64 of the key's SHA-256>[;sha256//...]");
  return https_check_identity(options, error);
}

static gpointer transport_https_open(const char *url,
                                     const TransportOptions *options,
                                     GError **error)
{
  g_autofree char *base = https_parse_base(url, error);
  TransportHttps *self;

  if (!base || !https_check_options(options, error))
    return NULL;
  self = g_new0(TransportHttps, 1);
  self->base = g_steal_pointer(&base);
  transport_options_copy(&self->options, options);
  self->answer = g_string_new(NULL);
  return self;
}

static guint option_or(guint value, guint fallback)
{
  return value ? value : fallback;
}

static size_t https_keep_answer(char *data, size_t size, size_t n, void *user)
{
  TransportHttps *self = user;
  gsize room = HTTPS_ANSWER_MAX - MIN(self->answer->len, HTTPS_ANSWER_MAX);

  g_string_append_len(self->answer, data, (gssize)MIN(size * n, room));
  if (self->receipt_running &&
      EVP_DigestUpdate(self->checksum, data, size * n) != 1)
    return 0; /* libcurl fails the transfer */
  return size * n;
}

/* The handle for one request to `url`, reset from the last one but
 * keeping its connection, with every security and time option set. */
static CURL *https_prepare(TransportHttps *self, const char *url)
{
  const TransportOptions *o = &self->options;

  if (!self->curl)
    self->curl = curl_easy_init();
  if (!self->curl)
    return NULL;
  curl_easy_reset(self->curl);
  g_string_truncate(self->answer, 0);
  self->curl_error[0] = '\0';
  self->retry_after = 0;
  curl_easy_setopt(self->curl, CURLOPT_URL, url);
  curl_easy_setopt(self->curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(self->curl, CURLOPT_FOLLOWLOCATION, 0L);
  /* Straight to the back office: no https_proxy or similar variable of
   * the environment may send the records through another host. */
  curl_easy_setopt(self->curl, CURLOPT_PROXY, "");
  curl_easy_setopt(self->curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt(self->curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(self->curl, CURLOPT_SSL_VERIFYHOST, 2L);
  /* Only the configured CA: no bundle, no folder of the system's. */
  curl_easy_setopt(self->curl, CURLOPT_CAINFO, o->ca);
  curl_easy_setopt(self->curl, CURLOPT_CAPATH, NULL);
  if (o->cert && *o->cert) {
    curl_easy_setopt(self->curl, CURLOPT_SSLCERT, o->cert);
    curl_easy_setopt(self->curl, CURLOPT_SSLKEY, o->key);
  }
  if (o->pinned_public_key && *o->pinned_public_key)
    curl_easy_setopt(self->curl, CURLOPT_PINNEDPUBLICKEY, o->pinned_public_key);
  curl_easy_setopt(
      self->curl, CURLOPT_CONNECTTIMEOUT,
      (long)option_or(o->connect_timeout_s, HTTPS_CONNECT_TIMEOUT_S));
  curl_easy_setopt(
      self->curl, CURLOPT_TIMEOUT,
      (long)option_or(o->transfer_timeout_s, HTTPS_TRANSFER_TIMEOUT_S));
  curl_easy_setopt(
      self->curl, CURLOPT_LOW_SPEED_TIME,
      (long)option_or(o->low_speed_time_s, HTTPS_LOW_SPEED_TIME_S));
  curl_easy_setopt(
      self->curl, CURLOPT_LOW_SPEED_LIMIT,
      (long)option_or(o->low_speed_bytes_s, HTTPS_LOW_SPEED_BYTES_S));
  curl_easy_setopt(self->curl, CURLOPT_NOSIGNAL, 1L);
  /* Records are megabytes: fewer, larger reads and writes. */
  curl_easy_setopt(self->curl, CURLOPT_UPLOAD_BUFFERSIZE, HTTPS_BUFFER_BYTES);
  curl_easy_setopt(self->curl, CURLOPT_BUFFERSIZE, HTTPS_BUFFER_BYTES);
  curl_easy_setopt(self->curl, CURLOPT_ERRORBUFFER, self->curl_error);
  curl_easy_setopt(self->curl, CURLOPT_WRITEFUNCTION, https_keep_answer);
  curl_easy_setopt(self->curl, CURLOPT_WRITEDATA, self);
  return self->curl;
}

/* The start of the answer's body, printable, for messages; "" for an
 * HTML page (a server's stock error page says no more than its status). */
static char *https_answer_line(TransportHttps *self)
{
  g_autofree char *text = g_utf8_make_valid(self->answer->str, -1);
  char *line = g_strstrip(g_strdelimit(text, "\r\n\t", ' '));

  if (*line == '<')
    return g_strdup("");
  for (char *p = line; *p; p++)
    if ((guchar)*p < 0x20)
      *p = ' ';
  if (strlen(line) > 120)
    line[120] = '\0';
  return g_strdup(line);
}

/* Performs the prepared request; an answer that is not 2xx or a transfer
 * that failed becomes the error, REFUSED for a status that will not pass
 * (400, 401, 403, 413), else TEMPORARY with Retry-After kept. */
static gboolean https_perform(TransportHttps *self, const char *what,
                              const char *url, GError **error)
{
  CURLcode rc = curl_easy_perform(self->curl);
  g_autofree char *line = NULL;
  curl_off_t retry_after = 0;
  long status = 0;

  if (rc != CURLE_OK)
    return https_fail(error, TRANSPORT_ERROR_TEMPORARY, "%s %s: %s", what, url,
                      *self->curl_error ? self->curl_error
                                        : curl_easy_strerror(rc));
  curl_easy_getinfo(self->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300)
    return TRUE;
  if (curl_easy_getinfo(self->curl, CURLINFO_RETRY_AFTER, &retry_after) ==
      CURLE_OK)
    self->retry_after = (gint64)MAX(retry_after, 0);
  line = https_answer_line(self);
  if (status == 400 || status == 401 || status == 403 || status == 413)
    return https_fail(error, TRANSPORT_ERROR_REFUSED,
                      "%s %s: refused by the server: HTTP %ld%s%s", what, url,
                      status, *line ? ": " : "", line);
  return https_fail(error, TRANSPORT_ERROR_TEMPORARY, "%s %s: HTTP %ld%s%s%s",
                    what, url, status, *line ? ": " : "", line,
                    self->retry_after ? " (the server asks to retry later)"
                                      : "");
}

/* <base><name>: the server makes a folder in `name` (create_full_put_path
 * in nginx's WebDAV module). */
static char *https_record_url(TransportHttps *self, const char *name)
{
  return g_strconcat(self->base, name, NULL);
}

/* PUT is idempotent by URL: the same id again replaces the server's copy
 * with the same bytes, so a retry never makes a second one. */
static gboolean transport_https_put(gpointer priv, const char *name,
                                    GBytes *envelope, GError **error)
{
  TransportHttps *self = priv;
  g_autofree char *url = https_record_url(self, name);
  struct curl_slist *headers = NULL;
  TransportBody source = {0};
  CURL *curl = https_prepare(self, url);
  gboolean ok;

  if (!curl)
    return https_fail(error, TRANSPORT_ERROR_TEMPORARY,
                      "libcurl could not start a transfer");
  source.data = g_bytes_get_data(envelope, &source.len);
  headers =
      curl_slist_append(headers, "Content-Type: application/octet-stream");
  /* No "Expect: 100-continue": the body goes at once, without a round
   * trip (or a second's wait where a proxy ignores it); only a refusal
   * costs the bytes sent before its answer. */
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, transport_body_read);
  curl_easy_setopt(curl, CURLOPT_READDATA, &source);
  curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, transport_body_seek);
  curl_easy_setopt(curl, CURLOPT_SEEKDATA, &source);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)source.len);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  ok = https_perform(self, "PUT", url, error);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(headers);
  return ok;
}

/* The receipt: the server's copy, read back, hashes to what was queued.
 * Other bytes under the id are REFUSED (sending again would not explain
 * them: a person must look); a copy not there (yet) is TEMPORARY. */
static gboolean transport_https_verify_receipt(gpointer priv, const char *name,
                                               const char *sha256,
                                               GError **error)
{
  TransportHttps *self = priv;
  g_autofree char *url = https_record_url(self, name);
  CURL *curl = https_prepare(self, url);
  guint8 digest[EVP_MAX_MD_SIZE];
  char actual[2 * EVP_MAX_MD_SIZE + 1] = "";
  unsigned int len = 0;
  gboolean ok;

  if (!self->checksum)
    self->checksum = EVP_MD_CTX_new();
  if (!curl || !self->checksum ||
      EVP_DigestInit_ex(self->checksum, EVP_sha256(), NULL) != 1)
    return https_fail(error, TRANSPORT_ERROR_TEMPORARY,
                      "libcurl or OpenSSL could not start a transfer");
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  self->receipt_running = TRUE;
  ok = https_perform(self, "GET", url, error);
  self->receipt_running = FALSE;
  if (ok && EVP_DigestFinal_ex(self->checksum, digest, &len) != 1)
    return https_fail(error, TRANSPORT_ERROR_TEMPORARY,
                      "receipt: OpenSSL could not hash the answer");
  for (unsigned int i = 0; ok && i < len; i++)
    g_snprintf(actual + 2 * i, 3, "%02x", digest[i]);
  if (ok && g_strcmp0(actual, sha256) != 0)
    ok = https_fail(error, TRANSPORT_ERROR_REFUSED,
                    "receipt: the server holds other bytes at %s (SHA-256 "
                    "%s, sent %s)",
                    url, actual, sha256);
  return ok;
}

static gint64 transport_https_retry_after(gpointer priv)
{
  TransportHttps *self = priv;

  return self->retry_after;
}

static const char *transport_https_describe(gpointer priv)
{
  TransportHttps *self = priv;

  return self->base;
}

const TransportClass transport_https_class = {
    .scheme = "https",
    .description = "an HTTPS server with client certificates, one PUT per "
                   "record (https://host/path/)",
    .open = transport_https_open,
    .close = transport_https_close,
    .begin_pass = NULL,
    .put = transport_https_put,
    .verify_receipt = transport_https_verify_receipt,
    .retry_after = transport_https_retry_after,
    .describe = transport_https_describe,
};
