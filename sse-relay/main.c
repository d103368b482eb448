/*
 * chats3-relay: the SSE relay (README.md in this directory). One thread,
 * one epoll loop: the HTTP listeners (run/relay.sock, and
 * CHATS3_RELAY_LISTEN when set), the programs' datagram socket
 * (run/relay-events.sock), a signalfd, and timers for heartbeats, the
 * replay window and the sweep. --check-config validates and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "errors.h"
#include "fanout.h"
#include "hub.h"
#include "ingest.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "net.h"
#include "order.h"
#include "frames.h"
#include "redis_link.h"
#include "redis_url.h"
#include "relay_client.h"
#include "state.h"
#include "sweep.h"

#define PRUNE_EVERY_MS 1000
#define EVENTS_RCVBUF (8 * 1024 * 1024) /* room for bursts of frames */

enum { L_HTTP, L_EVENTS, L_TCP, L_SIGNALS, L__MAX };

struct relay {
	struct hub hub;
	int fds[L__MAX];
	char paths[2][PATH_MAX]; /* the unix sockets to unlink at exit */
};

/* Points standard error at CHATS3_RELAY_LOG (when set). 0 or -1. */
static int open_log(const struct config *cfg)
{
	int fd;

	if (cfg->relay_log == NULL)
		return 0;
	if ((fd = open(cfg->relay_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0)
		return -1;
	if (dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The soft limit on open files raised to the hard one; the new soft limit. */
static rlim_t raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 1024;
	if (r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r) < 0)
			getrlimit(RLIMIT_NOFILE, &r);
	}
	return r.rlim_cur > INT_MAX ? INT_MAX : r.rlim_cur;
}

static void on_signal(struct loop *l, int fd, int mask, void *ctx)
{
	struct relay *r = ctx;
	struct signalfd_siginfo si;

	(void)mask;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGHUP)
			loop_stop(l);
		else if (open_log(&r->hub.cfg) < 0)
			log_error(NULL, "relay: reopening %s: %s", r->hub.cfg.relay_log, strerror(errno));
	}
}

static void heartbeat(struct loop *l, void *ctx)
{
	(void)l;
	fanout_heartbeat(((struct hub *)ctx)->fanout);
}

/* Every second: the replay window moves on, and heads that never came
 * are given up. */
static void prune(struct loop *l, void *ctx)
{
	fanout_prune(((struct hub *)ctx)->fanout, clock_now_ms());
	conn_expire_heads(l, ctx);
}

/* order.c hears whether its seqs are in every host's order (the link up,
 * the clock in Redis); messages whose program never came back are given up. */
static void order_tick(struct loop *l, void *ctx)
{
	struct hub *h = ctx;

	(void)l;
	order_link(h->order, h->link != NULL && h->cfg.state == STATE_REDIS &&
	    redis_link_up(h->link));
	order_expire(h->order, clock_now_ms());
}

