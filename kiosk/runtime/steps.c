/* The processing behind each capture step, on the device worker threads, and
 * the assembly of a person's record. See steps.h. */
#include "steps.h"

#include <string.h>

#include "fpquality.h"
#include "finger-plan.h"
#include "exception-photo.h"
#include "finger.h"
#include "fpreader.h"
#include "height.h"
#include "jpegio.h"
#include "record-finger.h"
#include "pad.h"
#include "photo-marks.h"
#include "photo.h"
#include "pngio.h"
#include "record.h"
#include "signature.h"

#define SIGNATURE_RENDER_W 900
#define SIGNATURE_RENDER_H 300
#define CROP_JPEG_QUALITY  92

void photo_outcome_clear(PhotoOutcome *o)
{
  g_clear_pointer(&o->camera_jpeg, g_bytes_unref);
  g_clear_pointer(&o->crop, image_free);
  g_clear_pointer(&o->display, image_free);
  g_clear_pointer(&o->reasons, g_strfreev);
  g_clear_pointer(&o->referrals, g_strfreev);
  g_clear_pointer(&o->measures, g_variant_unref);
  o->accepted = o->referred = FALSE;
}

void signature_outcome_clear(SignatureOutcome *o)
{
  if (o->samples) {
    explicit_bzero(o->samples->data,
                   (gsize)o->samples->len * sizeof(PadSample));
    g_clear_pointer(&o->samples, g_array_unref);
  }
  g_clear_pointer(&o->rendered, image_free);
  g_clear_pointer(&o->reasons, g_strfreev);
  device_info_clear(&o->pad);
  o->ok = FALSE;
}

void finger_outcome_clear(FingerOutcome *o)
{
  g_clear_pointer(&o->image, image_free);
  g_clear_pointer(&o->reasons, g_strfreev);
  g_free(o->selection);
  memset(o, 0, sizeof *o);
}

static char **strv_from_ptr_array(GPtrArray *codes)
{
  GStrvBuilder *b = g_strv_builder_new();
  char **strv;

  for (guint i = 0; codes && i < codes->len; i++)
    g_strv_builder_add(b, g_ptr_array_index(codes, i));
  strv = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return strv;
}

/* The referrals the reasons do not name: under a refusal, a doubt the
 * applicant is not told (photo.h), for the officer and the record. */
static char **referrals_unsaid(const PhotoResult *result)
{
  g_autoptr(GPtrArray) codes = g_ptr_array_new();

  for (guint i = 0; i < result->referrals->len; i++) {
    const char *code = g_ptr_array_index(result->referrals, i);
    if (!photo_result_has_reason(result, code))
      g_ptr_array_add(codes, (gpointer)code);
  }
  return strv_from_ptr_array(codes);
}

BkImage *steps_fit(const BkImage *image, int max_w, int max_h)
{
  double s = MIN((double)max_w / image->width, (double)max_h / image->height);

  if (s >= 1.0)
    return image_copy(image);
  return image_scale(image, MAX(1, (int)(image->width * s + 0.5)),
                     MAX(1, (int)(image->height * s + 0.5)));
}

G_DEFINE_QUARK(biokiosk - steps - error - quark, steps_error)

/* The refusal screen's marks (over the crop when there is one, as the
 * display shows it) and figures. */
static void photo_outcome_explain(PhotoValidator *validator,
                                  const PhotoResult *result,
                                  const BkImage *image,
                                  const PhotoRequest *request, PhotoOutcome *o)
{
  const PhotoLimits *limits = &photo_validator_get_config(validator)->limits;
  const PhotoMarksFrame frame = {
      .cropped = o->crop != NULL,
      .width = image->width,
      .height = image->height,
      .source_scale = request->source_scale,
  };

  o->n_marks = photo_marks_draw(result, limits, &frame, o->marks);
  o->n_figures = photo_marks_figures(result, limits, request->age, o->figures,
                                     SESSION_MAX_FIGURES);
}

gboolean steps_photo(PhotoValidator *validator, GBytes *jpeg,
                     gboolean head_covering, int age, PhotoOutcome *ret,
                     GError **error)
{
  return steps_photo_calibrated(validator, jpeg, head_covering, age, NULL, ret,
                                error);
}

