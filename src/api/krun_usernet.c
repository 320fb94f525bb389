/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The implicit network's settings: krun_set_port_map (libkrun's validation
 * and errnos, in libkrun's order: entries first, then the context), the
 * switch that turns the implicit network off (krun_disable_implicit_vsock,
 * as libkrun's turns off its implicit TSI) and ckrun's loopback opt-in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libkrun.h"
#include "ckrun.h"
#include "abi/config.h"
#include "api/ctx.h"
#include "api/export.h"

/*
 * A port as Rust's u16::from_str reads it (libkrun parses with it): an
 * optional '+', then one or more decimal digits, value at most 65535.
 * [s, end) is the text; -EINVAL otherwise.
 */
static int parse_port(const char *s, const char *end, uint16_t *out)
{
	if (s < end && *s == '+')
		s++;
	if (s == end)
		return -EINVAL;
	uint32_t v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > UINT16_MAX)
			return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

/* "HOST:GUEST" with exactly one ':'. */
static int parse_entry(const char *s, struct ckrun_port_fwd *f)
{
	const char *colon = strchr(s, ':');
	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	if (parse_port(s, colon, &f->host_port) || parse_port(colon + 1, colon + 1 + strlen(colon + 1), &f->guest_port))
		return -EINVAL;
	return 0;
}

/* The entries of a NULL-terminated list (at most CKRUN_MAX_ARGS scanned). */
static int parse_port_map(const char *const port_map[], struct ckrun_port_fwd **out, int *nr)
{
	int n = 0;
	while (n < CKRUN_MAX_ARGS && port_map[n])
		n++;
	*out = NULL;
	*nr = 0;
	if (n == 0)
		return 0;
	struct ckrun_port_fwd *m = calloc((size_t)n, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (parse_entry(port_map[i], &m[i]))
			goto bad;
		for (int j = 0; j < i; j++)
			if (m[j].host_port == m[i].host_port || m[j].guest_port == m[i].guest_port)
				goto bad;
	}
	*out = m;
	*nr = n;
	return 0;
bad:
	free(m);
	return -EINVAL;
}

CKRUN_EXPORT int32_t krun_set_port_map(uint32_t ctx_id, const char *const port_map[])
{
	struct ckrun_port_fwd *m = NULL;
	int nr = 0, ret;

	/* NULL: libkrun's header says "expose every port" but libkrun itself
	 * crashes on it; ckrun takes it as "no map set". */
	if (port_map && (ret = parse_port_map(port_map, &m, &nr)))
		return ret;

	struct ckrun_config *cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg) {
		free(m);
		return -ENOENT;
	}
	if (cfg->implicit_vsock_disabled)
		ret = -ENODEV;
	else if (ckrun_config_has_net_device(cfg))
		ret = -EINVAL; /* libkrun: after krun_add_net_* (not after the legacy calls) */
	else {
		free(cfg->port_map);
		cfg->port_map = m;
		cfg->nr_port_map = nr;
		m = NULL;
		ret = 0;
	}
	ckrun_ctx_unlock();
	free(m);
	return ret;
}

CKRUN_EXPORT int32_t krun_disable_implicit_vsock(uint32_t ctx_id)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->implicit_vsock_disabled = true);
}

CKRUN_EXPORT int32_t ckrun_set_net_host_loopback(uint32_t ctx_id, bool allow)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->net_host_loopback = allow);
}
