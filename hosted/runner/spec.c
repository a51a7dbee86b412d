/*
 * spec.c - parsing the runner's --net and --disk specs (syntax: runner.h).
 *
 * Parsing is separate from opening so that a typo is a usage error (exit
 * status 2) found before any device is touched.
 */
#include <stdarg.h>
#include <string.h>

#include "runner.h"
#include "tern/fmt.h"
#include "tern/hosted/tap.h"

#define NET_SPECS                                                       \
	"tap:NAME, wire:stream:listen:PATH, wire:stream:connect:PATH, " \
	"wire:dgram:LOCAL,REMOTE or pcap:FILE"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes the reason into err; returns -TERN_EINVAL. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tern_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -TERN_EINVAL;
}

static bool starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* Parses one endpoint of wire:dgram (len bytes at s). */
static int parse_endpoint(const char *s, size_t len, struct tern_wire_addr *a,
			  char *err, size_t errlen)
{
	char buf[TERN_WIRE_PATH_MAX + 1];
	int rc;

	if (len == 0)
		return fail(err, errlen, "%s",
			    "wire:dgram: empty endpoint (want LOCAL,REMOTE)");
	if (len >= sizeof(buf))
		return fail(err, errlen, "%s",
			    "wire:dgram: endpoint longer than 107 characters");
	memcpy(buf, s, len);
	buf[len] = '\0';
	rc = tern_wire_addr_parse(buf, a);
	if (rc == -TERN_ENOTSUP)
		return fail(err, errlen,
			    "wire:dgram: '%s' is not a loopback address "
			    "(only 127.0.0.0/8 is allowed: a wire stays on "
			    "this machine)",
			    buf);
	if (rc < 0)
		return fail(err, errlen, "wire:dgram: bad endpoint '%s'", buf);
	return 0;
}

static int parse_dgram(const char *s, struct tern_runner_net_spec *out,
		       char *err, size_t errlen)
{
	const char *comma = strchr(s, ',');
	int rc;

	if (!comma || strchr(comma + 1, ','))
		return fail(err, errlen,
			    "wire:dgram: want LOCAL,REMOTE, got '%s'", s);
	rc = parse_endpoint(s, (size_t)(comma - s), &out->local, err, errlen);
	if (rc == 0)
		rc = parse_endpoint(comma + 1, strlen(comma + 1), &out->remote,
				    err, errlen);
	if (rc < 0)
		return rc;
	if (out->local.is_inet != out->remote.is_inet)
		return fail(err, errlen,
			    "wire:dgram: LOCAL and REMOTE must both be UNIX "
			    "paths or both 127.x.y.z:PORT ('%s')",
			    s);
	if (out->remote.is_inet && out->remote.port == 0)
		return fail(err, errlen, "wire:dgram: REMOTE port 0 in '%s'",
			    s);
	out->kind = TERN_RUNNER_NET_DGRAM;
	out->arg = s;
	return 0;
}

static int parse_path(const char *path, enum tern_runner_net_kind kind,
		      struct tern_runner_net_spec *out, char *err,
		      size_t errlen)
{
	if (!*path)
		return fail(err, errlen, "%s", "--net: empty path");
	if (kind != TERN_RUNNER_NET_REPLAY &&
	    strlen(path) >= TERN_WIRE_PATH_MAX)
		return fail(err, errlen,
			    "--net: socket path longer than 107 characters: %s",
			    path);
	out->kind = kind;
	out->arg = path;
	return 0;
}

int tern_runner_parse_net(const char *spec, struct tern_runner_net_spec *out,
			  char *err, size_t errlen)
{
	const char *rest;

	memset(out, 0, sizeof(*out));
	out->spec = spec;
	if (starts(spec, "tap:", &rest)) {
		size_t n = strlen(rest);

		if (n == 0 || n >= TERN_TAP_IFNAME_MAX || strchr(rest, '/'))
			return fail(err, errlen,
				    "tap: interface name must be 1..15 "
				    "characters without '/': '%s'",
				    rest);
		out->kind = TERN_RUNNER_NET_TAP;
		out->arg = rest;
		return 0;
	}
	if (starts(spec, "wire:stream:listen:", &rest))
		return parse_path(rest, TERN_RUNNER_NET_STREAM_LISTEN, out, err,
				  errlen);
	if (starts(spec, "wire:stream:connect:", &rest))
		return parse_path(rest, TERN_RUNNER_NET_STREAM_CONNECT, out,
				  err, errlen);
	if (starts(spec, "wire:stream:", &rest))
		return parse_path(rest, TERN_RUNNER_NET_STREAM_CONNECT, out,
				  err, errlen);
	if (starts(spec, "wire:dgram:", &rest))
		return parse_dgram(rest, out, err, errlen);
	if (starts(spec, "pcap:", &rest))
		return parse_path(rest, TERN_RUNNER_NET_REPLAY, out, err,
				  errlen);
	return fail(err, errlen, "unknown --net spec '%s' (want " NET_SPECS ")",
		    spec);
}

int tern_runner_parse_disk(const char *spec, const char **path, char *err,
			   size_t errlen)
{
	const char *rest;

	if (!starts(spec, "file:", &rest))
		return fail(err, errlen,
			    "unknown --disk spec '%s' (want file:PATH)", spec);
	if (!*rest)
		return fail(err, errlen, "%s", "--disk file: empty path");
	*path = rest;
	return 0;
}
