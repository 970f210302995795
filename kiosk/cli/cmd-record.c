/* `biokiosk record open --secret-key FILE RECORD`: the back office's side.
 * Reads a .bkrec envelope from the outbox, verifies the kiosk's signature
 * (and, with --kiosk-key, that it is the expected kiosk), unseals it with
 * the back office's secret key and lists the record: metadata and parts
 * with media type, size and SHA-256; --extract writes the parts out, after
 * validating each ISO/IEC 19794-4 finger record (headers, lengths, finger
 * position, and its JPEG 2000 image decoding to the record's raw pixels):
 * a record with a bad one is refused whole, nothing written. Runs on the
 * back office's machine, never on the kiosk. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "envelope.h"
#include "iso19794.h"
#include "keys.h"
#include "record-finger.h"
#include "record.h"

#define CMD "record"

/* A part name made into a plain file name ("photo/crop.jpeg" ->
 * "photo_crop.jpeg"), never hidden or leaving the folder. */
static char *record_cmd_file_name(const BkRecordPart *part,
                                  const BkRecord *record, gboolean *ret_pgm)
{
  GString *name = g_string_new(NULL);
  const char *ext = NULL;
  g_autofree char *key_w = g_strconcat(part->name, ".width", NULL);
  g_autofree char *key_h = g_strconcat(part->name, ".height", NULL);

  for (const char *p = part->name; *p; p++)
    g_string_append_c(name,
                      g_ascii_isalnum(*p) || *p == '-' || *p == '.' ? *p : '_');
  if (name->str[0] == '.')
    name->str[0] = '_';
  gint64 w = 0, h = 0;

  *ret_pgm = FALSE;
  /* Only when the stated size matches the bytes; otherwise raw. */
  if (strcmp(part->media_type, RECORD_MEDIA_GREY8) == 0 &&
      record_get_int(record, key_w, &w) && record_get_int(record, key_h, &h) &&
      w > 0 && h > 0 && w <= 65535 && h <= 65535 &&
      (gsize)(w * h) == g_bytes_get_size(part->data)) {
    ext = ".pgm"; /* viewable: a PGM header in front of the raw rows */
    *ret_pgm = TRUE;
  } else if (strcmp(part->media_type, RECORD_MEDIA_JPEG) == 0) {
    ext = ".jpg";
  } else if (strcmp(part->media_type, RECORD_MEDIA_PNG) == 0) {
    ext = ".png";
  }
  if (ext && !g_str_has_suffix(name->str, ext) &&
      !(strcmp(ext, ".jpg") == 0 && g_str_has_suffix(name->str, ".jpeg")))
    g_string_append(name, ext);
  return g_string_free(name, FALSE);
}

