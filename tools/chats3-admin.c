/*
 * chats3-admin: the admin API's operations for an operator at a shell, on
 * the same settings as the programs (CHATS3_CONFIG_FILE, then the
 * environment), through lib/admin_ops directly. Prints the same JSON data
 * the API answers with, or with --json the API's whole envelope.
 *
 *   chats3-admin [--json] create [ID]
 *   chats3-admin [--json] list [active|closed|all] [LIMIT [CURSOR]]
 *   chats3-admin [--json] show|close|join-code|sessions CONVERSATION_ID
 *   chats3-admin [--json] message CONVERSATION_ID BODY
 *   chats3-admin [--json] kick SESSION_ID_OR_USER_ID
 *   chats3-admin [--json] kick CONVERSATION_ID USER_ID
 *   chats3-admin export CONVERSATION_ID           (NDJSON)
 *   chats3-admin [--json] compact [--conversation ID] [--older-than SECONDS]
 *
 * Run as root, it refuses to touch a data directory that belongs to
 * another user (the web server's): files it created there would be root's,
 * and the site would answer 500/503. Run it as that user instead.
 *
 * Exit status (enum exit_code): by the status the API would answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin_ops.h"
#include "app.h"
#include "envelope.h"
#include "errors.h"
#include "ids.h"
#include "message_store.h"
#include "numparse.h"

enum exit_code {
	EXIT_DONE = 0,
	EXIT_FAILED = 1,      /* settings, refused as root, output: before or after the API */
	EXIT_USAGE = 2,       /* the command line, or a value the API answers 400 */
	EXIT_NOT_FOUND = 3,   /* 404 */
	EXIT_CONFLICT = 4,    /* 409, 410: the id is taken, the conversation closed */
	EXIT_UNAVAILABLE = 5, /* 5xx: storage or the database failed or is away */
};

/* What run() returns for a command line that is not one of usage()'s. */
#define RUN_USAGE 1

typedef int (*id_op)(struct app *, const char *, cJSON **);

static const struct {
	const char *name;
	id_op op;
} id_commands[] = {
	{ "show", admin_show },
	{ "close", admin_close },
	{ "join-code", admin_new_code },
	{ "sessions", admin_sessions },
	{ "kick", admin_kick },
};

static int usage(void)
{
	fputs("usage: chats3-admin [--json] create [ID]\n"
	    "       chats3-admin [--json] list [active|closed|all] [LIMIT [CURSOR]]\n"
	    "       chats3-admin [--json] show|close|join-code|sessions CONVERSATION_ID\n"
	    "       chats3-admin [--json] message CONVERSATION_ID BODY\n"
	    "       chats3-admin [--json] kick SESSION_ID_OR_USER_ID\n"
	    "       chats3-admin [--json] kick CONVERSATION_ID USER_ID\n"
	    "       chats3-admin export CONVERSATION_ID\n"
	    "       chats3-admin [--json] compact [--conversation ID] [--older-than SECONDS]\n", stderr);
	return EXIT_USAGE;
}

/* The list query from argv[0..argc); -1 when malformed. */
static int list_query(int argc, char **argv, struct admin_list_query *q)
{
	long n = ADMIN_LIST_DEFAULT;

	q->status = NULL;
	q->cursor = argc > 2 ? argv[2] : NULL;
	if (argc > 0 && strcmp(argv[0], "all") != 0) {
		if (strcmp(argv[0], "active") != 0 && strcmp(argv[0], "closed") != 0)
			return -1;
		q->status = argv[0];
	}
	if (argc > 1 && numparse_long(argv[1], strlen(argv[1]), 1, ADMIN_LIST_MAX, &n) < 0)
		return -1;
	if (argc > 3 || (q->cursor && !admin_valid_cursor(q->cursor)))
		return -1;
	q->limit = (int)n;
	return 0;
}

/* The system message body, checked as the admin API checks it. */
static int post_message(struct app *app, const char *id, const char *body, cJSON **out)
{
	const struct vvalue v = { body, strlen(body), V_TEXT, 0 };
	struct admin_notice notice = { NULL };
	const char *why = admin_notice_fields[0].fn(&v, &admin_notice_fields[0], &notice);
	int rc;

	if (why != NULL) {
		fprintf(stderr, "chats3-admin: the message %s\n", why);
		return ERR_INVAL;
	}
	rc = admin_post_message(app, id, notice.body, out);
	free(notice.body);
	return rc;
}

static int export_begin(void *ctx)
{
	(void)ctx;
	return 0;
}

