/* SPDX-License-Identifier: Apache-2.0 */
/* libkrun's network calls: every validation rule and errno, what is recorded, the legacy mapping. */
#include <errno.h>

#include "helpers.h"
#include "api/ctx.h"
#include "api/start.h"

#define NET_ALL 0x5D83u

static uint8_t mac[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 };

static void unixstream_rules(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	/* Exactly one of fd >= 0 or a path. */
	assert_int_equal(krun_add_net_unixstream(id, NULL, -1, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_unixstream(id, "/tmp/s", 3, mac, 0, 0), -EINVAL);
	/* A path that is not UTF-8 counts as no path (libkrun's CStr::to_str). */
	assert_int_equal(krun_add_net_unixstream(id, "/tmp/\xff", -1, mac, 0, 0), -EINVAL);
	/* MAC required. */
	assert_int_equal(krun_add_net_unixstream(id, NULL, 3, NULL, 0, 0), -EINVAL);
	/* Flags: only DHCP_CLIENT (VFKIT is a unixgram flag). */
	assert_int_equal(krun_add_net_unixstream(id, NULL, 3, mac, 0, NET_FLAG_VFKIT), -EINVAL);
	assert_int_equal(krun_add_net_unixstream(id, NULL, 3, mac, 0, 1u << 7), -EINVAL);
	/* Features within NET_ALL. */
	assert_int_equal(krun_add_net_unixstream(id, NULL, 3, mac, NET_ALL | (1u << 2), 0), -EINVAL);
	assert_int_equal(krun_add_net_unixstream(id, NULL, 3, mac, 1u << 5, 0), -EINVAL);
	assert_int_equal(cfg_of(id)->nr_nets, 0);
	assert_false(cfg_of(id)->dhcp_client);
	assert_false(ckrun_config_has_net_device(cfg_of(id)));

	/* crun's call, go-microvm's two calls. */
	assert_int_equal(krun_add_net_unixstream(id, NULL, 7, mac, COMPAT_NET_FEATURES, NET_FLAG_DHCP_CLIENT), 0);
	assert_int_equal(krun_add_net_unixstream(id, "/run/net.sock", -1, mac, NET_ALL, 0), 0);
	const struct ckrun_config *c = cfg_of(id);
	assert_int_equal(c->nr_nets, 2);
	assert_true(c->dhcp_client);
	assert_true(ckrun_config_has_net_device(c));
	assert_int_equal(c->nets[0].kind, CKRUN_NET_UNIXSTREAM);
	assert_int_equal(c->nets[0].fd, 7);
	assert_null(c->nets[0].path);
	assert_int_equal(c->nets[0].features, COMPAT_NET_FEATURES);
	assert_memory_equal(c->nets[0].mac, mac, 6);
	assert_int_equal(c->nets[1].fd, -1);
	assert_string_equal(c->nets[1].path, "/run/net.sock");
	assert_false(c->nets[1].vfkit);
	/* Unknown context: -ENOENT, but only after the arguments passed. */
	assert_int_equal(krun_add_net_unixstream(NO_SUCH_CTX, NULL, 3, mac, 0, 0), -ENOENT);
	assert_int_equal(krun_add_net_unixstream(NO_SUCH_CTX, NULL, -1, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void unixgram_rules(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	assert_int_equal(krun_add_net_unixgram(id, NULL, -1, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_unixgram(id, "/tmp/s", 3, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_unixgram(id, "/tmp/s", -1, NULL, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_unixgram(id, "/tmp/s", -1, mac, 1u << 3, 0), -EINVAL);
	assert_int_equal(krun_add_net_unixgram(id, "/tmp/s", -1, mac, 0, 1u << 2), -EINVAL);
	assert_int_equal(cfg_of(id)->nr_nets, 0);

	assert_int_equal(krun_add_net_unixgram(id, "/tmp/gv.sock", -1, mac, 0, NET_FLAG_VFKIT), 0);
	assert_int_equal(krun_add_net_unixgram(id, NULL, 5, mac, 0, NET_FLAG_VFKIT | NET_FLAG_DHCP_CLIENT), 0);
	const struct ckrun_config *c = cfg_of(id);
	assert_int_equal(c->nr_nets, 2);
	assert_int_equal(c->nets[0].kind, CKRUN_NET_UNIXGRAM);
	assert_true(c->nets[0].vfkit);
	assert_false(c->nets[1].vfkit); /* the greeting is for a path peer only (libkrun) */
	assert_int_equal(c->nets[1].fd, 5);
	assert_true(c->dhcp_client);
	assert_int_equal(krun_add_net_unixgram(NO_SUCH_CTX, "/tmp/s", -1, mac, 0, 0), -ENOENT);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void tap_rules(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	char name[] = "tap0", longname[] = "0123456789abcdef", bad[] = "tap\xff";
	assert_int_equal(krun_add_net_tap(id, NULL, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, bad, mac, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, name, NULL, 0, 0), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, name, mac, 1u << 4, 0), -EINVAL);
	/* Receive offloads need GUEST_CSUM. */
	assert_int_equal(krun_add_net_tap(id, name, mac, NET_FEATURE_GUEST_TSO4, 0), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, name, mac, NET_FEATURE_GUEST_UFO, 0), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, name, mac, 0, NET_FLAG_VFKIT), -EINVAL);
	assert_int_equal(krun_add_net_tap(id, longname, mac, 0, 0), -EINVAL);
	assert_int_equal(cfg_of(id)->nr_nets, 0);
	assert_int_equal(krun_add_net_tap(id, name, mac, NET_FEATURE_GUEST_TSO4 | NET_FEATURE_GUEST_CSUM,
					  NET_FLAG_DHCP_CLIENT), 0);
	assert_int_equal(cfg_of(id)->nets[0].kind, CKRUN_NET_TAP);
	assert_string_equal(cfg_of(id)->nets[0].path, "tap0");
	assert_int_equal(krun_add_net_tap(NO_SUCH_CTX, name, mac, 0, 0), -ENOENT);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void order_and_limit(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	char name[] = "tap1";
	assert_int_equal(krun_add_net_unixgram(id, "/a", -1, mac, 0, 0), 0);
	assert_int_equal(krun_add_net_tap(id, name, mac, 0, 0), 0);
	assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, 0), 0);
	const struct ckrun_config *c = cfg_of(id);
	assert_int_equal(c->nets[0].kind, CKRUN_NET_UNIXGRAM); /* eth0 */
	assert_int_equal(c->nets[1].kind, CKRUN_NET_TAP);      /* eth1 */
	assert_int_equal(c->nets[2].kind, CKRUN_NET_UNIXSTREAM); /* eth2 */
	for (int i = 3; i < CKRUN_MAX_NETS; i++)
		assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, 0), 0);
	assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, 0), -ENOSPC);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void legacy_calls(void **state)
{
	(void)state;
	uint32_t id = new_ctx();
	char gv[] = "/tmp/gvproxy.sock", bad[] = "\xc3\x28";
	struct ckrun_net nets[CKRUN_MAX_NETS + 1];
	static const uint8_t def_mac[6] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };

	assert_int_equal(krun_set_passt_fd(id, -1), -EINVAL);
	assert_int_equal(krun_set_passt_fd(NO_SUCH_CTX, 3), -ENOENT);
	assert_int_equal(krun_set_gvproxy_path(id, NULL), -EINVAL);
	assert_int_equal(krun_set_gvproxy_path(id, bad), -EINVAL);
	assert_int_equal(krun_set_gvproxy_path(NO_SUCH_CTX, gv), -ENOENT);
	assert_int_equal(krun_set_net_mac(id, NULL), -EINVAL);
	assert_int_equal(krun_set_net_mac(NO_SUCH_CTX, mac), -ENOENT);
	assert_int_equal(ckrun_config_nets(cfg_of(id), nets, CKRUN_MAX_NETS), 0);

	/* passt fd: unixstream, COMPAT features, libkrun's default MAC, no DHCP. */
	assert_int_equal(krun_set_passt_fd(id, 9), 0);
	assert_int_equal(ckrun_config_nets(cfg_of(id), nets, CKRUN_MAX_NETS), 1);
	assert_int_equal(nets[0].kind, CKRUN_NET_UNIXSTREAM);
	assert_int_equal(nets[0].fd, 9);
	assert_int_equal(nets[0].features, COMPAT_NET_FEATURES);
	assert_memory_equal(nets[0].mac, def_mac, 6);
	assert_false(cfg_of(id)->dhcp_client);
	assert_false(ckrun_config_has_net_device(cfg_of(id))); /* legacy is not "explicit" */

	/* gvproxy path replaces it: unixgram with the greeting; krun_set_net_mac's MAC. */
	assert_int_equal(krun_set_gvproxy_path(id, gv), 0);
	assert_int_equal(krun_set_net_mac(id, mac), 0);
	assert_int_equal(ckrun_config_nets(cfg_of(id), nets, CKRUN_MAX_NETS), 1);
	assert_int_equal(nets[0].kind, CKRUN_NET_UNIXGRAM);
	assert_string_equal(nets[0].path, gv);
	assert_true(nets[0].vfkit);
	assert_memory_equal(nets[0].mac, mac, 6);

	/* krun_add_net_* after a legacy call is accepted; the legacy device comes last (libkrun). */
	assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, 0), 0);
	assert_int_equal(ckrun_config_nets(cfg_of(id), nets, CKRUN_MAX_NETS), 2);
	assert_int_equal(nets[0].kind, CKRUN_NET_UNIXSTREAM);
	assert_int_equal(nets[1].kind, CKRUN_NET_UNIXGRAM);
	/* A legacy call after krun_add_net_*: -EINVAL; krun_set_net_mac is always accepted. */
	assert_int_equal(krun_set_passt_fd(id, 3), -EINVAL);
	assert_int_equal(krun_set_gvproxy_path(id, gv), -EINVAL);
	assert_int_equal(krun_set_net_mac(id, mac), 0);
	assert_int_equal(ckrun_config_nets(cfg_of(id), nets, 1), -ENOSPC);
	assert_int_equal(krun_free_ctx(id), 0);
}

