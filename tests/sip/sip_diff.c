/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Differential check of the SIP parser against a reference copy of itself: a tool for parser
 * speed-ups, whose contract is "every decision and every span unchanged". Not a meson target,
 * because the reference is a snapshot of dataplane/sip/ taken before the change:
 *
 *   cp -a dataplane/sip /tmp/sipref        # before editing
 *   tests/sip/sip_diff.sh /tmp/sipref      # after: builds both, runs over the corpora
 *
 * The reference objects are compiled with every external symbol renamed ref_<name>
 * (-include of a list of #defines), so both parsers link into one binary. For each input
 * file, and for every truncation of it and a fixed number of seeded random mutations of it,
 * the driver runs both ush_sip_parse(), both ush_sip_cred_parse() on every credentials value
 * (and every prefix and suffix of it), and both ush_sip_uri_parse() on every prefix of each
 * URI, and compares the return codes and every field of the outputs. Each call gets a buffer
 * of exactly the bytes it may read, so a build with -fsanitize=address also catches reads
 * past the end. The new parser's output is pre-filled with a poison byte, so a field it
 * leaves unset (where the reference set zero) shows up as a difference; entries of via[],
 * via_hdr[] and auth[] beyond their counts are not compared (their contents are undefined).
 */

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ush_sip.h"

enum ush_sip_err ref_ush_sip_parse(const char *buf, size_t len, struct ush_sip_msg *msg);
enum ush_sip_err ref_ush_sip_cred_parse(const char *buf, struct ush_sip_span value,
					struct ush_sip_cred *cred);
int ref_ush_sip_uri_parse(const char *buf, struct ush_sip_span text, struct ush_sip_uri *uri);
enum ush_algo ref_ush_algo_from_token(const char *s, size_t len);

#ifndef MUTATIONS
#define MUTATIONS 64 /* random variants per input file */
#endif
#ifndef CRED_MUTATIONS
#define CRED_MUTATIONS 64 /* random variants per credentials value */
#endif
#define POISON_NEW 0xa5
#define POISON_REF 0x5a

static unsigned long long n_cmp, n_diff, n_msg, n_cred, n_uri; /* n_cmp: fields and verdicts */
static const char *cur_name;
static unsigned cur_variant;

static void
diff(const char *what, ...)
{
	va_list ap;

	n_diff++;
	if (n_diff > 50)
		return;
	fprintf(stderr, "DIFF %s variant %u: ", cur_name, cur_variant);
	va_start(ap, what);
	vfprintf(stderr, what, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define CMP_INT(ctx, a, b, f)                                                                    \
	do {                                                                                       \
		n_cmp++;                                                                           \
		if ((long long)(a)->f != (long long)(b)->f)                                        \
			diff("%s.%s: ref %lld new %lld", ctx, #f, (long long)(a)->f,               \
			     (long long)(b)->f);                                                   \
	} while (0)

#define CMP_SPAN(ctx, a, b, f)                                                                   \
	do {                                                                                       \
		CMP_INT(ctx, a, b, f.off);                                                         \
		CMP_INT(ctx, a, b, f.len);                                                         \
	} while (0)

static void
cmp_uri(const char *ctx, const struct ush_sip_uri *a, const struct ush_sip_uri *b)
{
	CMP_SPAN(ctx, a, b, raw);
	CMP_SPAN(ctx, a, b, scheme);
	CMP_SPAN(ctx, a, b, user);
	CMP_SPAN(ctx, a, b, password);
	CMP_SPAN(ctx, a, b, host);
	CMP_SPAN(ctx, a, b, port_str);
	CMP_SPAN(ctx, a, b, params);
	CMP_SPAN(ctx, a, b, headers);
	CMP_INT(ctx, a, b, port);
	CMP_INT(ctx, a, b, scheme_id);
}

static void
cmp_nameaddr(const char *ctx, const struct ush_sip_nameaddr *a, const struct ush_sip_nameaddr *b)
{
	CMP_SPAN(ctx, a, b, raw);
	CMP_SPAN(ctx, a, b, display);
	CMP_SPAN(ctx, a, b, tag);
	cmp_uri(ctx, &a->uri, &b->uri);
}

static void
cmp_msg(const struct ush_sip_msg *a, const struct ush_sip_msg *b)
{
	const char *m = "msg";

	CMP_INT(m, a, b, is_request);
	CMP_INT(m, a, b, method);
	CMP_INT(m, a, b, status);
	CMP_SPAN(m, a, b, method_str);
	cmp_uri("ruri", &a->ruri, &b->ruri);
	CMP_SPAN(m, a, b, version);
	CMP_SPAN(m, a, b, reason);
	CMP_SPAN(m, a, b, start_line);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, raw);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, transport);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, host);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, port_str);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, branch);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, received);
	CMP_SPAN("via_top", &a->via_top, &b->via_top, rport);
	CMP_INT("via_top", &a->via_top, &b->via_top, port);
	CMP_INT(m, a, b, via_count);
	CMP_INT(m, a, b, via_hdr_count);
	for (unsigned i = 0; i < a->via_count && i < b->via_count && i < USH_SIP_MAX_VIA; i++)
		CMP_SPAN("via", a, b, via[i]);
	for (unsigned i = 0; i < a->via_hdr_count && i < b->via_hdr_count && i < USH_SIP_MAX_VIA;
	     i++) {
		CMP_SPAN("via_hdr", a, b, via_hdr[i].name);
		CMP_SPAN("via_hdr", a, b, via_hdr[i].value);
	}
	cmp_nameaddr("from", &a->from, &b->from);
	cmp_nameaddr("to", &a->to, &b->to);
	CMP_SPAN(m, a, b, call_id);
	CMP_INT(m, a, b, cseq);
	CMP_INT(m, a, b, cseq_method);
	CMP_SPAN(m, a, b, cseq_method_str);
	CMP_SPAN(m, a, b, cseq_raw);
	CMP_INT(m, a, b, max_forwards);
	CMP_INT(m, a, b, content_length);
	CMP_INT(m, a, b, expires);
	CMP_SPAN(m, a, b, content_type);
	CMP_SPAN(m, a, b, contact);
	CMP_SPAN(m, a, b, user_agent);
	CMP_SPAN(m, a, b, identity);
	CMP_SPAN(m, a, b, pai);
	CMP_INT(m, a, b, auth_count);
	for (unsigned i = 0; i < a->auth_count && i < b->auth_count && i < USH_SIP_MAX_AUTH; i++) {
		CMP_SPAN("auth", a, b, auth[i].value);
		CMP_INT("auth", a, b, auth[i].kind);
	}
	CMP_INT(m, a, b, hdr_count);
	CMP_SPAN(m, a, b, headers);
	CMP_SPAN(m, a, b, body);
	CMP_INT(m, a, b, msg_len);
}

