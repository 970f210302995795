/* The S3 transport (s3://bucket/prefix): each envelope becomes the object
 * <prefix>/<id>.bkrec in the bucket, sent through libcurl with AWS
 * Signature Version 4 (CURLOPT_AWS_SIGV4) to a path-style endpoint
 * (<endpoint>/<bucket>/<key>): AWS, or a Ceph RADOS Gateway, MinIO or any
 * S3-compatible store. docs/delivery-s3.md explains the choices:
 *
 * - Integrity: every body goes with its SHA-256 in x-amz-content-sha256,
 *   which the signature covers, and in x-amz-checksum-sha256, and with its
 *   MD5 in Content-MD5; S3 refuses a body that does not match (400) and
 *   stores nothing. The receipt is the server's ETag, the MD5 it computed
 *   over what it stored, compared on a HEAD of the object with the MD5 of
 *   the bytes whose SHA-256 is the queue's.
 * - Never overwrite, never duplicate: a HEAD comes before each PUT (an
 *   object already there with the same size and ETag is the earlier
 *   delivery whose answer was lost; with other bytes it is refused, never
 *   replaced), and the PUT is conditional (If-None-Match: *).
 * - Records over the multipart threshold go up in parts (Create, UploadPart
 *   with each part's MD5, Complete), and an upload that fails is aborted.
 *
 * Credentials come from a file in the AWS format ([default] with
 * aws_access_key_id and aws_secret_access_key) that only the kiosk's user
 * may read; open() refuses any other. */
#include "transport-classes.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S3_DEFAULT_REGION "us-east-1"
/* S3 takes parts of 5 MiB and more (the last may be smaller). */
#define S3_PART_MIN                    ((guint64)5 * 1024 * 1024)
#define S3_DEFAULT_MULTIPART_THRESHOLD ((guint64)64 * 1024 * 1024)
#define S3_PARTS_MAX                   10000
#define S3_DEFAULT_CONNECT_TIMEOUT_S   10
#define S3_DEFAULT_TRANSFER_TIMEOUT_S  600
#define S3_DEFAULT_LOW_SPEED_TIME_S    30
#define S3_DEFAULT_LOW_SPEED_BYTES_S   1024
/* A credentials file is a few lines. */
#define S3_CREDENTIALS_MAX 4096
/* What is kept of an answer's body (errors and small XML documents). */
#define S3_BODY_MAX (64 * 1024)
#define S3_EMPTY_SHA256                                                        \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct {
  char *url;      /* s3://bucket/prefix, for describe() */
  char *bucket;   /* the URL's host */
  char *prefix;   /* "" or "a/b": no slash at either end */
  char *base;     /* <endpoint>/<bucket> */
  char *sigv4;    /* "aws:amz:<region>:s3" */
  char *userpwd;  /* "<key id>:<secret>", wiped by close() */
  char *ca;       /* PEM file, or NULL for the system's store */
  char *describe; /* url and endpoint */
  guint64 threshold;
  guint64 part_size;
  long connect_timeout_s, transfer_timeout_s;
  long low_speed_time_s, low_speed_bytes_s;
  CURL *curl; /* reused, so that its connection is */
  /* What the last put() sent, for verify_receipt(). */
  char *put_id;
  char put_sha256[65];
  char put_md5[33];
  char *put_etag_parts; /* "<md5 of the parts' MD5s>-<n>", or NULL */
  gsize put_size;
  gint64 retry_after; /* seconds, from the last failed answer */
  /* The store answered If-None-Match with 501: HEAD before PUT only. */
  gboolean no_conditional;
} TransportS3;

/* One answer. */
typedef struct {
  CURLcode rc;
  long status;
  GString *body;
  char *etag; /* without quotes */
  char *checksum_sha256;
  char *meta_sha256;
  gint64 length; /* Content-Length, -1 when absent */
  gint64 retry_after;
  char curl_error[CURL_ERROR_SIZE];
} S3Answer;

static void s3_answer_clear(S3Answer *answer)
{
  if (answer->body)
    g_string_free(answer->body, TRUE);
  g_free(answer->etag);
  g_free(answer->checksum_sha256);
  g_free(answer->meta_sha256);
  memset(answer, 0, sizeof *answer);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(S3Answer, s3_answer_clear)

G_GNUC_PRINTF(3, 4)
static gboolean s3_fail(GError **error, TransportError code, const char *format,
                        ...)
{
  va_list args;

  va_start(args, format);
  g_propagate_error(error,
                    g_error_new_valist(TRANSPORT_ERROR, code, format, args));
  va_end(args);
  return FALSE;
}

/* The digest of `len` bytes at `data`, in lower-case hex, into `hex`
 * (2 * its size + 1). OpenSSL's SHA-256 and MD5 use the CPU's own
 * instructions where it has them: a 10 MB record in a few milliseconds,
 * against some 70 with GLib's. */
static void s3_digest_hex(const EVP_MD *type, const void *data, gsize len,
                          char *hex, gsize hex_size)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;

  if (EVP_Digest(data, len, digest, &n, type, NULL) != 1)
    n = 0; /* an empty digest matches nothing */
  sodium_bin2hex(hex, hex_size, digest, n);
}