static gboolean record_cmd_extract(const BkRecord *record,
                                   const BkRecordPart *part, const char *dir,
                                   char **ret_path, GError **error)
{
  gboolean pgm = FALSE;
  g_autofree char *name = record_cmd_file_name(part, record, &pgm);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *key_w = g_strconcat(part->name, ".width", NULL);
  g_autofree char *key_h = g_strconcat(part->name, ".height", NULL);
  gsize len = 0;
  const char *data = g_bytes_get_data(part->data, &len);

  if (pgm) {
    gint64 w = 0, h = 0;
    g_autofree char *header = NULL;
    GString *out;
    gboolean ok;

    record_get_int(record, key_w, &w);
    record_get_int(record, key_h, &h);
    header = g_strdup_printf(
        "P5\n%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n255\n", w, h);
    out = g_string_new(header);
    g_string_append_len(out, data, (gssize)len);
    ok = g_file_set_contents_full(path, out->str, (gssize)out->len,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
    g_string_free(out, TRUE);
    if (!ok)
      return FALSE;
  } else if (!g_file_set_contents_full(path, data, (gssize)len,
                                       G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                       error)) {
    return FALSE;
  }
  *ret_path = g_steal_pointer(&path);
  return TRUE;
}

static char *record_cmd_time(gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local(unix_seconds);

  return time ? g_date_time_format(time, "%Y-%m-%dT%H:%M:%S%:z")
              : g_strdup("?");
}

/* The metadata as JSON (GVariant types as json-glib maps them). */
static void record_cmd_json_metadata(JsonBuilder *b, const BkRecord *record)
{
  g_autofree const char **keys = NULL;
  guint n = 0;

  keys = record_list_keys(record, &n);
  json_builder_begin_object(b);
  for (guint i = 0; i < n; i++) {
    json_builder_set_member_name(b, keys[i]);
    json_builder_add_value(
        b, json_gvariant_serialize(record_get_value(record, keys[i])));
  }
  json_builder_end_object(b);
}

/* What `record open` shows about an opened record. */
typedef struct {
  const char *path;
  const char *file_sha; /* of the .bkrec file as read */
  const KioskEnvelope *envelope;
  const char *created; /* the envelope's creation time, local */
  const char *signer;  /* the envelope's kiosk key, base64 */
  gboolean pinned;     /* --kiosk-key was given and matched */
  const BkRecord *record;
  GPtrArray *extracted; /* the written paths by part; NULL without --extract */
  GPtrArray *validated; /* by part: what a 19794-4 check found, or NULL */
} RecordOpened;

/* --kiosk-key: a file holding the key, or the base64 text itself. */
static gboolean record_cmd_read_pinned(const char *arg,
                                       guint8 ret_key[KEYS_PUBLIC_BYTES],
                                       GError **error)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents(arg, &text, NULL, NULL))
    text = g_strdup(arg);
  return keys_decode(text, ret_key, KEYS_PUBLIC_BYTES, error);
}

/* Returns EXIT_OK with the verified envelope in *ret_envelope, or the exit
 * status after saying why on stderr. */
static int record_cmd_parse_envelope(const char *path, GBytes *bytes,
                                     KioskEnvelope **ret_envelope)
{
  g_autoptr(GError) error = NULL;
  KioskEnvelope *envelope = envelope_parse(bytes, &error);

  if (!envelope) {
    /* A bad signature is a failed check; anything else is bad input. */
    if (g_error_matches(error, KEYS_ERROR, KEYS_ERROR_SIGNATURE)) {
      fprintf(stderr, "biokiosk %s: %s: %s\n", CMD, path, error->message);
      return EXIT_NEGATIVE;
    }
    return kiosk_usage_error(CMD, "%s: %s", path, error->message);
  }
  *ret_envelope = envelope;
  return EXIT_OK;
}

/* Opens the envelope with the secret key read from `secret_path`, wiping
 * the key as soon as it has been used. Returns EXIT_OK with the record in
 * *ret_record, or the exit status after saying why on stderr. */
static int record_cmd_unseal(const char *path, const char *secret_path,
                             const KioskEnvelope *envelope,
                             BkRecord **ret_record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = NULL;
  guint8 secret[KEYS_BOX_SECRET_BYTES];
  BkRecord *record;

  if (!keys_read_box_secret(secret_path, secret, &error))
    return kiosk_usage_error(CMD, "--secret-key: %s", error->message);
  plain = envelope_open(envelope, secret, &error);
  sodium_memzero(secret, sizeof secret);
  if (!plain)
    return kiosk_usage_error(CMD, "%s: %s", path, error->message);
  record = record_deserialize(plain, &error);
  if (!record)
    return kiosk_usage_error(CMD, "%s: %s", path, error->message);
  *ret_record = record;
  return EXIT_OK;
}

/* The sealed content names its envelope and signer: a valid signature over
 * a record lifted from another envelope does not pass. */