static void
cmp_cred(const struct ush_sip_cred *a, const struct ush_sip_cred *b)
{
	const char *c = "cred";

	CMP_SPAN(c, a, b, username);
	CMP_SPAN(c, a, b, realm);
	CMP_SPAN(c, a, b, nonce);
	CMP_SPAN(c, a, b, uri);
	CMP_SPAN(c, a, b, response);
	CMP_SPAN(c, a, b, algorithm);
	CMP_SPAN(c, a, b, cnonce);
	CMP_SPAN(c, a, b, opaque);
	CMP_SPAN(c, a, b, qop);
	CMP_SPAN(c, a, b, nc);
	CMP_SPAN(c, a, b, userhash);
	CMP_INT(c, a, b, algo);
	CMP_INT(c, a, b, qop_id);
	CMP_INT(c, a, b, userhash_on);
	CMP_INT(c, a, b, unknown_params);
	CMP_INT(c, a, b, escaped);
	CMP_INT(c, a, b, nc_value);
}

/* A heap copy of the first n bytes of src, of exactly n bytes (ASan sees over-reads). */
static char *
exact_copy(const char *src, size_t n)
{
	char *p = malloc(n ? n : 1);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(p, src, n);
	return p;
}

/* Both credentials parsers on [off, off + len) of buf, given only the bytes up to its end. */
static void
diff_cred(const char *buf, size_t off, size_t len)
{
	struct ush_sip_cred a, b;
	struct ush_sip_span v = {(uint16_t)off, (uint16_t)len};
	char *copy = exact_copy(buf, off + len);
	enum ush_sip_err ea, eb;

	memset(&a, POISON_REF, sizeof(a));
	memset(&b, POISON_NEW, sizeof(b));
	n_cred++;
	ea = ref_ush_sip_cred_parse(copy, v, &a);
	eb = ush_sip_cred_parse(copy, v, &b);
	n_cmp++;
	if (ea != eb)
		diff("cred_parse [%zu,+%zu): ref %s new %s", off, len, ush_sip_errname(ea),
		     ush_sip_errname(eb));
	cmp_cred(&a, &b);
	free(copy);
}

