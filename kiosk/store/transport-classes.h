/* The transports' class tables, for the registry in transport.c. Private
 * to store/: the rest of the kiosk picks a transport by the target URL's
 * scheme (transport_open()). */
#pragma once

#include "transport.h"

/* transport-folder.c: file:///folder, a folder on this machine or a mount. */
extern const TransportClass transport_folder_class;
/* transport-s3.c: s3://bucket/prefix, S3-compatible object storage. */
extern const TransportClass transport_s3_class;
