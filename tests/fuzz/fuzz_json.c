/*
 * fuzz_json: json_parse on arbitrary bytes (no NUL terminator, so an
 * over-read shows). What it accepts, printed back by cJSON, must parse
 * again: the bounds hold for our own output too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *v = NULL, *again = NULL;
	char *text = NULL;
	int rc = json_parse((const char *)data, size, &v);

	must(rc == 0 || rc == ERR_INVAL);
	must((rc == 0) == (v != NULL));
	if (v != NULL) {
		text = cJSON_PrintUnformatted(v);
		must(text != NULL);
		must(json_parse(text, strlen(text), &again) == 0);
	}
	cJSON_free(text);
	cJSON_Delete(again);
	cJSON_Delete(v);
	return 0;
}
