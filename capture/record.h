/* One person's capture result, bundled in memory: metadata (key -> scalar
 * GVariant) and named binary parts (camera JPEG, cropped photo, signature,
 * fingerprint images). Serialised to a deterministic, versioned GVariant
 * (docs/record-format.md) that kiosk/queue.c seals before anything reaches
 * the disk. Parts are biometric: every buffer the record owns is wiped when
 * freed. */
#pragma once

#include <glib.h>

#include "image.h"

/* Written as the first two fields of every serialised record. */
#define RECORD_MAGIC   "biokiosk-record"
#define RECORD_VERSION 1

/* The GVariant type of a serialised record:
 * (magic, version, metadata, parts[(name, media type, bytes)]). */
#define RECORD_GVARIANT_TYPE "(sua{sv}a(ssay))"

/* Media types the kiosk writes. Anything else is allowed and passed through. */
#define RECORD_MEDIA_JPEG  "image/jpeg"
#define RECORD_MEDIA_PNG   "image/png"
#define RECORD_MEDIA_GREY8 "image/x-grey8" /* raw 8-bit grey, rows packed */

typedef struct _BkRecord BkRecord;

/* A part as the record holds it; borrowed, valid until the record is freed
 * or the part is replaced. */
typedef struct {
  const char *name;       /* unique in the record, e.g. "photo/crop" */
  const char *media_type; /* e.g. "image/jpeg" */
  GBytes *data;           /* owned by the record; do not unref */
} BkRecordPart;

/* A GBytes of `len` bytes (copied from `src` unless NULL) that wipes itself
 * when its last reference goes; *ret_data (may be NULL) points at its
 * storage, writable until the bytes are shared. For serialised records and
 * anything else biometric. */
GBytes *record_wiped_bytes_new(const void *src, gsize len, guint8 **ret_data);

/* An empty record. Free with record_free(). */
BkRecord *record_new(void);

/* Wipes every part and metadata value the record owns, then frees it.
 * Accepts NULL. */
void record_free(BkRecord *record);

/* Metadata setters. A key is a non-empty UTF-8 string; setting an existing
 * key replaces its value. Values must not be personal data beyond what the
 * back office needs (they are sealed with the parts, but keep them lean). */
void record_set_string(BkRecord *record, const char *key, const char *value);
void record_set_int(BkRecord *record, const char *key, gint64 value);
void record_set_double(BkRecord *record, const char *key, double value);
void record_set_boolean(BkRecord *record, const char *key, gboolean value);
/* Any GVariant (e.g. an array of measures); takes the floating reference. */
void record_set_value(BkRecord *record, const char *key, GVariant *value);

/* The officer's finger exceptions and the substitute fingers taken, as
 * `fingerprint.exceptions` (aa{sv}) and `fingerprint.substitutions`
 * (aa{sv}) (docs/record-format.md). Strings are borrowed; NULL optional
 * ones are left out. */
typedef struct {
  const char *kind;         /* "temporary" or "permanent" */
  const char *finger;       /* e.g. "right_index" */
  const char *reason;       /* a reason code, e.g. "amputation" */
  const char *officer;      /* who marked it */
  const char *confirmed_by; /* the second officer (four eyes), or NULL */
  const char *time;         /* ISO 8601 */
  const char *photo;        /* the exception photo's part name, or NULL */
} RecordFingerException;

typedef struct {
  const char *planned; /* the finger the plan asked for */
  const char *taken;   /* the finger taken instead */
} RecordFingerSubstitution;

/* Sets both keys, replacing them; either array may be empty (n 0). */
void record_set_finger_exceptions(BkRecord *record,
                                  const RecordFingerException *exceptions,
                                  gsize n_exceptions,
                                  const RecordFingerSubstitution *substitutions,
                                  gsize n_substitutions);

/* Adds a part, copying `data` into memory the record owns (and wipes on
 * free); the caller keeps and wipes its own copy. Adding a name that exists
 * replaces that part (in its original position). Parts keep the order in
 * which they were first added. */
void record_add_part(BkRecord *record, const char *name, const char *media_type,
                     GBytes *data);

/* Adds a 1-channel image as an "image/x-grey8" part (rows packed, no
 * padding) and sets the metadata "<name>.width", "<name>.height" and
 * "<name>.ppi" (integers) that a reader needs to interpret it. Returns FALSE
 * (adding nothing) when the image is not 1-channel. */
gboolean record_add_grey_image(BkRecord *record, const char *name,
                               const BkImage *image, int ppi);

/* Metadata getters. The string/int/double/boolean getters return NULL/FALSE
 * when the key is absent or holds another type. record_get_value returns a
 * borrowed GVariant or NULL. */
const char *record_get_string(const BkRecord *record, const char *key);
gboolean record_get_int(const BkRecord *record, const char *key,
                        gint64 *ret_value);
gboolean record_get_double(const BkRecord *record, const char *key,
                           double *ret_value);
gboolean record_get_boolean(const BkRecord *record, const char *key,
                            gboolean *ret_value);
GVariant *record_get_value(const BkRecord *record, const char *key);

/* All metadata keys, sorted (byte order). Free the array with g_free() only;
 * the strings are borrowed. */
const char **record_list_keys(const BkRecord *record, guint *ret_n_keys);

/* Parts, in the order they were added. */
guint record_n_parts(const BkRecord *record);
const BkRecordPart *record_part(const BkRecord *record, guint index);
const BkRecordPart *record_find_part(const BkRecord *record, const char *name);

/* The record as RECORD_GVARIANT_TYPE bytes in normal form: metadata sorted
 * by key, parts in insertion order, so the same record always gives the same
 * bytes. The returned GBytes owns its buffer and wipes it when its last
 * reference is dropped. */
GBytes *record_serialize(const BkRecord *record);

/* Parses bytes from record_serialize(). Any other input (wrong magic or
 * type, unknown version, duplicate or empty part names) gives NULL with
 * CAPTURE_ERROR_INVALID_DATA (newer version: CAPTURE_ERROR_UNSUPPORTED);
 * never a crash. The new record copies what it needs from `data`. */
BkRecord *record_deserialize(GBytes *data, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BkRecord, record_free)
