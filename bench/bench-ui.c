/* Frame cost of the SDL front end, headless: a live-view photo screen (the
 * one redrawn for every camera frame), the check-in keypad, and a screenshot
 * (PNG encode included). Prints "<name> <value> <unit>" lines. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "ui.h"

static double ms_per_frame(Ui *ui, const KioskView *view, int frames)
{
  gint64 start;

  ui_render(ui, view); /* warm the text cache */
  start = g_get_monotonic_time();
  for (int i = 0; i < frames; i++)
    ui_render(ui, view);
  return (g_get_monotonic_time() - start) / 1000.0 / frames;
}

int main(void)
{
  g_autoptr(GError) error = NULL;
  UiOptions options = {.headless = TRUE, .location = "IND Amsterdam"};
  g_autoptr(Ui) ui = ui_new(&options, &error);
  g_autoptr(BkImage) frame = image_new(1024, 680, 3);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  KioskView photo = {0}, checkin = {0};
  gint64 start;

  if (!ui) {
    g_printerr("bench-ui: %s\n", error->message);
    return 1;
  }
  for (int y = 0; y < frame->height; y++)
    for (int x = 0; x < frame->width; x++)
      memset(image_pixel(frame, x, y), (x + y) & 0xff, 3);

  photo.screen = VIEW_PHOTO;
  photo.title = "Passport photo";
  photo.lines[0] = "Look straight into the camera with a neutral face.";
  photo.lines[1] = "Keep your face inside the oval.";
  photo.n_lines = 2;
  photo.step = 1;
  photo.n_steps = 4;
  photo.person = "Amira El Idrissi";
  photo.footer = "IND Amsterdam";
  photo.image =
      (ViewImage){frame->width, frame->height, 3, frame->stride, frame->pixels};
  photo.buttons[0] = (ViewButton){VIEW_BUTTON_TAKE, "Take photo", TRUE, TRUE};
  photo.n_buttons = 1;

  checkin.screen = VIEW_CHECKIN;
  checkin.title = "Welcome. Please enter your appointment code";
  checkin.entry = "1234";
  checkin.entry_max = 12;
  checkin.footer = "IND Amsterdam";

  printf("ui.render_photo_liveview_ms %.2f ms\n", ms_per_frame(ui, &photo, 30));
  printf("ui.render_checkin_ms %.2f ms\n", ms_per_frame(ui, &checkin, 30));

  dir = g_dir_make_tmp("bench-ui-XXXXXX", NULL);
  path = g_build_filename(dir, "shot.png", NULL);
  start = g_get_monotonic_time();
  for (int i = 0; i < 5; i++) {
    if (!ui_screenshot(ui, path, &error)) {
      g_printerr("bench-ui: %s\n", error->message);
      return 1;
    }
  }
  printf("ui.screenshot_ms %.2f ms\n",
         (g_get_monotonic_time() - start) / 1000.0 / 5);
  g_unlink(path);
  g_rmdir(dir);
  return 0;
}