static void transport_s3_close(gpointer priv)
{
  TransportS3 *self = priv;

  if (!self)
    return;
  if (self->curl)
    curl_easy_cleanup(self->curl);
  if (self->userpwd) {
    sodium_memzero(self->userpwd, strlen(self->userpwd));
    g_free(self->userpwd);
  }
  g_free(self->url);
  g_free(self->bucket);
  g_free(self->prefix);
  g_free(self->base);
  g_free(self->sigv4);
  g_free(self->ca);
  g_free(self->describe);
  g_free(self->put_id);
  g_free(self->put_etag_parts);
  g_free(self);
}

/* S3's rules for a bucket name that works in a path: 3 to 63 lower-case
 * letters, digits, dots and hyphens, a letter or digit at both ends. */
static gboolean s3_bucket_is_valid(const char *name)
{
  gsize len = name ? strlen(name) : 0;

  return len >= 3 && len <= 63 &&
         strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") == len &&
         g_ascii_isalnum(name[0]) && g_ascii_isalnum(name[len - 1]);
}

/* A prefix of plain segments ("a/b-c/d_e.f"), which need no escaping in
 * a URL or in the signature; "" is none. */
static gboolean s3_prefix_is_valid(const char *prefix)
{
  g_auto(GStrv) segments = NULL;

  if (!*prefix)
    return TRUE;
  if (strlen(prefix) > 512 ||
      strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-/") != strlen(prefix))
    return FALSE;
  segments = g_strsplit(prefix, "/", -1);
  for (gsize i = 0; segments[i]; i++)
    if (!*segments[i] || strcmp(segments[i], ".") == 0 ||
        strcmp(segments[i], "..") == 0)
      return FALSE;
  return TRUE;
}

/* Bucket and prefix from "s3://bucket/prefix" (prefix optional), split
 * as written: g_uri_parse() would drop "..". */
static gboolean s3_parse_url(TransportS3 *self, const char *url, GError **error)
{
  g_autofree char *userinfo = NULL, *host = NULL, *path = NULL;
  g_autofree char *query = NULL, *fragment = NULL;
  const char *prefix;
  int port = -1;

  if (!g_uri_split(url, G_URI_FLAGS_NONE, NULL, &userinfo, &host, &port, &path,
                   &query, &fragment, NULL) ||
      userinfo || port != -1 || query || fragment || !s3_bucket_is_valid(host))
    return s3_fail(error, TRANSPORT_ERROR_INVALID_URL,
                   "upload target '%s': expected s3://bucket/prefix (a bucket "
                   "name of 3 to 63 lower-case letters, digits, dots and "
                   "hyphens; no user, port, query or fragment)",
                   url);
  for (prefix = path; *prefix == '/'; prefix++)
    ;
  self->bucket = g_steal_pointer(&host);
  self->prefix = g_strdup(prefix);
  while (g_str_has_suffix(self->prefix, "/"))
    self->prefix[strlen(self->prefix) - 1] = '\0';
  if (!s3_prefix_is_valid(self->prefix))
    return s3_fail(error, TRANSPORT_ERROR_INVALID_URL,
                   "upload target '%s': the prefix may hold letters, digits, "
                   "'.', '_', '-' and '/' between non-empty segments",
                   url);
  self->url = *self->prefix
                  ? g_strdup_printf("s3://%s/%s", self->bucket, self->prefix)
                  : g_strdup_printf("s3://%s", self->bucket);
  return TRUE;
}

/* TRUE for a host name that is this machine. */
static gboolean s3_host_is_loopback(const char *host)
{
  return g_strcmp0(host, "127.0.0.1") == 0 || g_strcmp0(host, "::1") == 0 ||
         g_strcmp0(host, "[::1]") == 0 ||
         g_ascii_strcasecmp(host, "localhost") == 0;
}

/* The endpoint (scheme://host[:port], no path), the region and the CA. */
static gboolean s3_parse_endpoint(TransportS3 *self,
                                  const TransportOptions *options,
                                  GError **error)
{
  const char *region =
      options->region && *options->region ? options->region : S3_DEFAULT_REGION;
  g_autofree char *endpoint = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (strlen(region) > 64 ||
      strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] region: expected lower-case letters, digits and "
                   "'-' (such as eu-west-1)");
  endpoint = options->endpoint && *options->endpoint
                 ? g_strdup(options->endpoint)
                 : g_strdup_printf("https://s3.%s.amazonaws.com", region);
  while (g_str_has_suffix(endpoint, "/"))
    endpoint[strlen(endpoint) - 1] = '\0';
  uri = g_uri_parse(endpoint, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme(uri) : NULL;
  if (!uri || !g_uri_get_host(uri) || !*g_uri_get_host(uri) ||
      g_uri_get_userinfo(uri) || *g_uri_get_path(uri) || g_uri_get_query(uri) ||
      g_uri_get_fragment(uri) ||
      (g_strcmp0(scheme, "https") != 0 && g_strcmp0(scheme, "http") != 0))
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] endpoint: expected https://host[:port]");
  if (g_strcmp0(scheme, "http") == 0 &&
      !s3_host_is_loopback(g_uri_get_host(uri)))
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] endpoint: plain http is only for this machine "
                   "(127.0.0.1); use https");
  if (options->ca && *options->ca) {
    if (!transport_option_check_file("ca", options->ca, error))
      return FALSE;
    self->ca = g_strdup(options->ca);
  }
  self->base = g_strdup_printf("%s/%s", endpoint, self->bucket);
  self->sigv4 = g_strdup_printf("aws:amz:%s:s3", region);
  self->describe = g_strdup_printf("%s at %s", self->url, endpoint);
  return TRUE;
}

