/* The pad tests' reference images: a rendered signature must be byte for
 * byte the committed PNG. */
#pragma once

#include <glib.h>

#include "image.h"

/* Compares `image` (encoded as PNG) with the file `rel` (relative to the
 * source tree); on a difference writes ours as <basename>.got.png in the
 * working folder and fails. With BK_UPDATE_REFERENCE=1 writes the
 * reference instead. */
void pad_assert_reference(const BkImage *image, const char *rel);
