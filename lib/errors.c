#include "errors.h"

struct err_info {
	const char *name;
	int status;
	const char *message;
	int retry_after; /* seconds, 0: none */
};

static const struct err_info infos[] = {
	{ "ERR_OK", 200, "OK", 0 },
	{ "ERR_NOMEM", 500, "Internal server error", 0 },
	{ "ERR_INVAL", 400, "Invalid request", 0 },
	{ "ERR_TOOBIG", 413, "Request body too large", 0 },
	{ "ERR_MEDIATYPE", 415, "Unsupported content type", 0 },
	{ "ERR_NOTFOUND", 404, "Not found", 0 },
	{ "ERR_METHOD", 405, "Method not allowed", 0 },
	{ "ERR_DB", 503, "Service temporarily unavailable", 5 },
	{ "ERR_IO", 500, "Internal server error", 0 },
	{ "ERR_CONFIG", 500, "Internal server error", 0 },
	{ "ERR_UNAVAILABLE", 503, "Service temporarily unavailable", 5 },
	{ "ERR_INTERNAL", 500, "Internal server error", 0 },
	{ "ERR_CONFLICT", 409, "Conflict", 0 },
	{ "ERR_STORAGE", 500, "Internal server error", 0 },
	{ "ERR_ARG", 500, "Internal server error", 0 },
	/* One sentence for both: a wrong guess must not tell which part was wrong. */
	{ "ERR_NO_ENTRY", 403, "Unknown conversation or wrong join code", 0 },
	{ "ERR_CLOSED", 410, "This conversation is closed", 0 },
	{ "ERR_NAME_TAKEN", 409, "That display name is already in use in this conversation", 0 },
	{ "ERR_BUSY", 409, "A message with this key is still being stored; retry later", 1 },
	{ "ERR_LOCKED", 429, "Too many failed joins for this conversation; try again later", 60 },
	{ "ERR_CONV_FULL", 429, "This conversation has too many sessions; try again later", 60 },
	{ "ERR_CLIENT_FULL", 429, "Too many sessions from this address; leave one first", 60 },
};

_Static_assert(sizeof infos / sizeof infos[0] == -ERR__MIN, "one entry per enum err");

static const struct err_info *info(int e)
{
	if (e > 0 || e <= ERR__MIN)
		e = ERR_INTERNAL;
	return &infos[-e];
}

const char *err_str(int e) { return info(e)->name; }
int err_http_status(int e) { return info(e)->status; }
const char *err_public_message(int e) { return info(e)->message; }
int err_retry_after(int e) { return info(e)->retry_after; }
