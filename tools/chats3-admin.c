/*
 * chats3-admin: the admin API's operations for an operator at a shell, on
 * the same settings as the programs (CHATS3_CONFIG_FILE, then the
 * environment), through lib/admin_ops directly. Prints the same JSON data
 * the API answers with.
 *
 *   chats3-admin create [ID]
 *   chats3-admin list [active|closed] [LIMIT [CURSOR]]
 *   chats3-admin show|close|join-code|sessions CONVERSATION_ID
 *   chats3-admin kick SESSION_ID_OR_USER_ID
 *   chats3-admin compact [--conversation ID] [--older-than SECONDS]
 *
 * Run as root, it refuses to touch a data directory that belongs to
 * another user (the web server's): files it created there would be root's,
 * and the site would answer 500/503. Run it as that user instead.
 *
 * Exit status: 0 done, 1 failed (the reason on standard error), 2 usage.
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
#include "errors.h"
#include "numparse.h"

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
	fputs("usage: chats3-admin create [ID]\n"
	    "       chats3-admin list [active|closed|all] [LIMIT [CURSOR]]\n"
	    "       chats3-admin show|close|join-code|sessions CONVERSATION_ID\n"
	    "       chats3-admin kick SESSION_ID_OR_USER_ID\n"
	    "       chats3-admin compact [--conversation ID] [--older-than SECONDS]\n", stderr);
	return 2;
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

/* compact's options from argv[0..argc): 0, or 2 (usage). */
static int compact(struct app *app, int argc, char **argv, cJSON **out)
{
	const char *id = NULL;
	long older = ADMIN_COMPACT_OLDER_THAN;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--conversation") == 0)
			id = argv[i + 1];
		else if (strcmp(argv[i], "--older-than") != 0 ||
		    numparse_long(argv[i + 1], strlen(argv[i + 1]), 0, 315360000, &older) < 0)
			return 2;
	}
	return argc % 2 != 0 ? 2 : admin_compact(app, id, older, out);
}

/* Runs the command in argv[1..argc) into *out: 0, an enum err, or 2 (usage). */
static int run(struct app *app, int argc, char **argv, cJSON **out)
{
	struct admin_list_query q;

	if (strcmp(argv[1], "create") == 0 && argc <= 3)
		return admin_create(app, argc == 3 ? argv[2] : NULL, out);
	if (strcmp(argv[1], "compact") == 0)
		return compact(app, argc - 2, argv + 2, out);
	if (strcmp(argv[1], "list") == 0)
		return list_query(argc - 2, argv + 2, &q) < 0 ? 2 : admin_list(app, &q, out);
	for (size_t i = 0; i < sizeof id_commands / sizeof id_commands[0]; i++)
		if (strcmp(argv[1], id_commands[i].name) == 0 && argc == 3)
			return id_commands[i].op(app, argv[2], out);
	return 2;
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

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN], *text = NULL;
	struct app app;
	cJSON *out = NULL;
	int rc;

	if (argc < 2)
		return usage();
	if (app_init(&app, err) < 0) {
		fprintf(stderr, "chats3-admin: %s\n", err);
		return 1;
	}
	if (owner_fits(app.cfg.data_dir) < 0) {
		app_free(&app);
		return 1;
	}
	rc = run(&app, argc, argv, &out);
	if (rc == 0 && (text = cJSON_Print(out)) != NULL)
		printf("%s\n", text);
	else if (rc == 0)
		rc = ERR_NOMEM;
	cJSON_free(text);
	cJSON_Delete(out);
	app_free(&app);
	if (rc == 2)
		return usage();
	if (rc < 0)
		fprintf(stderr, "chats3-admin: %s (%s)\n", rc == ERR_INVAL ?
		    "invalid conversation id" : err_public_message(rc), err_str(rc));
	return rc < 0 || fflush(stdout) != 0 ? 1 : 0;
}
