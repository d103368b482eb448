/*
 * fuzz_storage_key: keys_valid and the key builders. The input's first 8
 * bytes are a millisecond time (little endian), the rest is text: all of it
 * is a candidate key, and split at its first '\n' it is a conversation id
 * and a UUID. A key that keys_valid accepts obeys each rule by itself, and
 * a builder either refuses its ids or makes a valid key under
 * "conversations/<id>/".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "storage_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

/* The rules again, checked one by one on an accepted key. */
static void check_accepted(const char *key)
{
	size_t n = strlen(key);

	must(n >= 1 && n <= STORAGE_MAX_KEY);
	must(key[0] != '/' && key[n - 1] != '/' && strstr(key, "//") == NULL);
	must(strcmp(key, ".") != 0 && strcmp(key, "..") != 0);
	must(strstr(key, "/./") == NULL && strstr(key, "/../") == NULL);
	must(strncmp(key, "./", 2) != 0 && strncmp(key, "../", 3) != 0);
	must(n < 2 || strcmp(key + n - 2, "/.") != 0);
	must(n < 3 || strcmp(key + n - 3, "/..") != 0);
	for (size_t i = 0; i < n; i++)
		must((unsigned char)key[i] >= 0x20 && key[i] != 0x7f);
}

static void check_built(int rc, const char *out, const char *id)
{
	size_t n = strlen(id);

	must(rc == 0 || rc == ERR_INVAL);
	if (rc != 0)
		return;
	must(keys_valid_conversation_id(id));
	must(keys_valid(out));
	must(strncmp(out, "conversations/", 14) == 0 && strncmp(out + 14, id, n) == 0 &&
	    out[14 + n] == '/');
}

static void build_all(const char *id, const char *uuid, int64_t ms)
{
	char out[STORAGE_MAX_KEY + 1];
	char prefix[STORAGE_MAX_KEY + 1];
	int rc;

	check_built(keys_meta(out, id), out, id);
	check_built(keys_attachment_original(out, id, uuid), out, id);
	check_built(keys_attachment_meta(out, id, uuid), out, id);
	/* A prefix ends with '/': the key rules hold for it plus one segment. */
	rc = keys_messages_prefix(prefix, id);
	must(rc == 0 || rc == ERR_INVAL);
	rc = keys_messages_day_prefix(prefix, id, ms);
	must(rc == 0 || rc == ERR_INVAL);
	rc = keys_message_batch(out, id, ms, uuid);
	check_built(rc, out, id);
	if (rc == 0)
		must(strncmp(out, prefix, strlen(prefix)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t bits = 0;
	char *text, *nl;

	if (size < 8 || size > 8 + 2 * STORAGE_MAX_KEY)
		return 0;
	for (int i = 7; i >= 0; i--)
		bits = bits << 8 | data[i];
	must((text = malloc(size - 8 + 1)) != NULL);
	memcpy(text, data + 8, size - 8);
	text[size - 8] = '\0';
	if (keys_valid(text))
		check_accepted(text);
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		build_all(text, nl + 1, (int64_t)bits);
	}
	free(text);
	return 0;
}
