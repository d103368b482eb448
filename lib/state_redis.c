/*
 * state_redis: the Redis backend of lib/state.h, for several hosts that
 * share one Redis (CHATS3_REDIS_URL; docs/state.md has the key layout and
 * docs/scale-out.md the topology). hiredis's synchronous API: one
 * connection per process, kept across requests, made on first use, with
 * AUTH and SELECT from the URL; connect and command timeouts of
 * REDIS_TIMEOUT_MS (REDIS_NO_WAIT_MS after state_no_wait, for the relay's
 * loop). A connection found closed by the server (a restarted Redis, so the
 * command never ran) is made again once; any other failure, an error reply
 * or a reply of an unexpected type or size is ERR_DB.
 *
 * Each op is one command or one Lua script (EVALSHA, EVAL on NOSCRIPT), so
 * it is atomic across processes and hosts. Expiry is decided by the
 * caller's times, stored with each entry; Redis's own expiry (PEXPIRE,
 * relative to the caller's times) only collects the garbage, GC_SLACK_MS
 * after an entry's end. The clock called with a fill takes a lock of the
 * conversation's clock (HOLD_MS at most) until the fill's note is written,
 * so fills run in clock order across hosts; the note publishes the
 * reserve of a send whose relay took one on the relays' channel, so every
 * host's relay hears them in clock order. The clock also reads whether
 * the index covers the conversation, which message_begin answers with the
 * note: a send asks no round trip of its own (should the coverage go
 * between the clock and the note, the send's rebuild is skipped, and
 * the next reader's index_covered finds it gone and lists storage).
 *
 * The struct rstate behind st->backend is this file's: state_close frees
 * it with its connection. Replies are freed before an op returns.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "config.h"
#include "errors.h"
#include "ids.h"
#include "redis_url.h"
#include "relay_frame.h"
#include "state_backend.h"

#define PREFIX "chats3:"
#define REDIS_TIMEOUT_MS 1000
#define REDIS_NO_WAIT_MS 50
#define GC_SLACK_MS "3600000"  /* an hour past an entry's end, Redis drops it */
#define SWEEP_BATCH "100"      /* expired sessions an op removes at most */
#define REPLY_MAX 1000000      /* elements of any reply this file reads */
#define INDEX_PAGE 1000        /* keys per read of index_newest */
#define ARGS_MAX 24            /* arguments of a script call */
#define HOLD_MS "1000"         /* the most a lock of the clock is held */
#define LOCK_TOKEN_BYTES 16
#define COVERED_KEY PREFIX "xc" /* the covered conversations: a set of ids */
#define NUM_LEN 24             /* an int64 in decimal, with sign and NUL */
#define KEY_LEN (sizeof PREFIX + 16 + 2 * STATE_NAME_MAX + STATE_INDEX_KEY_MAX)

/* ---- the scripts ---- */

/* Session helpers: ARGV[1] is the prefix. A session is the hash s:<hex of
 * its token hash>; su:<user id> and sn:<conversation>:<name key> name it;
 * se:<conversation>, sk:<client net> and sx (all sessions) are sorted sets
 * of hexes scored by expires_at. */
#define SESSION_LUA \
	"local P = ARGV[1]\n" \
	"local F = {'u','n','a','r','c','ca','la','ex','o','k'}\n" \
	"local function drop(h)\n" \
	"  local s = P..'s:'..h\n" \
	"  local v = redis.call('HMGET', s, 'u','n','a','r','c','ca','la','ex','o','k','nk')\n" \
	"  redis.call('ZREM', P..'sx', h)\n" \
	"  if not v[1] then return nil end\n" \
	"  redis.call('DEL', s)\n" \
	"  if redis.call('GET', P..'su:'..v[1]) == h then redis.call('DEL', P..'su:'..v[1]) end\n" \
	"  local nk = P..'sn:'..v[5]..':'..v[11]\n" \
	"  if redis.call('GET', nk) == h then redis.call('DEL', nk) end\n" \
	"  redis.call('ZREM', P..'se:'..v[5], h)\n" \
	"  if v[10] ~= '' then redis.call('ZREM', P..'sk:'..v[10], h) end\n" \
	"  v[11] = nil\n" \
	"  return v\n" \
	"end\n" \
	"local function live_at(h, t)\n" \
	"  local ex = redis.call('HGET', P..'s:'..h, 'ex')\n" \
	"  return ex and tonumber(ex) > t\n" \
	"end\n"

/* P, hex, conv, name key, net, u, n, a, r, o, ca, la, ex, cap conv, cap
 * net, slack: "ok", "conflict", "conv_full", "client_full". */
static const char lua_create[] = SESSION_LUA
	"local h, conv, nkey, net, u = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]\n"
	"local ca, ex, slack = tonumber(ARGV[11]), tonumber(ARGV[13]), tonumber(ARGV[16])\n"
	"local se, sk, sn = P..'se:'..conv, P..'sk:'..net, P..'sn:'..conv..':'..nkey\n"
	"if redis.call('EXISTS', P..'s:'..h) == 1 then return 'conflict' end\n"
	"for _, old in ipairs(redis.call('ZRANGEBYSCORE', se, '-inf', ca, 'LIMIT', 0, "
	    SWEEP_BATCH ")) do drop(old) end\n"
	"redis.call('ZREMRANGEBYSCORE', se, '-inf', ca - slack)\n"
	"for _, holder in ipairs({redis.call('GET', sn), redis.call('GET', P..'su:'..u)}) do\n"
	"  if holder and live_at(holder, ca) then return 'conflict' end\n"
	"  if holder then drop(holder) end\n"
	"end\n"
	"if redis.call('ZCOUNT', se, '('..ca, '+inf') >= tonumber(ARGV[14]) then "
	    "return 'conv_full' end\n"
	"if net ~= '' then\n"
	"  redis.call('ZREMRANGEBYSCORE', sk, '-inf', ca - slack)\n"
	"  if redis.call('ZCOUNT', sk, '('..ca, '+inf') >= tonumber(ARGV[15]) then "
	    "return 'client_full' end\n"
	"  redis.call('ZADD', sk, ARGV[13], h)\n"
	"end\n"
	"local s = P..'s:'..h\n"
	"redis.call('HSET', s, 'u', u, 'n', ARGV[7], 'a', ARGV[8], 'r', ARGV[9], 'c', conv,\n"
	"  'ca', ARGV[11], 'la', ARGV[12], 'ex', ARGV[13], 'o', ARGV[10], 'k', net, 'nk', nkey)\n"
	"local life = math.max(1, ex - ca) + slack\n"
	"redis.call('PEXPIRE', s, life)\n"
	"redis.call('SET', P..'su:'..u, h, 'PX', life)\n"
	"redis.call('SET', sn, h, 'PX', life)\n"
	"redis.call('ZADD', se, ARGV[13], h)\n"
	"redis.call('ZADD', P..'sx', ARGV[13], h)\n"
	"return 'ok'\n";

