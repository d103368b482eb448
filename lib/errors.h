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
	ERR_ARG = -14,         /* a caller in our code passed a bad argument: 500 */
	ERR_NO_ENTRY = -15,    /* unknown conversation or wrong join code: 403 */
	ERR_CLOSED = -16,      /* the conversation is closed: 410 */
	ERR_NAME_TAKEN = -17,  /* display name in use in the conversation: 409 */
	ERR_BUSY = -18,        /* a racing twin still holds the key: 409, Retry-After */
	ERR_LOCKED = -19,      /* a conversation's failed joins spent its budget: 429, Retry-After */
	ERR_CONV_FULL = -20,   /* a conversation holds CHATS3_SESSIONS_PER_CONVERSATION: 429 */
	ERR_CLIENT_FULL = -21, /* a client address holds CHATS3_SESSIONS_PER_CLIENT: 429 */
	ERR__MIN = -22
};

/* Short developer-facing name of e, for logs ("ERR_DB"). Never NULL. */
const char *err_str(int e);

/* HTTP status that e maps to (400, 403, 404, 405, 409, 410, 413, 415,
 * 429, 500, 503). ERR_INVAL alone is a client's fault among the 4xx of input;
 * ERR_ARG (our own bad argument) is a 500, never a 400. */
int err_http_status(int e);

/* Seconds a client should wait before retrying e (the Retry-After the
 * answer carries), or 0 when e is not worth a retry. */
int err_retry_after(int e);

/* Sentence safe to show a client for e; never reveals internals. */
const char *err_public_message(int e);

#endif
