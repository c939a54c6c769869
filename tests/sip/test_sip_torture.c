/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/*
 * Torture corpus (RFC 4475 categories, our own messages): every corpus/valid/ file parses
 * with consistent fields, every corpus/invalid/<errname>__<what>.sip fails with exactly
 * USH_SIP_E<ERRNAME>. Plus properties over the valid corpus: every truncation and every NUL
 * byte planted in the header section is rejected, and the body is opaque.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "sip_test.h"

struct corpus_file {
	char name[256];
	char *data;
	size_t len;
};

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct corpus_file *)a)->name, ((const struct corpus_file *)b)->name);
}

/* Loads every *.sip of CORPUS_DIR/<sub>, sorted by name. */
static struct corpus_file *
load_dir(const char *sub, size_t *count)
{
	char path[1024];
	struct corpus_file *files = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, sub);
	d = opendir(path);
	cr_assert_not_null(d, "cannot open corpus directory %s", path);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char fpath[1400];

		if (l < 5 || strcmp(de->d_name + l - 4, ".sip") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			files = realloc(files, cap * sizeof(*files));
			cr_assert_not_null(files);
		}
		snprintf(files[n].name, sizeof(files[n].name), "%s", de->d_name);
		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		files[n].data = t_read_file(fpath, &files[n].len);
		cr_assert_not_null(files[n].data, "cannot read %s", fpath);
		n++;
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_names);
	*count = n;
	return files;
}

static void
free_dir(struct corpus_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
	free(files);
}

static bool
span_same(struct ush_sip_span a, struct ush_sip_span b)
{
	return a.off == b.off && a.len == b.len;
}

/* Offset just past the first CRLF CRLF of the current buffer, or SIZE_MAX. */
static size_t
header_end(void)
{
	size_t at = t_find("\r\n\r\n");

	return at == SIZE_MAX ? SIZE_MAX : at + 4;
}