/* The file's descriptor when it is a regular file of the kiosk's user
 * that nobody else may read or write; else -1 with the error. */
static int s3_open_credentials(const char *path, GError **error)
{
  struct stat st;
  int fd;

  if (!transport_option_check_file("credentials", path, error))
    return -1;
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0) {
    s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
            "[upload] credentials: %s: %s", path, g_strerror(errno));
  } else if (st.st_uid != geteuid()) {
    s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
            "[upload] credentials: %s: owned by uid %u, not by the kiosk's "
            "user (uid %u)",
            path, (unsigned)st.st_uid, (unsigned)geteuid());
  } else if (st.st_mode & 077) {
    s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
            "[upload] credentials: %s: group or others may read it (mode "
            "%04o); allow only its owner (chmod 600)",
            path, (unsigned)(st.st_mode & 07777));
  } else {
    return fd;
  }
  if (fd >= 0)
    close(fd);
  return -1;
}

/* The value of `name` on `line` ("name = value"), or NULL. */
static const char *s3_credentials_value(char *line, const char *name)
{
  gsize len = strlen(name);
  char *value;

  if (strncmp(line, name, len) != 0)
    return NULL;
  value = g_strchug(line + len);
  if (*value != '=')
    return NULL;
  return g_strchug(value + 1);
}

/* "<id>:<secret>" from the [default] profile of `text`, or NULL. */
static char *s3_parse_credentials(char *text)
{
  const char *id = NULL, *secret = NULL;
  gboolean in_default = TRUE; /* keys before any section count */
  char *line, *next;

  for (line = text; line; line = next) {
    const char *value;

    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    g_strstrip(line);
    if (*line == '[')
      in_default = strcmp(line, "[default]") == 0;
    else if (in_default &&
             (value = s3_credentials_value(line, "aws_access_key_id")))
      id = value;
    else if (in_default &&
             (value = s3_credentials_value(line, "aws_secret_access_key")))
      secret = value;
  }
  if (!id || !secret || !*id || !*secret || strchr(id, ':') ||
      strpbrk(secret, " \t\r"))
    return NULL;
  return g_strconcat(id, ":", secret, NULL);
}

/* Reads the credentials file named by [upload] credentials. */
static gboolean s3_load_credentials(TransportS3 *self, const char *path,
                                    GError **error)
{
  char text[S3_CREDENTIALS_MAX + 1];
  ssize_t n;
  int fd;

  if (!path || !*path)
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] credentials: an s3 target needs a credentials "
                   "file");
  fd = s3_open_credentials(path, error);
  if (fd < 0)
    return FALSE;
  n = read(fd, text, sizeof text);
  close(fd);
  if (n < 0 || n > S3_CREDENTIALS_MAX) {
    sodium_memzero(text, sizeof text);
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] credentials: %s: %s", path,
                   n < 0 ? g_strerror(errno) : "longer than 4096 bytes");
  }
  text[n] = '\0';
  self->userpwd = s3_parse_credentials(text);
  sodium_memzero(text, sizeof text);
  if (!self->userpwd)
    return s3_fail(error, TRANSPORT_ERROR_INVALID_OPTION,
                   "[upload] credentials: %s: expected a [default] section "
                   "with aws_access_key_id and aws_secret_access_key",
                   path);
  return TRUE;
}

static long s3_option_or(guint value, long fallback)
{
  return value ? (long)value : fallback;
}

static gpointer transport_s3_open(const char *url,
                                  const TransportOptions *options,
                                  GError **error)
{
  TransportS3 *self = g_new0(TransportS3, 1);

  if (!s3_parse_url(self, url, error) ||
      !s3_parse_endpoint(self, options, error) ||
      !s3_load_credentials(self, options->credentials, error)) {
    transport_s3_close(self);
    return NULL;
  }
  self->threshold = options->multipart_threshold
                        ? options->multipart_threshold
                        : S3_DEFAULT_MULTIPART_THRESHOLD;
  self->part_size = MAX(self->threshold, S3_PART_MIN);
  self->connect_timeout_s =
      s3_option_or(options->connect_timeout_s, S3_DEFAULT_CONNECT_TIMEOUT_S);
  self->transfer_timeout_s =
      s3_option_or(options->transfer_timeout_s, S3_DEFAULT_TRANSFER_TIMEOUT_S);
  self->low_speed_time_s =
      s3_option_or(options->low_speed_time_s, S3_DEFAULT_LOW_SPEED_TIME_S);
  self->low_speed_bytes_s =
      s3_option_or(options->low_speed_bytes_s, S3_DEFAULT_LOW_SPEED_BYTES_S);
  return self;
}

/* "name: value" when `header` is that header (case-insensitive); the
 * value trimmed, or NULL. */