/* A credentials value: whole, every prefix and every suffix. */
static void
diff_cred_all(const char *buf, struct ush_sip_span s)
{
	for (size_t n = 0; n <= s.len; n++)
		diff_cred(buf, s.off, n);
	for (size_t k = 1; k <= s.len; k++)
		diff_cred(buf, s.off + k, s.len - k);
}

static void
diff_uri(const char *buf, size_t off, size_t len)
{
	struct ush_sip_uri a, b;
	struct ush_sip_span t = {(uint16_t)off, (uint16_t)len};
	char *copy = exact_copy(buf, off + len);
	int ra, rb;

	memset(&a, POISON_REF, sizeof(a));
	memset(&b, POISON_NEW, sizeof(b));
	n_uri++;
	ra = ref_ush_sip_uri_parse(copy, t, &a);
	rb = ush_sip_uri_parse(copy, t, &b);
	n_cmp++;
	if (ra != rb)
		diff("uri_parse [%zu,+%zu): ref %d new %d", off, len, ra, rb);
	cmp_uri("uri", &a, &b);
	free(copy);
}

/* Every prefix of a URI span, and the span with its first byte dropped. */
static void
diff_uri_all(const char *buf, struct ush_sip_span s)
{
	if (!ush_sip_span_present(s))
		return;
	for (size_t n = 0; n <= s.len; n++)
		diff_uri(buf, s.off, n);
	if (s.len > 0)
		diff_uri(buf, s.off + 1, s.len - 1);
}

/* Both message parsers on the first n bytes of buf; returns the reference's verdict. */
static enum ush_sip_err
diff_msg(const char *src, size_t n, struct ush_sip_msg *a)
{
	static struct ush_sip_msg b;
	char *copy = exact_copy(src, n);
	enum ush_sip_err ea, eb;

	memset(a, POISON_REF, sizeof(*a));
	memset(&b, POISON_NEW, sizeof(b));
	n_msg++;
	ea = ref_ush_sip_parse(copy, n, a);
	eb = ush_sip_parse(copy, n, &b);
	n_cmp++;
	if (ea != eb)
		diff("parse len %zu: ref %s new %s", n, ush_sip_errname(ea), ush_sip_errname(eb));
	cmp_msg(a, &b);
	free(copy);
	return ea;
}

/* One input: the message parser on it and on every truncation, then its spans. */
static void
diff_input(const char *buf, size_t len, bool deep)
{
	static struct ush_sip_msg m;
	enum ush_sip_err err;

	for (size_t n = 0; n < len; n++)
		diff_msg(buf, n, &m);
	err = diff_msg(buf, len, &m);
	/* Whatever the verdict, the credentials and URIs found so far are fed to their parsers. */
	for (unsigned i = 0; i < m.auth_count && i < USH_SIP_MAX_AUTH; i++)
		if (deep)
			diff_cred_all(buf, m.auth[i].value);
		else
			diff_cred(buf, m.auth[i].value.off, m.auth[i].value.len);
	if (err == USH_SIP_EOK || deep) {
		diff_uri_all(buf, m.ruri.raw);
		diff_uri_all(buf, m.from.uri.raw);
		diff_uri_all(buf, m.to.uri.raw);
	}
	/* The whole input as a credentials value too (the cred fuzzer's corpus is made so). */
	if (len <= USH_SIP_MAX_LINE) {
		if (deep)
			diff_cred_all(buf, (struct ush_sip_span){0, (uint16_t)len});
		else
			diff_cred(buf, 0, len);
	}
}

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 11);
}

/* Bytes the parser treats specially: mutations favour them. */
static const char special[] = "\r\n \t\",;:=<>@[]\\/?.-0aZ\x7f\x80";

