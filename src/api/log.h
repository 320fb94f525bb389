/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's log: level and target set by krun_set_log_level and
 * krun_init_log, read by the API layer (and copied into the configuration
 * record at start, so lower layers need not reach up here).
 */
#ifndef CKRUN_API_LOG_H
#define CKRUN_API_LOG_H

#define CKRUN_LOG_OFF   0
#define CKRUN_LOG_ERROR 1
#define CKRUN_LOG_WARN  2
#define CKRUN_LOG_INFO  3
#define CKRUN_LOG_DEBUG 4
#define CKRUN_LOG_TRACE 5

/* The current level, CKRUN_LOG_OFF .. CKRUN_LOG_TRACE. */
int ckrun_log_level(void);

/* Write one line at this level if the current level lets it through. */
void ckrun_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
