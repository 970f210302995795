/* The language of the kiosk's texts. Strings are marked with _() and N_()
 * from glib/gi18n.h and translated by gettext from the catalogues in po/;
 * the language comes from the configuration (kiosk.language) and the
 * language button, not from the environment's locale, and it works on a
 * machine with no locales generated. Each language is a text domain of its own
 * ("biokiosk-nl"), so that switching language is a textdomain() call and
 * never a change to the environment or the locale, which other threads
 * read. See docs/i18n.md.
 *
 * Threads: i18n_init() on the main thread before any other thread starts
 * (it is the one place that may set LANGUAGE and LC_MESSAGES);
 * i18n_set_language() and i18n_get_language() on the main thread, also
 * while other threads run; gettext() and _() on any thread at any time. */
#pragma once

#include <glib.h>

/* The language of the texts before i18n_init(): the msgids are English. */
#define I18N_SOURCE_LANGUAGE "en"

/* The direction a language is written in. */
typedef enum {
  I18N_DIRECTION_LTR,
  I18N_DIRECTION_RTL,
} I18nDirection;

/* The languages the kiosk knows, in the order a language chooser lists
 * them: "nl", "en", "ar", "tr", "uk", "fa", "ti"; NULL-terminated, static.
 * Whether one can be selected on this kiosk (its catalogue built and
 * installed) is i18n_language_available(). Any thread. */
const char *const *i18n_known_languages(void);

/* A known language's name in itself, for a language button: "Nederlands",
 * "English", "العربية", "Türkçe", "Українська", "فارسی", "ትግርኛ". NULL for
 * a code the kiosk does not know. Static strings; any thread. */
const char *i18n_language_name(const char *language);

/* The word "language" in a known language ("Taal", "Language", "اللغة",
 * "Dil", "Мова", "زبان", "ቋንቋ"), for the title of the language chooser,
 * which must be understood before any language is chosen. NULL for a code
 * the kiosk does not know. Static strings; any thread. */
const char *i18n_language_word(const char *language);

/* The direction a known language is written in: I18N_DIRECTION_RTL for
 * Arabic and Farsi, I18N_DIRECTION_LTR otherwise (and for unknown codes).
 * Runs of digits, codes and Latin names inside right-to-left text stay
 * left to right; that is the renderer's business. Any thread. */
I18nDirection i18n_language_direction(const char *language);

/* The ISO 15924 script a known language is written in, so that fonts can
 * be chosen per script in one place: "Latn" (nl, en, tr), "Arab" (ar, fa),
 * "Cyrl" (uk), "Ethi" (ti). NULL for unknown codes. Any thread. */
const char *i18n_language_script(const char *language);

/* Finds the languages that have a catalogue in i18n_locale_dir(), binds
 * their text domains (and that of English, which has none) there with
 * UTF-8 output, and prepares the process once: LANGUAGE becomes "biokiosk",
 * the private pseudo-language of the catalogue folder (so that no other
 * library's catalogue is chosen by it), whatever it was, and an
 * LC_MESSAGES of "C" or "POSIX"
 * (with which gettext ignores LANGUAGE) becomes C.UTF-8. Either is only
 * written when it differs from what is wanted, so a second call changes
 * nothing unless something else did in between. Then selects `language` as
 * i18n_set_language() does.
 * Call it from the main thread after setlocale(LC_ALL, "") and before any
 * thread is started: setenv() and setlocale() are not safe while another
 * thread may call getenv() or gettext(). May be called again (tests do),
 * under the same condition.
 * Returns TRUE when the texts now appear in `language`; FALSE when
 * `language` is not a language code or its catalogue cannot be found or
 * used, in which case the texts are English. */
gboolean i18n_init(const char *language);

/* Switches the texts to `language`, a language code such as "nl" ("en"
 * gives the English msgids whatever LANG or LANGUAGE said) by making its
 * text domain the default one. Strings translated earlier keep their
 * language; anything built afterwards (the next session_view()) uses the
 * new one. Changes neither the environment nor the locale. Call it after
 * i18n_init(), from the main thread; other threads may translate
 * meanwhile (glibc serialises textdomain() with gettext()) and get the old
 * or the new language. Returns TRUE when the texts now appear in
 * `language`; on FALSE (not a language code, no usable catalogue, or
 * i18n_init() not called) the language in use is left as it was. */
gboolean i18n_set_language(const char *language);

/* TRUE when i18n_set_language(`language`) would succeed now: English, or a
 * language whose catalogue was found by i18n_init() and is usable. FALSE
 * before i18n_init(). Main thread. */
gboolean i18n_language_available(const char *language);

/* The scripts (ISO 15924, each once) of the known languages that are
 * available on this kiosk, in the order of i18n_known_languages(): the
 * faces the screens need (ui_new() refuses to start without them).
 * NULL-terminated; free with g_strfreev(). Main thread, after
 * i18n_init(). */
char **i18n_available_scripts(void);

/* The language selected last ("en" before i18n_init()). Owned by this
 * module, valid until the next i18n_set_language() or i18n_init(); main
 * thread only. */
const char *i18n_get_language(void);

/* The folder the catalogues are read from,
 * <dir>/biokiosk/LC_MESSAGES/biokiosk-<lang>.mo: the build tree's po/ folder
 * when the running program lies in the build tree, otherwise the installed
 * catalogue folder (BK_LOCALEDIR, the kiosk's own). Any thread. */
const char *i18n_locale_dir(void);