/* P, hex, last_active_at, expires_at, slack. */
static const char lua_touch[] = SESSION_LUA
	"local h, la, ex = ARGV[2], ARGV[3], ARGV[4]\n"
	"local s = P..'s:'..h\n"
	"local v = redis.call('HMGET', s, 'u', 'c', 'k', 'nk')\n"
	"if not v[1] then return 0 end\n"
	"redis.call('HSET', s, 'la', la, 'ex', ex)\n"
	"local life = math.max(1, tonumber(ex) - tonumber(la)) + tonumber(ARGV[5])\n"
	"for _, k in ipairs({s, P..'su:'..v[1], P..'sn:'..v[2]..':'..v[4]}) do\n"
	"  redis.call('PEXPIRE', k, life)\n"
	"end\n"
	"redis.call('ZADD', P..'se:'..v[2], 'XX', ex, h)\n"
	"redis.call('ZADD', P..'sx', 'XX', ex, h)\n"
	"if v[3] ~= '' then redis.call('ZADD', P..'sk:'..v[3], 'XX', ex, h) end\n"
	"return 0\n";

/* P, hex: the session's fields, or nil. */
static const char lua_delete_token[] = SESSION_LUA
	"return drop(ARGV[2]) or false\n";

/* P, user id: the session's fields, or nil. */
static const char lua_delete_user[] = SESSION_LUA
	"local k = P..'su:'..ARGV[2]\n"
	"local h = redis.call('GET', k)\n"
	"if not h then return false end\n"
	"redis.call('DEL', k)\n"
	"return drop(h) or false\n";

/* P, conv, now: the fields of its live sessions, oldest first (ties by
 * user id, the order of session_page's cursors), flat. */
static const char lua_list[] = SESSION_LUA
	"local recs, out = {}, {}\n"
	"for _, h in ipairs(redis.call('ZRANGEBYSCORE', P..'se:'..ARGV[2], '('..ARGV[3], "
	    "'+inf')) do\n"
	"  local v = redis.call('HMGET', P..'s:'..h, 'u','n','a','r','c','ca','la','ex','o','k')\n"
	"  if v[1] then recs[#recs + 1] = v end\n"
	"end\n"
	"table.sort(recs, function(x, y)\n"
	"  if x[6] ~= y[6] then return tonumber(x[6]) < tonumber(y[6]) end\n"
	"  return x[1] < y[1]\n"
	"end)\n"
	"for _, v in ipairs(recs) do for i = 1, #F do out[#out + 1] = v[i] end end\n"
	"return out\n";

/* P, now: the fields of up to a batch of sessions expired at now, flat,
 * removed. */
static const char lua_session_sweep[] = SESSION_LUA
	"local out = {}\n"
	"for _, h in ipairs(redis.call('ZRANGEBYSCORE', P..'sx', '-inf', ARGV[2], 'LIMIT', 0, "
	    SWEEP_BATCH ")) do\n"
	"  local v = drop(h)\n"
	"  if v then for i = 1, #F do out[#out + 1] = v[i] end end\n"
	"end\n"
	"return out\n";

/* key, now, until, slack: 0 claimed, 1 held. */
static const char lua_nonce[] =
	"local v = redis.call('GET', ARGV[1])\n"
	"if v and tonumber(v) > tonumber(ARGV[2]) then return 1 end\n"
	"redis.call('SET', ARGV[1], ARGV[3], 'PX', math.max(1, tonumber(ARGV[3]) - "
	    "tonumber(ARGV[2])) + tonumber(ARGV[4]))\n"
	"return 0\n";

/* key, window_ms, slack, hits: the window's hits, these included. */
static const char lua_hit[] =
	"local n = redis.call('INCRBY', ARGV[1], ARGV[4])\n"
	"if n == tonumber(ARGV[4]) then\n"
	"  redis.call('PEXPIRE', ARGV[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))\n"
	"end\n"
	"return n\n";

/* An idempotency claim: the hash i:<user length>:<user>:<key> of o
 * (owner), t (claimed at), e (its end), p (pending), m (message). */
#define CLAIM_LUA \
	"local function hold(k, owner, now, till, slack)\n" \
	"  redis.call('HSET', k, 'o', owner, 't', now, 'e', till)\n" \
	"  redis.call('PEXPIRE', k, math.max(1, tonumber(till) - tonumber(now)) + tonumber(slack))\n" \
	"end\n"

/* key, owner, now, until, slack: 0 held by owner, 1 by another. */
static const char lua_claim[] = CLAIM_LUA
	"local e = redis.call('HGET', ARGV[1], 'e')\n"
	"if e and tonumber(e) > tonumber(ARGV[3]) then return 1 end\n"
	"redis.call('DEL', ARGV[1])\n"
	"hold(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])\n"
	"return 0\n";

/* key, from, owner, now, until, slack: 0 taken over, 1 not. */
static const char lua_takeover[] = CLAIM_LUA
	"local v = redis.call('HMGET', ARGV[1], 'o', 'm')\n"
	"if v[1] ~= ARGV[2] or v[2] then return 1 end\n"
	"hold(ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6])\n"
	"return 0\n";

/* key, json: the claim's message, when there is a claim (its expiry kept). */
static const char lua_record[] =
	"if redis.call('EXISTS', ARGV[1]) == 1 then redis.call('HSET', ARGV[1], 'm', ARGV[2]) end\n"
	"return 0\n";

/* key, owner: drops the owner's claim. */
static const char lua_release[] =
	"if redis.call('HGET', ARGV[1], 'o') == ARGV[2] then redis.call('DEL', ARGV[1]) end\n"
	"return 0\n";

/* P, id, join code, status, created_at, closed_at, revision: 0 cached, 1
 * the cache holds that revision or a newer one. The hash c:<id>, and the
 * sorted sets cs:any, cs:active, cs:closed of ids (score 0). */
static const char lua_put[] =
	"local P, id, status = ARGV[1], ARGV[2], ARGV[4]\n"
	"local k = P..'c:'..id\n"
	"local r = redis.call('HGET', k, 'r')\n"
	"if r and tonumber(r) >= tonumber(ARGV[7]) then return 1 end\n"
	"redis.call('HSET', k, 'j', ARGV[3], 's', status, 'ca', ARGV[5], 'cl', ARGV[6], "
	    "'r', ARGV[7])\n"
	"redis.call('ZADD', P..'cs:any', 0, id)\n"
	"redis.call('ZADD', P..'cs:'..status, 0, id)\n"
	"redis.call('ZREM', P..'cs:'..(status == 'closed' and 'active' or 'closed'), id)\n"
	"return 0\n";

/* P, status set, after, limit: id, j, s, ca, cl, r of each, flat. */
static const char lua_list_conversations[] =
	"local P, out = ARGV[1], {}\n"
	"local from = ARGV[3] == '' and '-' or '('..ARGV[3]\n"
	"for _, id in ipairs(redis.call('ZRANGEBYLEX', P..'cs:'..ARGV[2], from, '+', 'LIMIT', 0, "
	    "ARGV[4])) do\n"
	"  local v = redis.call('HMGET', P..'c:'..id, 'j', 's', 'ca', 'cl', 'r')\n"
	"  if v[1] then\n"
	"    out[#out + 1] = id\n"
	"    for i = 1, 5 do out[#out + 1] = v[i] end\n"
	"  end\n"
	"end\n"
	"return out\n";

