/*
 * errors: the one list of failures that lib/ reports, and the one mapping
 * from a failure to its HTTP status and its public sentence.
 *
 * Every lib/ function that can fail returns 0 or a negative enum err.
 * Nothing here allocates.
 */
#ifndef CHATS3_ERRORS_H
#define CHATS3_ERRORS_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM = -1,        /* allocation failed */
	ERR_INVAL = -2,        /* malformed input from a client */
	ERR_TOOBIG = -3,       /* input over its configured cap */
	ERR_MEDIATYPE = -4,    /* wrong Content-Type */
	ERR_NOTFOUND = -5,     /* no such route or resource */
	ERR_METHOD = -6,       /* route exists, method does not */
	ERR_DB = -7,           /* SQLite failed */
	ERR_IO = -8,           /* local I/O failed */
	ERR_CONFIG = -9,       /* configuration invalid */
	ERR_UNAVAILABLE = -10, /* a dependency is down: retry later */
	ERR_INTERNAL = -11,    /* our own bug or an unexpected state */
	ERR_CONFLICT = -12,    /* the thing exists already (create-only) */
	ERR_STORAGE = -13,     /* storage refused (credentials, bucket): 500 */
	ERR__MIN = -14
};

/* Short developer-facing name of e, for logs ("ERR_DB"). Never NULL. */
const char *err_str(int e);

/* HTTP status that e maps to (400, 413, 415, 404, 405, 503, 500). */
int err_http_status(int e);

/* Sentence safe to show a client for e; never reveals internals. */
const char *err_public_message(int e);

#endif
