/* The scenario chooser of training mode (training-chooser.h). */
#include "training-chooser.h"

#include <gio/gio.h>
#include <string.h>

#include "audit.h"
#include "demo-media.h"
#include "fpreader-sim.h"
#include "pad-sim.h"

#define CHOICE(id, label, device)                                              \
  {                                                                            \
    id, TRAINING_CHOICE_PREFIX id, label, device                               \
  }

/* Short labels: fourteen buttons share the screen. */
static const TrainingChoice choices[] = {
    CHOICE("family", "Family", TRAINING_ALL),
    CHOICE("compliant", "Compliant", TRAINING_CAMERA),
    CHOICE("covering-white", "White covering", TRAINING_CAMERA),
    CHOICE("covering-undeclared", "Dark covering", TRAINING_CAMERA),
    CHOICE("off-centre", "Off-centre", TRAINING_CAMERA),
    CHOICE("head-rolled", "Head rolled", TRAINING_CAMERA),
    CHOICE("too-far", "Too far", TRAINING_CAMERA),
    CHOICE("two-faces", "Two faces", TRAINING_CAMERA),
    CHOICE("overexposed", "Overexposed", TRAINING_CAMERA),
    CHOICE("poor-finger", "Poor finger", TRAINING_READER),
    CHOICE("missing-finger", "Missing finger", TRAINING_READER),
    CHOICE("small-signature", "Small signature", TRAINING_PAD),
    CHOICE("unplugged", "Pad unplugged", TRAINING_PAD),
};

typedef struct {
  App *app;
  /* The choice per device (NULL: no fault). */
  const TrainingChoice *camera;
  const TrainingChoice *reader;
  const TrainingChoice *pad;
  /* The chooser is open over the session's screen `opened_on`. */
  gboolean open;
  ViewScreen opened_on;
  char *armed_for; /* the person the pad's fault was last armed for */
  KioskView shown; /* what the layer's view() returned */
  char *title;
  char *scenario_label;
} Chooser;

const TrainingChoice *training_choices(gsize *ret_n)
{
  *ret_n = G_N_ELEMENTS(choices);
  return choices;
}

static const TrainingChoice *choice_by_button(const char *button)
{
  for (gsize i = 0; i < G_N_ELEMENTS(choices); i++)
    if (g_str_equal(choices[i].button, button))
      return &choices[i];
  return NULL;
}

static const char *label_or_none(const TrainingChoice *choice)
{
  return choice ? choice->label : "fine";
}

/* The pad's fault plays once; it is armed again for every person. */
static void arm_pad(Chooser *self)
{
  g_autoptr(GError) error = NULL;

  if (!pad_sim_set_scenario(self->pad ? self->pad->id : "none", &error))
    g_warning("training: %s", error->message);
}

/* Puts the choices in front of the simulated devices. */
static void apply_devices(Chooser *self)
{
  const DemoScenario *scenario =
      self->camera ? demo_media_scenario_find(self->camera->id) : NULL;
  g_autoptr(GError) error = NULL;

  /* "": person N of the appointment as the camera's subject #N. */
  app_set_camera_subject(self->app, scenario ? scenario->subject : "");
  if (!fpreader_sim_set_scenario(self->reader ? self->reader->id : "none",
                                 &error))
    g_warning("training: %s", error->message);
  arm_pad(self);
}

static void choose(Chooser *self, const TrainingChoice *choice)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *details = g_strdup_printf("choice=%s", choice->id);

  switch (choice->device) {
  case TRAINING_ALL:
    self->camera = self->reader = self->pad = NULL;
    break;
  case TRAINING_CAMERA:
    self->camera = choice;
    break;
  case TRAINING_READER:
    self->reader = choice;
    break;
  case TRAINING_PAD:
    self->pad = choice;
    break;
  }
  apply_devices(self);
  if (!audit_append(app_database(self->app), g_get_real_time(),
                    AUDIT_ACTOR_OFFICER, "training.scenario", details, NULL,
                    &error))
    g_warning("training: the audit log did not take the choice: %s",
              error->message);
}

static void add_button(KioskView *v, const char *id, const char *label,
                       gboolean primary)
{
  if (v->n_buttons >= VIEW_MAX_BUTTONS)
    return;
  v->buttons[v->n_buttons++] = (ViewButton){
      .id = id, .label = label, .primary = primary, .enabled = TRUE};
}

static gboolean is_current(const Chooser *self, const TrainingChoice *c)
{
  if (c->device == TRAINING_ALL)
    return !self->camera && !self->reader && !self->pad;
  return c == self->camera || c == self->reader || c == self->pad;
}

