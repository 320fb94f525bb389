/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun-fuse-host: serve a host directory through ckrun's FUSE server over
 * the host's /dev/fuse, so real syscalls from real tools reach the same
 * server and backends the virtio-fs device uses, without a VM.
 *
 *   ckrun-fuse-host [--ro] [-v] SRCDIR MOUNTPOINT
 *
 * Runs in the foreground until the mount goes away (umount: read gives
 * ENODEV) or SIGTERM/SIGINT (then it detaches the mount itself). One thread
 * serves requests in order. Needs root (mount(2) with fd=). The mount has
 * allow_other and default_permissions (the kernel checks other users against
 * modes and owners); --ro also mounts it read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"

/* The kernel wants a read buffer of at least max_write + headers (and 8 KiB). */
#define IN_BUF_SIZE ((1u << 20) + 64 * 1024)
#define OUT_BUF_SIZE ((1u << 20) + 4096)

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: ckrun-fuse-host [--ro] [-v] SRCDIR MOUNTPOINT\n");
	exit(2);
}

static void on_exit_code(void *opaque, int32_t code)
{
	(void)opaque;
	fprintf(stderr, "ckrun-fuse-host: exit-code ioctl: %d\n", code);
}

static int make_backend(const char *src, bool ro, struct fs_backend *out)
{
	struct fs_passthrough_opts o = { .root = src, .xattr = true };
	struct fs_backend pt;
	int rc;

	rc = fs_passthrough_new(&o, &pt);
	if (rc < 0)
		return rc;
	if (!ro) {
		*out = pt;
		return 0;
	}
	return fs_readonly_new(pt, out); /* takes pt, also on failure */
}

/*
 * Buffers are placed so that READ data (after the 16-byte out header) and
 * WRITE data (after in header + fuse_write_in) start on a page boundary, as
 * they do in a guest's virtio descriptors: O_DIRECT files then work.
 */
#define PAGE 4096u
#define IN_DATA_OFF (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))
#define OUT_DATA_OFF sizeof(struct fuse_out_header)

static int serve(int fd, struct fuse_server *s, bool verbose)
{
	void *in_mem = NULL, *out_mem = NULL;
	uint8_t *in, *out;
	int rc = 0;

	if (posix_memalign(&in_mem, PAGE, IN_BUF_SIZE + PAGE) != 0 ||
	    posix_memalign(&out_mem, PAGE, OUT_BUF_SIZE + PAGE) != 0) {
		free(in_mem);
		return -ENOMEM;
	}
	in = (uint8_t *)in_mem + PAGE - IN_DATA_OFF;
	out = (uint8_t *)out_mem + PAGE - OUT_DATA_OFF;
	while (!stop_requested) {
		ssize_t n = read(fd, in, IN_BUF_SIZE);
		struct iovec iv, ov;
		size_t written = 0;
		int hr;

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ENOENT)
				continue; /* the request was interrupted before we read it */
			if (errno == ENODEV)
				break; /* unmounted */
			rc = -errno;
			break;
		}
		iv = (struct iovec){ in, (size_t)n };
		ov = (struct iovec){ out, OUT_BUF_SIZE };
		hr = fuse_server_handle(s, &iv, 1, &ov, 1, &written);
		if (verbose && n >= (ssize_t)sizeof(struct fuse_in_header)) {
			const struct fuse_in_header *h = (const void *)in;
			const struct fuse_out_header *oh = (const void *)out;

			fprintf(stderr, "op %u node %llu len %u -> %s%d, %zu bytes\n", h->opcode,
				(unsigned long long)h->nodeid, h->len, hr < 0 ? "handle error " : "",
				hr < 0 ? hr : (written ? oh->error : 0), written);
		}
		if (hr < 0 || written == 0)
			continue;
		if (write(fd, out, written) < 0 && errno != ENOENT) {
			/* ENOENT: the kernel dropped the request (interrupted) */
			if (errno == ENODEV)
				break;
			fprintf(stderr, "ckrun-fuse-host: reply: %s\n", strerror(errno));
		}
	}
	free(in_mem);
	free(out_mem);
	return rc;
}

int main(int argc, char **argv)
{
	struct fuse_server_config cfg = { .exit_code = on_exit_code };
	struct fuse_server *s;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *src, *mnt;
	bool ro = false, verbose = false;
	char opts[256];
	int argi = 1, fd, rc;

	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (strcmp(argv[argi], "--ro") == 0)
			ro = true;
		else if (strcmp(argv[argi], "-v") == 0)
			verbose = true;
		else
			usage();
	}
	if (argc - argi != 2)
		usage();
	src = argv[argi];
	mnt = argv[argi + 1];

	/* No SA_RESTART: a signal must interrupt the blocking read. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	rc = make_backend(src, ro, &cfg.backend);
	if (rc < 0) {
		fprintf(stderr, "ckrun-fuse-host: backend for %s: %s\n", src, strerror(-rc));
		return 1;
	}
	rc = fuse_server_new(&cfg, &s);
	if (rc < 0) {
		fprintf(stderr, "ckrun-fuse-host: server: %s\n", strerror(-rc));
		return 1;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("ckrun-fuse-host: /dev/fuse");
		fuse_server_free(s);
		return 1;
	}
	/* allow_other lets every local user in, and the server runs as root:
	 * default_permissions makes the kernel check each caller against the
	 * file's mode and owner first, as virtio-fs guests always do (without
	 * it any user could chown, chmod and open as root there). --ro is also
	 * a read-only mount, so statvfs reports ST_RDONLY. */
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions",
		 fd);
	if (mount("ckrun", mnt, "fuse.ckrun", MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0), opts) < 0) {
		perror("ckrun-fuse-host: mount");
		close(fd);
		fuse_server_free(s);
		return 1;
	}
	rc = serve(fd, s, verbose);
	if (stop_requested)
		umount2(mnt, MNT_DETACH);
	close(fd);
	fuse_server_free(s);
	if (rc < 0) {
		fprintf(stderr, "ckrun-fuse-host: /dev/fuse: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