static int record_cmd_check_binding(const RecordOpened *o)
{
  const char *inner = record_get_string(o->record, "queue.id");

  if (inner && strcmp(inner, o->envelope->id) != 0) {
    fprintf(stderr,
            "biokiosk %s: %s: the record inside belongs to %s, not "
            "to envelope %s\n",
            CMD, o->path, inner, o->envelope->id);
    return EXIT_NEGATIVE;
  }
  inner = record_get_string(o->record, "queue.kiosk_key");
  if (inner && strcmp(inner, o->signer) != 0) {
    fprintf(stderr,
            "biokiosk %s: %s: the record inside names kiosk key %s, "
            "but the envelope is signed by %s\n",
            CMD, o->path, inner, o->signer);
    return EXIT_NEGATIVE;
  }
  return EXIT_OK;
}

/* The raw grey part `name` as an image, when its stated size fits. */
static BkImage *record_cmd_grey_image(const BkRecord *record, const char *name)
{
  const BkRecordPart *part = record_find_part(record, name);
  g_autofree char *key_w = g_strconcat(name, ".width", NULL);
  g_autofree char *key_h = g_strconcat(name, ".height", NULL);
  gint64 w = 0, h = 0;
  BkImage *img;

  if (!part || strcmp(part->media_type, RECORD_MEDIA_GREY8) != 0 ||
      !record_get_int(record, key_w, &w) ||
      !record_get_int(record, key_h, &h) || w <= 0 || h <= 0 || w > 65535 ||
      h > 65535 || (gsize)(w * h) != g_bytes_get_size(part->data))
    return NULL;
  img = image_new((int)w, (int)h, 1);
  for (gint64 y = 0; y < h; y++)
    memcpy(img->pixels + y * img->stride,
           (const guint8 *)g_bytes_get_data(part->data, NULL) + y * w,
           (gsize)w);
  return img;
}

/* A 19794-4 part, checked against its raw sibling "<name>" when the record
 * has it: what was found, or NULL with why. */
static char *record_cmd_check_iso(const BkRecord *record,
                                  const BkRecordPart *part, GError **error)
{
  g_autofree char *raw = NULL;
  g_autoptr(BkImage) expected = NULL;
  g_autoptr(BkImage) img = NULL;
  Iso19794Record r;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(part->data, &len);

  if (g_str_has_suffix(part->name, RECORD_FINGER_ISO_SUFFIX))
    raw = g_strndup(part->name,
                    strlen(part->name) - strlen(RECORD_FINGER_ISO_SUFFIX));
  expected = raw ? record_cmd_grey_image(record, raw) : NULL;
  img = iso19794_4_validate(data, len, expected, &r, error);
  if (!img)
    return NULL;
  return g_strdup_printf(
      "valid ISO/IEC 19794-4:2005: finger position %d, %dx%d at %d %s, "
      "quality %d, %s, %s%s",
      r.views[0].position, r.views[0].width, r.views[0].height, r.image_ppi_h,
      r.scale_units == 1 ? "ppi" : "ppcm", r.views[0].quality,
      r.compression == ISO19794_4_COMPRESSION_JP2 ? "JPEG 2000" : "raw",
      expected ? "the same pixels as " : "no raw image to compare",
      expected ? raw : "");
}

/* Validates every 19794-4 part before anything is written; `validated`
 * gets a line per part (NULL for other parts). */
static int record_cmd_validate_all(const char *path, const BkRecord *record,
                                   GPtrArray *validated)
{
  for (guint i = 0; i < record_n_parts(record); i++) {
    const BkRecordPart *part = record_part(record, i);
    g_autoptr(GError) error = NULL;
    char *found = NULL;

    if (strcmp(part->media_type, ISO19794_4_MEDIA_TYPE) == 0 &&
        !(found = record_cmd_check_iso(record, part, &error))) {
      g_printerr("biokiosk %s: %s: part %s is refused: %s\n", CMD, path,
                 part->name, error->message);
      return EXIT_NEGATIVE;
    }
    g_ptr_array_add(validated, found);
  }
  return EXIT_OK;
}