/* Consistency of a successfully parsed message (the current buffer). */
static void
check_valid_invariants(const char *name)
{
	const struct ush_sip_msg *m = &t_msg;
	size_t hend = header_end();

	cr_expect(m->msg_len <= t_len, "%s: msg_len %u > %zu", name, m->msg_len, t_len);
	cr_expect_eq(m->start_line.off, 0, "%s: start_line.off", name);
	cr_expect(m->start_line.len + 1u < t_len && t_buf[m->start_line.len] == '\r' &&
			  t_buf[m->start_line.len + 1] == '\n',
		  "%s: start_line does not stop at the first CRLF", name);
	cr_expect_eq(m->headers.off, m->start_line.len + 2u, "%s: headers.off", name);
	cr_expect(hend != SIZE_MAX && (size_t)m->headers.off + m->headers.len <= hend,
		  "%s: headers span runs into the body", name);
	if (m->content_length >= 0) {
		cr_expect_eq(m->body.len, (unsigned)m->content_length, "%s: body.len %u vs CL %d",
			     name, m->body.len, m->content_length);
		cr_expect_eq(m->msg_len, hend + (size_t)m->content_length, "%s: msg_len", name);
	} else {
		cr_expect_eq(m->msg_len, t_len, "%s: msg_len without Content-Length", name);
		cr_expect_eq(m->body.len, t_len - hend, "%s: body = rest", name);
	}
	if (m->body.len > 0)
		cr_expect_eq(m->body.off, hend, "%s: body.off", name);

	cr_expect(m->via_count >= 1 && m->via_count <= USH_SIP_MAX_VIA, "%s: via_count %u", name,
		  m->via_count);
	cr_expect(m->via_hdr_count >= 1 && m->via_hdr_count <= m->via_count, "%s: via_hdr_count %u",
		  name, m->via_hdr_count);
	cr_expect(span_same(m->via_top.raw, m->via[0]), "%s: via_top.raw != via[0]", name);
	cr_expect(m->via_top.transport.len > 0 && m->via_top.host.len > 0,
		  "%s: top Via without transport or host", name);
	cr_expect(m->call_id.len > 0, "%s: empty Call-ID", name);
	cr_expect(m->from.raw.len > 0 && m->to.raw.len > 0 && m->from.uri.raw.len > 0 &&
			  m->to.uri.raw.len > 0,
		  "%s: From/To without URI", name);
	cr_expect(m->cseq_raw.len > 0 && m->cseq_method_str.len > 0, "%s: CSeq", name);
	cr_expect(m->hdr_count >= 5 + (m->via_hdr_count - 1) + m->auth_count,
		  "%s: hdr_count %u too small", name, m->hdr_count);
	if (m->is_request) {
		cr_expect_eq(m->method_str.off, 0, "%s", name);
		cr_expect(m->method != USH_SIP_METHOD_NONE, "%s: request with method NONE", name);
		cr_expect(m->ruri.raw.len > 0, "%s: no Request-URI", name);
		cr_expect_eq(m->cseq_method, m->method, "%s: cseq_method", name);
		cr_expect(m->cseq_method_str.len == m->method_str.len &&
				  memcmp(t_buf + m->cseq_method_str.off, t_buf,
					 m->method_str.len) == 0,
			  "%s: CSeq method text differs", name);
		cr_expect_eq(m->status, 0, "%s", name);
	} else {
		cr_expect(m->status >= 100 && m->status <= 699, "%s: status %u", name, m->status);
		cr_expect_eq(m->method, USH_SIP_METHOD_NONE, "%s", name);
	}
	/* Every credentials header of the valid corpus is well-formed. */
	for (unsigned i = 0; i < m->auth_count && i < USH_SIP_MAX_AUTH; i++) {
		struct ush_sip_cred c;
		enum ush_sip_err rc;

		memset(&c, 0xa5, sizeof(c));
		rc = ush_sip_cred_parse(t_buf, m->auth[i].value, &c);
		cr_expect_eq(rc, USH_SIP_EOK, "%s: auth[%u] %s: got %s", name, i,
			     t_esc_span(m->auth[i].value), t_errname(rc));
		cr_expect(t_cred_spans_ok(&c, t_len), "%s: auth[%u] span outside the buffer", name,
			  i);
		if (rc == USH_SIP_EOK)
			cr_expect(c.username.len && c.realm.len && c.nonce.len && c.uri.len &&
					  c.response.len,
				  "%s: auth[%u] lacks a mandatory field", name, i);
	}
}

Test(torture, valid_corpus)
{
	size_t n;
	struct corpus_file *f = load_dir("valid", &n);

	cr_expect(n >= 40, "only %zu valid corpus files", n);
	for (size_t i = 0; i < n; i++) {
		enum ush_sip_err rc = t_parse_n(f[i].data, f[i].len);

		cr_expect_eq(rc, USH_SIP_EOK, "valid/%s: got %s (%s)", f[i].name, t_errname(rc),
			     ush_sip_strerror(rc));
		if (rc == USH_SIP_EOK)
			check_valid_invariants(f[i].name);
	}
	free_dir(f, n);
}

static int
err_from_name(const char *s, size_t len)
{
	for (int e = 0; e < USH_SIP_ERR_COUNT; e++) {
		const char *up = t_errname(e);

		if (strlen(up) != len)
			continue;
		size_t k;
		for (k = 0; k < len; k++)
			if (s[k] != (up[k] >= 'A' && up[k] <= 'Z' ? up[k] + 32 : up[k]))
				break;
		if (k == len)
			return e;
	}
	return -1;
}

