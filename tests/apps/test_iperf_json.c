/*
 * test_iperf_json.c - the iperf3 JSON parser and writer
 * (apps/iperf/iperf_json_*.c) against golden texts: the parameters and
 * results that Debian's iperf3 3.12 sends (captured with --debug), the
 * number forms cJSON prints, malformed and hostile inputs, and the
 * writer's output parsed back.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "iperf_json.h"
#include "tern/err.h"

#define S(lit) lit, sizeof(lit) - 1 /* text and length of a literal */

/* ---- Parameters ---------------------------------------------------------- */

/* iperf3 3.12 `-c ... -t 3 -P 4 -R` (cJSON_PrintUnformatted). */
static const char params_312[] =
	"{\"tcp\":true,\"omit\":0,\"time\":3,\"num\":0,\"blockcount\":0,"
	"\"parallel\":4,\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,"
	"\"client_version\":\"3.12\"}";

Test(iperf_json, params_golden)
{
	struct iperf_params p;

	cr_assert_eq(iperf_json_parse_params(S(params_312), &p), 0);
	cr_assert(p.seen & IPERF_P_TCP);
	cr_assert(p.seen & IPERF_P_REVERSE);
	cr_assert_not(p.seen & (IPERF_P_UDP | IPERF_P_BIDIR));
	cr_assert_eq(p.time, 3);
	cr_assert_eq(p.parallel, 4);
	cr_assert_eq(p.len, 131072);
	cr_assert_eq(p.omit, 0);
	cr_assert_str_eq(p.client_version, "3.12");
}

Test(iperf_json, params_defaults_whitespace_and_unknown_keys)
{
	struct iperf_params p;
	static const char t[] =
		" \r\n{ \"udp\" : false , \"title\":\"a \\\"b\\\" "
		"\\u00e9\\n\", \"extra\":{\"x\":[1,2.5e3,null,"
		"[[]],{}]}, \"time\" : 10 }\t\n";

	cr_assert_eq(iperf_json_parse_params(S(t), &p), 0);
	/* A flag counts by its presence, like cJSON_GetObjectItem. */
	cr_assert(p.seen & IPERF_P_UDP);
	cr_assert_eq(p.time, 10);
	cr_assert_eq(p.parallel, 0);
	cr_assert_not(p.seen & IPERF_P_PARALLEL);
	cr_assert_eq(p.client_version[0], '\0');
	cr_assert_eq(iperf_json_parse_params(S("{}"), &p), 0);
	cr_assert_eq(p.seen, 0);
}

Test(iperf_json, params_first_key_wins_and_version_is_cut)
{
	struct iperf_params p;
	static const char t[] = "{\"time\":5,\"time\":7,\"client_version\":"
				"\"0123456789012345678901234567890123456789\"}";

	cr_assert_eq(iperf_json_parse_params(S(t), &p), 0);
	cr_assert_eq(p.time, 5);
	cr_assert_eq(strlen(p.client_version), IPERF_JSON_VERSION_MAX - 1);
}

