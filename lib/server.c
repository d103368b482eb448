#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/uio.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "app.h"
#include "dispatch.h"
#include "fdio.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "numparse.h"
#include "request.h"
#include "response.h"
#include "server.h"

extern char **environ;

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t in_request;

/* SIGTERM between requests ends the process at once; during one, after it. */
static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (!in_request)
		_exit(0);
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* ctx counts the bytes taken from standard input. */
static long cgi_read(void *ctx, char *p, size_t n)
{
	long got = fdio_read(STDIN_FILENO, p, n);

	if (got > 0)
		*(long *)ctx += got;
	return got;
}

/* mod_cgid resets the connection, losing the answer, when a CGI program
 * exits with request bytes unread: read the rest of what was declared. */
static void cgi_drain(long consumed)
{
	const char *cl = getenv("CONTENT_LENGTH");
	char sink[16384];
	long len, got;

	if (cl == NULL || numparse_long(cl, strlen(cl), 0, LONG_MAX, &len) < 0)
		return;
	while (consumed < len) {
		got = cgi_read(&consumed, sink,
		    (size_t)(len - consumed) < sizeof sink ? (size_t)(len - consumed) : sizeof sink);
		if (got <= 0)
			break;
	}
}

static int cgi_write(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	return fdio_write_all(STDOUT_FILENO, p, n);
}

static long fcgi_read(void *ctx, char *p, size_t n)
{
	FCGX_Request *fr = ctx;
	int want = n > 65536 ? 65536 : (int)n, got = FCGX_GetStr(p, want, fr->in);

	if (got == 0 && FCGX_GetError(fr->in) != 0)
		return -1;
	return got;
}

/* The bytes of one FastCGI record's content at most (a 16-bit length). */
#define FCGI_RECORD_MAX 65535
/* From this many bytes on a write skips libfcgi's 8 KiB stream buffer,
 * which would cut it into 8 KiB records, one write(2) each. */
#define FCGI_DIRECT_MIN 16384

/* One FCGI_STDOUT record of p[0..n), n <= FCGI_RECORD_MAX, on the
 * request's socket in one writev where the socket takes it whole. */
static int stdout_record(const FCGX_Request *fr, const char *p, size_t n)
{
	const unsigned char h[FCGI_HEADER_LEN] = {
		FCGI_VERSION_1, FCGI_STDOUT, (fr->requestId >> 8) & 0xff, fr->requestId & 0xff,
		(n >> 8) & 0xff, n & 0xff, 0, 0
	};
	struct iovec v[2] = { { (void *)h, sizeof h }, { (void *)p, n } };
	ssize_t w;

	do
		w = writev(fr->ipcFd, v, 2);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	if ((size_t)w < sizeof h)
		return fdio_write_all(fr->ipcFd, h + w, sizeof h - (size_t)w) < 0 ? -1 :
		    fdio_write_all(fr->ipcFd, p, n);
	w -= (ssize_t)sizeof h;
	return fdio_write_all(fr->ipcFd, p + w, n - (size_t)w);
}

/* Small writes go through libfcgi's buffer; large ones, once it is
 * flushed (the bytes keep their order), as records of up to 64 KiB. */
static int fcgi_write(void *ctx, const char *p, size_t n)
{
	FCGX_Request *fr = ctx;
	size_t chunk;

	if (n < FCGI_DIRECT_MIN)
		return FCGX_PutStr(p, (int)n, fr->out) == (int)n ? 0 : -1;
	if (FCGX_FFlush(fr->out) < 0)
		return -1;
	for (; n > 0; p += chunk, n -= chunk) {
		chunk = n > FCGI_RECORD_MAX ? FCGI_RECORD_MAX : n;
		if (stdout_record(fr, p, chunk) < 0)
			return -1;
	}
	return 0;
}

static void answer(struct app *app, char **env, struct io io,
    const struct route *routes, size_t n)
{
	struct request r;

	if (request_init(&r, app, env, io) < 0) {
		emit_error(&r, 400, "Malformed request", NULL);
		log_request(&r);
		dispatch_count(&r, NULL);
	} else {
		dispatch(&r, routes, n);
	}
	request_free(&r);
}

/* parent: the web server that started this process (its pid at start). */
static int run_fastcgi(struct app *app, const struct route *routes, size_t n, pid_t parent)
{
	FCGX_Request fr;
	struct io io = { fcgi_read, fcgi_write, &fr };
	long served = 0;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_error(NULL, "cannot initialise libfcgi");
		return 1;
	}
	/* Killed without stopping its programs, the web server leaves this one
	 * blocked in accept for good: the end of the parent ends it too. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		log_error(NULL, "cannot follow the web server's exit: %s", strerror(errno));
	/* One that ended while this process started sends no signal: end now. */
	if (getppid() != parent) {
		FCGX_Free(&fr, 1);
		return 0;
	}
	while (!stop_requested && FCGX_Accept_r(&fr) >= 0) {
		in_request = 1;
		answer(app, fr.envp, io, routes, n);
		FCGX_Finish_r(&fr);
		in_request = 0;
		if (app->cfg.max_requests && ++served >= app->cfg.max_requests)
			break;
	}
	FCGX_Free(&fr, 1);
	return 0;
}

int server_main(int argc, char **argv, const struct route *routes, size_t n)
{
	pid_t parent = getppid();
	char err[CONFIG_ERR_LEN];
	struct app app;
	long cgi_consumed = 0;
	struct io cgi = { cgi_read, cgi_write, &cgi_consumed };
	int status = 0;

	if (app_init(&app, err) < 0) {
		fprintf(stderr, "%s: configuration: %s\n", argv[0], err);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
		app_free(&app);
		return 0;
	}
	if (metrics_open(app.cfg.data_dir, argv[0]) < 0)
		log_error(NULL, "metrics: cannot map %s/" METRICS_FILE ": %s", app.cfg.data_dir,
		    strerror(errno));
	if (install_signals() < 0) {
		log_error(NULL, "cannot install signal handlers: %s", strerror(errno));
		status = 1;
	} else if (FCGX_IsCGI()) {
		in_request = 1;
		answer(&app, environ, cgi, routes, n);
		cgi_drain(cgi_consumed);
	} else {
		status = run_fastcgi(&app, routes, n, parent);
	}
	metrics_close();
	app_free(&app);
	return status;
}