Test(torture, invalid_corpus)
{
	size_t n;
	struct corpus_file *f = load_dir("invalid", &n);

	cr_expect(n >= 50, "only %zu invalid corpus files", n);
	for (size_t i = 0; i < n; i++) {
		const char *sep = strstr(f[i].name, "__");
		int want;
		enum ush_sip_err rc;

		cr_expect_not_null(sep, "invalid/%s: name is not <errname>__<what>.sip", f[i].name);
		if (sep == NULL)
			continue;
		want = err_from_name(f[i].name, (size_t)(sep - f[i].name));
		cr_expect(want > 0, "invalid/%s: no error code of that name", f[i].name);
		if (want <= 0)
			continue;
		rc = t_parse_n(f[i].data, f[i].len);
		cr_expect_eq((int)rc, want, "invalid/%s: got %s (%s), expected %s", f[i].name,
			     t_errname(rc), ush_sip_strerror(rc), t_errname(want));
		/* The library's own name agrees with the file name. */
		cr_expect(strncmp(ush_sip_errname((enum ush_sip_err)want), f[i].name,
				  (size_t)(sep - f[i].name)) == 0,
			  "ush_sip_errname(%s) = %s", t_errname(want),
			  ush_sip_errname((enum ush_sip_err)want));
	}
	free_dir(f, n);
}

Test(torture, every_truncation_is_rejected)
{
	size_t n;
	struct corpus_file *f = load_dir("valid", &n);

	for (size_t i = 0; i < n; i++) {
		size_t hend, full_len;
		int32_t cl;
		unsigned bad = 0;

		if (t_parse_n(f[i].data, f[i].len) != USH_SIP_EOK)
			continue; /* reported by valid_corpus */
		hend = header_end();
		cl = t_msg.content_length;
		full_len = t_msg.msg_len;
		for (size_t k = 0; k < f[i].len && bad < 3; k++) {
			enum ush_sip_err rc = t_parse_n(f[i].data, k);
			bool ok;

			if (k < hend)
				ok = rc != USH_SIP_EOK;
			else if (cl >= 0 && k < full_len)
				ok = rc == USH_SIP_EBODY_TRUNCATED;
			else
				ok = rc == USH_SIP_EOK;
			if (!ok) {
				bad++;
				cr_expect(ok,
					  "valid/%s cut to %zu of %zu bytes (headers end at %zu): "
					  "got %s",
					  f[i].name, k, f[i].len, hend, t_errname(rc));
			}
		}
	}
	free_dir(f, n);
}

Test(torture, nul_anywhere_in_header_section_is_rejected)
{
	size_t n;
	struct corpus_file *f = load_dir("valid", &n);

	for (size_t i = 0; i < n; i++) {
		size_t hend, msg_len;
		char *copy;
		unsigned bad = 0;

		if (t_parse_n(f[i].data, f[i].len) != USH_SIP_EOK)
			continue;
		hend = header_end();
		msg_len = t_msg.msg_len;
		copy = malloc(f[i].len);
		cr_assert_not_null(copy);
		for (size_t k = 0; k < f[i].len && bad < 3; k++) {
			enum ush_sip_err rc;
			bool ok;

			memcpy(copy, f[i].data, f[i].len);
			copy[k] = '\0';
			rc = t_parse_n(copy, f[i].len);
			/* Start line and headers: never accepted. Body: opaque bytes. */
			ok = k < hend ? rc != USH_SIP_EOK
				      : rc == USH_SIP_EOK && t_msg.msg_len == msg_len;
			if (!ok) {
				bad++;
				cr_expect(ok,
					  "valid/%s with NUL at %zu (headers end at %zu): got %s",
					  f[i].name, k, hend, t_errname(rc));
			}
		}
		free(copy);
	}
	free_dir(f, n);
}

