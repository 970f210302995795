/* kiosk/core/ is pure: no threads and no I/O. This header stands in for the
 * real <sqlite3.h> on core's include path (searched before the system's), so
 * that including it from core/ is a build error, not a review finding. */
#error                                                                         \
    "kiosk/core/ must not include <sqlite3.h>: storage, crypto, network and screen belong to store/, runtime/ and ui/"