/* key, now, lock, token, lock_ms, covered set, id: {the conversation's
 * next message millisecond, 1 when the index covers it (else 0)}, or {-1,
 * 0} while another call holds the lock k:<id>:held; with a token (not ""),
 * the lock is then this call's until release. */
static const char lua_clock[] =
	"if ARGV[4] == '' then\n"
	"  if redis.call('EXISTS', ARGV[3]) == 1 then return {-1, 0} end\n"
	"elseif not redis.call('SET', ARGV[3], ARGV[4], 'NX', 'PX', ARGV[5]) then\n"
	"  return {-1, 0}\n"
	"end\n"
	"local last = tonumber(redis.call('GET', ARGV[1]) or '-1')\n"
	"local ms = math.max(tonumber(ARGV[2]), last + 1)\n"
	"redis.call('SET', ARGV[1], string.format('%d', ms))\n"
	"return {ms, redis.call('SISMEMBER', ARGV[6], ARGV[7])}\n";

/* lock, token, index, batch key, claim, owner, json, channel, reserve:
 * the note of a send (state_message_begin), then the lock dropped when it
 * is still token's. With a claim (not ""), json is its pending message if
 * owner holds it, else nothing is noted (1); the batch key (not "") goes
 * into the index; the reserve (not "") to the relays' channel, still under
 * the lock, so the relays hear the reserves in clock order. */
static const char lua_note[] =
	"local noted = ARGV[5] == '' or redis.call('HGET', ARGV[5], 'o') == ARGV[6]\n"
	"if noted and ARGV[5] ~= '' then redis.call('HSET', ARGV[5], 'p', ARGV[7]) end\n"
	"if noted and ARGV[4] ~= '' then redis.call('ZADD', ARGV[3], 0, ARGV[4]) end\n"
	"if noted and ARGV[9] ~= '' then redis.call('PUBLISH', ARGV[8], ARGV[9]) end\n"
	"if redis.call('GET', ARGV[1]) == ARGV[2] then redis.call('DEL', ARGV[1]) end\n"
	"return noted and 0 or 1\n";

/* index, new, old...: the old keys out and the new one in, at once. */
static const char lua_replace[] =
	"for i = 3, #ARGV do redis.call('ZREM', ARGV[1], ARGV[i]) end\n"
	"redis.call('ZADD', ARGV[1], 0, ARGV[2])\n"
	"return 1\n";

enum script {
	S_CREATE, S_TOUCH, S_DELETE_TOKEN, S_DELETE_USER, S_LIST, S_SESSION_SWEEP, S_NONCE,
	S_HIT, S_CLAIM, S_TAKEOVER, S_RECORD, S_RELEASE, S_PUT, S_LIST_CONV,
	S_CLOCK, S_NOTE, S_REPLACE, S__MAX
};

static const char *const scripts[S__MAX] = {
	[S_CREATE] = lua_create, [S_TOUCH] = lua_touch, [S_DELETE_TOKEN] = lua_delete_token,
	[S_DELETE_USER] = lua_delete_user, [S_LIST] = lua_list,
	[S_SESSION_SWEEP] = lua_session_sweep, [S_NONCE] = lua_nonce, [S_HIT] = lua_hit,
	[S_CLAIM] = lua_claim, [S_TAKEOVER] = lua_takeover, [S_RECORD] = lua_record, [S_RELEASE] = lua_release, [S_PUT] = lua_put,
	[S_LIST_CONV] = lua_list_conversations, [S_CLOCK] = lua_clock, [S_NOTE] = lua_note,
	[S_REPLACE] = lua_replace,
};

/* ---- the connection ---- */

struct rstate {
	redisContext *c; /* NULL until first use and after a failure */
	struct redis_url url;
	int timeout_ms;
	int no_wait;     /* state_no_wait: never wait for a lock */
	char sha[S__MAX][2 * SHA_DIGEST_LENGTH + 1];
};

static struct rstate *rs(struct state *st) { return st->backend; }

static void drop_connection(struct rstate *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

/* 0 when rep is a status reply of text. */
static int status_is(redisReply *rep, const char *text)
{
	int ok = rep != NULL && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, text) == 0;

	freeReplyObject(rep);
	return ok ? 0 : ERR_DB;
}

/* AUTH and SELECT on the fresh connection, as the URL says. */
static int greet(struct rstate *r)
{
	char db[NUM_LEN];
	int rc = 0;

	if (r->url.password[0] != '\0' && r->url.user[0] != '\0')
		rc = status_is(redisCommand(r->c, "AUTH %s %s", r->url.user, r->url.password), "OK");
	else if (r->url.password[0] != '\0')
		rc = status_is(redisCommand(r->c, "AUTH %s", r->url.password), "OK");
	if (rc == 0 && r->url.db != 0) {
		snprintf(db, sizeof db, "%d", r->url.db);
		rc = status_is(redisCommand(r->c, "SELECT %s", db), "OK");
	}
	return rc;
}

static int64_t monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct timeval interval(int ms)
{
	return (struct timeval){ .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
}

static int connect_redis(struct rstate *r)
{
	struct timeval tv = interval(r->timeout_ms);
	int rc;

	r->c = r->url.path[0] != '\0' ? redisConnectUnixWithTimeout(r->url.path, tv) :
	    redisConnectWithTimeout(r->url.host, r->url.port, tv);
	if (r->c == NULL)
		return ERR_NOMEM;
	rc = r->c->err == 0 && redisSetTimeout(r->c, tv) == REDIS_OK ? greet(r) : ERR_DB;
	if (rc < 0)
		drop_connection(r);
	return rc;
}

/* 1 when the server had closed the connection before the command: it never
 * ran, and a new connection may send it again. */
static int closed_before(const redisContext *c, int err)
{
	return c->err == REDIS_ERR_EOF ||
	    (c->err == REDIS_ERR_IO && (err == EPIPE || err == ECONNRESET));
}

/* The reply to argv[0..argc) (lengths len), connecting first when needed;
 * once more on a new connection when the old one was found closed. An
 * error reply is returned as such; NULL on ERR_DB (the connection is
 * dropped). The caller frees the reply. */
static redisReply *call(struct rstate *r, int argc, const char **argv, const size_t *len)
{
	redisReply *rep;
	int fresh, err;

	for (int attempt = 0; attempt < 2; attempt++) {
		fresh = r->c == NULL;
		if (fresh && connect_redis(r) < 0)
			return NULL;
		if ((rep = redisCommandArgv(r->c, argc, argv, len)) != NULL)
			return rep;
		err = errno;
		if (fresh || !closed_before(r->c, err)) {
			drop_connection(r);
			return NULL;
		}
		drop_connection(r);
	}
	return NULL;
}

/* The arguments of a command or script, bounded by ARGS_MAX (this file's
 * calls stay below it). */
struct args {
	int n;
	const char *v[ARGS_MAX];
	size_t len[ARGS_MAX];
	char num[ARGS_MAX][NUM_LEN];
};

static void add(struct args *a, const char *s, size_t n)
{
	if (a->n >= ARGS_MAX)
		return;
	a->v[a->n] = s;
	a->len[a->n++] = n;
}

static void add_str(struct args *a, const char *s) { add(a, s, strlen(s)); }

static void add_int(struct args *a, int64_t v)
{
	int n;

	if (a->n >= ARGS_MAX)
		return;
	n = snprintf(a->num[a->n], NUM_LEN, "%lld", (long long)v);
	add(a, a->num[a->n], (size_t)n);
}

/* The reply to the command in a, or NULL (ERR_DB) for a failure, an
 * error reply or too many arguments. */
static redisReply *command(struct rstate *r, const struct args *a)
{
	redisReply *rep;

	if (a->n >= ARGS_MAX)
		return NULL;
	rep = call(r, a->n, (const char **)a->v, a->len); /* hiredis only reads them */
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		rep = NULL;
	}
	return rep;
}

