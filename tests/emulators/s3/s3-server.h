/* Starts and stops the S3 server of the tests and benchmarks (server.js
 * beside this file, see ../README.md) as a child process on loopback. */
#pragma once

#include <gio/gio.h>

typedef struct {
  GSubprocess *process;
  char *dir;      /* the server's storage */
  char *log;      /* one line per request: "METHOD /path?query STATUS" */
  char *endpoint; /* http://127.0.0.1:PORT */
} S3Server;

/* Starts server.js with its storage and log in `scratch` (an existing
 * folder), one bucket, and the one key pair it accepts; `fault` is NULL or
 * a server.js --fault. The npm packages are looked up in
 * $BK_S3_NODE_MODULES, else in <build>/s3-emulator/node_modules (make
 * setup), with <build> from $BK_BUILD_DIR or this build. NULL with the
 * reason (for a skip) when node, the packages or the server are missing. */
S3Server *s3_server_start(const char *scratch, const char *bucket,
                          const char *access_key, const char *secret_key,
                          const char *fault, char **ret_why);

/* Stops the server (SIGTERM) and frees; accepts NULL. */
void s3_server_free(S3Server *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(S3Server, s3_server_free)
