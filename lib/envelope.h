/*
 * envelope: the contract's JSON envelope as a cJSON tree, for the response
 * writer (lib/response.c, which sends it) and chats3-admin --json (which
 * prints it):
 *   {"success":true,"data":...,"meta":{"requestId","timestamp"}}
 *   {"success":false,"message":...,"meta":{...}}
 * Each function returns a new tree the caller frees with cJSON_Delete, or
 * NULL when memory ran out; a data item passed in is owned by the
 * envelope from then on, also on failure (it is freed).
 */
#ifndef CHATS3_ENVELOPE_H
#define CHATS3_ENVELOPE_H

struct cJSON;

/* {"requestId":request_id,"timestamp":now, in ISO 8601 UTC}. */
struct cJSON *envelope_meta(const char *request_id);

/* The success envelope of data, with meta. */
struct cJSON *envelope_ok(struct cJSON *data, const char *request_id);

/* The failure envelope of message, with meta. */
struct cJSON *envelope_error(const char *message, const char *request_id);

#endif