/* Writes every part into `dir`, adding each written path to `extracted`. */
static int record_cmd_extract_all(const BkRecord *record, const char *dir,
                                  GPtrArray *extracted)
{
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents(dir, 0700) != 0)
    return kiosk_usage_error(CMD, "cannot create %s: %s", dir,
                             g_strerror(errno));
  for (guint i = 0; i < record_n_parts(record); i++) {
    char *written = NULL;
    if (!record_cmd_extract(record, record_part(record, i), dir, &written,
                            &error))
      return kiosk_usage_error(CMD, "%s", error->message);
    g_ptr_array_add(extracted, written);
  }
  return EXIT_OK;
}

static void record_cmd_json_parts(JsonBuilder *b, const RecordOpened *o)
{
  json_builder_begin_array(b);
  for (guint i = 0; i < record_n_parts(o->record); i++) {
    const BkRecordPart *part = record_part(o->record, i);
    g_autofree char *sha =
        g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, part->data);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, part->name);
    json_builder_set_member_name(b, "media_type");
    json_builder_add_string_value(b, part->media_type);
    json_builder_set_member_name(b, "bytes");
    json_builder_add_int_value(b, (gint64)g_bytes_get_size(part->data));
    json_builder_set_member_name(b, "sha256");
    json_builder_add_string_value(b, sha);
    if (o->extracted) {
      json_builder_set_member_name(b, "extracted");
      json_builder_add_string_value(b, o->extracted->pdata[i]);
    }
    if (o->validated && o->validated->pdata[i]) {
      json_builder_set_member_name(b, "validated");
      json_builder_add_string_value(b, o->validated->pdata[i]);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void record_cmd_print_json(const RecordOpened *o)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "file");
  json_builder_add_string_value(b, o->path);
  json_builder_set_member_name(b, "sha256");
  json_builder_add_string_value(b, o->file_sha);
  json_builder_set_member_name(b, "id");
  json_builder_add_string_value(b, o->envelope->id);
  json_builder_set_member_name(b, "created");
  json_builder_add_string_value(b, o->created);
  json_builder_set_member_name(b, "kiosk_key");
  json_builder_add_string_value(b, o->signer);
  json_builder_set_member_name(b, "kiosk_key_pinned");
  json_builder_add_boolean_value(b, o->pinned);
  json_builder_set_member_name(b, "signature");
  json_builder_add_string_value(b, "valid");
  json_builder_set_member_name(b, "format_version");
  json_builder_add_int_value(b, RECORD_VERSION);
  json_builder_set_member_name(b, "metadata");
  record_cmd_json_metadata(b, o->record);
  json_builder_set_member_name(b, "parts");
  record_cmd_json_parts(b, o);
  json_builder_end_object(b);
  root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
}

/* Strings as they are, anything else in GVariant text form. */
static void record_cmd_print_metadata(const BkRecord *record)
{
  g_autofree const char **keys = NULL;
  guint n = 0;

  keys = record_list_keys(record, &n);
  for (guint i = 0; i < n; i++) {
    GVariant *value = record_get_value(record, keys[i]);
    g_autofree char *shown = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)
                                 ? g_strdup(g_variant_get_string(value, NULL))
                                 : g_variant_print(value, FALSE);
    printf("  %s = %s\n", keys[i], shown);
  }
}

static void record_cmd_print_text(const RecordOpened *o)
{
  printf("record %s\n", o->envelope->id);
  printf("  created:   %s\n", o->created);
  printf("  signature: valid, kiosk key %s%s\n", o->signer,
         o->pinned ? " (as expected)" : " (not pinned: use --kiosk-key)");
  printf("  sha256:    %s\n", o->file_sha);
  printf("metadata:\n");
  record_cmd_print_metadata(o->record);
  printf("parts:\n");
  for (guint i = 0; i < record_n_parts(o->record); i++) {
    const BkRecordPart *part = record_part(o->record, i);
    g_autofree char *sha =
        g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, part->data);

    printf("  %-28s %-26s %9" G_GSIZE_FORMAT " bytes  sha256 %s\n", part->name,
           part->media_type, g_bytes_get_size(part->data), sha);
    if (o->validated && o->validated->pdata[i])
      printf("    %s\n", (char *)o->validated->pdata[i]);
    if (o->extracted)
      printf("    -> %s\n", (char *)o->extracted->pdata[i]);
  }
}

