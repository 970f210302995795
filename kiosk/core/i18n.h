/* The language of the kiosk's texts. Strings are marked with _() and N_()
 * from glib/gi18n.h and translated by gettext from the catalogs in po/; the
 * language comes from the configuration (kiosk.language) and the NL/EN
 * button, not from the environment's locale, and it works on a machine with
 * no locales generated. See docs/i18n.md. */
#pragma once

#include <glib.h>

/* The language of the texts before i18n_init(): the msgids are English. */
#define I18N_SOURCE_LANGUAGE "en"

/* Binds the text domain GETTEXT_PACKAGE to i18n_locale_dir(), makes it the
 * default domain (the _() of glib/gi18n.h translates in the default domain),
 * asks for UTF-8 output, and selects `language` as i18n_set_language() does.
 * Call it from the main thread after setlocale(LC_ALL, "") and before any
 * thread that translates is started. May be called again (tests do).
 * Returns TRUE when the texts now appear in `language`; FALSE when
 * `language` is not a language code or its catalog cannot be found or used,
 * in which case the texts are English. */
gboolean i18n_init(const char *language);

/* Switches the texts to `language`, a language code such as "nl" ("en"
 * gives the English msgids whatever LANG or LANGUAGE said). Strings
 * translated earlier keep their language; anything built afterwards (the
 * next session_view()) uses the new one. Call from the main thread only:
 * it sets LANGUAGE (and LC_MESSAGES when that is "C" or "POSIX", which make
 * gettext ignore LANGUAGE). Returns TRUE when the texts now appear in
 * `language`; on FALSE the language in use is left as it was. */
gboolean i18n_set_language(const char *language);

/* The language selected last ("en" before i18n_init()). Owned by this module,
 * valid until the next i18n_set_language(). */
const char *i18n_get_language(void);

/* The folder the catalogs are read from, <dir>/<lang>/LC_MESSAGES/biokiosk.mo:
 * the build tree's po/ folder when the running program lies in the build
 * tree, otherwise the installed locale folder (BK_LOCALEDIR). */
const char *i18n_locale_dir(void);
