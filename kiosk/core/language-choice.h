/* The language each applicant chose, for one appointment: the language
 * button in the screens' header opens a chooser of the languages this
 * kiosk has (each named in itself), and the choice belongs to the person
 * whose turn it is. When the session moves to the next person, the screens
 * return to that person's choice, or the kiosk's own language when they
 * made none. A choice on the check-in screen belongs to the first person.
 * Only language codes are kept, never anything that names a person; the
 * journal does not see them.
 *
 * Owned by the session; main thread. */
#pragma once

#include <glib.h>

#include "view.h"

typedef struct {
  GPtrArray *chosen; /* person index -> static language code or NULL */
  gboolean open;     /* the chooser is on screen */
} LanguageChoice;

/* Forgets every choice and closes the chooser (the appointment ended, or
 * the kiosk went idle). Frees what it held; the struct may be reused. */
void language_choice_clear(LanguageChoice *choice);

/* Handles a button press `button` for person `person`: the header's
 * VIEW_BUTTON_LANGUAGE opens or closes the chooser, a chooser button
 * (VIEW_BUTTON_LANGUAGE_PREFIX + code) records the code for `person` and
 * closes it. Returns FALSE for any other button (the screen's own). On
 * TRUE, *ret_switch is the language to switch the screens to now, or NULL
 * when nothing changes. */
gboolean language_choice_button(LanguageChoice *choice, int person,
                                const char *button, const char **ret_switch);

/* The language of person `person`: their choice, else `fallback` (the
 * kiosk's own, kiosk.language). */
const char *language_choice_for(const LanguageChoice *choice, int person,
                                const char *fallback);

/* Fills `view` (cleared by the caller) with the chooser: one button per
 * available language, labelled in itself, the current one `current`
 * marked primary, under a title that says "language" in every one of
 * them. Strings it makes are added to `strings` (freed by their owner). */
void language_choice_view(KioskView *view, const char *current,
                          GPtrArray *strings);
