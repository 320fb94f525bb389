/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netprobe: a small TCP client and server for the network VM cases and the
 * network bench, run both in the busybox guest and in the test host (static,
 * like fsprobe). Debian's static busybox wget crashes in the test host, and
 * nc cannot bound its waits or measure round trips.
 *
 *   netprobe serve [-b ADDR] PORT TOKEN [SECS]
 *       accept one connection within SECS (default 120), read one line,
 *       answer "TOKEN <line>\n"; exit 0 once answered
 *   netprobe get ADDR PORT MSG [SECS]
 *       until SECS pass (default 60): connect, send "MSG\n", read one line
 *       and print it; a refused or closed-before-answer connection is tried
 *       again (a forwarder may accept before the guest listens); exit 0 on
 *       an answer
 *   netprobe rr-serve [-b ADDR] PORT [SECS]
 *       echo every byte back on each connection, one at a time, until SECS
 *       pass without a connection (default 600)
 *   netprobe rr ADDR PORT COUNT SIZE [SECS]
 *       COUNT request/response round trips of SIZE bytes on one connection
 *       (TCP_NODELAY); prints "rr: COUNT x SIZE B: mean U us, p50 U us,
 *       p99 U us"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int addr_of(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	char *end;
	long p = strtol(port, &end, 10);
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "netprobe: bad address %s:%s\n", host, port);
		return -1;
	}
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

/* Waits for fd to become readable (or writable) until deadline. 1 ready, 0 timeout. */
static int wait_fd(int fd, short ev, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = ev };
		int n = poll(&p, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Reads one line (without the newline) until deadline. Its length, or -1. */
static int read_line(int fd, char *buf, size_t cap, double deadline)
{
	size_t n = 0;
	while (n + 1 < cap) {
		if (wait_fd(fd, POLLIN, deadline) != 1)
			return -1;
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return (int)n;
}

static int listen_on(const char *bind_addr, const char *port)
{
	struct sockaddr_in sa;
	if (addr_of(bind_addr, port, &sa) < 0)
		return -1;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0) {
		fprintf(stderr, "netprobe: listen %s:%s: %s\n", bind_addr, port, strerror(errno));
		return -1;
	}
	return s;
}

/*
 * The servers' common start, "[-b ADDR] PORT ARG...": listens on ADDR (any by
 * default) and PORT and says so ("netprobe: <what> on ADDR:PORT"); argc/argv
 * then start at PORT. The socket, or -2 (usage: fewer than nargs from PORT
 * on), or -1.
 */
static int serve_start(const char *what, int nargs, int *argc, char ***argv)
{
	const char *b = "0.0.0.0";
	if (*argc >= 2 && strcmp((*argv)[0], "-b") == 0) {
		b = (*argv)[1];
		*argc -= 2;
		*argv += 2;
	}
	if (*argc < nargs)
		return -2;
	int s = listen_on(b, (*argv)[0]);
	if (s < 0)
		return -1;
	printf("netprobe: %s on %s:%s\n", what, b, (*argv)[0]);
	fflush(stdout);
	return s;
}

static int cmd_serve(int argc, char **argv)
{
	int s = serve_start("listening", 2, &argc, &argv);
	if (s < 0)
		return -s;
	double secs = argc > 2 ? atof(argv[2]) : 120;
	double deadline = now_s() + secs;
	while (wait_fd(s, POLLIN, deadline) == 1) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		char line[256], out[512];
		if (read_line(c, line, sizeof(line), now_s() + 30) < 0) {
			close(c); /* a probe that gave up; wait for the next */
			continue;
		}
		int n = snprintf(out, sizeof(out), "%s %s\n", argv[1], line);
		ssize_t w = write(c, out, (size_t)n);
		close(c);
		if (w == n) {
			printf("netprobe: answered \"%s\"\n", line);
			return 0;
		}
	}
	fprintf(stderr, "netprobe: no client on port %s within %.0f s\n", argv[0], secs);
	return 1;
}

