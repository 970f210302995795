/* Applicant-facing wording that several screens share: finger names and the
 * explanation of a result's reason codes (photo validator, signature and
 * fingerprint checks). */
#pragma once

#include <glib.h>

/* "right index finger" etc. for a FingerPosition; static string. */
const char *finger_label(int finger);

/* A readable name for a schedule's document_type ("residence_permit" ->
 * "residence permit"); unknown types are shown as written. Static or the
 * argument itself. */
const char *document_type_label(const char *document_type);

/* The applicant's sentence for a reason code of a result (photo validator,
 * signature or fingerprint check), translated into the current language on
 * the calling thread (the main thread: see i18n.h). Unknown codes come back
 * as the code itself, never NULL. Static or `code`. */
const char *reason_text(const char *code);

/* TRUE when `code` has a sentence of its own. */
gboolean reason_text_known(const char *code);