/* Script s over argv[3..argc) (lengths len), whose first three slots it
 * fills: EVALSHA, and EVAL when the server does not know it yet. NULL on
 * ERR_DB. */
static redisReply *eval(struct rstate *r, enum script s, int argc, const char **argv,
    size_t *len)
{
	redisReply *rep;

	argv[0] = "EVALSHA", len[0] = 7;
	argv[1] = r->sha[s], len[1] = strlen(r->sha[s]);
	argv[2] = "0", len[2] = 1;
	rep = call(r, argc, argv, len);
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(rep);
		argv[0] = "EVAL", len[0] = 4;
		argv[1] = scripts[s], len[1] = strlen(scripts[s]);
		rep = call(r, argc, argv, len);
	}
	if (rep != NULL && rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		rep = NULL;
	}
	return rep;
}

/* Script s with the arguments in a (ARGV only, no KEYS): EVALSHA, and
 * EVAL when the server does not know it yet. NULL on ERR_DB. */
static redisReply *script(struct rstate *r, enum script s, const struct args *a)
{
	const char *argv[ARGS_MAX + 3];
	size_t len[ARGS_MAX + 3];

	if (a->n >= ARGS_MAX)
		return NULL;
	memcpy(argv + 3, a->v, (size_t)a->n * sizeof *argv);
	memcpy(len + 3, a->len, (size_t)a->n * sizeof *len);
	return eval(r, s, a->n + 3, argv, len);
}

/* Script s's integer reply into *v: 0 or ERR_DB. */
static int script_int(struct rstate *r, enum script s, const struct args *a, long long *v)
{
	redisReply *rep = script(r, s, a);
	int rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? 0 : ERR_DB;

	if (rc == 0)
		*v = rep->integer;
	freeReplyObject(rep);
	return rc;
}

/* Script s whose reply is 0 or 1, returned as such; ERR_DB otherwise. */
static int script_flag(struct rstate *r, enum script s, const struct args *a)
{
	long long v = -1;
	int rc = script_int(r, s, a, &v);

	return rc < 0 ? rc : v == 0 || v == 1 ? (int)v : ERR_DB;
}

/* ---- reading replies ---- */

/* 1 when rep is an array of n elements (n <= REPLY_MAX), a multiple of
 * per, each a string (nil too when nil_ok). */
static int strings(const redisReply *rep, size_t per, int nil_ok)
{
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements > REPLY_MAX ||
	    rep->elements % per != 0)
		return 0;
	for (size_t i = 0; i < rep->elements; i++) {
		int t = rep->element[i]->type;

		if (t != REDIS_REPLY_STRING && !(nil_ok && t == REDIS_REPLY_NIL))
			return 0;
	}
	return 1;
}

/* Copies string reply e (nil: "") into out[cap]: 0, or ERR_DB when it
 * does not fit (this file wrote it within its bounds). */
static int copy(const redisReply *e, char *out, size_t cap)
{
	size_t n = e->type == REDIS_REPLY_STRING ? e->len : 0;

	if (n >= cap)
		return ERR_DB;
	memcpy(out, n ? e->str : "", n);
	out[n] = '\0';
	return 0;
}

/* String reply e as a whole decimal number into *v: 0 or ERR_DB. */
static int number(const redisReply *e, int64_t *v)
{
	char buf[NUM_LEN], *end;
	long long n;

	if (copy(e, buf, sizeof buf) < 0 || buf[0] == '\0')
		return ERR_DB;
	errno = 0;
	n = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return ERR_DB;
	*v = n;
	return 0;
}

/* Writes "<PREFIX><kind><a><b>" into key[KEY_LEN]: 0 or ERR_INVAL. */
static int key_of(char key[KEY_LEN], const char *kind, const char *a, const char *b)
{
	int n = snprintf(key, KEY_LEN, PREFIX "%s%s%s", kind, a, b);

	return n > 0 && (size_t)n < KEY_LEN ? 0 : ERR_INVAL;
}

/* ---- sessions ---- */

#define SESSION_FIELDS 10 /* u n a r c ca la ex o k, as the scripts give them */

static void hex_of(const unsigned char hash[STATE_HASH_LEN], char hex[2 * STATE_HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < STATE_HASH_LEN; i++) {
		hex[2 * i] = digits[hash[i] >> 4];
		hex[2 * i + 1] = digits[hash[i] & 15];
	}
	hex[2 * STATE_HASH_LEN] = '\0';
}

/* The session in e[0..SESSION_FIELDS) into s: 0 or ERR_DB. */
static int read_session(redisReply *const *e, struct session *s)
{
	if (copy(e[0], s->user_id, sizeof s->user_id) < 0 ||
	    copy(e[1], s->display_name, sizeof s->display_name) < 0 ||
	    copy(e[2], s->avatar_url, sizeof s->avatar_url) < 0 ||
	    copy(e[3], s->role, sizeof s->role) < 0 ||
	    copy(e[4], s->conversation_id, sizeof s->conversation_id) < 0 ||
	    number(e[5], &s->created_at) < 0 || number(e[6], &s->last_active_at) < 0 ||
	    number(e[7], &s->expires_at) < 0 ||
	    copy(e[8], s->origin, sizeof s->origin) < 0 ||
	    copy(e[9], s->client_net, sizeof s->client_net) < 0)
		return ERR_DB;
	return 0;
}

/* Calls each for every session of rep (flat fields); when stop is set, a
 * negative return stops the walk and is returned (else the walk goes on). */
static int each_session(const redisReply *rep, session_each_fn each, void *ctx, int stop)
{
	struct session *s;
	int rc = 0;

	if (!strings(rep, SESSION_FIELDS, 0))
		return ERR_DB;
	if ((s = malloc(sizeof *s)) == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < rep->elements; i += SESSION_FIELDS) {
		int stopped;

		if (read_session(rep->element + i, s) < 0)
			rc = ERR_DB;
		else if ((stopped = each(ctx, s)) < 0 && stop)
			rc = stopped;
	}
	free(s);
	return rc;
}

/* The first arguments of a session script: the prefix and a session's
 * hex (or user id). */
static void session_args(struct args *a, const char *id)
{
	add_str(a, PREFIX);
	add_str(a, id);
}