gboolean steps_photo_calibrated(PhotoValidator *validator, GBytes *jpeg,
                                gboolean head_covering, int age,
                                const PhotoBackdrop *backdrop,
                                PhotoOutcome *ret, GError **error)
{
  g_autoptr(BkImage) image = NULL;
  g_autoptr(PhotoResult) result = NULL;
  PhotoRequest request = {.head_covering_declared = head_covering,
                          .age = age,
                          .background = backdrop ? backdrop->image : NULL};
  int full_w, full_h;
  GVariantBuilder measures;
  gsize len;
  const guint8 *data = g_bytes_get_data(jpeg, &len);

  g_autoptr(GError) local = NULL;

  if (!jpegio_probe(data, len, &full_w, &full_h, &local) ||
      !(image = jpegio_decode(data, len, STEPS_ANALYSIS_W, 0, FALSE, &local))) {
    g_set_error(error, STEPS_ERROR, STEPS_ERROR_UNREADABLE_PHOTO,
                "the camera sent an unreadable photo: %s", local->message);
    return FALSE;
  }
  /* Resolution checks are in the camera's own pixels. */
  request.source_scale = (double)full_w / image->width;
  result = photo_validate(validator, image, &request);
  memset(ret, 0, sizeof *ret);
  ret->camera_jpeg = g_bytes_ref(jpeg);
  ret->accepted = result->verdict == PHOTO_VERDICT_ACCEPT;
  ret->referred = result->verdict == PHOTO_VERDICT_REFER;
  ret->reasons = strv_from_ptr_array(result->reasons);
  ret->referrals = referrals_unsaid(result);
  g_variant_builder_init(&measures, G_VARIANT_TYPE("a{sd}"));
  for (guint i = 0; i < result->measures->len; i++) {
    const PhotoMeasure *m = &g_array_index(result->measures, PhotoMeasure, i);
    g_variant_builder_add(&measures, "{sd}", m->name, m->value);
  }
  if (backdrop)
    g_variant_builder_add(&measures, "{sd}", "backdrop_captured_at",
                          (double)backdrop->values.captured_at);
  ret->measures = g_variant_ref_sink(g_variant_builder_end(&measures));
  ret->crop = photo_crop(validator, image, request.source_scale, result);
  photo_outcome_explain(validator, result, image, &request, ret);
  /* The applicant sees the document crop when there is one. */
  ret->display = steps_fit(ret->crop ? ret->crop : image, STEPS_PREVIEW_MAX_W,
                           STEPS_PREVIEW_MAX_H);
  return TRUE;
}

/* The validator's guidance, after the seated layout's height code when
 * one face sits too high or too low in the frame (the session shows it in
 * the seated layout only). */
static char **strv_with_height(const PhotoResult *result, int frame_h)
{
  g_autoptr(GPtrArray) codes = g_ptr_array_new();
  const char *height =
      result->faces == 1
          ? height_guidance_code(result->face_y, result->face_h, frame_h)
          : NULL;

  if (height)
    g_ptr_array_add(codes, (gpointer)height);
  g_ptr_array_extend(codes, result->reasons, NULL, NULL);
  return strv_from_ptr_array(codes);
}

char **steps_guide(PhotoValidator *validator, const BkImage *frame,
                   gboolean head_covering, int age)
{
  return steps_guide_calibrated(validator, frame, head_covering, age, NULL);
}

char **steps_guide_calibrated(PhotoValidator *validator, const BkImage *frame,
                              gboolean head_covering, int age,
                              const PhotoBackdrop *backdrop)
{
  PhotoRequest request = {.head_covering_declared = head_covering,
                          .age = age,
                          .background = backdrop ? backdrop->image : NULL};
  g_autoptr(PhotoResult) result = NULL;

  result = photo_guide(validator, frame, &request);
  return strv_with_height(result, frame->height);
}

gboolean steps_signature(GArray *samples, SignatureOutcome *ret, GError **error)
{
  SignatureCheck check = {0};
  GStrvBuilder *reasons = g_strv_builder_new();

  /* PadSample (drivers/) and SignatureSample (capture/) share a layout so
   * that the samples pass through without a copy. */
  G_STATIC_ASSERT(sizeof(PadSample) == sizeof(SignatureSample));
  memset(ret, 0, sizeof *ret);
  ret->samples = samples;
  ret->rendered =
      signature_render((const SignatureSample *)samples->data, samples->len,
                       SIGNATURE_RENDER_W, SIGNATURE_RENDER_H);
  ret->ok = signature_check((const SignatureSample *)samples->data,
                            samples->len, &check);
  for (guint bit = 1; bit <= SIGNATURE_REASON_OFF_PAD; bit <<= 1)
    if (check.reasons & bit)
      g_strv_builder_add(reasons, signature_reason_to_string(bit));
  ret->reasons = g_strv_builder_end(reasons);
  g_strv_builder_unref(reasons);
  return TRUE;
}

