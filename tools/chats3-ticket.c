/*
 * chats3-ticket: signs an embed ticket (docs/integrators.md) and prints
 * the /embed URL that opens the room in an iframe.
 *
 *   chats3-ticket [options] INTEGRATOR_ID CONVERSATION_ID DISPLAY_NAME
 *     --secret-file FILE  the integrator's secret (its bytes, a final
 *                         newline dropped); without it the secret comes
 *                         from CHATS3_INTEGRATORS_FILE of the settings
 *     --origin ORIGIN     the embedding page's origin (default: the
 *                         integrator's first allowedOrigins entry)
 *     --user UUID         the user id (default: a new one)
 *     --role user|admin   (default user)
 *     --avatar URL
 *     --lifetime SECONDS  1-60 (default 60)
 *     --base URL          where Chats3 answers (default
 *                         http://127.0.0.1:$CHATS3_PORT)
 *
 * Exit status: 0 printed, 1 failed (the reason on standard error), 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "app.h"
#include "base64url.h"
#include "clock.h"
#include "errors.h"
#include "ids.h"
#include "integrators.h"
#include "numparse.h"
#include "ticket.h"

struct opts {
	const char *integrator, *conversation, *name;
	const char *secret_file, *origin, *user, *role, *avatar, *base;
	long lifetime;
};

static int usage(void)
{
	fputs("usage: chats3-ticket [--secret-file FILE] [--origin ORIGIN] [--user UUID]\n"
	    "           [--role user|admin] [--avatar URL] [--lifetime SECONDS] [--base URL]\n"
	    "           INTEGRATOR_ID CONVERSATION_ID DISPLAY_NAME\n", stderr);
	return 2;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "secret-file", required_argument, NULL, 's' }, { "origin", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' }, { "role", required_argument, NULL, 'r' },
		{ "avatar", required_argument, NULL, 'a' }, { "lifetime", required_argument, NULL, 'l' },
		{ "base", required_argument, NULL, 'b' }, { NULL, 0, NULL, 0 },
	};
	int c;

	o->role = "user";
	o->lifetime = 60;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 's': o->secret_file = optarg; break;
		case 'o': o->origin = optarg; break;
		case 'u': o->user = optarg; break;
		case 'r': o->role = optarg; break;
		case 'a': o->avatar = optarg; break;
		case 'b': o->base = optarg; break;
		case 'l':
			if (numparse_long(optarg, strlen(optarg), 1, TICKET_LIFETIME_MS / 1000,
			    &o->lifetime) < 0)
				return -1;
			break;
		default: return -1;
		}
	}
	if (argc - optind != 3)
		return -1;
	o->integrator = argv[optind];
	o->conversation = argv[optind + 1];
	o->name = argv[optind + 2];
	return 0;
}

/* The secret of --secret-file into buf, its length into *n. */
static int read_secret(const char *path, char *buf, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	*n = fread(buf, 1, cap, f);
	fclose(f);
	while (*n > 0 && (buf[*n - 1] == '\n' || buf[*n - 1] == '\r'))
		(*n)--;
	return *n >= INTEGRATOR_SECRET_MIN && *n < cap ? 0 : -1;
}

static int add_time(cJSON *t, const char *name, int64_t ms)
{
	char iso[ISO_TIME_LEN + 1];

	return clock_iso(ms, iso) == 0 && cJSON_AddStringToObject(t, name, iso) ? 0 : -1;
}

/* The ticket JSON text of o (caller frees). */
static char *ticket_json(const struct opts *o, const char *origin)
{
	char user[UUID_STRLEN + 1], nonce[33];
	int64_t now = clock_now_ms();
	cJSON *t = cJSON_CreateObject();
	char *text = NULL;

	if (o->user == NULL && ids_uuid4(user) < 0)
		user[0] = '\0';
	if (t != NULL && ids_token_hex(nonce, sizeof nonce, 16) == 0 &&
	    cJSON_AddStringToObject(t, "integratorId", o->integrator) &&
	    cJSON_AddStringToObject(t, "conversationId", o->conversation) &&
	    cJSON_AddStringToObject(t, "userId", o->user ? o->user : user) &&
	    cJSON_AddStringToObject(t, "displayName", o->name) &&
	    (o->avatar == NULL || cJSON_AddStringToObject(t, "avatarUrl", o->avatar)) &&
	    cJSON_AddStringToObject(t, "role", o->role) &&
	    cJSON_AddStringToObject(t, "origin", origin) && add_time(t, "issuedAt", now) == 0 &&
	    add_time(t, "expiresAt", now + o->lifetime * 1000) == 0 &&
	    cJSON_AddStringToObject(t, "nonce", nonce))
		text = cJSON_PrintUnformatted(t);
	cJSON_Delete(t);
	return text;
}

static int print_url(const struct opts *o, const char *secret, size_t n, const char *origin,
    const char *port)
{
	char *json = ticket_json(o, origin), sig[TICKET_SIG_LEN + 1], b64[BASE64URL_LEN(TICKET_MAX) + 1];

	if (json == NULL || base64url_encode(json, strlen(json), b64, sizeof b64) < 0 ||
	    strlen(b64) > TICKET_MAX || ticket_sign(secret, n, b64, strlen(b64), sig) < 0) {
		free(json);
		fputs("chats3-ticket: cannot build the ticket (too long?)\n", stderr);
		return 1;
	}
	free(json);
	if (o->base)
		printf("%s/embed?ticket=%s&signature=%s\n", o->base, b64, sig);
	else
		printf("http://127.0.0.1:%s/embed?ticket=%s&signature=%s\n", port, b64, sig);
	return 0;
}

/* Signs with the secret of --secret-file, or of the settings' integrator. */
static int sign(const struct opts *o, struct app *app)
{
	const struct integrator *it = integrators_find(&app->integrators, o->integrator);
	char secret[INTEGRATOR_SECRET_MAX + 1], port[16];
	const char *origin = o->origin;
	size_t n = 0;
	int rc = 1;

	snprintf(port, sizeof port, "%ld", app->cfg.port);
	if (o->secret_file != NULL && read_secret(o->secret_file, secret, sizeof secret, &n) < 0)
		fprintf(stderr, "chats3-ticket: %s: cannot read a secret of %d to %d bytes\n",
		    o->secret_file, INTEGRATOR_SECRET_MIN, INTEGRATOR_SECRET_MAX);
	else if (o->secret_file == NULL && it == NULL)
		fprintf(stderr, "chats3-ticket: no integrator %s in CHATS3_INTEGRATORS_FILE "
		    "(or give --secret-file)\n", o->integrator);
	else if (origin == NULL && it == NULL)
		fputs("chats3-ticket: --origin is required with --secret-file\n", stderr);
	else
		rc = print_url(o, o->secret_file ? secret : it->secret,
		    o->secret_file ? n : it->secret_len, origin ? origin : it->origins[0], port);
	OPENSSL_cleanse(secret, sizeof secret);
	return rc;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct opts o = { 0 };
	struct app app;
	int rc;

	if (parse_args(argc, argv, &o) < 0)
		return usage();
	if (app_init(&app, err) < 0) {
		fprintf(stderr, "chats3-ticket: configuration: %s\n", err);
		return 1;
	}
	rc = sign(&o, &app);
	app_free(&app);
	return rc;
}