static char *s3_header_value(const char *header, gsize len, const char *name)
{
  gsize name_len = strlen(name);

  if (len <= name_len || g_ascii_strncasecmp(header, name, name_len) != 0 ||
      header[name_len] != ':')
    return NULL;
  return g_strstrip(g_strndup(header + name_len + 1, len - name_len - 1));
}

static size_t s3_on_header(char *data, size_t size, size_t n, void *user)
{
  S3Answer *answer = user;
  gsize len = size * n;
  char *value;

  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
    /* A new answer (after 100 Continue): forget the last one's headers. */
    g_clear_pointer(&answer->etag, g_free);
    g_clear_pointer(&answer->checksum_sha256, g_free);
    g_clear_pointer(&answer->meta_sha256, g_free);
    answer->length = -1;
  } else if ((value = s3_header_value(data, len, "ETag"))) {
    g_free(answer->etag);
    answer->etag = g_ascii_strdown(g_strdelimit(value, "\"", ' '), -1);
    g_strstrip(answer->etag);
    g_free(value);
  } else if ((value = s3_header_value(data, len, "x-amz-checksum-sha256"))) {
    g_free(answer->checksum_sha256);
    answer->checksum_sha256 = value;
  } else if ((value = s3_header_value(data, len, "x-amz-meta-sha256"))) {
    g_free(answer->meta_sha256);
    answer->meta_sha256 = value;
  } else if ((value = s3_header_value(data, len, "Content-Length"))) {
    answer->length = g_ascii_strtoll(value, NULL, 10);
    g_free(value);
  }
  return len;
}

static size_t s3_on_body(char *data, size_t size, size_t n, void *user)
{
  S3Answer *answer = user;
  gsize len = size * n;

  if (answer->body->len < S3_BODY_MAX)
    g_string_append_len(answer->body, data,
                        MIN(len, S3_BODY_MAX - answer->body->len));
  return len;
}

/* The handle, reset, with what every request shares. */
static CURL *s3_handle(TransportS3 *self, S3Answer *answer)
{
  if (!self->curl)
    self->curl = curl_easy_init();
  if (!self->curl)
    return NULL;
  curl_easy_reset(self->curl);
  curl_easy_setopt(self->curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(self->curl, CURLOPT_AWS_SIGV4, self->sigv4);
  curl_easy_setopt(self->curl, CURLOPT_USERPWD, self->userpwd);
  if (self->ca) {
    curl_easy_setopt(self->curl, CURLOPT_CAINFO, self->ca);
    curl_easy_setopt(self->curl, CURLOPT_CAPATH, NULL);
  }
  curl_easy_setopt(self->curl, CURLOPT_CONNECTTIMEOUT, self->connect_timeout_s);
  curl_easy_setopt(self->curl, CURLOPT_TIMEOUT, self->transfer_timeout_s);
  curl_easy_setopt(self->curl, CURLOPT_LOW_SPEED_TIME, self->low_speed_time_s);
  curl_easy_setopt(self->curl, CURLOPT_LOW_SPEED_LIMIT,
                   self->low_speed_bytes_s);
  curl_easy_setopt(self->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(self->curl, CURLOPT_ERRORBUFFER, answer->curl_error);
  curl_easy_setopt(self->curl, CURLOPT_HEADERFUNCTION, s3_on_header);
  curl_easy_setopt(self->curl, CURLOPT_HEADERDATA, answer);
  curl_easy_setopt(self->curl, CURLOPT_WRITEFUNCTION, s3_on_body);
  curl_easy_setopt(self->curl, CURLOPT_WRITEDATA, answer);
  return self->curl;
}

/* One signed request: `method` on `key` (NULL: the bucket) with `query`
 * (sorted, each "name=value", or NULL), `body` (NULL: none) whose hex
 * SHA-256 is `body_sha256` (NULL: computed here) and the extra `headers`
 * (NULL-terminated, or NULL). FALSE only when no request could
 * be made; the answer says how it went. */
static gboolean s3_request(TransportS3 *self, const char *method,
                           const char *key, const char *query, GBytes *body,
                           const char *body_sha256, const char *const *headers,
                           S3Answer *answer)
{
  g_autofree char *url =
      g_strdup_printf("%s%s%s%s%s", self->base, key ? "/" : "", key ? key : "",
                      query ? "?" : "", query ? query : "");
  g_autofree char *hash = NULL;
  g_autofree char *hash_header = NULL;
  struct curl_slist *list = NULL;
  gsize len = 0;
  const void *data = body ? g_bytes_get_data(body, &len) : NULL;
  curl_off_t retry_after = 0;
  CURL *curl;

  s3_answer_clear(answer);
  answer->body = g_string_new(NULL);
  answer->length = -1;
  curl = s3_handle(self, answer);
  if (!curl)
    return FALSE;
  /* Signed with the request: S3 refuses a body with another hash. */
  if (body_sha256 || !body) {
    hash = g_strdup(body_sha256 ? body_sha256 : S3_EMPTY_SHA256);
  } else {
    hash = g_malloc(2 * 32 + 1);
    s3_digest_hex(EVP_sha256(), data, len, hash, 2 * 32 + 1);
  }
  hash_header = g_strconcat("x-amz-content-sha256: ", hash, NULL);
  list = curl_slist_append(list, hash_header);
  for (gsize i = 0; headers && headers[i]; i++)
    list = curl_slist_append(list, headers[i]);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (strcmp(method, "HEAD") == 0) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body || strcmp(method, "POST") == 0) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data ? data : "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
  }
  answer->rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
  /* Retry-After, in seconds or as a date. */
  curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after);
  answer->retry_after = retry_after;
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(list);
  return TRUE;
}

