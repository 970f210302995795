/* PNG encode and decode through libpng, in memory; and a file writer for
 * things that are not biometric (screenshots, reports). */
#pragma once

#include "image.h"

/* Encodes a grey, RGB or RGBA image losslessly. Output is deterministic
 * (no timestamps), so equal images give byte-identical files. */
GBytes *pngio_encode(const BkImage *image, GError **error);

/* Decodes any PNG into 8-bit grey, RGB or RGBA (palette expanded, 16-bit
 * stripped, grey+alpha expanded to RGBA). */
BkImage *pngio_decode(const guint8 *data, gsize len, GError **error);

/* pngio_encode() and write to `path` atomically. Never use it for biometric
 * images: those leave the process only sealed. */
gboolean pngio_write_file(const BkImage *image, const char *path,
                          GError **error);

/* Reads and decodes a PNG file. */
BkImage *pngio_read_file(const char *path, GError **error);