gboolean steps_finger(int finger, int width, int height, int ppi,
                      GBytes *pixels, int minutiae, FingerOutcome *ret,
                      GError **error)
{
  g_autoptr(GBytes) owned = pixels;
  gsize len;
  const guint8 *data = g_bytes_get_data(owned, &len);
  FpQuality quality;

  memset(ret, 0, sizeof *ret);
  if (width <= 0 || height <= 0 || len != (gsize)width * (gsize)height) {
    g_set_error(error, STEPS_ERROR, STEPS_ERROR_MALFORMED_FINGER,
                "the fingerprint reader sent a malformed image (%dx%d, %zu "
                "bytes)",
                width, height, len);
    return FALSE;
  }
  ret->finger = finger;
  ret->ppi = ppi;
  ret->minutiae = minutiae;
  ret->image = image_new(width, height, 1);
  memcpy(ret->image->pixels, data, len);
  ret->ok = fpquality_assess(ret->image, &quality) == FPQUALITY_GOOD;
  ret->quality = quality.score;
  ret->reasons = g_strdupv(ret->ok ? NULL : (char *[]){"poor_quality", NULL});
  return TRUE;
}

/* ---- the record ------------------------------------------------------------
 */

static void add_reasons(BkRecord *record, const char *key, char **reasons)
{
  record_set_value(record, key,
                   g_variant_new_strv((const char *const *)reasons, -1));
}

static gboolean add_photo(BkRecord *record, const PhotoOutcome *photo,
                          GError **error)
{
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GBytes) png = NULL;

  record_add_part(record, "photo/camera", RECORD_MEDIA_JPEG,
                  photo->camera_jpeg);
  if (photo->crop) {
    if (!photo_crop_encode(photo->crop, CROP_JPEG_QUALITY, &jpeg, &png, error))
      return FALSE;
    record_add_part(record, "photo/crop.jpeg", RECORD_MEDIA_JPEG, jpeg);
    record_add_part(record, "photo/crop.png", RECORD_MEDIA_PNG, png);
  }
  record_set_string(record, "photo.verdict",
                    photo->accepted   ? "accept"
                    : photo->referred ? "refer"
                                      : "refuse");
  add_reasons(record, "photo.reasons", photo->reasons);
  if (photo->referrals && photo->referrals[0])
    add_reasons(record, "photo.referrals", photo->referrals);
  if (photo->measures)
    record_set_value(record, "photo.measures", photo->measures);
  return TRUE;
}

/* Which pad took the signature: the record's "signature.pad.*" keys. */
static void add_pad_identity(BkRecord *record, const DeviceInfo *pad)
{
  const struct {
    const char *key;
    const char *value;
  } keys[] = {
      {"signature.pad.backend", pad->backend},
      {"signature.pad.model", pad->model},
      {"signature.pad.serial", pad->serial},
      {"signature.pad.firmware", pad->firmware},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
    if (keys[i].value && *keys[i].value)
      record_set_string(record, keys[i].key, keys[i].value);
}

static gboolean add_signature(BkRecord *record, const SignatureOutcome *sig,
                              GError **error)
{
  GVariantBuilder series;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GBytes) png = pngio_encode(sig->rendered, error);

  if (!png)
    return FALSE;
  record_add_part(record, "signature/image", RECORD_MEDIA_PNG, png);
  /* The time series (x, y, pressure, t) as a GVariant a(dddx). */
  g_variant_builder_init(&series, G_VARIANT_TYPE("a(dddx)"));
  for (guint i = 0; i < sig->samples->len; i++) {
    const PadSample *s = &g_array_index(sig->samples, PadSample, i);
    g_variant_builder_add(&series, "(dddx)", s->x, s->y, s->pressure, s->t_us);
  }
  v = g_variant_ref_sink(g_variant_builder_end(&series));
  {
    g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(v);
    record_add_part(record, "signature/samples",
                    "application/x-gvariant; type=a(dddx)", bytes);
  }
  record_set_boolean(record, "signature.ok", sig->ok);
  add_pad_identity(record, &sig->pad);
  return TRUE;
}

/* Best of three: which impression was kept, of how many, and why. */
static void add_finger_selection(BkRecord *record, const char *pos,
                                 const FingerOutcome *f)
{
  g_autofree char *which = g_strdup_printf("finger.%s.impression", pos);
  g_autofree char *of = g_strdup_printf("finger.%s.impressions", pos);
  g_autofree char *why = g_strdup_printf("finger.%s.selection", pos);

  if (f->impression <= 0)
    return;
  record_set_int(record, which, f->impression);
  record_set_int(record, of, f->impressions);
  if (f->selection)
    record_set_string(record, why, f->selection);
}

