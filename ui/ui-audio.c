/* SDL audio output for spoken guidance (ui-audio.h). Buffers are short
 * (512 samples, 23 ms at 22050 Hz) so that speech starts soon after a
 * screen changes; SDL converts to whatever the device plays. */
#include "ui-audio.h"

#include <SDL.h>

#include "ui.h"

enum { AUDIO_BUFFER_SAMPLES = 512 };

struct UiAudio {
  SDL_AudioDeviceID id;
  UiAudioPull pull;
  gpointer data;
};

static void audio_callback(void *userdata, Uint8 *stream, int len)
{
  UiAudio *a = userdata;

  a->pull(a->data, (gint16 *)stream, len / (int)sizeof(gint16));
}

UiAudio *ui_audio_open(const char *device, int rate, UiAudioPull pull,
                       gpointer data, GError **error)
{
  SDL_AudioSpec want = {
      .freq = rate,
      .format = AUDIO_S16SYS,
      .channels = 1,
      .samples = AUDIO_BUFFER_SAMPLES,
      .callback = audio_callback,
  };
  UiAudio *a;

  g_return_val_if_fail(pull != NULL && rate > 0, NULL);
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    g_set_error(error, UI_ERROR, UI_ERROR_INIT, "no audio: %s", SDL_GetError());
    return NULL;
  }
  a = g_new0(UiAudio, 1);
  a->pull = pull;
  a->data = data;
  want.userdata = a;
  a->id =
      SDL_OpenAudioDevice(device && *device ? device : NULL, 0, &want, NULL, 0);
  if (a->id == 0) {
    g_set_error(error, UI_ERROR, UI_ERROR_INIT, "audio device %s: %s",
                device && *device ? device : "(default)", SDL_GetError());
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    g_free(a);
    return NULL;
  }
  SDL_PauseAudioDevice(a->id, 0);
  return a;
}

void ui_audio_close(UiAudio *a)
{
  if (!a)
    return;
  SDL_CloseAudioDevice(a->id);
  SDL_QuitSubSystem(SDL_INIT_AUDIO);
  g_free(a);
}
