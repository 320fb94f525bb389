/* SPDX-License-Identifier: Apache-2.0 */
/* krun_set_log_level and krun_init_log. */
#include <errno.h>
#include <fcntl.h>

#include "helpers.h"
#include "api/log.h"

static void set_log_level_any_number_of_times(void **state)
{
	(void)state;
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t l = KRUN_LOG_LEVEL_OFF; l <= KRUN_LOG_LEVEL_TRACE; l++) {
			assert_int_equal(krun_set_log_level(l), 0);
			assert_int_equal(ckrun_log_level(), (int)l);
		}
	}
	/* Above trace is trace, as in libkrun. */
	assert_int_equal(krun_set_log_level(42), 0);
	assert_int_equal(ckrun_log_level(), KRUN_LOG_LEVEL_TRACE);
	assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_OFF), 0);
}

static void init_log_rejects_bad_arguments(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_WARN), 0);
	assert_int_equal(krun_init_log(0, 1, 0, 0), -EINVAL);
	assert_int_equal(krun_init_log(-2, 1, 0, 0), -EINVAL);
	assert_int_equal(krun_init_log(-1, 1, KRUN_LOG_STYLE_NEVER + 1, 0), -EINVAL);
	assert_int_equal(krun_init_log(-1, 1, 0, KRUN_LOG_OPTION_NO_ENV << 1), -EINVAL);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(krun_init_log(p[1], 1, 0, 0), -EBADF);
	/* None of the refused calls changed the level. */
	assert_int_equal(ckrun_log_level(), KRUN_LOG_LEVEL_WARN);
	assert_int_equal(krun_init_log(KRUN_LOG_TARGET_DEFAULT, 1, 0, KRUN_LOG_OPTION_NO_ENV), 0);
	assert_int_equal(ckrun_log_level(), KRUN_LOG_LEVEL_ERROR);
	assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_OFF), 0);
}

static ssize_t drain(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void init_log_writes_to_target_at_level(void **state)
{
	char buf[512];
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(krun_init_log(p[1], KRUN_LOG_LEVEL_WARN, KRUN_LOG_STYLE_NEVER, 0), 0);
	ckrun_log(CKRUN_LOG_WARN, "hello %d", 7);
	assert_true(drain(p[0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "[ckrun WARN] hello 7\n");
	ckrun_log(CKRUN_LOG_DEBUG, "too verbose");
	assert_int_equal(drain(p[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);

	/* A later krun_set_log_level works (libkrun would panic) and applies. */
	assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_DEBUG), 0);
	ckrun_log(CKRUN_LOG_DEBUG, "now shown");
	assert_true(drain(p[0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "[ckrun DEBUG] now shown\n");

	/* ALWAYS colours even a pipe. */
	assert_int_equal(krun_init_log(p[1], KRUN_LOG_LEVEL_ERROR, KRUN_LOG_STYLE_ALWAYS, 0), 0);
	ckrun_log(CKRUN_LOG_ERROR, "red");
	assert_true(drain(p[0], buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\033["));
	assert_non_null(strstr(buf, "red"));

	/* The taken-over fd is closed when logging moves elsewhere. */
	assert_int_equal(krun_init_log(KRUN_LOG_TARGET_DEFAULT, KRUN_LOG_LEVEL_OFF, 0, 0), 0);
	assert_int_equal(fcntl(p[1], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	close(p[0]);
}

static void long_message_is_cut_with_newline(void **state)
{
	char big[3000], buf[4096];
	int p[2];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(krun_init_log(p[1], KRUN_LOG_LEVEL_ERROR, KRUN_LOG_STYLE_NEVER, 0), 0);
	ckrun_log(CKRUN_LOG_ERROR, "%s", big);
	ssize_t n = drain(p[0], buf, sizeof(buf));

	assert_true(n > 100 && n < (ssize_t)sizeof(big));
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(krun_init_log(KRUN_LOG_TARGET_DEFAULT, KRUN_LOG_LEVEL_OFF, 0, 0), 0);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_log_level_any_number_of_times),
		cmocka_unit_test(init_log_rejects_bad_arguments),
		cmocka_unit_test(init_log_writes_to_target_at_level),
		cmocka_unit_test(long_message_is_cut_with_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
