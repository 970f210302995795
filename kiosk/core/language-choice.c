/* The per-person language choice and the chooser screen (see
 * language-choice.h). */
#include "language-choice.h"

#include <string.h>

#include "i18n.h"

void language_choice_clear(LanguageChoice *choice)
{
  g_clear_pointer(&choice->chosen, g_ptr_array_unref);
  choice->open = FALSE;
}

/* The known language `code` names, as the table's static string; NULL for
 * an unknown code or one this kiosk cannot show. */
static const char *language_known(const char *code)
{
  for (const char *const *l = i18n_known_languages(); *l; l++)
    if (g_str_equal(*l, code))
      return i18n_language_available(*l) ? *l : NULL;
  return NULL;
}

static void choice_record(LanguageChoice *choice, int person,
                          const char *language)
{
  if (person < 0)
    return;
  if (!choice->chosen)
    choice->chosen = g_ptr_array_new();
  if ((guint)person >= choice->chosen->len)
    g_ptr_array_set_size(choice->chosen, person + 1);
  g_ptr_array_index(choice->chosen, person) = (gpointer)language;
}

gboolean language_choice_button(LanguageChoice *choice, int person,
                                const char *button, const char **ret_switch)
{
  const char *language;

  *ret_switch = NULL;
  if (!button)
    return FALSE;
  if (g_str_equal(button, VIEW_BUTTON_LANGUAGE)) {
    choice->open = !choice->open;
    return TRUE;
  }
  if (!g_str_has_prefix(button, VIEW_BUTTON_LANGUAGE_PREFIX))
    return FALSE;
  choice->open = FALSE;
  language = language_known(button + strlen(VIEW_BUTTON_LANGUAGE_PREFIX));
  if (language) {
    choice_record(choice, person, language);
    *ret_switch = language;
  }
  return TRUE;
}

const char *language_choice_for(const LanguageChoice *choice, int person,
                                const char *fallback)
{
  const char *language = NULL;

  if (choice->chosen && person >= 0 && (guint)person < choice->chosen->len)
    language = g_ptr_array_index(choice->chosen, person);
  return language ? language : fallback;
}

void language_choice_view(KioskView *view, const char *current,
                          GPtrArray *strings)
{
  GString *title = g_string_new(NULL);

  view->screen = VIEW_MESSAGE;
  for (const char *const *l = i18n_known_languages(); *l; l++) {
    ViewButton *b;
    char *id;

    if (!i18n_language_available(*l) || view->n_buttons == VIEW_MAX_BUTTONS)
      continue;
    if (!strstr(title->str, i18n_language_word(*l)))
      g_string_append_printf(title, "%s%s", title->len ? " · " : "",
                             i18n_language_word(*l));
    id = g_strconcat(VIEW_BUTTON_LANGUAGE_PREFIX, *l, NULL);
    g_ptr_array_add(strings, id);
    b = &view->buttons[view->n_buttons++];
    *b = (ViewButton){id, i18n_language_name(*l), g_strcmp0(current, *l) == 0,
                      TRUE};
  }
  view->title = g_string_free(title, FALSE);
  g_ptr_array_add(strings, (char *)view->title);
}
