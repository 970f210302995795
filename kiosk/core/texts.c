/* Shared applicant-facing wording; see texts.h. */
#include "texts.h"

#include <glib/gi18n.h>

#include "finger.h"

const char *finger_label(int finger)
{
  switch ((FingerPosition)finger) {
  case FINGER_RIGHT_THUMB:
    return _("right thumb");
  case FINGER_RIGHT_INDEX:
    return _("right index finger");
  case FINGER_RIGHT_MIDDLE:
    return _("right middle finger");
  case FINGER_RIGHT_RING:
    return _("right ring finger");
  case FINGER_RIGHT_LITTLE:
    return _("right little finger");
  case FINGER_LEFT_THUMB:
    return _("left thumb");
  case FINGER_LEFT_INDEX:
    return _("left index finger");
  case FINGER_LEFT_MIDDLE:
    return _("left middle finger");
  case FINGER_LEFT_RING:
    return _("left ring finger");
  case FINGER_LEFT_LITTLE:
    return _("left little finger");
  case FINGER_UNKNOWN:
    break;
  }
  return _("finger");
}

typedef struct {
  const char *code;
  const char *text;
} ReasonText;

static const ReasonText document_types[] = {
    {"residence_permit", N_("residence permit")},
    {"eu_residence_document", N_("EU residence document")},
    {"w_document", N_("W-document")},
};

const char *document_type_label(const char *document_type)
{
  for (gsize i = 0; i < G_N_ELEMENTS(document_types); i++)
    if (g_strcmp0(document_types[i].code, document_type) == 0)
      return _(document_types[i].text);
  return document_type;
}

/* The photo validator's codes (capture/photo.h, PHOTO_REASON_*): the codes
 * are the validator's stable interface, the wording is the kiosk's. A test
 * checks that every code the validator can give has a sentence here. */
static const ReasonText photo_reason_texts[] = {
    {"no_face", N_("No face was found. Look straight into the camera.")},
    {"multiple_faces", N_("Only one person may be in the photo.")},
    {"not_frontal",
     N_("Keep your head straight and look straight into the camera.")},
    {"eyes_not_visible", N_("Both eyes must be open and clearly visible.")},
    {"eyes_closed", N_("Please keep your eyes open.")},
    {"mouth_open", N_("Close your mouth and keep a neutral expression.")},
    {"head_too_small", N_("Please come closer to the camera.")},
    {"head_too_large", N_("Please move a little away from the camera.")},
    {"face_off_centre", N_("Move so that your face is in the middle.")},
    {"resolution_too_low",
     N_("The photo is not detailed enough. Please come closer.")},
    {"background_not_white", N_("The background must be white.")},
    {"background_not_uniform",
     N_("The background must be even, without shadows or objects.")},
    {"underexposed", N_("The photo is too dark.")},
    {"overexposed", N_("The photo is too bright.")},
    {"uneven_lighting",
     N_("The light on your face is uneven. Face the light straight on.")},
    {"unnatural_colour", N_("The colours in the photo are not natural.")},
    {"blurred", N_("The photo is blurred. Please keep still.")},
    {"head_covering_not_declared",
     N_("A head covering is only allowed for religious or belief reasons. "
        "Please take it off, or tell the desk.")},
    {"head_covering_white_or_light_grey",
     N_("The head covering is too light for the white background.")},
    {"head_covering_low_contrast",
     N_("The head covering does not stand out from the background.")},
    {"head_covering_not_single_coloured",
     N_("The head covering must be a single colour.")},
    {"head_covering_not_smooth",
     N_("The head covering must be plain, without a pattern.")},
};

/* The figures of size, centring and shadow (see reason_figure_text()). */
static char *reason_figure_text_geometry(const ReasonFigure *f)
{
  const char *id = f->figure;
  double v = f->value, l = f->limit;

  if (g_strcmp0(id, REASON_FIGURE_OFF_CENTRE) == 0)
    return g_strdup_printf(
        _("Your face is not in the middle (%.1f mm to the side, at most "
          "%.1f mm). Please move so that your face is in the middle."),
        v, l);
  if (g_strcmp0(id, REASON_FIGURE_HEAD_LARGE) == 0)
    return g_strdup_printf(_("Your head is too large in the photo (%.1f mm, "
                             "at most %.0f mm). Please move a little away "
                             "from the camera."),
                           v, l);
  if (g_strcmp0(id, REASON_FIGURE_HEAD_SMALL) == 0)
    return g_strdup_printf(_("Your head is too small in the photo (%.1f mm, "
                             "at least %.0f mm). Please come closer to the "
                             "camera."),
                           v, l);
  if (g_strcmp0(id, REASON_FIGURE_SHADOW) == 0)
    return g_strdup_printf(_("There is a shadow on the background (%.0f%% of "
                             "it, at most %.0f%%). Please stand a little "
                             "further from the wall."),
                           v, l);
  return NULL;
}

/* The figure sentences: each format takes the value, then the limit. */
char *reason_figure_text(const ReasonFigure *f)
{
  const char *id = f->figure;
  double v = f->value, l = f->limit;

  if (g_strcmp0(id, REASON_FIGURE_COVERING_LIGHTNESS) == 0)
    return g_strdup_printf(_("Your head covering is too light (lightness "
                             "%.0f, limit %.0f). Please use a darker one."),
                           v, l);
  if (g_strcmp0(id, REASON_FIGURE_COVERING_CONTRAST) == 0)
    return g_strdup_printf(
        _("Your head covering is too close to the colour of the background "
          "(difference %.0f, at least %.0f). Please use one that stands "
          "out."),
        v, l);
  if (g_strcmp0(id, REASON_FIGURE_ROLL) == 0)
    return g_strdup_printf(_("Your head is tilted to the side (%.0f degrees, "
                             "at most %.0f). Please keep your head straight."),
                           v, l);
  if (g_strcmp0(id, REASON_FIGURE_YAW) == 0)
    return g_strdup_printf(
        _("Your head is turned to the side (%.0f degrees, at most %.0f). "
          "Please look straight into the camera."),
        v, l);
  if (g_strcmp0(id, REASON_FIGURE_PITCH) == 0)
    return g_strdup_printf(
        _("Your head is tilted up or down (%.0f degrees, at most %.0f). "
          "Please look straight into the camera."),
        v, l);
  return reason_figure_text_geometry(f);
}

const char *photo_marks_legend(gboolean with_target)
{
  return with_target ? _("Red: what is wrong. Green: where it should be.")
                     : _("Red: what is wrong.");
}

const char *photo_countdown_text(void)
{
  return _("Keep still: the photo is taken by itself.");
}

/* Signature and fingerprint checks. */
static const ReasonText reason_texts[] = {
    {"empty", N_("Nothing was written on the pad.")},
    {"too_short", N_("The signature is too short. Please sign in full.")},
    {"too_small", N_("The signature is too small. Please sign larger.")},
    {"off_pad", N_("Part of the signature is outside the pad.")},
    {"poor_quality", N_("The print is not clear enough.")},
    {"no_finger", N_("No finger was found on the reader.")},
};

static const char *reason_lookup(const ReasonText *table, gsize n,
                                 const char *code)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0(table[i].code, code) == 0)
      return _(table[i].text);
  return NULL;
}

const char *reason_text(const char *code)
{
  const char *text =
      reason_lookup(photo_reason_texts, G_N_ELEMENTS(photo_reason_texts), code);

  if (!text)
    text = reason_lookup(reason_texts, G_N_ELEMENTS(reason_texts), code);
  return text ? text : code;
}

gboolean reason_text_known(const char *code)
{
  return reason_text(code) != code;
}