static size_t
mutate(const char *src, size_t len, char *out, size_t cap)
{
	size_t n = len < cap ? len : cap;
	unsigned edits = 1 + rng() % 4;

	memcpy(out, src, n);
	for (unsigned k = 0; k < edits && n > 0; k++) {
		size_t at = rng() % n;
		char c = rng() % 3 ? special[rng() % (sizeof(special) - 1)] : (char)rng();

		switch (rng() % 4) {
		case 0: /* replace */
			out[at] = c;
			break;
		case 1: /* insert */
			if (n < cap) {
				memmove(out + at + 1, out + at, n - at);
				out[at] = c;
				n++;
			}
			break;
		case 2: /* delete */
			memmove(out + at, out + at + 1, n - at - 1);
			n--;
			break;
		default: /* flip case */
			out[at] ^= 0x20;
			break;
		}
	}
	return n;
}

/*
 * ush_algo_from_token() on every algorithm name (and a few near misses) in every mix of
 * case, with every byte replaced by every value, and on every prefix.
 */
static void
diff_algo(void)
{
	static const char *const names[] = {
		"MD5",	   "MD5-sess",	  "SHA-256",	      "SHA-256-sess", "SHA-512-256",
		"SHA-512-256-sess", "SHA-512", "md5-",	      "SHA-256-",     "",
	};
	char t[32];

	cur_name = "ush_algo_from_token";
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t n = strlen(names[k]);

		for (unsigned caseb = 0; caseb < 1u << (n < 16 ? n : 16); caseb++) {
			for (size_t i = 0; i < n; i++)
				t[i] = caseb >> i & 1 ? (char)(names[k][i] ^ 0x20) : names[k][i];
			for (size_t len = 0; len <= n; len++) {
				char *c = exact_copy(t, len);

				n_cmp++;
				if (ref_ush_algo_from_token(c, len) != ush_algo_from_token(c, len))
					diff("algo %.*s", (int)len, c);
				free(c);
			}
		}
		for (size_t i = 0; i < n; i++) {
			for (unsigned v = 0; v < 256; v++) {
				memcpy(t, names[k], n);
				t[i] = (char)v;
				n_cmp++;
				if (ref_ush_algo_from_token(t, n) != ush_algo_from_token(t, n))
					diff("algo byte %zu of %s = %u", i, names[k], v);
			}
		}
	}
}

static void
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[70000], mut[70000];
	size_t len;

	if (f == NULL) {
		perror(path);
		return;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cur_name = path;
	cur_variant = 0;
	diff_input(buf, len, true);
	for (unsigned k = 1; k <= MUTATIONS; k++) {
		size_t n = mutate(buf, len, mut, sizeof(mut));

		cur_variant = k;
		diff_input(mut, n, false);
	}
	/* Credentials get more: mutations of each value alone, each with its prefixes and
	 * suffixes (the whole input when it is not a message: the cred fuzzer's corpus). */
	struct ush_sip_msg m;
	unsigned nauth = 0;

	if (ush_sip_parse(buf, len, &m) != USH_SIP_EEMPTY)
		nauth = m.auth_count;
	for (unsigned i = 0; i <= nauth; i++) {
		struct ush_sip_span v = i < nauth ? m.auth[i].value
						  : (struct ush_sip_span){0, (uint16_t)len};

		if (i == nauth && (nauth > 0 || len > USH_SIP_MAX_LINE))
			break;
		for (unsigned k = 1; k <= CRED_MUTATIONS; k++) {
			size_t n = mutate(buf + v.off, v.len, mut, v.len + 8);

			cur_variant = 1000 * (i + 1) + k;
			diff_cred_all(mut, (struct ush_sip_span){0, (uint16_t)n});
		}
	}
}

static void
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st) < 0) {
		perror(path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		run_path(sub);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	diff_algo();
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("calls compared: %llu ush_sip_parse, %llu ush_sip_cred_parse, %llu ush_sip_uri_parse\n",
	       n_msg, n_cred, n_uri);
	printf("comparisons (verdicts and fields): %llu, differences: %llu\n", n_cmp, n_diff);
	return n_diff != 0;
}
