/* The PTP/IP camera emulator as a program, for trying libgphoto2 or the
 * kiosk by hand: prints its libgphoto2 port string and serves until killed.
 *   ptpip-camera [--folder DIR]   (DIR: *.jpg used as live view and still) */
#include "ptpip-camera.h"

#include <glib-unix.h>
#include <stdio.h>

static gboolean on_signal(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
  g_autofree char *folder = NULL;
  GOptionEntry entries[] = {
      {"folder", 0, 0, G_OPTION_ARG_FILENAME, &folder,
       "serve the *.jpg files of DIR", "DIR"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("- PTP/IP camera emulator");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtpipCamera) cam = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *address = NULL;

  g_option_context_add_main_entries(ctx, entries, NULL);
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "ptpip-camera: %s\n", error->message);
    return 2;
  }
  cam = ptpip_camera_new(&error);
  if (!cam) {
    fprintf(stderr, "ptpip-camera: %s\n", error->message);
    return 1;
  }
  if (folder) {
    g_autoptr(GDir) dir = g_dir_open(folder, 0, &error);
    g_autoptr(GPtrArray) frames =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    const char *name;

    if (!dir) {
      fprintf(stderr, "ptpip-camera: %s\n", error->message);
      return 2;
    }
    while ((name = g_dir_read_name(dir))) {
      g_autofree char *path = g_build_filename(folder, name, NULL);
      char *data;
      gsize len;

      if (g_str_has_suffix(name, ".jpg") &&
          g_file_get_contents(path, &data, &len, NULL))
        g_ptr_array_add(frames, g_bytes_new_take(data, len));
    }
    if (frames->len > 0) {
      ptpip_camera_set_frames(cam, (GBytes *const *)frames->pdata, frames->len);
      ptpip_camera_set_still(cam, g_ptr_array_index(frames, 0));
    }
  }
  address = ptpip_camera_address(cam);
  printf("%s\n", address);
  fflush(stdout);
  loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_main_loop_run(loop);
  return 0;
}