/* Reads `path`, checks it is an envelope with a valid signature, by the
 * pinned kiosk key when `kiosk_key_arg` was given. Returns EXIT_OK with the
 * bytes, the envelope and its signer (base64), or the exit status after
 * saying why on stderr. */
static int record_cmd_read_signed(const char *path, const char *kiosk_key_arg,
                                  const guint8 pinned[KEYS_PUBLIC_BYTES],
                                  GBytes **ret_bytes,
                                  KioskEnvelope **ret_envelope,
                                  char **ret_signer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KioskEnvelope) envelope = NULL;
  g_autofree char *signer = NULL;
  char *contents = NULL;
  gsize len = 0;
  int status;

  if (!g_file_get_contents(path, &contents, &len, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  bytes = g_bytes_new_take(contents, len);
  status = record_cmd_parse_envelope(path, bytes, &envelope);
  if (status != EXIT_OK)
    return status;
  signer = keys_encode(envelope->kiosk_key, KEYS_PUBLIC_BYTES);
  if (kiosk_key_arg &&
      memcmp(pinned, envelope->kiosk_key, KEYS_PUBLIC_BYTES) != 0) {
    fprintf(stderr,
            "biokiosk %s: %s: signed by kiosk key %s, not the "
            "expected one\n",
            CMD, path, signer);
    return EXIT_NEGATIVE;
  }
  *ret_bytes = g_steal_pointer(&bytes);
  *ret_envelope = g_steal_pointer(&envelope);
  *ret_signer = g_steal_pointer(&signer);
  return EXIT_OK;
}

static int record_open_run(const char *path, const char *secret_path,
                           const char *kiosk_key_arg, const char *extract_dir,
                           gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KioskEnvelope) envelope = NULL;
  g_autoptr(BkRecord) record = NULL;
  g_autoptr(GPtrArray) extracted = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) validated = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *file_sha = NULL;
  g_autofree char *signer = NULL;
  g_autofree char *created = NULL;
  guint8 pinned[KEYS_PUBLIC_BYTES] = {0};
  int status;

  if (!keys_init(&error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (kiosk_key_arg && !record_cmd_read_pinned(kiosk_key_arg, pinned, &error))
    return kiosk_usage_error(CMD, "--kiosk-key: %s", error->message);
  status = record_cmd_read_signed(path, kiosk_key_arg, pinned, &bytes,
                                  &envelope, &signer);
  if (status != EXIT_OK)
    return status;
  file_sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
  status = record_cmd_unseal(path, secret_path, envelope, &record);
  if (status != EXIT_OK)
    return status;

  created = record_cmd_time(envelope->created);
  RecordOpened opened = {
      .path = path,
      .file_sha = file_sha,
      .envelope = envelope,
      .created = created,
      .signer = signer,
      .pinned = kiosk_key_arg != NULL,
      .record = record,
      .extracted = extract_dir ? extracted : NULL,
      .validated = extract_dir ? validated : NULL,
  };
  status = record_cmd_check_binding(&opened);
  if (status == EXIT_OK && extract_dir)
    status = record_cmd_validate_all(path, record, validated);
  if (status == EXIT_OK && extract_dir)
    status = record_cmd_extract_all(record, extract_dir, extracted);
  if (status != EXIT_OK)
    return status;

  if (json)
    record_cmd_print_json(&opened);
  else
    record_cmd_print_text(&opened);
  return EXIT_OK;
}

/* `verify [--kiosk-key KEY] RECORD...`: what a back office checks as a
 * record arrives, without its secret key: an envelope, signed by its kiosk
 * key (the pinned one when given), stored under its own id. One line per
 * file; EXIT_NEGATIVE when any failed a check. */
static int record_verify_one(const char *path, const char *kiosk_key_arg,
                             const guint8 pinned[KEYS_PUBLIC_BYTES])
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KioskEnvelope) envelope = NULL;
  g_autofree char *name = g_path_get_basename(path);
  g_autofree char *expected = NULL;
  g_autofree char *signer = NULL;
  int status = record_cmd_read_signed(path, kiosk_key_arg, pinned, &bytes,
                                      &envelope, &signer);

  if (status != EXIT_OK)
    return status;
  expected = g_strconcat(envelope->id, ".bkrec", NULL);
  if (strcmp(name, expected) != 0) {
    fprintf(stderr,
            "biokiosk %s: %s: holds envelope %s, stored under another "
            "name\n",
            CMD, path, envelope->id);
    return EXIT_NEGATIVE;
  }
  printf("verified %s (kiosk key %s%s)\n", path, signer,
         kiosk_key_arg ? ", pinned" : "");
  return EXIT_OK;
}