static int session_create(struct state *st, const struct session *s,
    const unsigned char hash[STATE_HASH_LEN], const char *name_key)
{
	char hex[2 * STATE_HASH_LEN + 1];
	struct args a = { 0 };
	redisReply *rep;
	int rc = ERR_DB;

	hex_of(hash, hex);
	session_args(&a, hex);
	add_str(&a, s->conversation_id), add_str(&a, name_key), add_str(&a, s->client_net);
	add_str(&a, s->user_id), add_str(&a, s->display_name), add_str(&a, s->avatar_url);
	add_str(&a, s->role), add_str(&a, s->origin);
	add_int(&a, s->created_at), add_int(&a, s->last_active_at), add_int(&a, s->expires_at);
	add_int(&a, st->sessions_per_conversation), add_int(&a, st->sessions_per_client);
	add_str(&a, GC_SLACK_MS);
	if ((rep = script(rs(st), S_CREATE, &a)) != NULL && rep->type == REDIS_REPLY_STRING) {
		rc = strcmp(rep->str, "ok") == 0 ? 0 : strcmp(rep->str, "conflict") == 0 ?
		    ERR_CONFLICT : strcmp(rep->str, "conv_full") == 0 ? ERR_CONV_FULL :
		    strcmp(rep->str, "client_full") == 0 ? ERR_CLIENT_FULL : ERR_DB;
	}
	freeReplyObject(rep);
	return rc;
}

static int session_get(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t now, struct session *out)
{
	static const char *const fields[] = { "u", "n", "a", "r", "c", "ca", "la", "ex", "o", "k" };
	char hex[2 * STATE_HASH_LEN + 1], key[KEY_LEN];
	struct args a = { 0 };
	redisReply *rep;
	int rc;

	hex_of(hash, hex);
	if ((rc = key_of(key, "s:", hex, "")) < 0)
		return rc;
	add_str(&a, "HMGET"), add_str(&a, key);
	for (size_t i = 0; i < SESSION_FIELDS; i++)
		add_str(&a, fields[i]);
	rep = command(rs(st), &a);
	if (!strings(rep, SESSION_FIELDS, 1) || rep->elements != SESSION_FIELDS)
		rc = ERR_DB;
	else if (rep->element[0]->type == REDIS_REPLY_NIL)
		rc = ERR_NOTFOUND;
	else if ((rc = read_session(rep->element, out)) == 0 && out->expires_at <= now)
		rc = ERR_NOTFOUND;
	freeReplyObject(rep);
	return rc;
}

static int session_touch(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    int64_t last_active_at, int64_t expires_at)
{
	char hex[2 * STATE_HASH_LEN + 1];
	struct args a = { 0 };

	hex_of(hash, hex);
	session_args(&a, hex);
	add_int(&a, last_active_at), add_int(&a, expires_at), add_str(&a, GC_SLACK_MS);
	return script_flag(rs(st), S_TOUCH, &a) == 0 ? 0 : ERR_DB;
}

/* A delete script's reply: the session into gone (may be NULL), or
 * ERR_NOTFOUND for nil. */
static int deleted(redisReply *rep, struct session *gone)
{
	struct session s;
	int rc;

	if (rep != NULL && rep->type == REDIS_REPLY_NIL)
		rc = ERR_NOTFOUND;
	else if (!strings(rep, SESSION_FIELDS, 0) || rep->elements != SESSION_FIELDS)
		rc = ERR_DB;
	else if ((rc = read_session(rep->element, &s)) == 0 && gone != NULL)
		*gone = s;
	freeReplyObject(rep);
	return rc;
}

static int session_delete_token(struct state *st, const unsigned char hash[STATE_HASH_LEN],
    struct session *gone)
{
	char hex[2 * STATE_HASH_LEN + 1];
	struct args a = { 0 };

	hex_of(hash, hex);
	session_args(&a, hex);
	return deleted(script(rs(st), S_DELETE_TOKEN, &a), gone);
}

static int session_delete_user(struct state *st, const char *user_id, struct session *gone)
{
	struct args a = { 0 };

	session_args(&a, user_id);
	return deleted(script(rs(st), S_DELETE_USER, &a), gone);
}

/* Script s over (PREFIX, first, now), whose reply is flat sessions, each
 * given to each. */
static int session_walk(struct state *st, enum script s, const char *first, int64_t now,
    session_each_fn each, void *ctx)
{
	struct args a = { 0 };
	redisReply *rep;
	int rc;

	add_str(&a, PREFIX);
	if (first != NULL)
		add_str(&a, first);
	add_int(&a, now);
	rep = script(rs(st), s, &a);
	rc = rep == NULL ? ERR_DB : each_session(rep, each, ctx, s == S_LIST);
	freeReplyObject(rep);
	return rc;
}

static int session_list(struct state *st, const char *conversation_id, int64_t now,
    session_each_fn each, void *ctx)
{
	return session_walk(st, S_LIST, conversation_id, now, each, ctx);
}

static int session_sweep(struct state *st, int64_t now, session_each_fn each, void *ctx)
{
	return session_walk(st, S_SESSION_SWEEP, NULL, now, each, ctx);
}

/* The integer reply of the command in a into *v: 0 or ERR_DB. */
static int command_int(struct rstate *r, const struct args *a, long long *v)
{
	redisReply *rep = command(r, a);
	int rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer >= 0 ? 0 : ERR_DB;

	if (rc == 0)
		*v = rep->integer;
	freeReplyObject(rep);
	return rc;
}

static int session_count(struct state *st, const char *conversation_id, int64_t now,
    long *n)
{
	char key[KEY_LEN], from[NUM_LEN + 1];
	struct args a = { 0 };
	long long v;
	int rc;

	if ((rc = key_of(key, "se:", conversation_id, "")) < 0)
		return rc;
	snprintf(from, sizeof from, "(%lld", (long long)now);
	add_str(&a, "ZCOUNT"), add_str(&a, key), add_str(&a, from), add_str(&a, "+inf");
	if ((rc = command_int(rs(st), &a, &v)) == 0)
		*n = v > LONG_MAX ? LONG_MAX : (long)v;
	return rc;
}

/* Nothing to do: Redis drops expired nonces, buckets and claims itself. */
static int sweep(struct state *st, int64_t now)
{
	(void)st, (void)now;
	return 0;
}

static void no_wait(struct state *st)
{
	struct rstate *r = rs(st);

	r->timeout_ms = REDIS_NO_WAIT_MS;
	r->no_wait = 1;
	if (r->c != NULL && redisSetTimeout(r->c, interval(r->timeout_ms)) != REDIS_OK)
		drop_connection(r);
}

/* ---- nonces ---- */

static int nonce_claim(struct state *st, const char *nonce, int64_t now, int64_t until)
{
	char key[KEY_LEN];
	struct args a = { 0 };
	int rc;

	if ((rc = key_of(key, "n:", nonce, "")) < 0)
		return rc;
	add_str(&a, key), add_int(&a, now), add_int(&a, until), add_str(&a, GC_SLACK_MS);
	return script_flag(rs(st), S_NONCE, &a);
}

/* ---- rate buckets ---- */

/* The key of bucket's window holding now, and the window's end. */
static int window_key(char key[KEY_LEN], const char *bucket, int64_t now, int64_t window_ms,
    int64_t *end)
{
	char start[NUM_LEN + 1];

	snprintf(start, sizeof start, "%lld:", (long long)(now - now % window_ms));
	*end = now - now % window_ms + window_ms;
	return key_of(key, "b:", start, bucket);
}