/* The text of <tag> in an XML answer, or NULL (S3's documents are flat
 * enough for this: Code, Message, UploadId, ETag). At most 200 bytes,
 * and only printable ASCII: it goes into one-line messages. */
static char *s3_xml_text(const char *xml, const char *tag)
{
  g_autofree char *open = g_strdup_printf("<%s>", tag);
  g_autofree char *close = g_strdup_printf("</%s>", tag);
  const char *start = xml ? strstr(xml, open) : NULL;
  const char *end;
  char *text;

  if (!start)
    return NULL;
  start += strlen(open);
  end = strstr(start, close);
  if (!end || end - start > 200)
    return NULL;
  text = g_strndup(start, end - start);
  for (char *p = text; *p; p++)
    if (*p < 0x20 || *p > 0x7e)
      *p = '?';
  return text;
}

/* The S3 error code of an answer ("SignatureDoesNotMatch"), or "". */
static char *s3_error_code(const S3Answer *answer)
{
  char *code = s3_xml_text(answer->body->str, "Code");

  return code ? code : g_strdup("");
}

/* Whether S3 means "this will not work however often it is sent" (the
 * credentials, the request or the record): the rest passes. */
static gboolean s3_status_is_permanent(long status, const char *code)
{
  /* A slow client, a skewed clock or a body damaged on the way. */
  if (g_strcmp0(code, "RequestTimeout") == 0 ||
      g_strcmp0(code, "RequestTimeTooSkewed") == 0 ||
      g_strcmp0(code, "BadDigest") == 0 ||
      g_strcmp0(code, "XAmzContentSHA256Mismatch") == 0 ||
      g_strcmp0(code, "IncompleteBody") == 0)
    return FALSE;
  /* 404 is a missing bucket, 409 a conflict, 412 a condition and 429 a
   * limit: a configuration or a moment the operator can change. */
  return status >= 400 && status < 500 && status != 404 && status != 408 &&
         status != 409 && status != 412 && status != 429;
}

/* FALSE with the error of a failed answer: TEMPORARY or REFUSED, naming
 * the request, the object and what S3 said (never the signature). */
static gboolean s3_answer_fail(TransportS3 *self, const char *what,
                               const char *key, const S3Answer *answer,
                               GError **error)
{
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  if (answer->rc != CURLE_OK)
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "%s s3://%s/%s: %s", what,
                   self->bucket, key,
                   *answer->curl_error ? answer->curl_error
                                       : curl_easy_strerror(answer->rc));
  self->retry_after = answer->retry_after;
  code = s3_error_code(answer);
  message = s3_xml_text(answer->body->str, "Message");
  return s3_fail(error,
                 s3_status_is_permanent(answer->status, code)
                     ? TRANSPORT_ERROR_REFUSED
                     : TRANSPORT_ERROR_TEMPORARY,
                 "%s s3://%s/%s: HTTP %ld%s%s%s%s", what, self->bucket, key,
                 answer->status, *code ? " " : "", code, message ? ": " : "",
                 message ? message : "");
}

static gboolean s3_answer_ok(const S3Answer *answer)
{
  return answer->rc == CURLE_OK && answer->status >= 200 &&
         answer->status < 300;
}

/* <prefix>/<name>, e.g. <prefix>/<id>.bkrec */
static char *s3_key(TransportS3 *self, const char *name)
{
  return g_strdup_printf("%s%s%s", self->prefix, *self->prefix ? "/" : "",
                         name);
}

/* S3's ETag for `len` bytes at `data` sent in parts of `part_size`: "<MD5
 * of the parts' MD5s>-<parts>". */
static char *s3_parts_etag(const guint8 *data, gsize len, gsize part_size)
{
  g_autoptr(GByteArray) digests = g_byte_array_new();
  char hex[2 * 16 + 1];
  guint n = 0;

  for (gsize off = 0; off < len; off += part_size, n++) {
    guint8 digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    EVP_Digest(data + off, MIN(part_size, len - off), digest, &digest_len,
               EVP_md5(), NULL);
    g_byte_array_append(digests, digest, digest_len);
  }
  s3_digest_hex(EVP_md5(), digests->data, digests->len, hex, sizeof hex);
  return g_strdup_printf("%s-%u", hex, n);
}

/* What put() is about to send: its size, SHA-256, MD5 and, when it goes
 * in parts, the ETag S3 gives such an object. */
static void s3_remember_put(TransportS3 *self, const char *name,
                            GBytes *envelope)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(envelope, &len);

  s3_digest_hex(EVP_sha256(), data, len, self->put_sha256,
                sizeof self->put_sha256);
  s3_digest_hex(EVP_md5(), data, len, self->put_md5, sizeof self->put_md5);
  g_free(self->put_id);
  self->put_id = g_strdup(name);
  self->put_size = len;
  g_clear_pointer(&self->put_etag_parts, g_free);
  if (len > self->threshold)
    self->put_etag_parts = s3_parts_etag(data, len, self->part_size);
}

