/*
 * send_floor: the least a single-threaded server can spend on one fan-out
 * over loopback TCP, for bench/relay. One process holds STREAMS accepted
 * connections and writes the same BYTES to each, one after the other,
 * with nothing else to do; a second process (forked, pinned apart) holds
 * the other ends in one epoll set and reads them the way bench/sse_load
 * does (spinning on epoll_wait with a timeout of 0, reads of 16 KiB).
 *
 *   send_floor [--streams N] [--bytes B] [--events E] [--mode send|uring]
 *              [--sender-cpu C] [--receiver-cpu C]
 *
 * --mode send: one send(2) a stream; uring: the same sends as io_uring
 * SEND operations, URING_BATCH a call to io_uring_enter (the fewest system
 * calls a fan-out can take). Prints one line:
 *
 *   floor mode=M streams=N bytes=B ms=T1,... cpu_ms=C1,...
 *
 * Ti the time from the first send to the receiver's last read of event i,
 * Ci the sender's CPU time (user + system) for it. Exits 1 on a setup
 * error, with a line on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "numparse.h"

#define URING_BATCH 1024
#define READ_BATCH 4096
#define EVENTS_MAX 1000
#define PAUSE_US 200000 /* between events: the receiver is idle and spinning */

struct opts {
	long streams, bytes, events, sender_cpu, receiver_cpu;
	int uring;
};

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int fail(const char *what)
{
	fprintf(stderr, "send_floor: %s: %s\n", what, strerror(errno));
	return -1;
}

static int64_t cpu_us(void)
{
	struct rusage r;

	if (getrusage(RUSAGE_SELF, &r) < 0)
		return 0;
	return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000LL + r.ru_utime.tv_usec +
	    r.ru_stime.tv_usec;
}

static int pin(long cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	return sched_setaffinity(0, sizeof set, &set) < 0 ? fail("sched_setaffinity") : 0;
}

static void *map(int fd, size_t len, off_t what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, what);

	return p == MAP_FAILED ? NULL : p;
}