/* The chooser's own screen, under the session's banner and footer. */
static const KioskView *chooser_view(Chooser *self, const KioskView *under)
{
  KioskView *v = &self->shown;

  memset(v, 0, sizeof *v);
  v->screen = VIEW_MESSAGE;
  v->banner = under->banner;
  v->footer = under->footer;
  g_free(self->title);
  self->title = g_strdup_printf(
      "Now: camera \u2013 %s \u00b7 reader \u2013 %s \u00b7 pad \u2013 %s",
      label_or_none(self->camera), label_or_none(self->reader),
      label_or_none(self->pad));
  v->title = "Training: what does the next person bring?";
  v->lines[v->n_lines++] = self->title;
  for (gsize i = 0; i < G_N_ELEMENTS(choices); i++)
    add_button(v, choices[i].button, choices[i].label,
               is_current(self, &choices[i]));
  add_button(v, TRAINING_BUTTON_CLOSE, "Close", FALSE);
  return v;
}

/* A new person on the person screen: the pad's fault is theirs too. */
static void person_seen(Chooser *self)
{
  const SessionPerson *p = session_person(app_session(self->app));
  g_autofree char *who = NULL;

  if (!p)
    return;
  who = g_strdup_printf("%s/%d", p->appointment->code, p->person_index);
  if (g_strcmp0(who, self->armed_for) == 0)
    return;
  g_free(self->armed_for);
  self->armed_for = g_steal_pointer(&who);
  arm_pad(self);
}

/* The choice the Scenario button names: the camera's, else the reader's,
 * else the pad's. */
static const char *first_label(const Chooser *self)
{
  if (self->camera)
    return self->camera->label;
  if (self->reader)
    return self->reader->label;
  return self->pad ? self->pad->label : "Family";
}

static gboolean has_button(const KioskView *v, const char *id)
{
  for (int i = 0; i < v->n_buttons; i++)
    if (g_strcmp0(v->buttons[i].id, id) == 0)
      return TRUE;
  return FALSE;
}

/* AppLayer.view: the chooser when open, else the session's screen with a
 * Scenario button on check-in and before a person's capture. */
static const KioskView *layer_view(gpointer data, const KioskView *view)
{
  Chooser *self = data;
  gboolean offered =
      view->screen == VIEW_CHECKIN ||
      (view->screen == VIEW_PERSON && has_button(view, VIEW_BUTTON_START));

  if (view->screen == VIEW_PERSON)
    person_seen(self);
  /* The session moved on (an idle timeout): the chooser goes with it. */
  if (self->open && view->screen != self->opened_on)
    self->open = FALSE;
  if (self->open)
    return chooser_view(self, view);
  if (!offered || view->n_buttons >= VIEW_MAX_BUTTONS)
    return view;
  self->shown = *view;
  g_free(self->scenario_label);
  self->scenario_label = g_strdup_printf("Scenario: %s", first_label(self));
  add_button(&self->shown, TRAINING_BUTTON_SCENARIO, self->scenario_label,
             FALSE);
  return &self->shown;
}

/* AppLayer.intent: the chooser's buttons, and while it is open every
 * press (nothing under it may be touched); touches still count as
 * activity for the idle timer. */
static gboolean layer_intent(gpointer data, const KioskIntent *intent)
{
  Chooser *self = data;
  const KioskView *under = session_view(app_session(self->app));
  const TrainingChoice *choice;

  if (intent->type == INTENT_ACTIVITY || intent->type == INTENT_PEN ||
      intent->type == INTENT_QUIT)
    return FALSE;
  if (!self->open) {
    if (intent->type != INTENT_BUTTON ||
        !g_str_equal(intent->button, TRAINING_BUTTON_SCENARIO))
      return FALSE;
    self->open = TRUE;
    self->opened_on = under->screen;
    return TRUE;
  }
  if (intent->type != INTENT_BUTTON)
    return TRUE;
  choice = choice_by_button(intent->button);
  if (choice)
    choose(self, choice);
  if (choice || g_str_equal(intent->button, TRAINING_BUTTON_CLOSE))
    self->open = FALSE;
  return TRUE;
}

static void chooser_free(gpointer data)
{
  Chooser *self = data;

  g_free(self->armed_for);
  g_free(self->title);
  g_free(self->scenario_label);
  g_free(self);
}

void training_chooser_install(App *app, const char *camera_scenario)
{
  Chooser *self = g_new0(Chooser, 1);
  AppLayer layer = {
      .view = layer_view,
      .intent = layer_intent,
      .destroy = chooser_free,
      .data = self,
  };
  g_autofree char *button = NULL;

  self->app = app;
  if (camera_scenario) {
    button = g_strconcat(TRAINING_CHOICE_PREFIX, camera_scenario, NULL);
    self->camera = choice_by_button(button);
  }
  apply_devices(self);
  app_set_layer(app, &layer);
}