static int bucket_add(struct state *st, const char *bucket, long hits, int64_t now,
    int64_t window_ms, long *count, int64_t *end)
{
	char key[KEY_LEN];
	struct args a = { 0 };
	long long n = 0;
	int rc;

	if ((rc = window_key(key, bucket, now, window_ms, end)) < 0)
		return rc;
	add_str(&a, key), add_int(&a, window_ms), add_str(&a, GC_SLACK_MS), add_int(&a, hits);
	if ((rc = script_int(rs(st), S_HIT, &a, &n)) == 0 && n < hits)
		rc = ERR_DB;
	if (rc == 0)
		*count = n > LONG_MAX ? LONG_MAX : (long)n;
	return rc;
}

static int bucket_peek(struct state *st, const char *bucket, int64_t now, int64_t window_ms,
    long *count, int64_t *end)
{
	char key[KEY_LEN];
	struct args a = { 0 };
	redisReply *rep;
	int64_t n = 0;
	int rc;

	*count = 0;
	if ((rc = window_key(key, bucket, now, window_ms, end)) < 0)
		return rc;
	add_str(&a, "GET"), add_str(&a, key);
	rep = command(rs(st), &a);
	if (rep == NULL || (rep->type != REDIS_REPLY_NIL &&
	    (rep->type != REDIS_REPLY_STRING || number(rep, &n) < 0 || n < 0)))
		rc = ERR_DB;
	else
		*count = n > LONG_MAX ? LONG_MAX : (long)n;
	freeReplyObject(rep);
	return rc;
}

/* ---- idempotency keys ---- */

/* i:<bytes of user_id>:<user_id>:<key>, which no other pair names. */
static int claim_key(char out[KEY_LEN], const char *user_id, const char *key)
{
	char user[NUM_LEN + STATE_NAME_MAX + 2];

	snprintf(user, sizeof user, "%zu:%s:", strlen(user_id), user_id);
	return key_of(out, "i:", user, key);
}

/* a begins with the claim's key, or *rc is ERR_INVAL. */
static void claim_args(struct args *a, const char *user_id, const char *key,
    char buf[KEY_LEN], int *rc)
{
	if ((*rc = claim_key(buf, user_id, key)) == 0)
		add_str(a, buf);
}

/* Script s over the claim's key, texts[0..n) and, when hold is not NULL
 * ({now, ttl_ms}), the claim's time, its end and the slack: its 0 or 1. */
static int claim_script(struct state *st, enum script s, const char *user_id, const char *key,
    const char *const *texts, int n, const int64_t *hold)
{
	char k[KEY_LEN];
	struct args a = { 0 };
	int rc;

	claim_args(&a, user_id, key, k, &rc);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++)
		add_str(&a, texts[i]);
	if (hold != NULL) {
		add_int(&a, hold[0]), add_int(&a, hold[0] + hold[1]);
		add_str(&a, GC_SLACK_MS);
	}
	return script_flag(rs(st), s, &a);
}

static int idempotency_claim(struct state *st, const char *user_id, const char *key,
    int64_t now, int64_t ttl_ms, const char *owner)
{
	return claim_script(st, S_CLAIM, user_id, key, &owner, 1, (const int64_t[]){ now, ttl_ms });
}

/* String reply e (nil: NULL) as a new string into *out: 0 or ERR_NOMEM. */
static int dup_reply(const redisReply *e, char **out)
{
	*out = NULL;
	if (e->type == REDIS_REPLY_NIL)
		return 0;
	if ((*out = malloc(e->len + 1)) == NULL)
		return ERR_NOMEM;
	memcpy(*out, e->str, e->len);
	(*out)[e->len] = '\0';
	return 0;
}

static int idempotency_get(struct state *st, const char *user_id, const char *key,
    struct state_claim *out)
{
	char k[KEY_LEN];
	struct args a = { 0 };
	redisReply *rep;
	int rc;

	memset(out, 0, sizeof *out);
	add_str(&a, "HMGET");
	claim_args(&a, user_id, key, k, &rc);
	if (rc < 0)
		return rc;
	add_str(&a, "o"), add_str(&a, "t"), add_str(&a, "p"), add_str(&a, "m");
	rep = command(rs(st), &a);
	if (!strings(rep, 4, 1) || rep->elements != 4)
		rc = ERR_DB;
	else if (rep->element[0]->type == REDIS_REPLY_NIL)
		rc = ERR_NOTFOUND;
	else if (copy(rep->element[0], out->owner, sizeof out->owner) < 0 ||
	    number(rep->element[1], &out->claimed_at) < 0)
		rc = ERR_DB;
	else if ((rc = dup_reply(rep->element[2], &out->pending)) == 0)
		rc = dup_reply(rep->element[3], &out->message);
	freeReplyObject(rep);
	if (rc < 0) {
		free(out->pending);
		memset(out, 0, sizeof *out);
	}
	return rc;
}

static int idempotency_takeover(struct state *st, const char *user_id, const char *key,
    const char *from, const char *owner, int64_t now, int64_t ttl_ms)
{
	const char *texts[] = { from, owner };

	return claim_script(st, S_TAKEOVER, user_id, key, texts, 2,
	    (const int64_t[]){ now, ttl_ms });
}

static int idempotency_record(struct state *st, const char *user_id, const char *key,
    const char *message_json)
{
	int rc = claim_script(st, S_RECORD, user_id, key, &message_json, 1, NULL);

	return rc == 0 ? 0 : ERR_DB;
}

static int idempotency_release(struct state *st, const char *user_id, const char *key,
    const char *owner)
{
	int rc = claim_script(st, S_RELEASE, user_id, key, &owner, 1, NULL);

	return rc == 0 ? 0 : ERR_DB;
}

/* ---- the conversation cache ---- */

/* e[0..5): join code, status, created_at, closed_at, revision, into c
 * (whose id is set): 0 or ERR_DB. */
static int read_conversation(redisReply *const *e, struct conversation *c)
{
	char status[8];

	if (copy(e[0], c->join_code, sizeof c->join_code) < 0 ||
	    copy(e[1], status, sizeof status) < 0 || number(e[2], &c->created_at) < 0 ||
	    number(e[3], &c->closed_at) < 0 || number(e[4], &c->revision) < 0)
		return ERR_DB;
	c->closed = strcmp(status, "closed") == 0;
	return 0;
}

static int cache_get(struct state *st, const char *id, struct conversation *out)
{
	char key[KEY_LEN];
	struct args a = { 0 };
	redisReply *rep;
	int rc;

	if ((rc = key_of(key, "c:", id, "")) < 0)
		return rc;
	add_str(&a, "HMGET"), add_str(&a, key);
	add_str(&a, "j"), add_str(&a, "s"), add_str(&a, "ca"), add_str(&a, "cl"), add_str(&a, "r");
	rep = command(rs(st), &a);
	memset(out, 0, sizeof *out);
	if (!strings(rep, 5, 1) || rep->elements != 5)
		rc = ERR_DB;
	else if (rep->element[0]->type == REDIS_REPLY_NIL)
		rc = ERR_NOTFOUND;
	else if ((rc = read_conversation(rep->element, out)) == 0)
		snprintf(out->id, sizeof out->id, "%s", id); /* state.c checked its length */
	freeReplyObject(rep);
	return rc;
}