static int ring_init(struct ring *r)
{
	struct io_uring_params p = { 0 };
	char *sq, *cq;

	if ((r->fd = (int)syscall(__NR_io_uring_setup, URING_BATCH, &p)) < 0)
		return fail("io_uring_setup");
	sq = map(r->fd, p.sq_off.array + p.sq_entries * sizeof(unsigned), IORING_OFF_SQ_RING);
	cq = map(r->fd, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
	    IORING_OFF_CQ_RING);
	r->sqes = map(r->fd, p.sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
	if (sq == NULL || cq == NULL || r->sqes == NULL)
		return fail("mmap of the io_uring");
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* n sends of msg, to fds[0..n), in one io_uring_enter. */
static int ring_send(struct ring *r, const int *fds, unsigned n, const char *msg, size_t len)
{
	unsigned tail = *r->sq_tail, head;
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned k = (tail + i) & *r->sq_mask;
		r->sqes[k] = (struct io_uring_sqe){ .opcode = IORING_OP_SEND, .fd = fds[i],
			.addr = (unsigned long)msg, .len = (unsigned)len,
			.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		r->sq_array[k] = k;
	}
	__atomic_store_n(r->sq_tail, tail + n, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, n, n, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return fail("io_uring_enter");
	for (head = *r->cq_head; head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE); head++)
		if (r->cqes[head & *r->cq_mask].res != (int)len)
			rc = -1;
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return rc < 0 ? (errno = EIO, fail("a send of the io_uring")) : 0;
}

static int fan_out(const struct opts *o, struct ring *r, const int *fds, const char *msg)
{
	for (long i = 0; i < o->streams && !o->uring; i++)
		if (send(fds[i], msg, (size_t)o->bytes, MSG_DONTWAIT | MSG_NOSIGNAL) != o->bytes)
			return fail("send");
	for (long i = 0; i < o->streams && o->uring; i += URING_BATCH) {
		long n = o->streams - i < URING_BATCH ? o->streams - i : URING_BATCH;
		if (ring_send(r, fds + i, (unsigned)n, msg, (size_t)o->bytes) < 0)
			return -1;
	}
	return 0;
}

/* Reads until every stream's bytes of one event are in; the time of the last read. */
static int64_t receive_one(int ep, const int *fds, long want)
{
	static struct epoll_event ev[READ_BATCH];
	static char sink[16384];
	int64_t last = 0;
	ssize_t k;

	while (want > 0) {
		int n = epoll_wait(ep, ev, READ_BATCH, 0);
		for (int i = 0; i < n; i++)
			while ((k = read(fds[ev[i].data.u32], sink, sizeof sink)) > 0)
				want -= k;
		if (n > 0)
			last = clock_mono_us();
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return last;
}

/* The receiving process: connects, then answers each byte on go with the
 * time of the last read of that event on done. */
static void receiver(const struct opts *o, const struct sockaddr_in *a, int go, int done)
{
	int *fds = calloc((size_t)o->streams, sizeof *fds), ep = epoll_create1(0);
	char c;

	if (fds == NULL || ep < 0 || pin(o->receiver_cpu) < 0)
		_exit(-fail("receiver setup"));
	for (long i = 0; i < o->streams; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if ((fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0 ||
		    (connect(fds[i], (const struct sockaddr *)a, sizeof *a) < 0 &&
		    errno != EINPROGRESS) || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) < 0)
			_exit(-fail("connect"));
	}
	while (read(go, &c, 1) == 1) {
		int64_t last = receive_one(ep, fds, o->streams * o->bytes);
		if (last < 0 || write(done, &last, sizeof last) != sizeof last)
			_exit(1);
	}
	_exit(0);
}

static int accept_all(int l, int *fds, long n)
{
	int one = 1;

	for (long i = 0; i < n; i++)
		if ((fds[i] = accept(l, NULL, NULL)) < 0 ||
		    setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
			return fail("accept");
	return 0;
}

/* A listener on a free loopback port, its address in *a. */
static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof *a;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (l < 0 || bind(l, (struct sockaddr *)a, sizeof *a) < 0 || listen(l, 4096) < 0 ||
	    getsockname(l, (struct sockaddr *)a, &len) < 0)
		return fail("listen");
	return l;
}

static void print_list(const char *name, const double *v, long n)
{
	printf(" %s=", name);
	for (long i = 0; i < n; i++)
		printf("%s%.1f", i ? "," : "", v[i]);
}

/* Runs o->events fan-outs and prints the line of their figures. */
static int measure(const struct opts *o, const int *fds, int go, int done)
{
	static char msg[65536];
	static double ms[EVENTS_MAX], cpu_ms[EVENTS_MAX];
	struct ring r = { .fd = -1 };
	int64_t t0, c0, last;

	memset(msg, 'x', sizeof msg);
	if (o->uring && ring_init(&r) < 0)
		return -1;
	for (long e = 0; e < o->events; e++) {
		if (usleep(PAUSE_US) < 0 || write(go, "g", 1) != 1)
			return fail("the receiver");
		t0 = clock_mono_us();
		c0 = cpu_us();
		if (fan_out(o, &r, fds, msg) < 0)
			return -1;
		cpu_ms[e] = (double)(cpu_us() - c0) / 1000;
		if (read(done, &last, sizeof last) != sizeof last)
			return fail("the receiver");
		ms[e] = (double)(last - t0) / 1000;
	}
	printf("floor mode=%s streams=%ld bytes=%ld", o->uring ? "uring" : "send", o->streams,
	    o->bytes);
	print_list("ms", ms, o->events);
	print_list("cpu_ms", cpu_ms, o->events);
	printf("\n");
	return fflush(stdout) == 0 ? 0 : fail("stdout");
}

static int option(const char *name, const char *v, long min, long max, long *out)
{
	if (v == NULL || numparse_long(v, strlen(v), min, max, out) < 0) {
		fprintf(stderr, "send_floor: %s takes a number from %ld to %ld\n", name, min, max);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	const struct {
		const char *name;
		long min, max, *out;
	} nums[] = {
		{ "--streams", 1, 100000, &o->streams }, { "--bytes", 1, 65536, &o->bytes },
		{ "--events", 1, EVENTS_MAX, &o->events }, { "--sender-cpu", 0, 1023, &o->sender_cpu },
		{ "--receiver-cpu", 0, 1023, &o->receiver_cpu },
	};

	*o = (struct opts){ 10000, 160, 20, -1, -1, 0 };
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = -1;
		for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
			if (strcmp(argv[i], nums[k].name) == 0)
				rc = option(nums[k].name, v, nums[k].min, nums[k].max, nums[k].out);
		if (strcmp(argv[i], "--mode") == 0 && v != NULL &&
		    (strcmp(v, "send") == 0 || strcmp(v, "uring") == 0)) {
			o->uring = strcmp(v, "uring") == 0;
			rc = 0;
		}
		if (rc < 0) {
			fprintf(stderr, "usage: send_floor [--streams N] [--bytes B] [--events E] "
			    "[--mode send|uring] [--sender-cpu C] [--receiver-cpu C]\n");
			return -1;
		}
	}
	return 0;
}

/* The open-file limit at its hard limit: a descriptor a stream. */
static int raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return fail("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? fail("setrlimit") : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_in a;
	int go[2], done[2], l, *fds, rc;
	pid_t kid;

	if (parse(argc, argv, &o) < 0 || raise_nofile() < 0)
		return 1;
	if ((fds = calloc((size_t)o.streams, sizeof *fds)) == NULL || (l = listener(&a)) < 0 ||
	    pipe(go) < 0 || pipe(done) < 0 || (kid = fork()) < 0)
		return -fail("setup");
	if (kid == 0)
		receiver(&o, &a, go[0], done[1]);
	rc = pin(o.sender_cpu) < 0 || accept_all(l, fds, o.streams) < 0 ||
	    measure(&o, fds, go[1], done[0]) < 0;
	if (kill(kid, SIGKILL) < 0 || waitpid(kid, NULL, 0) < 0)
		rc = 1;
	return rc;
}