/* A hex digest (MD5, SHA-256) in base64, as Content-MD5 and
 * x-amz-checksum-sha256 have it. */
static char *s3_hex_to_base64(const char *hex)
{
  guint8 digest[32];
  gsize len = MIN(strlen(hex) / 2, sizeof digest);

  for (gsize i = 0; i < len; i++)
    digest[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
                         g_ascii_xdigit_value(hex[2 * i + 1]));
  return g_base64_encode(digest, len);
}

/* NULL when a HEAD's answer shows the object put() remembers, else what
 * differs. The proof is a digest the server computed over what it stored:
 * its SHA-256 checksum when it names one (S3 checked it against the body
 * on upload), else the ETag, the MD5 of the object (or the parts' form),
 * which under SSE-KMS is not an MD5 (docs/delivery-s3.md). Our metadata,
 * when present, must agree too. */
static char *s3_head_differs(TransportS3 *self, const S3Answer *answer)
{
  g_autofree char *checksum = s3_hex_to_base64(self->put_sha256);
  /* A multipart object's checksum is of its parts' checksums ("...-n"). */
  gboolean has_checksum =
      answer->checksum_sha256 && !strchr(answer->checksum_sha256, '-');

  if (answer->length != (gint64)self->put_size)
    return g_strdup_printf("%" G_GINT64_FORMAT
                           " bytes, expected %" G_GSIZE_FORMAT,
                           answer->length, self->put_size);
  if (has_checksum && strcmp(answer->checksum_sha256, checksum) != 0)
    return g_strdup_printf("checksum %s, expected %s", answer->checksum_sha256,
                           checksum);
  if (!has_checksum &&
      (!answer->etag || (g_strcmp0(answer->etag, self->put_md5) != 0 &&
                         g_strcmp0(answer->etag, self->put_etag_parts) != 0)))
    return g_strdup_printf("ETag %s, expected %s%s%s",
                           answer->etag ? answer->etag : "(none)",
                           self->put_md5, self->put_etag_parts ? " or " : "",
                           self->put_etag_parts ? self->put_etag_parts : "");
  if (answer->meta_sha256 &&
      g_ascii_strcasecmp(answer->meta_sha256, self->put_sha256) != 0)
    return g_strdup_printf("SHA-256 %s, expected %s", answer->meta_sha256,
                           self->put_sha256);
  return NULL;
}

typedef enum {
  S3_HEAD_ABSENT,
  S3_HEAD_SAME,
  S3_HEAD_FAILED,
} S3Head;

/* A HEAD of `key`: absent, holding the bytes put() remembers, or failed
 * (an error; REFUSED when it holds other bytes, which are never
 * replaced). */
static S3Head s3_head(TransportS3 *self, const char *what, const char *key,
                      GError **error)
{
  static const char *const headers[] = {"x-amz-checksum-mode: ENABLED", NULL};
  g_auto(S3Answer) answer = {0};
  g_autofree char *differs = NULL;

  if (!s3_request(self, "HEAD", key, NULL, NULL, NULL, headers, &answer)) {
    s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "libcurl could not start");
    return S3_HEAD_FAILED;
  }
  if (answer.rc == CURLE_OK && answer.status == 404)
    return S3_HEAD_ABSENT;
  if (!s3_answer_ok(&answer)) {
    s3_answer_fail(self, what, key, &answer, error);
    return S3_HEAD_FAILED;
  }
  differs = s3_head_differs(self, &answer);
  if (!differs)
    return S3_HEAD_SAME;
  s3_fail(error, TRANSPORT_ERROR_REFUSED,
          "%s s3://%s/%s: the object there holds other bytes (%s); it is "
          "never replaced",
          what, self->bucket, key, differs);
  return S3_HEAD_FAILED;
}

/* After 412 to a conditional create: TRUE when what is there now is
 * what put() sends (another attempt's), else the error. */
static gboolean s3_head_after_conflict(TransportS3 *self, const char *what,
                                       const char *key, GError **error)
{
  switch (s3_head(self, what, key, error)) {
  case S3_HEAD_SAME:
    return TRUE;
  case S3_HEAD_ABSENT:
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY,
                   "%s s3://%s/%s: HTTP 412 to a create, yet nothing is there",
                   what, self->bucket, key);
  case S3_HEAD_FAILED:
    break;
  }
  return FALSE;
}

/* A store that does not know conditional writes and says so (501
 * NotImplemented, as older S3-compatible ones do for If-None-Match). */
static gboolean s3_refuses_condition(const S3Answer *answer)
{
  g_autofree char *code = NULL;

  if (answer->rc != CURLE_OK || answer->status != 501)
    return FALSE;
  code = s3_error_code(answer);
  return g_strcmp0(code, "NotImplemented") == 0;
}

/* One PUT of the whole envelope, created only where nothing is: with
 * If-None-Match: * where the store takes it; where it does not, the HEAD
 * that put() made just before is what keeps an object from being
 * replaced. */