/* <data_dir>/<name> into out, its directory made if missing. 0 or -1. */
static int socket_path(const struct config *cfg, const char *name, char out[PATH_MAX])
{
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s/run", cfg->data_dir);

	if (n < 0 || n >= (int)sizeof dir || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return -1;
	n = snprintf(out, PATH_MAX, "%s/%s", cfg->data_dir, name);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Opens every listener and watches it. 0 or -1 (logged). */
static int listen_all(struct relay *r)
{
	struct loop *l = r->hub.loop;
	char err[NET_ERR_LEN] = "";
	int big = EVENTS_RCVBUF;

	/* Signals first: once the sockets accept, a SIGTERM must stop it cleanly. */
	if ((r->fds[L_SIGNALS] = signals_fd()) < 0) {
		log_error(NULL, "relay: blocking the signals: %s", strerror(errno));
		return -1;
	}
	if (socket_path(&r->hub.cfg, RELAY_HTTP_SOCKET, r->paths[0]) < 0 ||
	    socket_path(&r->hub.cfg, RELAY_SOCKET, r->paths[1]) < 0) {
		log_error(NULL, "relay: %s/run: the socket paths do not fit", r->hub.cfg.data_dir);
		return -1;
	}
	if ((r->fds[L_HTTP] = net_unix_listen(r->paths[0], SOCK_STREAM, err)) < 0 ||
	    (r->fds[L_EVENTS] = net_unix_listen(r->paths[1], SOCK_DGRAM, err)) < 0 ||
	    (r->hub.cfg.relay_listen != NULL &&
	    (r->fds[L_TCP] = net_tcp_listen(r->hub.cfg.relay_listen, err)) < 0)) {
		log_error(NULL, "relay: %s", err);
		return -1;
	}
	setsockopt(r->fds[L_EVENTS], SOL_SOCKET, SO_RCVBUF, &big, sizeof big); /* best effort */
	if (loop_watch(l, r->fds[L_HTTP], LOOP_READ, conn_accept_ready, &r->hub) < 0 ||
	    loop_watch(l, r->fds[L_EVENTS], LOOP_READ, ingest_ready, &r->hub) < 0 ||
	    (r->fds[L_TCP] >= 0 &&
	    loop_watch(l, r->fds[L_TCP], LOOP_READ, conn_accept_ready, &r->hub) < 0) ||
	    loop_watch(l, r->fds[L_SIGNALS], LOOP_READ, on_signal, r) < 0) {
		log_error(NULL, "relay: watching the listeners: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The link to the other hosts' relays, when CHATS3_REDIS_URL is set. 0 or -1 (logged). */
static int open_link(struct hub *h)
{
	struct redis_url url;
	const char *why;

	if (h->cfg.redis_url == NULL)
		return 0;
	if (redis_url_parse(h->cfg.redis_url, &url, &why) < 0) {
		log_error(NULL, "relay: CHATS3_REDIS_URL: %s", why);
		return -1;
	}
	if (redis_link_new(&h->link, h->loop, &url, frames_from_peer, h) < 0) {
		log_error(NULL, "relay: the redis link: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Everything but the listeners. 0 or -1 (logged). */
static int open_parts(struct relay *r)
{
	struct hub *h = &r->hub;
	int rc;

	if (metrics_open(h->cfg.data_dir, "chats3-relay") == 0)
		metrics_set(METRIC_RELAY_STREAMS, NULL, 0); /* a relay before this one may have died */
	else
		log_error(NULL, "relay: metrics: cannot map %s/" METRICS_FILE ": %s",
		    h->cfg.data_dir, strerror(errno));
	if ((rc = state_open(&h->state, &h->cfg)) < 0) {
		log_error(NULL, "relay: opening the state: %s", err_str(rc));
		return -1;
	}
	state_no_wait(h->state);
	if (fanout_new(&h->fanout, (size_t)h->cfg.relay_queue_bytes, h->cfg.relay_replay_ms) < 0 ||
	    order_new(&h->order, h->cfg.relay_order_ms, frames_publish, h) < 0 ||
	    loop_new(&h->loop, (int)raise_nofile()) < 0 ||
	    loop_every(h->loop, ORDER_TICK_MS, order_tick, h) < 0 ||
	    loop_every(h->loop, h->cfg.relay_heartbeat_ms, heartbeat, h) < 0 ||
	    loop_every(h->loop, PRUNE_EVERY_MS, prune, h) < 0 ||
	    loop_every(h->loop, SWEEP_EVERY_MS, sweep_tick, h) < 0) {
		log_error(NULL, "relay: setting up: %s", strerror(errno));
		return -1;
	}
	loop_before_sleep(h->loop, conn_flush_pending, h);
	return open_link(h);
}

static void close_all(struct relay *r)
{
	if (r->hub.loop != NULL)
		conn_close_all(&r->hub);
	redis_link_free(r->hub.link);
	for (int i = 0; i < L__MAX; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	for (int i = 0; i < 2; i++)
		if (r->paths[i][0] != '\0')
			unlink(r->paths[i]);
	loop_free(r->hub.loop);
	order_free(r->hub.order);
	fanout_free(r->hub.fanout);
	state_close(r->hub.state);
	config_free(&r->hub.cfg);
}

int main(int argc, char **argv)
{
	static struct relay r = { .fds = { -1, -1, -1, -1 } };
	char err[CONFIG_ERR_LEN];
	int check = argc == 2 && strcmp(argv[1], "--check-config") == 0, rc = 1;

	if (argc > 1 && !check) {
		fprintf(stderr, "usage: %s [--check-config]\n", argv[0]);
		return 2;
	}
	if (config_load(&r.hub.cfg, err) < 0) {
		fprintf(stderr, "chats3-relay: %s\n", err);
		return 1;
	}
	if (check) {
		config_free(&r.hub.cfg);
		return 0;
	}
	if (open_log(&r.hub.cfg) < 0)
		fprintf(stderr, "chats3-relay: %s: %s\n", r.hub.cfg.relay_log, strerror(errno));
	else if (open_parts(&r) == 0 && listen_all(&r) == 0)
		rc = loop_run(r.hub.loop) < 0 ? 1 : 0;
	close_all(&r);
	metrics_close();
	return rc;
}
