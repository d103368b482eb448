#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ice_servers.h"
#include "json.h"

static const char *const SCHEMES[] = { "stun:", "stuns:", "turn:", "turns:" };
static const char *const MEMBERS[] = { "urls", "username", "credential" };

#define N(a) (sizeof a / sizeof a[0])

/* 1 for a TURN URL, 0 for STUN, -1 for neither. */
static int url_kind(const cJSON *u)
{
	if (!cJSON_IsString(u))
		return -1;
	for (size_t i = 0; i < N(SCHEMES); i++) {
		size_t n = strlen(SCHEMES[i]);
		if (strncmp(u->valuestring, SCHEMES[i], n) == 0 && u->valuestring[n] != '\0')
			return i >= 2;
	}
	return -1;
}

/* The first member of entry that is not one of MEMBERS, or NULL. */
static const char *unknown_member(const cJSON *entry)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, entry) {
		size_t i = 0;
		while (i < N(MEMBERS) && strcmp(m->string, MEMBERS[i]) != 0)
			i++;
		if (i == N(MEMBERS))
			return m->string;
	}
	return NULL;
}

/* 1 when entry has member name as a non-empty string. */
static int has_text(const cJSON *entry, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, name);

	return cJSON_IsString(v) && v->valuestring[0] != '\0';
}

/* The number of URLs of urls (a string or an array of them), *turn set
 * when one is a TURN URL; -1 when one is no STUN or TURN URL. */
static int count_urls(const cJSON *urls, int *turn)
{
	const cJSON *u;
	int n = 0, kind;

	*turn = 0;
	if (cJSON_IsString(urls))
		return (*turn = url_kind(urls)) < 0 ? -1 : 1;
	if (!cJSON_IsArray(urls))
		return -1;
	cJSON_ArrayForEach(u, urls) {
		if ((kind = url_kind(u)) < 0)
			return -1;
		*turn |= kind;
		n++;
	}
	return n;
}

static int check_entry(const char *name, int at, const cJSON *entry, char err[CONFIG_ERR_LEN])
{
	const char *extra;
	int turn, n;

	if (!cJSON_IsObject(entry))
		return config_error(err, "%s: entry %d is not an object", name, at);
	if ((extra = unknown_member(entry)) != NULL)
		return config_error(err, "%s: entry %d: unknown member \"%.32s\"", name, at, extra);
	for (size_t i = 1; i < N(MEMBERS); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, MEMBERS[i]);
		if (v != NULL && !cJSON_IsString(v))
			return config_error(err, "%s: entry %d: \"%s\" must be a string", name, at,
			    MEMBERS[i]);
	}
	n = count_urls(cJSON_GetObjectItemCaseSensitive(entry, "urls"), &turn);
	if (n < 1 || n > ICE_SERVERS_MAX_URLS)
		return config_error(err, "%s: entry %d: \"urls\" must be 1 to %d URLs starting with"
		    " stun:, stuns:, turn: or turns:", name, at, ICE_SERVERS_MAX_URLS);
	if (turn && !(has_text(entry, "username") && has_text(entry, "credential")))
		return config_error(err, "%s: entry %d: a TURN server needs \"username\" and"
		    " \"credential\"", name, at);
	return 0;
}

int ice_servers_parse(const char *name, const char *text, char **out,
    char err[CONFIG_ERR_LEN])
{
	cJSON *doc = NULL, *entry;
	int rc = 0, at = 0;

	*out = NULL;
	if (json_parse(text, strlen(text), &doc) < 0 || !cJSON_IsArray(doc))
		rc = config_error(err, "%s: expected a JSON array of"
		    " {\"urls\",\"username\",\"credential\"}", name);
	else if (cJSON_GetArraySize(doc) > ICE_SERVERS_MAX)
		rc = config_error(err, "%s: more than %d servers", name, ICE_SERVERS_MAX);
	for (entry = rc == 0 ? doc->child : NULL; entry != NULL && rc == 0; entry = entry->next)
		rc = check_entry(name, ++at, entry, err);
	if (rc == 0 && (*out = cJSON_PrintUnformatted(doc)) == NULL)
		rc = ERR_NOMEM;
	cJSON_Delete(doc);
	return rc;
}