static gboolean s3_put_single(TransportS3 *self, const char *key,
                              GBytes *envelope, GError **error)
{
  g_autofree char *md5_64 = s3_hex_to_base64(self->put_md5);
  g_autofree char *md5 = g_strconcat("Content-MD5: ", md5_64, NULL);
  g_autofree char *checksum64 = s3_hex_to_base64(self->put_sha256);
  g_autofree char *checksum =
      g_strconcat("x-amz-checksum-sha256: ", checksum64, NULL);
  g_autofree char *meta =
      g_strconcat("x-amz-meta-sha256: ", self->put_sha256, NULL);
  const char *headers[] = {md5,
                           checksum,
                           meta,
                           "Content-Type: application/octet-stream",
                           self->no_conditional ? NULL : "If-None-Match: *",
                           NULL};
  g_auto(S3Answer) answer = {0};

  if (!s3_request(self, "PUT", key, NULL, envelope, self->put_sha256,
                  (const char *const *)headers, &answer))
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "libcurl could not start");
  if (!self->no_conditional && s3_refuses_condition(&answer)) {
    g_debug("s3://%s: no conditional writes; HEAD before PUT only",
            self->bucket);
    self->no_conditional = TRUE;
    return s3_put_single(self, key, envelope, error);
  }
  /* Created meanwhile (a put whose answer was lost): is it ours? */
  if (answer.rc == CURLE_OK && answer.status == 412)
    return s3_head_after_conflict(self, "PUT", key, error);
  if (!s3_answer_ok(&answer))
    return s3_answer_fail(self, "PUT", key, &answer, error);
  return TRUE;
}

/* Abandons a multipart upload, so that its parts are not kept (and
 * billed). Best effort: a bucket's lifecycle rule catches the rest. */
static void s3_abort_multipart(TransportS3 *self, const char *key,
                               const char *upload_id)
{
  g_autofree char *query = g_strdup_printf("uploadId=%s", upload_id);
  g_auto(S3Answer) answer = {0};

  if (s3_request(self, "DELETE", key, query, NULL, NULL, NULL, &answer) &&
      !s3_answer_ok(&answer))
    g_debug("abort of upload %s of s3://%s/%s: HTTP %ld", upload_id,
            self->bucket, key, answer.status);
}

/* CreateMultipartUpload: the upload's id, or NULL. */
static char *s3_create_multipart(TransportS3 *self, const char *key,
                                 GError **error)
{
  g_autofree char *meta =
      g_strconcat("x-amz-meta-sha256: ", self->put_sha256, NULL);
  const char *const headers[] = {meta, "Content-Type: application/octet-stream",
                                 NULL};
  g_auto(S3Answer) answer = {0};
  char *upload_id;

  if (!s3_request(self, "POST", key, "uploads=", NULL, NULL, headers,
                  &answer)) {
    s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "libcurl could not start");
    return NULL;
  }
  if (!s3_answer_ok(&answer)) {
    s3_answer_fail(self, "CreateMultipartUpload", key, &answer, error);
    return NULL;
  }
  upload_id = s3_xml_text(answer.body->str, "UploadId");
  /* It goes into a query: only characters that need no escaping. */
  if (!upload_id || !*upload_id ||
      strspn(upload_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789._-~") != strlen(upload_id)) {
    s3_fail(error, TRANSPORT_ERROR_TEMPORARY,
            "CreateMultipartUpload s3://%s/%s: no usable UploadId",
            self->bucket, key);
    g_free(upload_id);
    return NULL;
  }
  return upload_id;
}

/* UploadPart `number` (from 1); appends its ETag to `complete`. */
static gboolean s3_put_part(TransportS3 *self, const char *key,
                            const char *upload_id, guint number, GBytes *part,
                            GString *complete, GError **error)
{
  g_autofree char *query =
      g_strdup_printf("partNumber=%u&uploadId=%s", number, upload_id);
  g_autofree char *md5_64 = NULL;
  g_autofree char *md5 = NULL;
  const char *headers[] = {NULL, NULL};
  g_auto(S3Answer) answer = {0};
  char md5_hex[2 * 16 + 1];
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(part, &len);

  s3_digest_hex(EVP_md5(), data, len, md5_hex, sizeof md5_hex);
  md5_64 = s3_hex_to_base64(md5_hex);
  md5 = g_strconcat("Content-MD5: ", md5_64, NULL);
  headers[0] = md5;

  if (!s3_request(self, "PUT", key, query, part, NULL,
                  (const char *const *)headers, &answer))
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "libcurl could not start");
  if (!s3_answer_ok(&answer))
    return s3_answer_fail(self, "UploadPart", key, &answer, error);
  if (g_strcmp0(answer.etag, md5_hex) != 0)
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY,
                   "UploadPart %u of s3://%s/%s: ETag %s, expected %s", number,
                   self->bucket, key, answer.etag ? answer.etag : "(none)",
                   md5_hex);
  g_string_append_printf(complete,
                         "<Part><PartNumber>%u</PartNumber>"
                         "<ETag>\"%s\"</ETag></Part>",
                         number, md5_hex);
  return TRUE;
}

/* CompleteMultipartUpload. S3 may answer 200 and still fail (an <Error>
 * document in the body). */
