/* Sound out of the headphone jack: an SDL audio device opened by name that
 * plays mono signed 16-bit samples, which it asks for from its own thread
 * through a callback. The front end's part of spoken guidance; what is
 * played comes from the runtime (cli/main.c wires the two). */
#pragma once

#include <glib.h>

/* Fills `samples` with the next `n` samples; called on SDL's audio thread
 * for every buffer, so it must not block. */
typedef void (*UiAudioPull)(gpointer data, gint16 *samples, int n);

typedef struct UiAudio UiAudio;

/* Opens the output device named `device` as SDL lists it (NULL or "" =
 * the default) for `rate` samples per second and starts it: from now on
 * `pull` is called. NULL with UI_ERROR_INIT when SDL has no audio driver
 * or no such device. Main thread. */
UiAudio *ui_audio_open(const char *device, int rate, UiAudioPull pull,
                       gpointer data, GError **error);

/* Stops and closes it: when this returns, `pull` is not called any more.
 * Accepts NULL. Main thread. */
void ui_audio_close(UiAudio *audio);
