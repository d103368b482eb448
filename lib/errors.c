#include "errors.h"

struct err_info {
	const char *name;
	int status;
	const char *message;
};

static const struct err_info infos[] = {
	{ "ERR_OK", 200, "OK" },
	{ "ERR_NOMEM", 500, "Internal server error" },
	{ "ERR_INVAL", 400, "Invalid request" },
	{ "ERR_TOOBIG", 413, "Request body too large" },
	{ "ERR_MEDIATYPE", 415, "Unsupported content type" },
	{ "ERR_NOTFOUND", 404, "Not found" },
	{ "ERR_METHOD", 405, "Method not allowed" },
	{ "ERR_DB", 503, "Service temporarily unavailable" },
	{ "ERR_IO", 500, "Internal server error" },
	{ "ERR_CONFIG", 500, "Internal server error" },
	{ "ERR_UNAVAILABLE", 503, "Service temporarily unavailable" },
	{ "ERR_INTERNAL", 500, "Internal server error" },
	{ "ERR_CONFLICT", 409, "Conflict" },
	{ "ERR_STORAGE", 500, "Internal server error" },
};

static const struct err_info *info(int e)
{
	if (e > 0 || e <= ERR__MIN)
		e = ERR_INTERNAL;
	return &infos[-e];
}

const char *err_str(int e) { return info(e)->name; }
int err_http_status(int e) { return info(e)->status; }
const char *err_public_message(int e) { return info(e)->message; }