static int cache_put(struct state *st, const struct conversation *c)
{
	struct args a = { 0 };

	add_str(&a, PREFIX), add_str(&a, c->id), add_str(&a, c->join_code);
	add_str(&a, c->closed ? "closed" : "active");
	add_int(&a, c->created_at), add_int(&a, c->closed_at), add_int(&a, c->revision);
	return script_flag(rs(st), S_PUT, &a);
}

#define CONVERSATION_FIELDS 6 /* id j s ca cl r */

static int cache_list(struct state *st, enum state_status status, const char *after,
    int limit, state_conversation_fn each, void *ctx)
{
	static const char *const sets[] = { [STATE_ANY] = "any", [STATE_ACTIVE] = "active",
		[STATE_CLOSED] = "closed" };
	struct conversation c;
	struct args a = { 0 };
	redisReply *rep;
	int rc = 0;

	add_str(&a, PREFIX), add_str(&a, sets[status]), add_str(&a, after), add_int(&a, limit);
	rep = script(rs(st), S_LIST_CONV, &a);
	if (!strings(rep, CONVERSATION_FIELDS, 1) ||
	    rep->elements / CONVERSATION_FIELDS > (size_t)limit)
		rc = ERR_DB;
	for (size_t i = 0; rc == 0 && i < rep->elements; i += CONVERSATION_FIELDS) {
		memset(&c, 0, sizeof c);
		if (copy(rep->element[i], c.id, sizeof c.id) < 0 ||
		    read_conversation(rep->element + i + 1, &c) < 0)
			rc = ERR_DB;
		else
			rc = each(ctx, &c);
	}
	freeReplyObject(rep);
	return rc < 0 ? rc : 0;
}

/* ---- the message index ---- */

static int index_add(struct state *st, const char *conversation_id, const char *const *keys,
    size_t n)
{
	char key[KEY_LEN];
	const char **argv;
	size_t *len;
	redisReply *rep;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = key_of(key, "x:", conversation_id, "")) < 0)
		return rc;
	if (n > (INT_MAX - 2) / 2)
		return ERR_INVAL;
	argv = calloc(2 * n + 2, sizeof *argv);
	len = calloc(2 * n + 2, sizeof *len);
	rc = argv != NULL && len != NULL ? 0 : ERR_NOMEM;
	if (rc == 0) {
		argv[0] = "ZADD", len[0] = 4;
		argv[1] = key, len[1] = strlen(key);
		for (size_t i = 0; i < n; i++) {
			argv[2 + 2 * i] = "0", len[2 + 2 * i] = 1;
			argv[3 + 2 * i] = keys[i], len[3 + 2 * i] = strlen(keys[i]);
		}
		rep = call(rs(st), (int)(2 * n + 2), argv, len);
		rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? 0 : ERR_DB;
		freeReplyObject(rep);
	}
	free(argv);
	free(len);
	return rc;
}

static int index_replace(struct state *st, const char *conversation_id,
    const char *const *old, size_t n, const char *new_key)
{
	char key[KEY_LEN];
	const char **argv;
	size_t *len;
	redisReply *rep;
	int rc;

	if ((rc = key_of(key, "x:", conversation_id, "")) < 0)
		return rc;
	if (n > (size_t)INT_MAX - 5)
		return ERR_INVAL;
	argv = calloc(n + 5, sizeof *argv);
	len = calloc(n + 5, sizeof *len);
	rc = argv != NULL && len != NULL ? 0 : ERR_NOMEM;
	if (rc == 0) {
		argv[3] = key, len[3] = strlen(key);
		argv[4] = new_key, len[4] = strlen(new_key);
		for (size_t i = 0; i < n; i++)
			argv[5 + i] = old[i], len[5 + i] = strlen(old[i]);
		rep = eval(rs(st), S_REPLACE, (int)(n + 5), argv, len);
		rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? 0 : ERR_DB;
		freeReplyObject(rep);
	}
	free(argv);
	free(len);
	return rc;
}

static int index_covered(struct state *st, const char *conversation_id, int *covered)
{
	struct args a = { 0 };
	long long v = 0;
	int rc;

	add_str(&a, "SISMEMBER"), add_str(&a, COVERED_KEY), add_str(&a, conversation_id);
	if ((rc = command_int(rs(st), &a, &v)) == 0)
		*covered = v == 1;
	return rc;
}

static int index_cover(struct state *st, const char *conversation_id)
{
	struct args a = { 0 };
	long long v;

	add_str(&a, "SADD"), add_str(&a, COVERED_KEY), add_str(&a, conversation_id);
	return command_int(rs(st), &a, &v);
}

/* One page of up to want keys of set key below max ("(<key>" or "+"). */
static redisReply *index_page(struct state *st, const char *key, const char *max, size_t want)
{
	struct args a = { 0 };
	redisReply *rep;

	add_str(&a, "ZREVRANGEBYLEX"), add_str(&a, key), add_str(&a, max), add_str(&a, "-");
	add_str(&a, "LIMIT"), add_str(&a, "0"), add_int(&a, (int64_t)want);
	rep = command(rs(st), &a);
	if (!strings(rep, 1, 0) || rep->elements > want) {
		freeReplyObject(rep);
		rep = NULL;
	}
	return rep;
}

static int index_newest(struct state *st, const char *conversation_id, const char *before,
    size_t n, state_key_fn fn, void *ctx)
{
	char key[KEY_LEN], max[STATE_INDEX_KEY_MAX + 2];
	redisReply *rep;
	size_t want, got;
	int rc;

	if ((rc = key_of(key, "x:", conversation_id, "")) < 0)
		return rc;
	if (before != NULL)
		snprintf(max, sizeof max, "(%s", before);
	else
		snprintf(max, sizeof max, "+");
	while (rc == 0 && n > 0) {
		want = n < INDEX_PAGE ? n : INDEX_PAGE;
		if ((rep = index_page(st, key, max, want)) == NULL)
			return ERR_DB;
		got = rep->elements;
		for (size_t i = 0; rc == 0 && i < got; i++)
			rc = fn(ctx, rep->element[i]->str);
		if (got > 0 && rep->element[got - 1]->len <= STATE_INDEX_KEY_MAX)
			snprintf(max, sizeof max, "(%s", rep->element[got - 1]->str);
		else if (got > 0)
			rc = ERR_DB;
		freeReplyObject(rep);
		n = got < want ? 0 : n - got;
	}
	return rc < 0 ? rc : 0;
}

/* The clock script's reply {ms, covered} into *ms and *covered: 0 or ERR_DB. */
static int clock_reply(redisReply *rep, long long *ms, long long *covered)
{
	int ok = rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER &&
	    rep->element[1]->type == REDIS_REPLY_INTEGER;

	if (ok)
		*ms = rep->element[0]->integer, *covered = rep->element[1]->integer;
	freeReplyObject(rep);
	return ok ? 0 : ERR_DB;
}

/* One try of the clock of conversation id: 0 with *ms and whether the
 * index covers it, 1 while another call holds the lock. */