/* What the VMM gets at start: nets[] with the legacy device last, with its own copy of the path. */
static struct ckrun_net seen[CKRUN_MAX_NETS];
static int seen_nr = -1;
static char seen_path[64];

static int capture_run(const struct ckrun_config *cfg, int *exit_code)
{
	seen_nr = cfg->nr_nets;
	memcpy(seen, cfg->nets, sizeof(seen));
	if (cfg->nr_nets > 0 && cfg->nets[cfg->nr_nets - 1].path)
		snprintf(seen_path, sizeof(seen_path), "%s", cfg->nets[cfg->nr_nets - 1].path);
	assert_int_equal(cfg->legacy_net, CKRUN_LEGACY_NET_NONE);
	*exit_code = 0;
	return 0;
}

static void legacy_device_at_start(void **state)
{
	(void)state;
	char gv[] = "/tmp/gv.sock";
	ckrun_set_vm_runner_for_test(capture_run);
	uint32_t id = new_ctx();
	assert_int_equal(krun_set_gvproxy_path(id, gv), 0);
	assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, NET_FLAG_DHCP_CLIENT), 0);
	assert_int_equal(ckrun_start_and_wait(id), 0);
	assert_int_equal(seen_nr, 2);
	assert_int_equal(seen[0].kind, CKRUN_NET_UNIXSTREAM);
	assert_int_equal(seen[1].kind, CKRUN_NET_UNIXGRAM);
	assert_true(seen[1].vfkit);
	assert_string_equal(seen_path, gv);

	/* No room for the legacy device: the start fails, nothing runs. */
	id = new_ctx();
	assert_int_equal(krun_set_passt_fd(id, 3), 0);
	for (int i = 0; i < CKRUN_MAX_NETS; i++)
		assert_int_equal(krun_add_net_unixstream(id, NULL, 4, mac, 0, 0), 0);
	seen_nr = -1;
	assert_int_equal(ckrun_start_and_wait(id), -ENOSPC);
	assert_int_equal(seen_nr, -1);
	ckrun_set_vm_runner_for_test(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unixstream_rules),
		cmocka_unit_test(unixgram_rules),
		cmocka_unit_test(tap_rules),
		cmocka_unit_test(order_and_limit),
		cmocka_unit_test(legacy_calls),
		cmocka_unit_test(legacy_device_at_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
