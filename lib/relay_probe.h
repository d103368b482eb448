/*
 * relay_probe: is the SSE relay serving? Asks its GET /health over its
 * HTTP socket <data_dir>/run/relay.sock (RELAY_HTTP_SOCKET) and waits at
 * most a given time for the status line, never longer: the deep health
 * check calls it inside a request. Owns nothing past the call.
 */
#ifndef CHATS3_RELAY_PROBE_H
#define CHATS3_RELAY_PROBE_H

#define RELAY_HTTP_SOCKET "run/relay.sock" /* under the data directory */
#define RELAY_PROBE_TIMEOUT_MS 500

/* 0 when the relay answered 200 within timeout_ms; ERR_UNAVAILABLE when
 * nothing listens, it answered otherwise or too late; ERR_CONFIG when the
 * path does not fit a socket address; ERR_IO. */
int relay_probe(const char *data_dir, int timeout_ms);

#endif
