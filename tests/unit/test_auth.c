/*
 * test_auth: where the session token comes from (header, query, cookie, in
 * that order; the query only on a route that declares R_QUERY_SESSION), sessions and the admin check against a real store, proxy
 * headers honoured only from a trusted proxy, and the cookie's attributes
 * for direct and embedded sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "check.h"
#include "errors.h"
#include "request.h"
#include "route.h"
#include "session_store.h"
#include "tmpdir.h"

static char dir[TMPDIR_MAX];
static struct app app;

static const char *get_env(const char *name)
{
	if (strcmp(name, "CHATS3_DATA_DIR") == 0)
		return dir;
	if (strcmp(name, "CHATS3_ADMIN_TOKEN") == 0)
		return "s3cret-admin-0123456789abcdef0123456789";
	if (strcmp(name, "CHATS3_TRUSTED_PROXIES") == 0)
		return "10.0.0.1, 10.0.0.2";
	return NULL;
}

static long no_read(void *ctx, char *p, size_t n) { (void)ctx; (void)p; (void)n; return 0; }
static int no_write(void *ctx, const char *p, size_t n) { (void)ctx; (void)p; (void)n; return 0; }

static void init(struct request *r, const char *const *env)
{
	struct io io = { no_read, no_write, NULL };

	CHECK(request_init(r, &app, (char **)env, io) == 0);
}

#define C10 "a=1; b=2; c=3; d=4; e=5; f=6; g=7; h=8; i=9; j=10; "
#define C70 C10 C10 C10 C10 C10 C10 C10

static void test_token_order(void)
{
	static const struct {
		int line;
		const char *want;
		const char *env[5];
		unsigned flags; /* the route's */
	} cases[] = {
		{ __LINE__, NULL, { "REQUEST_METHOD=GET", "REQUEST_URI=/" }, 0 },
		{ __LINE__, "h", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_X_SESSION_ID=h",
		    "QUERY_STRING=sessionId=q", "HTTP_COOKIE=sessionId=c" }, 0 },
		{ __LINE__, "q", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "QUERY_STRING=sessionId=q",
		    "HTTP_COOKIE=sessionId=c" }, R_QUERY_SESSION },
		/* A route that does not declare it takes no ?sessionId=. */
		{ __LINE__, "c", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "QUERY_STRING=sessionId=q",
		    "HTTP_COOKIE=sessionId=c" }, R_SESSION },
		{ __LINE__, NULL, { "REQUEST_METHOD=GET", "REQUEST_URI=/",
		    "QUERY_STRING=sessionId=q" }, 0 },
		{ __LINE__, "c", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_COOKIE=a=1; sessionId=c" }, 0 },
		{ __LINE__, "c", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_X_SESSION_ID=",
		    "HTTP_COOKIE=sessionId=c" }, 0 },
		{ __LINE__, "c", { "REQUEST_METHOD=GET", "REQUEST_URI=/",
		    "HTTP_COOKIE=" C70 "sessionId=c" }, 0 },
		{ __LINE__, NULL, { "REQUEST_METHOD=GET", "REQUEST_URI=/",
		    "HTTP_COOKIE=sessionId=c; a=1; sessionId=d" }, 0 },
		/* Over HTTPS only the __Host- cookie counts. */
		{ __LINE__, "s", { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTPS=on",
		    "HTTP_COOKIE=sessionId=c; __Host-sessionId=s" }, 0 },
		{ __LINE__, NULL, { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTPS=on",
		    "HTTP_COOKIE=sessionId=c" }, 0 },
		{ __LINE__, NULL, { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTPS=on",
		    "HTTP_COOKIE=__Host-sessionId=s; __Host-sessionId=t" }, 0 },
		{ __LINE__, "c", { "REQUEST_METHOD=GET", "REQUEST_URI=/",
		    "HTTP_COOKIE=__Host-sessionId=s; sessionId=c" }, 0 },
	};
	struct route rt = { "GET", "/", NULL, 0, BODY_NONE, 0, NULL, NULL, RATE_NONE };
	struct request r;
	const char *t;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		init(&r, cases[i].env);
		rt.flags = cases[i].flags;
		r.route = &rt;
		t = auth_token(&r);
		if (cases[i].want == NULL)
			CHECK_AT(cases[i].line, t == NULL);
		else
			CHECK_STR(cases[i].line, t, cases[i].want);
		request_free(&r);
	}
}

static void test_session_and_admin(void)
{
	char token[SESSION_TOKEN_LEN + 1], header[128];
	struct session in = { .role = "user", .conversation_id = "c", .display_name = "A" }, s;
	struct state *st;
	struct request r;
	const char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", header, NULL };

	CHECK(app_state(&app, &st) == 0);
	CHECK(session_store_create(st, &in, token, &s) == 0);
	snprintf(header, sizeof header, "HTTP_X_SESSION_ID=%s", token);
	init(&r, env);
	CHECK(auth_session(&r) == 0 && r.session != NULL);
	CHECK_STR(__LINE__, r.session->user_id, s.user_id);
	CHECK(auth_admin(&r) == 403);
	request_free(&r);
	snprintf(header, sizeof header, "HTTP_X_SESSION_ID=%064d", 0);
	init(&r, env);
	CHECK(auth_session(&r) == 401 && r.session == NULL);
	CHECK(auth_admin(&r) == 401);
	request_free(&r);
	snprintf(header, sizeof header, "HTTP_AUTHORIZATION=Bearer s3cret-admin-0123456789abcdef0123456789");
	init(&r, env);
	CHECK(auth_admin(&r) == 0);
	request_free(&r);
	snprintf(header, sizeof header, "HTTP_AUTHORIZATION=Bearer s3cret-admin-0123456789abcdef01234567890");
	init(&r, env);
	CHECK(auth_admin(&r) == 401);
	request_free(&r);
}

