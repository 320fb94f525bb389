/* SPDX-License-Identifier: Apache-2.0 */
/* krun_set_port_map, krun_disable_implicit_vsock and the loopback opt-in: libkrun's answers. */
#include <errno.h>
#include <sys/socket.h>

#include "helpers.h"

static void valid_map_is_recorded(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	const char *const map[] = { "18080:80", "+2222:022", "0:65535", NULL };
	assert_int_equal(krun_set_port_map(id, map), 0);
	const struct ckrun_config *c = cfg_of(id);
	assert_int_equal(c->nr_port_map, 3);
	assert_int_equal(c->port_map[0].host_port, 18080);
	assert_int_equal(c->port_map[0].guest_port, 80);
	assert_int_equal(c->port_map[1].host_port, 2222); /* Rust's u16 parse takes '+' and leading zeros */
	assert_int_equal(c->port_map[1].guest_port, 22);
	assert_int_equal(c->port_map[2].host_port, 0);
	assert_int_equal(c->port_map[2].guest_port, 65535);
	assert_true(ckrun_config_implicit_net(c));

	/* A second call replaces the first. */
	const char *const map2[] = { "8080:8080", NULL };
	assert_int_equal(krun_set_port_map(id, map2), 0);
	assert_int_equal(cfg_of(id)->nr_port_map, 1);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void empty_and_null(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	const char *const map[] = { "1:2", NULL };
	const char *const empty[] = { NULL };
	assert_int_equal(krun_set_port_map(id, map), 0);
	assert_int_equal(krun_set_port_map(id, empty), 0); /* krunvm's {NULL}: nothing exposed */
	assert_int_equal(cfg_of(id)->nr_port_map, 0);
	assert_int_equal(krun_set_port_map(id, map), 0);
	assert_int_equal(krun_set_port_map(id, NULL), 0); /* libkrun crashes; "not set" here */
	assert_int_equal(cfg_of(id)->nr_port_map, 0);
	assert_null(cfg_of(id)->port_map);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void malformed_and_duplicates(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	const char *bad[] = {
		"80", "80:", ":80", "a:80", "80:b", "1:2:3", "65536:80", "80:65536", "-1:80", " 80:80",
		"80:80 ", "80 :80", "", ":", "0x50:80", "8O:80", "++1:2", "+:2", "99999999999999999999:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const map[] = { "1000:1000", bad[i], NULL };
		assert_int_equal(krun_set_port_map(id, map), -EINVAL);
	}
	const char *const dup_host[] = { "8080:80", "8080:81", NULL };
	const char *const dup_guest[] = { "8080:80", "8081:80", NULL };
	const char *const non_utf8[] = { "80\xff:80", NULL };
	assert_int_equal(krun_set_port_map(id, dup_host), -EINVAL);
	assert_int_equal(krun_set_port_map(id, dup_guest), -EINVAL);
	assert_int_equal(krun_set_port_map(id, non_utf8), -EINVAL);
	/* Nothing was recorded by a refused call. */
	assert_int_equal(cfg_of(id)->nr_port_map, 0);
	/* Same port on both sides of one entry is fine. */
	const char *const same[] = { "80:80", NULL };
	assert_int_equal(krun_set_port_map(id, same), 0);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void at_most_4096_entries_read(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	static char text[4097][16];
	static const char *map[4098];
	for (int i = 0; i < 4096; i++) {
		snprintf(text[i], sizeof(text[i]), "%d:%d", 10000 + i, 20000 + i);
		map[i] = text[i];
	}
	map[4096] = "garbage"; /* never read, as in libkrun */
	map[4097] = NULL;
	assert_int_equal(krun_set_port_map(id, map), 0);
	assert_int_equal(cfg_of(id)->nr_port_map, 4096);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void errno_order(void **state)
{
	(void)state;
	const char *const ok[] = { "1:2", NULL };
	const char *const bad[] = { "x", NULL };
	/* Entries are checked before the context, as in libkrun. */
	assert_int_equal(krun_set_port_map(NO_SUCH_CTX, bad), -EINVAL);
	assert_int_equal(krun_set_port_map(NO_SUCH_CTX, ok), -ENOENT);
	assert_int_equal(krun_set_port_map(NO_SUCH_CTX, NULL), -ENOENT);

	uint32_t id = new_ctx();
	assert_int_equal(krun_disable_implicit_vsock(id), 0);
	assert_false(ckrun_config_implicit_net(cfg_of(id)));
	assert_int_equal(krun_set_port_map(id, ok), -ENODEV);
	assert_int_equal(krun_set_port_map(id, bad), -EINVAL);
	assert_int_equal(krun_disable_implicit_vsock(id), 0); /* again: still 0 */
	assert_int_equal(krun_free_ctx(id), 0);
	assert_int_equal(krun_disable_implicit_vsock(NO_SUCH_CTX), -ENOENT);
}

/* libkrun: -EINVAL after krun_add_net_* (its net_index), 0 after the legacy
 * calls (they do not count there); both turn the implicit network off. */
static void after_explicit_network(void **state)
{
	(void)state;
	const char *const ok[] = { "1:2", NULL };
	uint8_t mac[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 };
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	uint32_t id = new_ctx();
	assert_int_equal(krun_set_port_map(id, ok), 0); /* before: accepted, as libkrun */
	assert_int_equal(krun_add_net_unixstream(id, NULL, sv[0], mac, COMPAT_NET_FEATURES, 0), 0);
	assert_false(ckrun_config_implicit_net(cfg_of(id)));
	assert_int_equal(krun_set_port_map(id, ok), -EINVAL);
	assert_int_equal(krun_free_ctx(id), 0);

	id = new_ctx();
	assert_int_equal(krun_set_passt_fd(id, sv[0]), 0);
	assert_false(ckrun_config_implicit_net(cfg_of(id)));
	assert_int_equal(krun_set_port_map(id, ok), 0);
	assert_int_equal(krun_free_ctx(id), 0);

	id = new_ctx();
	assert_true(ckrun_config_implicit_net(cfg_of(id)));
	assert_int_equal(krun_free_ctx(id), 0);
	close(sv[0]);
	close(sv[1]);
}

static void host_loopback_opt_in(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	assert_false(cfg_of(id)->net_host_loopback);
	assert_int_equal(ckrun_set_net_host_loopback(id, true), 0);
	assert_true(cfg_of(id)->net_host_loopback);
	assert_int_equal(ckrun_set_net_host_loopback(id, false), 0);
	assert_false(cfg_of(id)->net_host_loopback);
	assert_int_equal(krun_free_ctx(id), 0);
	assert_int_equal(ckrun_set_net_host_loopback(NO_SUCH_CTX, true), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_map_is_recorded),
		cmocka_unit_test(empty_and_null),
		cmocka_unit_test(malformed_and_duplicates),
		cmocka_unit_test(at_most_4096_entries_read),
		cmocka_unit_test(errno_order),
		cmocka_unit_test(after_explicit_network),
		cmocka_unit_test(host_loopback_opt_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
