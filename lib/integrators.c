#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "errors.h"
#include "http_origin.h"
#include "integrators.h"
#include "json.h"

static int id_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= INTEGRATOR_ID_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The string member name of obj, or NULL. */
static const char *member(const cJSON *obj, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static int read_origins(const cJSON *list, struct integrator *it, size_t i,
    char err[CONFIG_ERR_LEN])
{
	const cJSON *o;
	int n = cJSON_GetArraySize(list);

	if (!cJSON_IsArray(list) || n == 0)
		return config_error(err, "entry %zu (%s): allowedOrigins must be a non-empty array of origins",
		    i, it->id);
	if ((it->origins = calloc((size_t)n, sizeof *it->origins)) == NULL)
		return ERR_NOMEM;
	cJSON_ArrayForEach(o, list) {
		if (!cJSON_IsString(o) || !http_origin_valid(o->valuestring, strlen(o->valuestring)))
			return config_error(err, "entry %zu (%s): allowedOrigins[%zu] is not an origin "
			    "such as https://www.example.com or http://localhost:3000 "
			    "(lowercase, no path, no trailing slash)", i, it->id, it->n_origins);
		if ((it->origins[it->n_origins++] = strdup(o->valuestring)) == NULL)
			return ERR_NOMEM;
	}
	return 0;
}

static int read_entry(const cJSON *e, struct integrators *out, size_t i,
    char err[CONFIG_ERR_LEN])
{
	struct integrator *it = &out->items[i];
	const char *id = member(e, "id"), *secret = member(e, "secret");

	if (!cJSON_IsObject(e))
		return config_error(err, "entry %zu: expected an object {\"id\",\"secret\",\"allowedOrigins\"}", i);
	if (id == NULL || !id_valid(id))
		return config_error(err, "entry %zu: id must be 1-%d of A-Z a-z 0-9 . _ -", i, INTEGRATOR_ID_MAX);
	if (integrators_find(out, id) != NULL)
		return config_error(err, "entry %zu: id %s appears twice", i, id);
	if ((it->id = strdup(id)) == NULL)
		return ERR_NOMEM;
	out->n++;
	if (secret == NULL || strlen(secret) < INTEGRATOR_SECRET_MIN ||
	    strlen(secret) > INTEGRATOR_SECRET_MAX)
		return config_error(err, "entry %zu (%s): secret must be a string of %d to %d bytes", i, id,
		    INTEGRATOR_SECRET_MIN, INTEGRATOR_SECRET_MAX);
	it->secret_len = strlen(secret);
	if ((it->secret = strdup(secret)) == NULL)
		return ERR_NOMEM;
	return read_origins(cJSON_GetObjectItemCaseSensitive(e, "allowedOrigins"), it, i, err);
}

int integrators_parse(const char *text, size_t n, struct integrators *out,
    char err[CONFIG_ERR_LEN])
{
	cJSON *doc = NULL, *e;
	size_t i = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (json_parse(text, n, &doc) < 0 || !cJSON_IsArray(doc)) {
		cJSON_Delete(doc);
		return config_error(err, "expected a JSON array of {\"id\",\"secret\",\"allowedOrigins\"}");
	}
	rc = (out->items = calloc((size_t)cJSON_GetArraySize(doc) + 1, sizeof *out->items)) ?
	    0 : ERR_NOMEM;
	cJSON_ArrayForEach(e, doc) {
		if (rc == 0)
			rc = read_entry(e, out, i++, err);
	}
	if (rc < 0)
		integrators_free(out);
	cJSON_Delete(doc);
	return rc;
}

/* The file's bytes into *text (caller frees), or a sentence in err. */
static int slurp(const char *path, char **text, size_t *n, char err[CONFIG_ERR_LEN])
{
	FILE *f = fopen(path, "rb");
	char *buf;

	*text = NULL;
	if (f == NULL)
		return config_error(err, "cannot open %.128s: %s", path, strerror(errno));
	if ((buf = malloc(INTEGRATORS_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return ERR_NOMEM;
	}
	*n = fread(buf, 1, INTEGRATORS_FILE_MAX + 1, f);
	if (ferror(f) || *n > INTEGRATORS_FILE_MAX) {
		fclose(f);
		free(buf);
		return config_error(err, "%.128s: unreadable or larger than %d bytes", path,
		    INTEGRATORS_FILE_MAX);
	}
	fclose(f);
	*text = buf;
	return 0;
}

int integrators_load(const char *path, struct integrators *out, char err[CONFIG_ERR_LEN])
{
	char why[CONFIG_ERR_LEN];
	char *text;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = slurp(path, &text, &n, why)) == 0) {
		rc = integrators_parse(text, n, out, why);
		OPENSSL_cleanse(text, n);
		free(text);
	}
	if (rc == ERR_CONFIG)
		snprintf(err, CONFIG_ERR_LEN, "CHATS3_INTEGRATORS_FILE: %.200s", why);
	return rc;
}

const struct integrator *integrators_find(const struct integrators *list, const char *id)
{
	for (size_t i = 0; i < list->n; i++)
		if (strcmp(list->items[i].id, id) == 0)
			return &list->items[i];
	return NULL;
}

/* 1 when o is among list[0..n). */
static int listed(const char *const *list, size_t n, const char *o)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], o) == 0)
			return 1;
	return 0;
}

int integrators_allows(const struct integrator *it, const char *origin)
{
	return listed((const char *const *)it->origins, it->n_origins, origin);
}

int integrators_origins(const struct integrators *list, const char **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++)
		for (size_t j = 0; j < list->items[i].n_origins; j++) {
			const char *o = list->items[i].origins[j];

			if (listed(out, n, o))
				continue;
			if (n == cap)
				return ERR_TOOBIG;
			out[n++] = o;
		}
	return (int)n;
}

void integrators_free(struct integrators *list)
{
	for (size_t i = 0; list->items != NULL && i < list->n; i++) {
		struct integrator *it = &list->items[i];

		if (it->secret != NULL)
			OPENSSL_cleanse(it->secret, it->secret_len);
		free(it->secret);
		free(it->id);
		for (size_t j = 0; j < it->n_origins; j++)
			free(it->origins[j]);
		free(it->origins);
	}
	free(list->items);
	memset(list, 0, sizeof *list);
}
