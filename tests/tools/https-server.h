/* nginx as the kiosk's back office for the upload tests and benches: run
 * by tests/tools/https-backoffice.sh on loopback, as this process's user,
 * in a private folder, with certificates made by openssl for this run
 * (docs/delivery.md). Locations: /records/ stores PUTs (WebDAV) and serves
 * them back; /f500/, /f503/ (Retry-After: 7), /f429/ (Retry-After: 5),
 * /f507/, /f400/, /f401/, /f403/ answer with that status; /f413/ takes at
 * most 1 KB; /reset/ drops the connection; /hang/ never answers; /lostack/
 * stores into /records/ but never answers; /mismatch/ stores but serves
 * other bytes back. */
#pragma once

#include <gio/gio.h>

typedef struct {
  char *dir;     /* private folder (removed by https_server_stop()) */
  char *records; /* where /records/<id>.bkrec land */
  /* The kiosk's trust and identity, and the wrong ones. */
  char *ca, *cert, *key;
  char *other_ca, *other_cert, *other_key; /* a CA nginx does not trust */
  char *revoked_cert, *revoked_key;        /* revoked in nginx's CRL */
  int port;         /* mutual TLS, the server's good certificate */
  int expired_port; /* the same, with a certificate that expired in 2020 */
  GPid pid;
  GSocket *blackhole; /* listens, never accepts: /hang/ and /lostack/ */
} HttpsServer;

/* Starts nginx; NULL with the reason when it cannot (nginx or openssl
 * missing, no loopback): the caller skips (exit 77). */
HttpsServer *https_server_start(GError **error);

/* https://127.0.0.1:<port>/<location>/ */
char *https_server_url(const HttpsServer *server, const char *location);

/* Stops nginx and removes its folder; accepts NULL. */
void https_server_stop(HttpsServer *server);
