/* SPDX-License-Identifier: Apache-2.0 */
/* The init's reading of the implicit network's command-line value (src/init/netcfg.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "init/netcfg.h"
#include "abi/guest_net.h"

static uint32_t a(const char *s)
{
	struct in_addr x;
	assert_int_equal(inet_pton(AF_INET, s, &x), 1);
	return x.s_addr;
}

static void parses_what_the_vmm_writes(void **state)
{
	(void)state;
	char v[128];
	struct init_net n;
	/* The exact string the VMM puts on the command line (src/vmm/cmdline.c). */
	snprintf(v, sizeof(v), "%s/%d,%s,%s", USERNET_GUEST_ADDR, USERNET_PREFIX_LEN, USERNET_GATEWAY, USERNET_DNS);
	assert_int_equal(init_net_parse(v, &n), 0);
	assert_int_equal(n.addr.s_addr, a(USERNET_GUEST_ADDR));
	assert_int_equal(n.netmask.s_addr, a(USERNET_NETMASK));
	assert_int_equal(n.prefix, USERNET_PREFIX_LEN);
	assert_int_equal(n.gateway.s_addr, a(USERNET_GATEWAY));
	assert_int_equal(n.dns.s_addr, a(USERNET_DNS));

	assert_int_equal(init_net_parse("192.168.1.7/32,192.168.1.1,1.1.1.1", &n), 0);
	assert_int_equal(n.netmask.s_addr, 0xffffffffu);
	assert_int_equal(n.prefix, 32);
	assert_int_equal(init_net_parse("10.1.2.3/1,10.0.0.1,10.0.0.2", &n), 0);
	assert_int_equal(n.netmask.s_addr, a("128.0.0.0"));
	assert_int_equal(n.prefix, 1);
}

static void refuses_malformed(void **state)
{
	(void)state;
	struct init_net n;
	const char *bad[] = {
		"", "10.0.2.15", "10.0.2.15/24", "10.0.2.15/24,10.0.2.2", "10.0.2.15/24,10.0.2.2,10.0.2.3,x",
		"10.0.2.15/0,10.0.2.2,10.0.2.3", "10.0.2.15/33,10.0.2.2,10.0.2.3", "10.0.2.15/,10.0.2.2,10.0.2.3",
		"10.0.2.15/2x,10.0.2.2,10.0.2.3", "10.0.2.256/24,10.0.2.2,10.0.2.3", "/24,10.0.2.2,10.0.2.3",
		"10.0.2.15/24,,10.0.2.3", "10.0.2.15/24,10.0.2.2,", "fd00::1/64,10.0.2.2,10.0.2.3",
		"10.0.2.15/24,10.0.2.2,10.0.2.3.4", "10.0.2.15/24,10.0.2.2,10.0.2.3333333333333333",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(init_net_parse(bad[i], &n), -EINVAL);
	assert_int_equal(init_net_parse(NULL, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_what_the_vmm_writes),
		cmocka_unit_test(refuses_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