static int clock_try(struct rstate *r, const char *id, const char *key, const char *lock,
    const char *token, int64_t now, int64_t *ms, int *covered)
{
	struct args a = { 0 };
	long long v = 0, c = 0;
	int rc;

	add_str(&a, key), add_int(&a, now), add_str(&a, lock), add_str(&a, token);
	add_str(&a, HOLD_MS), add_str(&a, COVERED_KEY), add_str(&a, id);
	if ((rc = clock_reply(script(r, S_CLOCK, &a), &v, &c)) < 0)
		return rc;
	if (v == -1)
		return 1;
	if (v < now)
		return ERR_DB;
	*ms = v;
	*covered = c == 1;
	return 0;
}

/* The clock, waiting up to the command timeout (none after no_wait) for
 * another call's lock to go. */
static int clock_tick(struct rstate *r, const char *id, const char *key, const char *lock,
    const char *token, int64_t now, int64_t *ms, int *covered)
{
	const struct timespec pause = { 0, 1000000 };
	int64_t deadline = monotonic_ms() + r->timeout_ms;
	int rc;

	while ((rc = clock_try(r, id, key, lock, token, now, ms, covered)) == 1 &&
	    r->timeout_ms != REDIS_NO_WAIT_MS && monotonic_ms() < deadline)
		nanosleep(&pause, NULL);
	return rc == 1 ? ERR_DB : rc;
}

/* The relays' message of the reserve of ms in conversation_id,
 * "0 <reserve frame>" (lib/relay_frame.h), into *out: 0 or ERR_NOMEM. */
static int reserve_message(const char *conversation_id, int64_t ms, char **out)
{
	char *frame = relay_frame_seq(RELAY_FRAME_RESERVE, conversation_id, ms);

	*out = frame != NULL ? relay_frame_peer(0, frame) : NULL;
	free(frame);
	return *out != NULL ? 0 : ERR_NOMEM;
}

/* The note n of a send at ms (NULL: none, after a fill that failed) under
 * the lock, and the lock dropped: 0, 1 when n's owner does not hold its
 * claim. */
static int note(struct state *st, const char *conversation_id, int64_t ms, const char *lock,
    const char *token, const struct state_note *n)
{
	char index[KEY_LEN], claim[KEY_LEN] = "", channel[32], *reserve = NULL;
	struct args a = { 0 };
	int rc;

	if ((rc = key_of(index, "x:", conversation_id, "")) < 0 ||
	    (n != NULL && n->user_id != NULL && (rc = claim_key(claim, n->user_id, n->key)) < 0) ||
	    (n != NULL && n->reserved && (rc = reserve_message(conversation_id, ms, &reserve)) < 0))
		return rc;
	snprintf(channel, sizeof channel, RELAY_CHANNEL_FORMAT, rs(st)->url.db);
	add_str(&a, lock), add_str(&a, token), add_str(&a, index);
	add_str(&a, n != NULL && n->index_key != NULL ? n->index_key : "");
	add_str(&a, claim), add_str(&a, claim[0] ? n->owner : "");
	add_str(&a, claim[0] ? n->pending : "");
	add_str(&a, channel), add_str(&a, reserve != NULL ? reserve : "");
	rc = script_flag(rs(st), S_NOTE, &a);
	free(reserve);
	return rc;
}

/* With fill, the call takes the conversation's lock with the millisecond,
 * and drops it with the note, once fill has returned: no other call for
 * the conversation gets a millisecond meanwhile (the lock lasts HOLD_MS at
 * most, should the process die in fill). */
static int message_begin(struct state *st, const char *conversation_id, int64_t now,
    state_note_fn *fill, void *ctx, int64_t *ms, int *covered)
{
	char key[KEY_LEN], lock[KEY_LEN], token[2 * LOCK_TOKEN_BYTES + 1] = "";
	struct state_note n;
	int rc, filled, c;

	if ((rc = key_of(key, "k:", conversation_id, "")) < 0 ||
	    (rc = key_of(lock, "k:", conversation_id, ":held")) < 0)
		return rc;
	if (fill != NULL && ids_token_hex(token, sizeof token, LOCK_TOKEN_BYTES) < 0)
		return ERR_IO;
	if ((rc = clock_tick(rs(st), conversation_id, key, lock, token, now, ms, &c)) < 0 ||
	    fill == NULL)
		return rc;
	filled = fill(ctx, conversation_id, *ms, &n);
	/* The millisecond is given either way: a lock this fails to drop only
	 * delays the next call, by HOLD_MS at most. */
	rc = note(st, conversation_id, *ms, lock, token, filled == 0 ? &n : NULL);
	if (filled < 0)
		return filled;
	if (rc == 0)
		*covered = c;
	return rc == 1 ? ERR_CONFLICT : rc;
}

/* ---- the backend ---- */

static int check(struct state *st)
{
	struct args a = { 0 };

	add_str(&a, "PING");
	return status_is(command(rs(st), &a), "PONG");
}

static void close_redis(struct state *st)
{
	struct rstate *r = rs(st);

	if (r != NULL) {
		drop_connection(r);
		OPENSSL_cleanse(r->url.password, sizeof r->url.password);
		free(r);
	}
	st->backend = NULL;
}

static const struct state_ops redis_ops = {
	.session_create = session_create,
	.session_get = session_get,
	.session_touch = session_touch,
	.session_delete_token = session_delete_token,
	.session_delete_user = session_delete_user,
	.session_list = session_list,
	.session_count = session_count,
	.nonce_claim = nonce_claim,
	.bucket_add = bucket_add,
	.bucket_peek = bucket_peek,
	.idempotency_claim = idempotency_claim,
	.idempotency_get = idempotency_get,
	.idempotency_takeover = idempotency_takeover,
	.idempotency_record = idempotency_record,
	.idempotency_release = idempotency_release,
	.conversation_get = cache_get,
	.conversation_put = cache_put,
	.conversation_list = cache_list,
	.index_add = index_add,
	.index_replace = index_replace,
	.index_covered = index_covered,
	.index_cover = index_cover,
	.index_newest = index_newest,
	.message_begin = message_begin,
	.session_sweep = session_sweep,
	.sweep = sweep,
	.no_wait = no_wait,
	.check = check,
	.close = close_redis,
};

/* The SHA-1 of each script, as EVALSHA names it. */
static void hash_scripts(struct rstate *r)
{
	unsigned char md[SHA_DIGEST_LENGTH];

	for (size_t s = 0; s < S__MAX; s++) {
		SHA1((const unsigned char *)scripts[s], strlen(scripts[s]), md);
		for (size_t i = 0; i < SHA_DIGEST_LENGTH; i++)
			snprintf(r->sha[s] + 2 * i, 3, "%02x", md[i]);
	}
}

/* The connection is made on first use, so a Redis that is down at start
 * makes each call ERR_DB (503) until it is back, not the process fail. */
int state_redis_open(struct state *st, const struct config *cfg)
{
	struct rstate *r;
	const char *why;

	if (cfg->redis_url == NULL)
		return ERR_CONFIG;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return ERR_NOMEM;
	if (redis_url_parse(cfg->redis_url, &r->url, &why) < 0) {
		free(r);
		return ERR_CONFIG;
	}
	r->timeout_ms = REDIS_TIMEOUT_MS;
	hash_scripts(r);
	st->ops = &redis_ops;
	st->backend = r;
	return 0;
}