static gboolean s3_complete_multipart(TransportS3 *self, const char *key,
                                      const char *upload_id, GString *parts,
                                      GError **error)
{
  g_autofree char *query = g_strdup_printf("uploadId=%s", upload_id);
  g_autofree char *xml = g_strdup_printf(
      "<CompleteMultipartUpload>%s</CompleteMultipartUpload>", parts->str);
  g_autoptr(GBytes) body = g_bytes_new_take(xml, strlen(xml));
  const char *headers[] = {"Content-Type: application/xml",
                           self->no_conditional ? NULL : "If-None-Match: *",
                           NULL};
  g_auto(S3Answer) answer = {0};

  xml = NULL; /* owned by body */
  if (!s3_request(self, "POST", key, query, body, NULL,
                  (const char *const *)headers, &answer))
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY, "libcurl could not start");
  if (!self->no_conditional && s3_refuses_condition(&answer)) {
    self->no_conditional = TRUE;
    return s3_complete_multipart(self, key, upload_id, parts, error);
  }
  if (answer.rc == CURLE_OK && answer.status == 412)
    return s3_head_after_conflict(self, "CompleteMultipartUpload", key, error);
  if (!s3_answer_ok(&answer) || strstr(answer.body->str, "<Error>")) {
    if (s3_answer_ok(&answer))
      answer.status = 500;
    return s3_answer_fail(self, "CompleteMultipartUpload", key, &answer, error);
  }
  return TRUE;
}

/* The envelope in parts of part_size; the upload is aborted on failure. */
static gboolean s3_put_multipart(TransportS3 *self, const char *key,
                                 GBytes *envelope, GError **error)
{
  g_autofree char *upload_id = s3_create_multipart(self, key, error);
  g_autoptr(GString) parts = g_string_new(NULL);
  gsize len = g_bytes_get_size(envelope);
  gboolean ok = upload_id != NULL;
  guint number = 1;

  if (ok && (len + self->part_size - 1) / self->part_size > S3_PARTS_MAX)
    ok = s3_fail(error, TRANSPORT_ERROR_REFUSED,
                 "s3://%s/%s: more than %d parts; raise [upload] "
                 "multipart_threshold_mb",
                 self->bucket, key, S3_PARTS_MAX);
  for (gsize off = 0; ok && off < len; off += self->part_size, number++) {
    g_autoptr(GBytes) part =
        g_bytes_new_from_bytes(envelope, off, MIN(self->part_size, len - off));

    ok = s3_put_part(self, key, upload_id, number, part, parts, error);
  }
  ok = ok && s3_complete_multipart(self, key, upload_id, parts, error);
  if (!ok && upload_id)
    s3_abort_multipart(self, key, upload_id);
  return ok;
}

/* HEAD, then (when nothing is there) a conditional PUT or a multipart
 * upload. An object that is there with these bytes is the delivery of an
 * earlier pass whose answer was lost: nothing is sent again. */
static gboolean transport_s3_put(gpointer priv, const char *name,
                                 GBytes *envelope, GError **error)
{
  TransportS3 *self = priv;
  g_autofree char *key = s3_key(self, name);

  self->retry_after = 0;
  s3_remember_put(self, name, envelope);
  switch (s3_head(self, "HEAD", key, error)) {
  case S3_HEAD_SAME:
    g_debug("s3://%s/%s is there already", self->bucket, key);
    return TRUE;
  case S3_HEAD_FAILED:
    return FALSE;
  case S3_HEAD_ABSENT:
    break;
  }
  if (self->put_size > self->threshold)
    return s3_put_multipart(self, key, envelope, error);
  return s3_put_single(self, key, envelope, error);
}

/* A fresh HEAD: the object holds the bytes whose SHA-256 the queue keeps
 * (size and the ETag S3 computed, see s3_head_differs()). */
static gboolean transport_s3_verify_receipt(gpointer priv, const char *name,
                                            const char *sha256, GError **error)
{
  TransportS3 *self = priv;
  g_autofree char *key = s3_key(self, name);

  self->retry_after = 0;
  if (g_strcmp0(self->put_id, name) != 0)
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY,
                   "acknowledgement of s3://%s/%s: nothing was put",
                   self->bucket, key);
  if (g_ascii_strcasecmp(self->put_sha256, sha256) != 0)
    return s3_fail(error, TRANSPORT_ERROR_REFUSED,
                   "acknowledgement of s3://%s/%s: the bytes put have SHA-256 "
                   "%s, expected %s",
                   self->bucket, key, self->put_sha256, sha256);
  switch (s3_head(self, "acknowledgement of", key, error)) {
  case S3_HEAD_SAME:
    return TRUE;
  case S3_HEAD_ABSENT:
    return s3_fail(error, TRANSPORT_ERROR_TEMPORARY,
                   "acknowledgement of s3://%s/%s: not found", self->bucket,
                   key);
  case S3_HEAD_FAILED:
    break;
  }
  return FALSE;
}

static gint64 transport_s3_retry_after(gpointer priv)
{
  TransportS3 *self = priv;

  return self->retry_after;
}

static const char *transport_s3_describe(gpointer priv)
{
  TransportS3 *self = priv;

  return self->describe;
}

const TransportClass transport_s3_class = {
    .scheme = "s3",
    .description = "S3-compatible object storage (s3://bucket/prefix)",
    .open = transport_s3_open,
    .close = transport_s3_close,
    .put = transport_s3_put,
    .verify_receipt = transport_s3_verify_receipt,
    .retry_after = transport_s3_retry_after,
    .describe = transport_s3_describe,
};