static int export_write(void *ctx, const char *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static int export(struct app *app, const char *id)
{
	const struct message_writer w = { export_write, stdout };
	int rc = admin_export(app, id, export_begin, &w);

	return rc < 0 ? rc : fflush(stdout) == 0 ? 0 : ERR_IO;
}

/* compact's options from argv[0..argc): 0, an enum err, or RUN_USAGE. */
static int compact(struct app *app, int argc, char **argv, cJSON **out)
{
	const char *id = NULL;
	long older = ADMIN_COMPACT_OLDER_THAN;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--conversation") == 0)
			id = argv[i + 1];
		else if (strcmp(argv[i], "--older-than") != 0 ||
		    numparse_long(argv[i + 1], strlen(argv[i + 1]), 0, 315360000, &older) < 0)
			return RUN_USAGE;
	}
	return argc % 2 != 0 ? RUN_USAGE : admin_compact(app, id, older, out);
}

/* Runs the command argv[0..argc) into *out (NULL for export, which writes
 * itself): 0, an enum err, or RUN_USAGE. */
static int run(struct app *app, int argc, char **argv, cJSON **out)
{
	struct admin_list_query q;

	if (strcmp(argv[0], "create") == 0 && argc <= 2)
		return admin_create(app, argc == 2 ? argv[1] : NULL, out);
	if (strcmp(argv[0], "list") == 0)
		return list_query(argc - 1, argv + 1, &q) < 0 ? RUN_USAGE : admin_list(app, &q, out);
	if (strcmp(argv[0], "message") == 0 && argc == 3)
		return post_message(app, argv[1], argv[2], out);
	if (strcmp(argv[0], "kick") == 0 && argc == 3)
		return admin_kick_participant(app, argv[1], argv[2], out);
	if (strcmp(argv[0], "export") == 0 && argc == 2)
		return export(app, argv[1]);
	if (strcmp(argv[0], "compact") == 0)
		return compact(app, argc - 1, argv + 1, out);
	for (size_t i = 0; i < sizeof id_commands / sizeof id_commands[0]; i++)
		if (strcmp(argv[0], id_commands[i].name) == 0 && argc == 2)
			return id_commands[i].op(app, argv[1], out);
	return RUN_USAGE;
}

/* 0 when this process may create files in data_dir for the web server:
 * not root, or root in a directory of root's (or none yet). */
static int owner_fits(const char *data_dir)
{
	struct passwd *pw;
	struct stat st;

	if (geteuid() != 0 || stat(data_dir, &st) < 0 || st.st_uid == 0)
		return 0;
	pw = getpwuid(st.st_uid);
	fprintf(stderr, "chats3-admin: %s belongs to %s, and files root made there would be "
	    "root's, which the web server cannot use: run this as that user "
	    "(runuser -u %s -- chats3-admin ...)\n", data_dir,
	    pw ? pw->pw_name : "another user", pw ? pw->pw_name : "USER");
	return -1;
}

static int exit_code(int rc)
{
	int status = err_http_status(rc);

	if (status == 404)
		return EXIT_NOT_FOUND;
	if (status == 409 || status == 410)
		return EXIT_CONFLICT;
	if (status == 400)
		return EXIT_USAGE;
	return status >= 500 ? EXIT_UNAVAILABLE : EXIT_FAILED;
}

/* Prints the outcome rc (with data out when 0, which it frees) on
 * standard output: the data, or with json the envelope (a failure's too). */
static int print(int rc, cJSON *out, int json)
{
	char id[UUID_STRLEN + 1], *text = NULL;
	cJSON *doc = out;

	if (json && ids_uuid4(id) < 0)
		strcpy(id, "chats3-admin");
	if (json)
		doc = rc == 0 ? envelope_ok(out, id) : envelope_error(admin_error_message(rc), id);
	if (doc != NULL && (text = cJSON_Print(doc)) != NULL)
		printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(doc);
	return text != NULL && fflush(stdout) == 0 ? 0 : -1;
}

/* Runs argv[0..argc) (an operation, no options) on app's settings. */
static int admin(struct app *app, int argc, char **argv, int json)
{
	cJSON *out = NULL;
	int rc = run(app, argc, argv, &out);

	if (rc == RUN_USAGE)
		return usage();
	if (rc < 0)
		fprintf(stderr, "chats3-admin: %s (%s)\n", rc == ERR_INVAL ?
		    "invalid conversation id or message" : admin_error_message(rc), err_str(rc));
	if ((rc == 0 && out == NULL) || (rc < 0 && !json)) {
		cJSON_Delete(out);
		return rc < 0 ? exit_code(rc) : EXIT_DONE;
	}
	if (print(rc, out, json) < 0) {
		fputs("chats3-admin: cannot write the answer\n", stderr);
		return EXIT_FAILED;
	}
	return rc < 0 ? exit_code(rc) : EXIT_DONE;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct app app;
	int json = argc > 1 && strcmp(argv[1], "--json") == 0, status;

	if (argc < 2 + json)
		return usage();
	if (app_init(&app, err) < 0) {
		fprintf(stderr, "chats3-admin: %s\n", err);
		return EXIT_FAILED;
	}
	if (owner_fits(app.cfg.data_dir) < 0) {
		app_free(&app);
		return EXIT_FAILED;
	}
	status = admin(&app, argc - 1 - json, argv + 1 + json, json);
	app_free(&app);
	return status;
}
