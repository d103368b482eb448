/*
 * integrators: the sites that may embed rooms (flow 2), from the JSON file
 * CHATS3_INTEGRATORS_FILE names:
 *
 *   [{"id": "acme", "secret": "<at least 32 bytes>",
 *     "allowedOrigins": ["https://www.acme.example", "http://localhost:3000"]}]
 *
 * The file is read and checked once, at start (app_init): a malformed
 * file, a duplicate or malformed id, a secret shorter than
 * INTEGRATOR_SECRET_MIN bytes, an empty origin list or an origin that is
 * not one (http_origin_valid) fails the start with a sentence naming the
 * entry; a secret never appears in it.
 *
 * struct integrators owns everything it holds; integrators_free wipes the
 * secrets (OPENSSL_cleanse) and frees it. Lookups return pointers into it.
 */
#ifndef CHATS3_INTEGRATORS_H
#define CHATS3_INTEGRATORS_H

#include <stddef.h>

#include "config.h"

#define INTEGRATOR_ID_MAX 64       /* bytes of an id: [A-Za-z0-9._-] */
#define INTEGRATOR_SECRET_MIN 32   /* bytes of a secret, at least */
#define INTEGRATOR_SECRET_MAX 1024
#define INTEGRATORS_FILE_MAX (1024 * 1024)

struct integrator {
	char *id;
	char *secret;           /* the HMAC key: its bytes as written */
	size_t secret_len;
	char **origins;         /* allowedOrigins */
	size_t n_origins;
};

struct integrators {
	struct integrator *items;
	size_t n;
};

/* Parses text[0..n) into *out (zeroed first). 0; ERR_CONFIG with a
 * sentence in err; ERR_NOMEM. */
int integrators_parse(const char *text, size_t n, struct integrators *out,
    char err[CONFIG_ERR_LEN]);

/* Reads the file path (at most INTEGRATORS_FILE_MAX bytes) and parses it;
 * as integrators_parse, err naming the file. */
int integrators_load(const char *path, struct integrators *out, char err[CONFIG_ERR_LEN]);

/* The integrator whose id is id, or NULL (list may be empty). */
const struct integrator *integrators_find(const struct integrators *list, const char *id);

/* 1 when origin is one of it's allowedOrigins (byte for byte), else 0. */
int integrators_allows(const struct integrator *it, const char *origin);

/* Every allowed origin of list, each once, into out[0..cap): their number
 * (pointers into list), or ERR_TOOBIG when there are more than cap. */
int integrators_origins(const struct integrators *list, const char **out, size_t cap);

/* Wipes the secrets and frees what list holds; list is left empty. */
void integrators_free(struct integrators *list);

#endif
