/* The transports' class tables, for the registry in transport.c. Private
 * to store/: the rest of the kiosk picks a transport by the target URL's
 * scheme (transport_open()). */
#pragma once

#include "transport.h"

#include <curl/curl.h>

/* An envelope as the body of a libcurl upload: CURLOPT_READFUNCTION
 * transport_body_read and CURLOPT_SEEKFUNCTION transport_body_seek (for a
 * body libcurl sends again), both with the TransportBody as their data. */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize offset;
} TransportBody;

size_t transport_body_read(char *buffer, size_t size, size_t n, void *user);
int transport_body_seek(void *user, curl_off_t offset, int origin);

/* transport-folder.c: file:///folder, a folder on this machine or a mount. */
extern const TransportClass transport_folder_class;
/* transport-https.c: https://host/path/, one PUT per record, mutual TLS. */
extern const TransportClass transport_https_class;
/* transport-s3.c: s3://bucket/prefix, S3-compatible object storage. */
extern const TransportClass transport_s3_class;