static int cmd_get(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct sockaddr_in sa;
	if (addr_of(argv[0], argv[1], &sa) < 0)
		return 2;
	double secs = argc > 3 ? atof(argv[3]) : 60;
	double deadline = now_s() + secs;
	int tries = 0;
	const char *why = "no attempt";
	while (now_s() < deadline) {
		tries++;
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0)
			return 1;
		int rc = connect(s, (struct sockaddr *)&sa, sizeof(sa));
		if (rc < 0 && errno == EINPROGRESS) {
			int err = ETIMEDOUT;
			socklen_t l = sizeof(err);
			if (wait_fd(s, POLLOUT, deadline) == 1)
				getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
			rc = err ? -1 : 0;
			errno = err;
		}
		if (rc == 0) {
			char out[300], line[512];
			int n = snprintf(out, sizeof(out), "%s\n", argv[2]);
			if (write(s, out, (size_t)n) == n &&
			    read_line(s, line, sizeof(line), now_s() + 10 < deadline ? now_s() + 10 : deadline) > 0) {
				printf("%s\n", line);
				close(s);
				return 0;
			}
			why = "closed without an answer";
		} else {
			why = strerror(errno);
		}
		close(s);
		usleep(200000);
	}
	fprintf(stderr, "netprobe: no answer from %s:%s in %.0f s (%d tries, last: %s)\n", argv[0],
		argv[1], secs, tries, why);
	return 1;
}

static int cmd_rr_serve(int argc, char **argv)
{
	int s = serve_start("rr-serve", 1, &argc, &argv);
	if (s < 0)
		return -s;
	double secs = argc > 1 ? atof(argv[1]) : 600;
	while (wait_fd(s, POLLIN, now_s() + secs) == 1) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		int one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		char buf[65536];
		for (;;) {
			ssize_t r = read(c, buf, sizeof(buf));
			if (r <= 0)
				break;
			ssize_t off = 0;
			while (off < r) {
				ssize_t w = write(c, buf + off, (size_t)(r - off));
				if (w <= 0)
					break;
				off += w;
			}
			if (off < r)
				break;
		}
		close(c);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_rr(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	struct sockaddr_in sa;
	if (addr_of(argv[0], argv[1], &sa) < 0)
		return 2;
	long count = atol(argv[2]), size = atol(argv[3]);
	double secs = argc > 4 ? atof(argv[4]) : 120;
	if (count < 1 || count > 1000000 || size < 1 || size > 65536)
		return 2;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "netprobe: connect %s:%s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}
	int one = 1;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char *buf = calloc(1, (size_t)size);
	double *lat = calloc((size_t)count, sizeof(double));
	if (!buf || !lat)
		return 1;
	double deadline = now_s() + secs, sum = 0;
	for (long i = 0; i < count; i++) {
		double t0 = now_s();
		if (write(s, buf, (size_t)size) != size)
			return 1;
		long got = 0;
		while (got < size) {
			if (wait_fd(s, POLLIN, deadline) != 1) {
				fprintf(stderr, "netprobe: rr timed out after %ld round trips\n", i);
				return 1;
			}
			ssize_t r = read(s, buf + got, (size_t)(size - got));
			if (r <= 0) {
				fprintf(stderr, "netprobe: rr: connection closed after %ld round trips\n", i);
				return 1;
			}
			got += r;
		}
		lat[i] = (now_s() - t0) * 1e6;
		sum += lat[i];
	}
	qsort(lat, (size_t)count, sizeof(double), cmp_double);
	printf("rr: %ld x %ld B: mean %.1f us, p50 %.1f us, p99 %.1f us\n", count, size, sum / (double)count,
	       lat[count / 2], lat[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1]);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2) {
		if (strcmp(argv[1], "serve") == 0)
			return cmd_serve(argc - 2, argv + 2);
		if (strcmp(argv[1], "get") == 0)
			return cmd_get(argc - 2, argv + 2);
		if (strcmp(argv[1], "rr-serve") == 0)
			return cmd_rr_serve(argc - 2, argv + 2);
		if (strcmp(argv[1], "rr") == 0)
			return cmd_rr(argc - 2, argv + 2);
	}
	fprintf(stderr, "usage: netprobe serve|get|rr-serve|rr ... (see the source's header)\n");
	return 2;
}
