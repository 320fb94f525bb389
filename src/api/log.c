/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging. libkrun's logger is process-wide (krun_set_log_level takes no
 * context), so this is the one other piece of process-wide library state;
 * unlike libkrun it may be configured any number of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "libkrun.h"
#include "api/export.h"
#include "api/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_level = CKRUN_LOG_OFF; /* libkrun logs nothing until asked */
static int log_fd = STDERR_FILENO;
static int log_fd_owned;              /* taken over from krun_init_log: ours to close */
static unsigned int log_style = KRUN_LOG_STYLE_AUTO;

static int clamp_level(uint32_t level)
{
	return level > CKRUN_LOG_TRACE ? CKRUN_LOG_TRACE : (int)level;
}

int ckrun_log_level(void)
{
	int level;

	pthread_mutex_lock(&log_lock);
	level = log_level;
	pthread_mutex_unlock(&log_lock);
	return level;
}

CKRUN_EXPORT int32_t krun_set_log_level(uint32_t level)
{
	pthread_mutex_lock(&log_lock);
	log_level = clamp_level(level);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

CKRUN_EXPORT int32_t krun_init_log(int target_fd, uint32_t level, uint32_t style, uint32_t options)
{
	int fd;

	/* 0 is stdin, never a log target; below -1 is no descriptor. */
	if (target_fd == 0 || target_fd < KRUN_LOG_TARGET_DEFAULT)
		return -EINVAL;
	if (style > KRUN_LOG_STYLE_NEVER)
		return -EINVAL;
	if (options & ~(uint32_t)KRUN_LOG_OPTION_NO_ENV)
		return -EINVAL;
	fd = target_fd == KRUN_LOG_TARGET_DEFAULT ? STDERR_FILENO : target_fd;
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;

	pthread_mutex_lock(&log_lock);
	if (log_fd_owned && log_fd != fd)
		close(log_fd);
	log_fd = fd;
	log_fd_owned = fd > STDERR_FILENO;
	log_level = clamp_level(level);
	log_style = style;
	/* ckrun reads no environment variable for logging, so NO_ENV changes nothing. */
	pthread_mutex_unlock(&log_lock);
	return 0;
}

static const char *const level_names[] = {
	[CKRUN_LOG_ERROR] = "ERROR", [CKRUN_LOG_WARN] = "WARN", [CKRUN_LOG_INFO] = "INFO",
	[CKRUN_LOG_DEBUG] = "DEBUG", [CKRUN_LOG_TRACE] = "TRACE",
};

static const char *const level_colors[] = {
	[CKRUN_LOG_ERROR] = "\033[31m", [CKRUN_LOG_WARN] = "\033[33m", [CKRUN_LOG_INFO] = "\033[32m",
	[CKRUN_LOG_DEBUG] = "\033[34m", [CKRUN_LOG_TRACE] = "\033[36m",
};

void ckrun_log(int level, const char *fmt, ...)
{
	char msg[1024], line[1100];
	va_list ap;
	int color, n;

	if (level < CKRUN_LOG_ERROR || level > CKRUN_LOG_TRACE)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&log_lock);
	if (level <= log_level) {
		color = log_style == KRUN_LOG_STYLE_ALWAYS ||
			(log_style == KRUN_LOG_STYLE_AUTO && isatty(log_fd));
		n = snprintf(line, sizeof(line), "%s[ckrun %s]%s %s\n",
			     color ? level_colors[level] : "", level_names[level],
			     color ? "\033[0m" : "", msg);
		if (n > (int)sizeof(line) - 1) { /* truncated: keep the line ending */
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		/* One write per line, so lines from other writers do not cut into it. */
		if (n > 0 && write(log_fd, line, (size_t)n) < 0) {
			/* Nowhere left to report a failing log target. */
		}
	}
	pthread_mutex_unlock(&log_lock);
}