static void test_proxy_headers(void)
{
	static const struct {
		int line;
		const char *addr;
		int https;
		const char *env[6];
	} cases[] = {
		{ __LINE__, "192.0.2.9", 0, { "REMOTE_ADDR=192.0.2.9",
		    "HTTP_X_FORWARDED_FOR=203.0.113.5", "HTTP_X_FORWARDED_PROTO=https" } },
		{ __LINE__, "203.0.113.5", 1, { "REMOTE_ADDR=10.0.0.2",
		    "HTTP_X_FORWARDED_FOR=1.2.3.4, 203.0.113.5", "HTTP_X_FORWARDED_PROTO=https" } },
		{ __LINE__, "10.0.0.1", 0, { "REMOTE_ADDR=10.0.0.1",
		    "HTTP_X_FORWARDED_FOR=<script>" } },
		{ __LINE__, "::1", 1, { "REMOTE_ADDR=::1", "HTTPS=on" } },
		{ __LINE__, "", 0, { "REMOTE_ADDR=not an address" } },
	};
	char addr[AUTH_ADDR_MAX + 1];
	const char *env[9];
	struct request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(env, 0, sizeof env);
		env[0] = "REQUEST_METHOD=GET";
		env[1] = "REQUEST_URI=/";
		memcpy(env + 2, cases[i].env, sizeof cases[i].env);
		init(&r, env);
		auth_client_addr(&r, addr);
		CHECK_STR(cases[i].line, addr, cases[i].addr);
		CHECK_AT(cases[i].line, auth_is_https(&r) == cases[i].https);
		CHECK_AT(cases[i].line, auth_set_cookie(&r, "tok", 60) == 0);
		CHECK_AT(cases[i].line, strstr(r.out_headers.data, cases[i].https ?
		    "Set-Cookie: __Host-sessionId=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax" :
		    "Set-Cookie: sessionId=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax") != NULL);
		CHECK_AT(cases[i].line, (strstr(r.out_headers.data, "; Secure\r\n") != NULL) ==
		    cases[i].https);
		request_free(&r);
	}
}

/* Rate limits count an IPv6 client by its /64: one host holds one. */
static void test_client_net(void)
{
	static const struct {
		int line;
		const char *remote, *net;
	} cases[] = {
		{ __LINE__, "REMOTE_ADDR=192.0.2.9", "192.0.2.9" },
		{ __LINE__, "REMOTE_ADDR=2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64" },
		{ __LINE__, "REMOTE_ADDR=2001:db8:1:2::1", "2001:db8:1:2::/64" },
		{ __LINE__, "REMOTE_ADDR=2001:DB8:1:3::1", "2001:db8:1:3::/64" },
		{ __LINE__, "REMOTE_ADDR=::1", "::/64" },
		{ __LINE__, "REMOTE_ADDR=::ffff:192.0.2.7", "192.0.2.7" },
		{ __LINE__, "REMOTE_ADDR=1:2:3", "1:2:3" },
		{ __LINE__, "REMOTE_ADDR=not an address", "" },
	};
	char net[AUTH_ADDR_MAX + 1];
	const char *env[4] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", NULL, NULL };
	struct request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		env[2] = cases[i].remote;
		init(&r, env);
		auth_client_net(&r, net);
		CHECK_STR(cases[i].line, net, cases[i].net);
		request_free(&r);
	}
}

/* An embedded session's cookie follows the scheme the request came over. */
static void test_embed_cookie(void)
{
	const char *https[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTPS=on", NULL };
	const char *http[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/", NULL };
	struct request r;

	init(&r, https);
	CHECK(auth_set_cookie_for(&r, "tok", 60, HTTP_COOKIE_EMBED) == 0);
	CHECK_STR(__LINE__, r.out_headers.data, "Set-Cookie: __Host-sessionId=tok; Path=/; "
	    "Max-Age=60; HttpOnly; Secure; SameSite=None; Partitioned\r\n");
	request_free(&r);
	init(&r, http);
	CHECK(auth_set_cookie_for(&r, NULL, 60, HTTP_COOKIE_EMBED) == 0);
	CHECK_STR(__LINE__, r.out_headers.data, "Set-Cookie: sessionId=; Path=/; Max-Age=0; "
	    "HttpOnly; SameSite=Lax\r\n");
	CHECK(auth_set_cookie_for(&r, "a;b", 60, HTTP_COOKIE_DIRECT) == ERR_INVAL);
	request_free(&r);
}

int main(void)
{
	char err[CONFIG_ERR_LEN];

	if (tmpdir_make(dir, "test_auth") < 0)
		return 1;
	CHECK(config_load_from(&app.cfg, get_env, err) == 0);
	test_token_order();
	test_session_and_admin();
	test_proxy_headers();
	test_client_net();
	test_embed_cookie();
	app_free(&app);
	CHECK(tmpdir_remove(dir) == 0);
	return check_done("test_auth");
}
