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

/* A sentence for a reason code in `lang` ("nl" or "en"); newly allocated.
 * Photo validator codes use capture/'s own messages. Unknown codes come back
 * as the code itself (never NULL). */
char *session_reason_text(const char *code, const char *lang);