Test(torture, strange_whitespace_fields)
{
	t_load_corpus("valid/strange_whitespace.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.ruri.raw, "sip:marguerite@lab.example.net;oddflag");
	EXPECT_SPAN(t_msg.ruri.params, "oddflag");
	EXPECT_SPAN(t_msg.to.uri.raw, "sip:marguerite@lab.example.net");
	EXPECT_SPAN(t_msg.to.tag, "7c0ffee");
	EXPECT_SPAN(t_msg.from.display, "\"M. \\\"Quirky\\\" Caller \\\\\"");
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:quirky@example.com");
	EXPECT_SPAN(t_msg.from.tag, "55zz1");
	cr_expect_eq(t_msg.max_forwards, 42);
	cr_expect_eq(t_msg.cseq, 31);
	cr_expect_eq(t_msg.cseq_method, USH_SIP_METHOD_INVITE);
	cr_expect_eq(t_msg.content_length, 140);
	cr_expect_eq(t_msg.body.len, 140);
	EXPECT_SPAN(t_msg.content_type, "application/sdp");
	cr_expect_eq(t_msg.via_count, 3);
	cr_expect_eq(t_msg.via_hdr_count, 2);
	EXPECT_SPAN(t_msg.via_hdr[1].name, "v");
	EXPECT_SPAN(t_msg.via_top.transport, "UDP");
	EXPECT_SPAN(t_msg.via_top.host, "198.51.100.40");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bKws001");
	EXPECT_SPAN(t_msg.via[1],
		    "SIP/2.0/TCP relay.example.org   ;\r\n  branch  =   z9hG4bKws002");
	EXPECT_SPAN(t_msg.via[2], "SIP/2.0/UDP  10.1.2.3   ; branch=\r\n z9hG4bKws003");
	EXPECT_SPAN(t_msg.contact, "\"Quotes \\\"inside\\\"\" <sip:quirky@example.com> ; p1 =\r\n"
				   "      v1 ;\r\n  p2 ; q = 0.5");
	cr_expect_eq(t_msg.hdr_count, 14);
}

Test(torture, escaped_uris_fields)
{
	t_load_corpus("valid/escaped_uris.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.ruri.user, "sip%3Aowner%40lab.example.org");
	EXPECT_SPAN(t_msg.ruri.host, "example.net");
	EXPECT_SPAN(t_msg.to.uri.user, "%6Fwner");
	EXPECT_ABSENT(t_msg.to.tag);
	EXPECT_SPAN(t_msg.from.uri.user, "name%20with%20blanks");
	EXPECT_SPAN(t_msg.contact,
		    "<sip:ca%6C%6Cee@edge9.example.net;%74ransport=udp;k%65y=v%61l%25%32%30>");
	t_load_corpus("valid/escaped_semicolon_user.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.ruri.user, "svc;acct=x%40example.org");
	EXPECT_SPAN(t_msg.ruri.host, "example.com");
	EXPECT_ABSENT(t_msg.ruri.params);
	EXPECT_SPAN(t_msg.from.uri.raw, "sip:prober@example.org");
	EXPECT_SPAN(t_msg.from.tag, "9912");
}

Test(torture, unknown_scheme_and_unusual_tokens)
{
	t_load_corpus("valid/unknown_scheme_ruri.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_OTHER);
	EXPECT_SPAN(t_msg.ruri.scheme, "xyzzy-proto");
	EXPECT_SPAN(t_msg.ruri.raw, "xyzzy-proto:opaque/data;with=stuff?and=more");

	t_load_corpus("valid/unusual_tokens.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.method, USH_SIP_METHOD_OTHER);
	EXPECT_SPAN_AT(t_msg.method_str, 0, "~Odd.Method-42_*+`%!'");
	EXPECT_SPAN(t_msg.ruri.user, "w3ird_user.Name~(yes!)&it's+ok$/sure?,/;;*");
	EXPECT_SPAN(t_msg.ruri.password, "&pass+w=3,odd!*p$w~x_y.(z)");
	EXPECT_SPAN(t_msg.ruri.host, "example.org");
	cr_expect_eq(t_msg.cseq, 4711);
	EXPECT_SPAN(t_msg.from.display, "tok~en1 t'o+k_2 t*%!.-3");
	EXPECT_SPAN(t_msg.from.tag, "_t~2'+`*%!-.");
	EXPECT_SPAN(t_msg.to.display, "\"Esc\\aped \\\"quotes\\\" and \\\\ tab:\\\t\"");
	EXPECT_SPAN(t_msg.call_id, "odd.word%QX-!.*_+'@w`~)(><:\\/\"][?}{");
	EXPECT_SPAN(t_msg.via_top.branch, "z9hG4bK~!%61*_+`'.-");
	cr_expect_eq(t_msg.max_forwards, 255);
}

Test(torture, long_values_fields)
{
	t_load_corpus("valid/long_values.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.via_count, 16);
	cr_expect_eq(t_msg.via_hdr_count, 4);
	EXPECT_SPAN(t_msg.via[1], "SIP/2.0/UDP relay1.example.com:5061;branch=z9hG4bK0001");
	EXPECT_SPAN(t_msg.via[13], "SIP/2.0/UDP relay13.example.com:5073;branch=z9hG4bK0013");
	EXPECT_SPAN(t_msg.via[15], "SIP/2.0/TLS tail.example.com;branch=z9hG4bKtail");
	cr_expect_eq(t_msg.via_top.branch.len, 7 + 300);
	cr_expect_eq(t_msg.from.tag.len, 500);
	cr_expect_eq(t_msg.call_id.len, 1000 + 12);
	cr_expect_eq(t_msg.to.uri.user.len, 300);
	EXPECT_SPAN(t_msg.contact, "<sip:c1@192.0.2.1>");
}

Test(torture, compact_and_ipv6_corpus_fields)
{
	t_load_corpus("valid/invite_compact_everything.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.hdr_count, 21);
	cr_expect_eq(t_msg.via_count, 3);
	cr_expect_eq(t_msg.via_hdr_count, 2);
	EXPECT_SPAN(t_msg.via[2], "SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKouter;received=192.0.2.2");
	EXPECT_SPAN(t_msg.from.display, "Bob");
	cr_expect_eq(t_msg.from.uri.scheme_id, USH_SIP_SCHEME_SIPS);
	EXPECT_SPAN(t_msg.call_id, "1j9FpLxk3uxtm8tn@biloxi.example.com");
	EXPECT_SPAN(t_msg.contact, "<sips:bob@client.biloxi.example.com>");
	EXPECT_SPAN(t_msg.identity, "c2lnbmF0dXJl;info=<https://i.example/c.pem>");
	EXPECT_SPAN(t_msg.content_type, "application/sdp");
	cr_expect_eq(t_msg.content_length, (int32_t)t_msg.body.len);
	cr_expect(t_msg.body.len > 100);

	t_load_corpus("valid/ipv6_everywhere.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.ruri.host, "[2001:db8::10]");
	EXPECT_SPAN(t_msg.ruri.params, "transport=udp");
	EXPECT_SPAN(t_msg.via_top.host, "[2001:db8::9:1]");
	cr_expect_eq(t_msg.via_top.port, 5070);
	EXPECT_EMPTY(t_msg.via_top.rport);
	EXPECT_SPAN(t_msg.via_top.received, "2001:db8::9:255");
	EXPECT_SPAN(t_msg.call_id, "SSG95523997077@[2001:db8::9:1]");
	EXPECT_SPAN(t_msg.from.uri.host, "[2001:db8::10]");
	cr_expect_eq(t_msg.expires, 3600);
}

Test(torture, datagram_and_body_corpus_fields)
{
	t_load_corpus("valid/extra_datagram_bytes.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.body, "ping");
	cr_expect_eq(t_msg.msg_len, t_find("\r\n\r\n") + 4 + 4);
	cr_expect(t_msg.msg_len < t_len);

	t_load_corpus("valid/binary_body_nul_high_bytes.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.body.len, 256 + 5);
	cr_expect_eq(t_msg.msg_len, t_len);

	t_load_corpus("valid/options_keepalive_no_content_length.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.content_length, -1);
	cr_expect_eq(t_msg.body.len, 0);
	EXPECT_SPAN(t_msg.user_agent, "Yealink SIP-T46S 66.86.0.15");

	t_load_corpus("valid/response_180_empty_reason.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.status, 180);
	EXPECT_EMPTY(t_msg.reason);

	t_load_corpus("valid/response_200_register_contacts.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.contact, "<sip:1001@192.168.1.50:5060>;expires=3600");
	cr_expect_eq(t_msg.expires, 3600);

	t_load_corpus("valid/max_auth_exact.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	cr_expect_eq(t_msg.auth_count, USH_SIP_MAX_AUTH);
	for (unsigned i = 0; i < t_msg.auth_count && i < USH_SIP_MAX_AUTH; i++)
		cr_expect_eq(t_msg.auth[i].kind, i % 2 ? USH_SIP_AUTH_PROXY : USH_SIP_AUTH_WWW,
			     "auth[%u].kind", i);

	t_load_corpus("valid/sips_lowercase_version.sip");
	EXPECT_OK(ush_sip_parse(t_buf, t_len, &t_msg));
	EXPECT_SPAN(t_msg.version, "sip/2.0");
	EXPECT_SPAN(t_msg.via_top.transport, "tls");
	cr_expect_eq(t_msg.ruri.scheme_id, USH_SIP_SCHEME_SIPS);
}

/* Single faults placed in one field, 8-bit and NUL bytes in particular. */
static enum ush_sip_err
with(const char *start, const char *extra_or_null, const char *replace_from, const char *replace_to)
{
	char *s = t_fmt("%s\r\n" T_MAND("INVITE") "%s\r\n", start,
			extra_or_null ? extra_or_null : "");
	char *p;
	enum ush_sip_err rc;
	size_t n = strlen(s);

	if (replace_from != NULL) {
		p = strstr(s, replace_from);
		cr_assert_not_null(p, "test bug: %s", replace_from);
		/* Same length; a '#' in the replaced text becomes a NUL byte. */
		memcpy(p, replace_to, strlen(replace_to));
		for (char *q = p; q < p + strlen(replace_from); q++)
			if (*q == '#')
				*q = '\0';
	}
	rc = t_parse_n(s, n);
	free(s);
	return rc;
}

Test(torture, high_bytes_and_nul_in_fields)
{
	const char *rl = "INVITE sip:bob@example.com SIP/2.0";

	/* Valid UTF-8 where TEXT-UTF8 or quoted strings are allowed: fine. */
	EXPECT_OK(with(rl, "Subject: caf\xc3\xa9 \xe2\x82\xac\r\n", NULL, NULL));
	EXPECT_OK(with(rl, "Organization: \xf0\x9f\x93\x9e Phones\r\n", NULL, NULL));
	/* 8-bit bytes in fields whose grammar is ASCII. */
	EXPECT_ERR(with(rl, NULL, "3848276298220188511@",
			"38482\xff"
			"6298220188511@"),
		   USH_SIP_EBAD_CALL_ID);
	EXPECT_ERR(with(rl, NULL, "192.0.2.10:5060;", "192.0.\xc2\xb2.1:5060;"), USH_SIP_EBAD_VIA);
	EXPECT_ERR(with(rl, NULL, "CSeq: 1 ", "CSeq: \xb9 "), USH_SIP_EBAD_CSEQ);
	EXPECT_ERR(with("INVITE sip:b\xf6"
			"b@example.com SIP/2.0",
			NULL, NULL, NULL),
		   USH_SIP_EBAD_RURI);
	EXPECT_ERR(with("INVITE sip:bob@example.com SIP/2\xb7"
			"0",
			NULL, NULL, NULL),
		   USH_SIP_EBAD_VERSION);
	EXPECT_ERR(with(rl, "X-\x80\x81: y\r\n", NULL, NULL), USH_SIP_EBAD_HEADER);
	/* NUL: in a header value always BAD_CHAR; '#' marks where the NUL goes. */
	EXPECT_ERR(with(rl, "Subject: a#b\r\n", "a#b", "a#b"), USH_SIP_EBAD_CHAR);
	EXPECT_ERR(with(rl, NULL, "tag=9fxced76sl", "tag=9fx#ed76sl"), USH_SIP_EBAD_CHAR);
	EXPECT_ERR(with(rl, NULL, "CSeq: 1 INVITE", "CSeq: 1 INV#TE"), USH_SIP_EBAD_CHAR);
	/* NUL in a header name or the start line: the name or method check may see it first. */
	EXPECT_ERR2(with(rl, "Sub#ect: x\r\n", "Sub#ect", "Sub#ect"), USH_SIP_EBAD_CHAR,
		    USH_SIP_EBAD_HEADER);
	EXPECT_ERR3(with("INV#TE sip:bob@example.com SIP/2.0", NULL, "INV#TE", "INV#TE"),
		    USH_SIP_EBAD_CHAR, USH_SIP_EBAD_METHOD, USH_SIP_EBAD_START_LINE);
	EXPECT_ERR3(with("INVITE sip:bob@exa#ple.com SIP/2.0", NULL, "exa#ple", "exa#ple"),
		    USH_SIP_EBAD_CHAR, USH_SIP_EBAD_RURI, USH_SIP_EBAD_START_LINE);
	/* A bare CR inside a value. */
	EXPECT_ERR(with(rl, "Subject: a\rb\r\n", NULL, NULL), USH_SIP_EBAD_CHAR);
	/* A bare LF inside a value (a line end without its CR). */
	EXPECT_ERR3(with(rl, "Subject: a\nb\r\n", NULL, NULL), USH_SIP_EBAD_CHAR,
		    USH_SIP_EBAD_HEADER, USH_SIP_EOK);
}

Test(torture, every_byte_value_in_unknown_header_and_body)
{
	/*
	 * Each byte value once inside an unknown header's value and once in the body. NUL and a
	 * bare CR are BAD_CHAR (ush_sip.h); printable ASCII and HT are plain TEXT; other control
	 * bytes and lone 8-bit bytes (not UTF-8) are left to the parser: accepted or BAD_CHAR.
	 * The body is opaque whatever it holds.
	 */
	for (int b = 0; b < 256; b++) {
		char *s = t_fmt("MESSAGE sip:bob@example.com SIP/2.0\r\n" T_MAND(
			"MESSAGE") "X-Byte: <#>\r\nContent-Length: 3\r\n\r\n<#>");
		size_t n = strlen(s);
		char *first = strchr(s, '#'), *last = strrchr(s, '#');
		enum ush_sip_err rc;

		*first = (char)b;
		*last = (char)b;
		rc = t_parse_n(s, n);
		if (b == 0 || b == '\r')
			cr_expect_eq(rc, USH_SIP_EBAD_CHAR, "byte 0x%02x: got %s", b,
				     t_errname(rc));
		else if (b == '\t' || (b >= 0x20 && b < 0x7f))
			cr_expect_eq(rc, USH_SIP_EOK, "byte 0x%02x: got %s", b, t_errname(rc));
		else if (b != '\n')
			cr_expect(rc == USH_SIP_EOK || rc == USH_SIP_EBAD_CHAR,
				  "byte 0x%02x: got %s", b, t_errname(rc));
		if (rc == USH_SIP_EOK) {
			cr_expect_eq(t_msg.body.len, 3, "byte 0x%02x", b);
			cr_expect_eq(t_msg.msg_len, n, "byte 0x%02x", b);
		}
		free(s);
	}

	/* Every byte value in the body alone, Content-Length or not: always accepted. */
	for (int b = 0; b < 256; b++) {
		char body[4] = {'[', (char)b, ']', (char)b};
		char *h = t_fmt("MESSAGE sip:bob@example.com SIP/2.0\r\n" T_MAND("MESSAGE") "\r\n");
		size_t hn = strlen(h);
		char *s = malloc(hn + sizeof(body));

		cr_assert_not_null(s);
		memcpy(s, h, hn);
		memcpy(s + hn, body, sizeof(body));
		EXPECT_OK(t_parse_n(s, hn + sizeof(body)));
		cr_expect_eq(t_msg.body.len, 4, "byte 0x%02x", b);
		free(h);
		free(s);
	}
}