/* The image (raw and as ISO/IEC 19794-4) and what was measured of it. */
static gboolean add_finger(BkRecord *record, const FingerOutcome *f,
                           GError **error)
{
  const char *pos = finger_position_to_string(f->finger);
  g_autofree char *part = g_strdup_printf("finger/%s", pos);
  g_autofree char *quality = g_strdup_printf("finger.%s.quality", pos);
  g_autofree char *minutiae = g_strdup_printf("finger.%s.minutiae", pos);
  g_autofree char *position = g_strdup_printf("finger.%s.position", pos);

  if (!record_add_finger_image(record, part, f->image, f->ppi, f->finger,
                               f->quality, error))
    return FALSE;
  record_set_int(record, quality, f->quality);
  record_set_int(record, minutiae, f->minutiae);
  record_set_int(record, position, f->finger);
  add_finger_selection(record, pos, f);
  return TRUE;
}

/* The officer's finger exceptions and the substitutes taken
 * (fingerprint.*, docs/record-format.md). */
static void add_finger_exceptions(BkRecord *record, const SessionPerson *p,
                                  GBytes *const *photos)
{
  RecordFingerException exceptions[FINGER_MAX_EXCEPTIONS] = {{0}};
  RecordFingerSubstitution substitutions[FINGER_PLAN_MAX_SLOTS] = {{0}};
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
  gsize n_substitutions = 0;

  for (int i = 0; i < p->n_finger_exceptions; i++) {
    const FingerException *e = &p->finger_exceptions[i];
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(e->time);
    char *time = t ? g_date_time_format_iso8601(t) : g_strdup("");
    /* Its photo as a part of its own (record-finger.h). */
    char *photo = e->photo && photos && e->finger > 0 &&
                          e->finger < EXCEPTION_PHOTO_SLOTS && photos[e->finger]
                      ? record_add_finger_exception_photo(
                            record, finger_position_to_string(e->finger),
                            photos[e->finger])
                      : NULL;

    g_ptr_array_add(times, time);
    g_ptr_array_add(parts, photo);
    exceptions[i] = (RecordFingerException){
        .kind = finger_exception_kind_to_string(e->kind),
        .finger = finger_position_to_string(e->finger),
        .reason = e->reason,
        .officer = e->officer,
        .confirmed_by = e->confirmed_by[0] ? e->confirmed_by : NULL,
        .time = time,
        .photo = photo,
    };
  }
  for (int i = 0; i < p->n_fingers; i++)
    if (p->finger_taken[i] && p->fingers[i] != p->planned_fingers[i])
      substitutions[n_substitutions++] = (RecordFingerSubstitution){
          .planned = finger_position_to_string(p->planned_fingers[i]),
          .taken = finger_position_to_string(p->fingers[i]),
      };
  record_set_finger_exceptions(record, exceptions,
                               (gsize)p->n_finger_exceptions, substitutions,
                               n_substitutions);
  record_set_boolean(record, "fingerprint.postponed",
                     p->fingerprints_postponed);
}

BkRecord *steps_build_record(const RecordInput *in, GError **error)
{
  g_autoptr(BkRecord) record = record_new();
  const SessionPerson *p = in->person;
  g_autofree char *captured = g_date_time_format_iso8601(in->captured_at);

  g_return_val_if_fail(p && p->person, NULL);
  record_set_string(record, "kiosk.location_id", in->location_id);
  record_set_string(record, "kiosk.version", in->kiosk_version);
  record_set_string(record, "captured_at", captured);
  record_set_string(record, "appointment.code", p->appointment->code);
  record_set_int(record, "person.index", p->person_index);
  record_set_string(record, "person.name", p->person->name);
  record_set_string(record, "person.date_of_birth", p->person->date_of_birth);
  record_set_string(record, "person.document_type", p->person->document_type);
  record_set_boolean(record, "officer.documents_seen", p->documents_seen);
  record_set_boolean(record, "person.head_covering_declared", p->head_covering);
  record_set_boolean(record, "officer.fingerprints", p->plan.fingerprints);
  record_set_boolean(record, "officer.photo_override", p->photo_override);
  if (p->photo_override_reason)
    record_set_string(record, "officer.photo_override_reason",
                      p->photo_override_reason);
  add_finger_exceptions(record, p, in->exception_photos);
  record_set_value(record, "devices", g_variant_new_strv(in->devices, -1));
  if (in->photo && !add_photo(record, in->photo, error))
    return NULL;
  if (in->signature && !add_signature(record, in->signature, error))
    return NULL;
  for (int i = 0; i < 2; i++)
    if (in->fingers[i] && in->fingers[i]->image &&
        !add_finger(record, in->fingers[i], error))
      return NULL;
  return g_steal_pointer(&record);
}