Test(iperf_json, long_keys_never_match)
{
	static struct iperf_peer_results r;
	struct iperf_params p;
	/* A key longer than the parser keeps that starts with one of ours. */
	static const char t[] = "{\"parallel_and_then_some_more_characters\":"
				"99,\"parallel\":2}";
	static const char dup[] = "{\"streams\":[{\"id\":1,\"bytes\":7}],"
				  "\"streams\":[{\"id\":3,\"bytes\":9}]}";

	cr_assert_eq(iperf_json_parse_params(S(t), &p), 0);
	cr_assert_eq(p.parallel, 2);
	/* The first "streams" wins; the second is still validated. */
	cr_assert_eq(iperf_json_parse_results(S(dup), &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.streams[0].bytes, 7);
	cr_assert_eq(iperf_json_parse_results(
			     S("{\"streams\":[],\"streams\":[{]}"), &r),
		     -TERN_EBADMSG);
}

Test(iperf_json, numbers_as_cjson_prints_them)
{
	struct iperf_params p;

	cr_assert_eq(iperf_json_parse_params(S("{\"num\":5e+09}"), &p), 0);
	cr_assert_eq(p.num, 5000000000);
	cr_assert_eq(iperf_json_parse_params(S("{\"num\":1.5E3}"), &p), 0);
	cr_assert_eq(p.num, 1500);
	cr_assert_eq(iperf_json_parse_params(S("{\"num\":2500e-2}"), &p), 0);
	cr_assert_eq(p.num, 25);
	cr_assert_eq(iperf_json_parse_params(S("{\"num\":-0}"), &p), 0);
	cr_assert_eq(p.num, 0);
	cr_assert_eq(iperf_json_parse_params(S("{\"num\":9223372036854775807}"),
					     &p),
		     0);
	cr_assert_eq(p.num, INT64_MAX);
	cr_assert_eq(iperf_json_parse_params(
			     S("{\"num\":-9223372036854775808}"), &p),
		     0);
	cr_assert_eq(p.num, INT64_MIN);
	/* Out of range or not an integer, where we keep it. */
	cr_assert_eq(iperf_json_parse_params(S("{\"num\":9223372036854775808}"),
					     &p),
		     -TERN_ERANGE);
	cr_assert_eq(iperf_json_parse_params(S("{\"time\":1e400}"), &p),
		     -TERN_ERANGE);
	cr_assert_eq(iperf_json_parse_params(S("{\"time\":2.5}"), &p),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_params(S("{\"time\":\"3\"}"), &p),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_params(S("{\"time\":true}"), &p),
		     -TERN_EBADMSG);
	/* ... but anything where we skip it. */
	cr_assert_eq(iperf_json_parse_params(
			     S("{\"window\":18446744073709551615,\"b\":1e999,"
			       "\"c\":-0.5}"),
			     &p),
		     0);
}

/* Each is rejected as -TERN_EBADMSG. */
static const char *const malformed[] = {
	"",
	"   ",
	"[]",
	"3",
	"\"x\"",
	"{",
	"}",
	"{\"time\"}",
	"{\"time\":}",
	"{\"time\":3,}",
	"{,\"time\":3}",
	"{\"time\":3 \"len\":4}",
	"{\"time\":3}}",
	"{\"time\":3} x",
	"{\"time\":03}",
	"{\"time\":+3}",
	"{\"time\":.5}",
	"{\"time\":1.}",
	"{\"time\":1e}",
	"{\"time\":-}",
	"{\"a\":tru}",
	"{\"a\":nul}",
	"{\"a\":falsey}",
	"{\"a\":\"unterminated}",
	"{\"a\":\"bad \\x escape\"}",
	"{\"a\":\"bad \\u12g4\"}",
	"{\"a\":\"short \\u12\"}",
	"{\"a\":\"tab\tinside\"}",
	"{\"a\":[1,2}",
	"{\"a\":[1,,2]}",
	"{\"a\":[1 2]}",
	"{'a':1}",
	"{a:1}",
};

Test(iperf_json, params_malformed)
{
	struct iperf_params p;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		cr_assert_eq(iperf_json_parse_params(malformed[i],
						     strlen(malformed[i]), &p),
			     -TERN_EBADMSG, "accepted: %s", malformed[i]);
}

Test(iperf_json, length_bounds_the_text)
{
	struct iperf_params p;
	static const char t[] = "{\"time\":3}";

	/* A NUL inside is an error, not the end; the cut text is not JSON;
	 * bytes past len are never read. */
	cr_assert_eq(iperf_json_parse_params("{\"time\":3}\0", 11, &p),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_params(t, sizeof(t) - 2, &p),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_params("{\"time\":3}}}}", 10, &p), 0);
	cr_assert_eq(p.time, 3);
}

Test(iperf_json, depth_is_bounded)
{
	struct iperf_params p;
	char t[256];
	size_t n = 0, d;

	/* IPERF_JSON_DEPTH levels in all (the top object counts) pass; one
	 * more fails. */
	for (unsigned extra = 0; extra < 2; extra++) {
		n = 0;
		t[n++] = '{';
		memcpy(t + n, "\"a\":", 4);
		n += 4;
		for (d = 1; d < IPERF_JSON_DEPTH + extra; d++)
			t[n++] = '[';
		for (d = 1; d < IPERF_JSON_DEPTH + extra; d++)
			t[n++] = ']';
		t[n++] = '}';
		cr_assert_eq(iperf_json_parse_params(t, n, &p),
			     extra ? -TERN_EBADMSG : 0, "extra %u", extra);
	}
	/* A deep bomb is refused without deep recursion. */
	static char bomb[100000];
	memset(bomb, '[', sizeof(bomb));
	memcpy(bomb, "{\"a\":", 5);
	cr_assert_eq(iperf_json_parse_params(bomb, sizeof(bomb), &p),
		     -TERN_EBADMSG);
}

/* ---- Results ------------------------------------------------------------- */

/* iperf3 3.12 `-c ... -R` send_results (unformatted; -1 goes out as an
 * unsigned 64-bit number). */
static const char results_312[] =
	"{\"cpu_util_total\":34.642227639602034,\"cpu_util_user\":"
	"7.3935692401736377,\"cpu_util_system\":27.248691693895992,"
	"\"sender_has_retransmits\":18446744073709551615,"
	"\"congestion_used\":\"bbr\",\"streams\":[{\"id\":1,\"bytes\":"
	"511680464,\"retransmits\":18446744073709551615,\"jitter\":0,"
	"\"errors\":0,\"packets\":0,\"start_time\":0,\"end_time\":3.000027}]}";

Test(iperf_json, results_golden)
{
	static struct iperf_peer_results r;

	cr_assert_eq(iperf_json_parse_results(S(results_312), &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.streams[0].id, 1);
	cr_assert_eq(r.streams[0].bytes, 511680464);
}

Test(iperf_json, results_malformed)
{
	static struct iperf_peer_results r;

	cr_assert_eq(iperf_json_parse_results(S("{\"cpu_util_total\":0}"), &r),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_results(S("{\"streams\":{}}"), &r),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_results(S("{\"streams\":[1]}"), &r),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_results(S("{\"streams\":[{\"id\":1}]}"),
					      &r),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_results(
			     S("{\"streams\":[{\"id\":1,\"bytes\":-5}]}"), &r),
		     -TERN_ERANGE);
	cr_assert_eq(iperf_json_parse_results(
			     S("{\"streams\":[{\"id\":1,\"bytes\":2}],}"), &r),
		     -TERN_EBADMSG);
	cr_assert_eq(iperf_json_parse_results(S("{\"streams\":[]}"), &r), 0);
	cr_assert_eq(r.n, 0);
}

Test(iperf_json, results_stream_count_is_bounded)
{
	static struct iperf_peer_results r;
	static char t[IPERF_JSON_STREAMS * 32 + 64];
	size_t n;

	for (unsigned extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(t, sizeof(t), "{\"streams\":[");
		for (unsigned i = 0; i < IPERF_JSON_STREAMS + extra; i++)
			n += (size_t)snprintf(t + n, sizeof(t) - n,
					      "%s{\"id\":%u,\"bytes\":%u}",
					      i ? "," : "", i, i * 10);
		n += (size_t)snprintf(t + n, sizeof(t) - n, "]}");
		cr_assert_eq(iperf_json_parse_results(t, n, &r),
			     extra ? -TERN_ERANGE : 0);
	}
}

/* iperf3 3.12 `-c ... -R -P 2 -n 10M`, as its --debug prints what it sends
 * (cJSON_Print: tabs and newlines between the tokens). */
static const char params_312_formatted[] = "{\n"
					   "\t\"tcp\":\ttrue,\n"
					   "\t\"omit\":\t0,\n"
					   "\t\"time\":\t0,\n"
					   "\t\"num\":\t10485760,\n"
					   "\t\"blockcount\":\t0,\n"
					   "\t\"parallel\":\t2,\n"
					   "\t\"reverse\":\ttrue,\n"
					   "\t\"len\":\t131072,\n"
					   "\t\"pacing_timer\":\t1000,\n"
					   "\t\"client_version\":\t\"3.12\"\n"
					   "}\n";

static const char results_312_formatted[] =
	"{\n"
	"\t\"cpu_util_total\":\t39.520529564361752,\n"
	"\t\"cpu_util_user\":\t2.7730566240271939,\n"
	"\t\"cpu_util_system\":\t36.747472940334561,\n"
	"\t\"sender_has_retransmits\":\t18446744073709551615,\n"
	"\t\"congestion_used\":\t\"bbr\",\n"
	"\t\"streams\":\t[{\n"
	"\t\t\t\"id\":\t1,\n"
	"\t\t\t\"bytes\":\t5242880,\n"
	"\t\t\t\"retransmits\":\t18446744073709551615,\n"
	"\t\t\t\"jitter\":\t0,\n"
	"\t\t\t\"errors\":\t0,\n"
	"\t\t\t\"packets\":\t0,\n"
	"\t\t\t\"start_time\":\t0,\n"
	"\t\t\t\"end_time\":\t0.006424\n"
	"\t\t}, {\n"
	"\t\t\t\"id\":\t3,\n"
	"\t\t\t\"bytes\":\t5242880,\n"
	"\t\t\t\"retransmits\":\t18446744073709551615,\n"
	"\t\t\t\"jitter\":\t0,\n"
	"\t\t\t\"errors\":\t0,\n"
	"\t\t\t\"packets\":\t0,\n"
	"\t\t\t\"start_time\":\t0,\n"
	"\t\t\t\"end_time\":\t0.006434\n"
	"\t\t}]\n"
	"}\n";

Test(iperf_json, captured_formatted)
{
	static struct iperf_peer_results r;
	struct iperf_params p;

	cr_assert_eq(iperf_json_parse_params(S(params_312_formatted), &p), 0);
	cr_assert(p.seen & IPERF_P_REVERSE);
	cr_assert_eq(p.num, 10485760);
	cr_assert_eq(p.time, 0);
	cr_assert_eq(p.parallel, 2);
	cr_assert_eq(iperf_json_parse_results(S(results_312_formatted), &r), 0);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.streams[1].id, 3);
	cr_assert_eq(r.streams[1].bytes, 5242880);
}

/* ---- Writer -------------------------------------------------------------- */

static const struct iperf_stream_result two[] = {
	{ .id = 1,
	  .bytes = 662730240,
	  .retransmits = -1,
	  .start_us = 0,
	  .end_us = 3006123 },
	{ .id = 3, .bytes = 5, .retransmits = 12, .start_us = 0, .end_us = 42 },
};

static const char two_golden[] =
	"{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,"
	"\"sender_has_retransmits\":-1,\"streams\":["
	"{\"id\":1,\"bytes\":662730240,\"retransmits\":-1,\"jitter\":0,"
	"\"errors\":0,\"packets\":0,\"start_time\":0.000000,"
	"\"end_time\":3.006123},"
	"{\"id\":3,\"bytes\":5,\"retransmits\":12,\"jitter\":0,"
	"\"errors\":0,\"packets\":0,\"start_time\":0.000000,"
	"\"end_time\":0.000042}]}";

Test(iperf_json, write_golden_and_parse_back)
{
	static struct iperf_peer_results back;
	struct iperf_results r = { -1, 2, two };
	char buf[1024];
	int n;

	n = iperf_json_write_results(buf, sizeof(buf), &r);
	cr_assert_eq(n, (int)sizeof(two_golden) - 1);
	cr_assert_str_eq(buf, two_golden);
	cr_assert_eq(iperf_json_parse_results(buf, (size_t)n, &back), 0);
	cr_assert_eq(back.n, 2);
	cr_assert_eq(back.streams[0].bytes, 662730240);
	cr_assert_eq(back.streams[1].id, 3);
	cr_assert_eq(back.streams[1].bytes, 5);
}

Test(iperf_json, write_too_small)
{
	struct iperf_results r = { 1, 2, two };
	char buf[64];

	cr_assert_eq(iperf_json_write_results(buf, sizeof(buf), &r),
		     -TERN_ENOSPC);
	cr_assert_lt(strlen(buf), sizeof(buf));
	cr_assert_eq(iperf_json_write_results(buf, 0, &r), -TERN_ENOSPC);
	/* Exactly the length plus the NUL fits. */
	char exact[sizeof(two_golden)];
	r.sender_has_retransmits = -1;
	cr_assert_eq(iperf_json_write_results(exact, sizeof(exact), &r),
		     (int)sizeof(two_golden) - 1);
	cr_assert_eq(iperf_json_write_results(exact, sizeof(exact) - 1, &r),
		     -TERN_ENOSPC);
}
