/* What the crash test (test-queue-crash.c) and its worker (crash-worker.c)
 * share: the database's name in the state folder, the record's metadata
 * and part, and the worker's log. Each log line is written and synced
 * before the worker goes on; a line without its newline was cut by the
 * kill:
 *
 *   open                       the queue is open
 *   open-failed <why>          it could not be opened (the worker exits 1)
 *   storing <token> <sha256>   about to store record <token>, whose payload
 *                              has that SHA-256
 *   stored <token> <id>        queue_store_record() returned: it is queued
 *   refused <token> <why>      queue_store_record() failed: it must be absent
 *   uploading                  queue_upload() starts
 *   upload-failed <id> <why>   a record the pass could not deliver or
 *                              acknowledge (it must stay queued)
 *   uploaded <acked> <failed>  queue_upload() returned
 *   upload-error <why>         queue_upload() failed as a whole */
#pragma once

#define CRASH_DATABASE "kiosk.db"

/* A record of the crash test: its token (unique over the whole run) and
 * its payload's SHA-256 in the metadata, the payload as one part. */
#define CRASH_KEY_TOKEN  "crash.token"
#define CRASH_KEY_SHA256 "crash.sha256"
#define CRASH_PART       "photo/camera"

#define CRASH_LOG_OPEN          "open"
#define CRASH_LOG_OPEN_FAILED   "open-failed"
#define CRASH_LOG_STORING       "storing"
#define CRASH_LOG_STORED        "stored"
#define CRASH_LOG_REFUSED       "refused"
#define CRASH_LOG_UPLOADING     "uploading"
#define CRASH_LOG_UPLOAD_FAILED "upload-failed"
#define CRASH_LOG_UPLOADED      "uploaded"
#define CRASH_LOG_UPLOAD_ERROR  "upload-error"
