/* The signature pad's link between its worker thread and the main thread.
 * worker_pad_class (worker.h) runs signature jobs with a PadLink as its
 * context; the link owns the pad, so that it can report the pad's state
 * between jobs and heal it during one:
 *
 *  - at start-up, and between jobs, a probe thread opens the pad (an
 *    absent pad is shown as such at once, never replaced by the
 *    simulator), and about once a second (PAD_PROBE_MS) tries again while
 *    it is absent or, for backends that can tell (pad_present()), looks
 *    whether the open pad is still there;
 *  - during a signature every sample is streamed to the main thread as it
 *    arrives (the screen's live ink);
 *  - a pad lost during a signature is reported RECOVERING, the partial
 *    signature is discarded (news.restarted), and the pad is reopened
 *    every PAD_LINK_RETRY_MS: the applicant signs again once it is back,
 *    within 2 s of a replug, without a restart. */
#pragma once

#include "config.h"
#include "device.h"
#include "pad.h"

#define PAD_LINK_RETRY_MS 250
#define PAD_PROBE_MS      1000

typedef struct PadLink PadLink;

/* `config` is borrowed and must outlive the link; `wake(wake_data)` is
 * called from the pad's threads whenever there is news (must not block).
 * Starts the probe. */
PadLink *pad_link_new(const KioskConfig *config, void (*wake)(gpointer),
                      gpointer wake_data);
/* After the worker that uses it was freed. Accepts NULL. */
void pad_link_free(PadLink *link);

/* What happened since the last take. */
typedef struct {
  GArray *points;     /* PadPoint, newest last; after `restarted` */
  gboolean restarted; /* everything streamed before is void */
  gboolean lost;      /* the pad went away (and may be back already) */
  gboolean changed;   /* state or message changed */
  DeviceState state;
  char *message; /* NULL when the pad is fine */
} PadNews;

/* Takes the news (main thread). FALSE when there is none; otherwise fills
 * `ret_news`, to be freed with pad_news_clear(). */
gboolean pad_link_take(PadLink *link, PadNews *ret_news);
void pad_news_clear(PadNews *news);

/* The identity of the pad from its last successful open; FALSE when it
 * was never open. Any thread. */
gboolean pad_link_describe(PadLink *link, DeviceInfo *ret_info);