static int record_verify_run(char **paths, const char *kiosk_key_arg)
{
  g_autoptr(GError) error = NULL;
  guint8 pinned[KEYS_PUBLIC_BYTES] = {0};
  int worst = EXIT_OK;

  if (!keys_init(&error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (kiosk_key_arg && !record_cmd_read_pinned(kiosk_key_arg, pinned, &error))
    return kiosk_usage_error(CMD, "--kiosk-key: %s", error->message);
  for (char **p = paths; *p; p++) {
    int status = record_verify_one(*p, kiosk_key_arg, pinned);

    worst = MAX(worst, status);
  }
  return worst;
}

static int record_run(int argc, char **argv)
{
  g_autofree char *secret_key = NULL;
  g_autofree char *kiosk_key = NULL;
  g_autofree char *extract = NULL;
  g_auto(GStrv) args = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
      {"secret-key", 'k', 0, G_OPTION_ARG_FILENAME, &secret_key,
       "The back office's X25519 secret key (base64 text or 32 raw bytes)",
       "FILE"},
      {"kiosk-key", 0, 0, G_OPTION_ARG_STRING, &kiosk_key,
       "Require this kiosk signing key (base64, or a file holding it)",
       "KEY|FILE"},
      {"extract", 'x', 0, G_OPTION_ARG_FILENAME, &extract,
       "Write the parts into DIR (created, mode 0700)", "DIR"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &json,
       "Machine-readable output (docs/record-format.md)", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
       NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new(
      "open --secret-key FILE RECORD | verify RECORD... - unseal and list "
      "a record, or check arrived ones (back office)");
  g_autoptr(GError) error = NULL;

  g_option_context_set_description(
      ctx, "verify checks, without the secret key, that each file is an "
           "envelope\nsigned by its kiosk (--kiosk-key pins it) and named "
           "<its id>.bkrec, as the\nkiosk delivers it (docs/delivery.md).\n"
           "Exit status: 0 opened; 1 a failed check (bad signature, "
           "unexpected kiosk,\nrecord not matching its envelope); 2 usage or "
           "input error (unreadable file,\nnot an envelope, wrong or bad "
           "key).\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return kiosk_usage_error(CMD, "%s", error->message);
  if (args && args[0] && strcmp(args[0], "verify") == 0 && args[1] &&
      !secret_key && !extract && !json)
    return record_verify_run(args + 1, kiosk_key);
  if (!args || g_strv_length(args) != 2 || strcmp(args[0], "open") != 0)
    return kiosk_usage_error(CMD, "expected 'open --secret-key FILE RECORD' "
                                  "or 'verify [--kiosk-key KEY] RECORD...' "
                                  "(see 'biokiosk record --help')");
  if (!secret_key)
    return kiosk_usage_error(CMD, "open needs --secret-key FILE");
  return record_open_run(args[1], secret_key, kiosk_key, extract, json);
}

const KioskCommand kiosk_cmd_record = {
    .name = "record",
    .summary = "Open a sealed record with the back office's key, or verify "
               "arrived ones",
    .run = record_run,
};
