/* Shared applicant-facing wording; see texts.h. */
#include "texts.h"

#include <glib/gi18n.h>

#include "fpreader.h"
#include "photo.h"

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

/* Signature and fingerprint checks; the photo validator's codes have their
 * own messages in capture/. */
static const ReasonText reason_texts[] = {
    {"empty", N_("Nothing was written on the pad.")},
    {"too_short", N_("The signature is too short. Please sign in full.")},
    {"too_small", N_("The signature is too small. Please sign larger.")},
    {"off_pad", N_("Part of the signature is outside the pad.")},
    {"poor_quality", N_("The print is not clear enough.")},
    {"no_finger", N_("No finger was found on the reader.")},
};

char *session_reason_text(const char *code, const char *lang)
{
  const char *photo = photo_reason_message(code, lang);

  if (photo)
    return g_strdup(photo);
  for (gsize i = 0; i < G_N_ELEMENTS(reason_texts); i++)
    if (g_strcmp0(reason_texts[i].code, code) == 0)
      return g_strdup(_(reason_texts[i].text));
  return g_strdup(code);
}
