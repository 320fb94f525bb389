/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny static network tool for the VM tests, run in guests and in the
 * test host alike (Debian's static busybox wget crashes in the test host;
 * this needs nothing but the kernel). IPv4 literals only, no resolver.
 *
 *   nettool get IP PORT PATH        GET PATH, print the body; exit 0 on status 200
 *   nettool serve IP PORT FILE N    answer N HTTP requests with FILE's content, then exit 0
 *   nettool flood IP PORT N SECS    open N TCP connections at once, wait up to SECS,
 *                                   print "established=E", keep them open SECS more, exit 0
 *   nettool wait IP PORT SECS       exit 0 once a TCP connect to IP:PORT succeeds
 *   nettool hold IP PORT SECS       listen (backlog 4096) without ever accepting, for SECS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int addr_of(const char *ip, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		fprintf(stderr, "nettool: bad address %s\n", ip);
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cmd_get(const char *ip, const char *port, const char *path)
{
	struct sockaddr_in a;
	if (addr_of(ip, port, &a))
		return 2;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "nettool: connect %s:%s: %s\n", ip, port, strerror(errno));
		return 1;
	}
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, ip);
	if (write_all(s, req, (size_t)n)) {
		fprintf(stderr, "nettool: send: %s\n", strerror(errno));
		return 1;
	}
	static char buf[1 << 20];
	size_t len = 0;
	for (;;) {
		ssize_t r = read(s, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1)
			break;
	}
	buf[len] = '\0';
	close(s);
	char *body = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) != 0 || !body) {
		fprintf(stderr, "nettool: not an HTTP response (%zu bytes)\n", len);
		return 1;
	}
	fputs(body + 4, stdout);
	return strncmp(buf + 8, " 200", 4) == 0 ? 0 : 1;
}

static int cmd_serve(const char *ip, const char *port, const char *file, int count)
{
	struct sockaddr_in a;
	if (addr_of(ip, port, &a))
		return 2;
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		fprintf(stderr, "nettool: listen %s:%s: %s\n", ip, port, strerror(errno));
		return 1;
	}
	printf("nettool: serving %s on %s:%s\n", file, ip, port);
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			i--;
			continue;
		}
		char req[2048];
		size_t got = 0;
		while (got < sizeof(req) - 1) { /* up to the end of the request head */
			ssize_t r = read(c, req + got, sizeof(req) - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		static char body[1 << 16];
		size_t blen = 0;
		int fd = open(file, O_RDONLY);
		if (fd >= 0) {
			ssize_t r = read(fd, body, sizeof(body));
			blen = r > 0 ? (size_t)r : 0;
			close(fd);
		}
		char head[256];
		int hn = snprintf(head, sizeof(head),
				  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n", blen);
		write_all(c, head, (size_t)hn);
		write_all(c, body, blen);
		close(c);
	}
	close(s);
	return 0;
}

static int cmd_flood(const char *ip, const char *port, int n, int secs)
{
	struct sockaddr_in a;
	if (addr_of(ip, port, &a))
		return 2;
	struct rlimit rl = { (rlim_t)n + 64, (rlim_t)n + 64 };
	setrlimit(RLIMIT_NOFILE, &rl);
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	int opened = 0;
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0)
			break;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
			close(s);
			continue;
		}
		p[opened].fd = s;
		p[opened].events = POLLOUT;
		opened++;
	}
	int established = 0;
	double end = now() + secs;
	while (now() < end && established < opened) {
		if (poll(p, (nfds_t)opened, 200) < 0)
			break;
		for (int i = 0; i < opened; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			int err = 0;
			socklen_t l = sizeof(err);
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
			if (!err && (p[i].revents & POLLOUT))
				established++;
			p[i].fd = -1 - p[i].fd; /* done: ignored by poll from now on */
		}
	}
	printf("opened=%d established=%d\n", opened, established);
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}

static int cmd_wait(const char *ip, const char *port, int secs)
{
	struct sockaddr_in a;
	if (addr_of(ip, port, &a))
		return 2;
	double end = now() + secs;
	while (now() < end) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(s);
			return 0;
		}
		if (s >= 0)
			close(s);
		usleep(200 * 1000);
	}
	return 1;
}

static int cmd_hold(const char *ip, const char *port, int secs)
{
	struct sockaddr_in a;
	if (addr_of(ip, port, &a))
		return 2;
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4096) < 0) {
		fprintf(stderr, "nettool: listen %s:%s: %s\n", ip, port, strerror(errno));
		return 1;
	}
	sleep((unsigned)secs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "get") == 0)
		return cmd_get(argv[2], argv[3], argv[4]);
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc == 6 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2], argv[3], atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "wait") == 0)
		return cmd_wait(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: nettool get IP PORT PATH | serve IP PORT FILE N | flood IP PORT N SECS | wait IP PORT SECS | hold IP PORT SECS\n");
	return 2;
}
