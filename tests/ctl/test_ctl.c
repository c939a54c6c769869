/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * The control channel library from the outside: header bytes as drawn in usher_ctl.h,
 * frames over a real socket pair (whole, byte by byte, cut short), credential records,
 * and the socket the servers listen on (mode, stale files, a live listener).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ush_ctl.h"

/* The header of a version 1 REQUEST, seq 0x01020304, len 7, written out by hand. */
static const uint8_t hdr_bytes[16] = {
	0x55, 0x53, 0x48, 0x43, /* "USHC" */
	0x01, 0x01, 0x00, 0x00, /* version 1, type REQUEST, flags 0 */
	0x01, 0x02, 0x03, 0x04, /* seq */
	0x00, 0x00, 0x00, 0x07, /* len */
};

Test(ctl, header_matches_the_drawing)
{
	struct ush_ctl_hdr h = {
		.magic = USH_CTL_MAGIC, .version = 1, .type = USH_CTL_REQUEST,
		.seq = 0x01020304, .len = 7,
	};
	uint8_t out[16];

	ush_ctl_hdr_encode(out, &h);
	cr_assert_arr_eq(out, hdr_bytes, 16);
	memset(&h, 0, sizeof(h));
	cr_assert_eq(ush_ctl_hdr_decode(hdr_bytes, &h), 0);
	cr_assert_eq(h.seq, 0x01020304);
	cr_assert_eq(h.len, 7);
	cr_assert_eq(h.type, USH_CTL_REQUEST);
}

Test(ctl, bad_headers_are_refused)
{
	struct ush_ctl_hdr h;
	uint8_t b[16];

	memcpy(b, hdr_bytes, 16);
	b[0] = 'X';
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EPROTO, "magic");
	memcpy(b, hdr_bytes, 16);
	b[4] = 2;
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EPROTO, "version 2");
	memcpy(b, hdr_bytes, 16);
	b[5] = 0;
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EPROTO, "type 0");
	b[5] = 6;
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EPROTO, "type 6");
	for (uint8_t t = USH_CTL_REQUEST; t <= USH_CTL_VERDICT; t++) {
		b[5] = t;
		cr_assert_eq(ush_ctl_hdr_decode(b, &h), 0, "type %u", t);
		cr_assert_eq(h.type, t);
	}
	memcpy(b, hdr_bytes, 16);
	b[7] = 1;
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EPROTO, "flags");
	memcpy(b, hdr_bytes, 16);
	b[12] = 0x00, b[13] = 0x10, b[14] = 0x00, b[15] = 0x01; /* 1 MiB + 1 */
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), -EMSGSIZE);
	b[15] = 0x00; /* exactly 1 MiB */
	cr_assert_eq(ush_ctl_hdr_decode(b, &h), 0);
}

static void
pair(int sv[2])
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
}

Test(ctl, frame_arrives_whole_after_byte_by_byte_writes)
{
	struct ush_ctl_rx rx = {0};
	uint8_t frame[16 + 7];
	int sv[2], got = 0;

	pair(sv);
	memcpy(frame, hdr_bytes, 16);
	memcpy(frame + 16, "{\"a\":1}", 7);
	for (size_t i = 0; i < sizeof(frame); i++) {
		cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), 0, "frame reported after %zu bytes", i);
		cr_assert_eq(write(sv[0], frame + i, 1), 1);
	}
	got = ush_ctl_rx_feed(&rx, sv[1]);
	cr_assert_eq(got, 1);
	cr_assert_eq(rx.hdr.len, 7);
	cr_assert_str_eq((char *)rx.payload, "{\"a\":1}", "payload is NUL-terminated in place");
	cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), 0, "nothing more");
	ush_ctl_rx_free(&rx);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, two_frames_in_one_write_and_an_empty_payload)
{
	struct ush_ctl_rx rx = {0};
	int sv[2];

	pair(sv);
	cr_assert_eq(ush_ctl_send(sv[0], USH_CTL_CREDS, 9, NULL, 0), 0);
	cr_assert_eq(ush_ctl_send(sv[0], USH_CTL_REPLY, 10, "{}", 2), 0);
	cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), 1);
	cr_assert_eq(rx.hdr.seq, 9);
	cr_assert_eq(rx.hdr.len, 0);
	cr_assert_eq(rx.hdr.type, USH_CTL_CREDS);
	cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), 1);
	cr_assert_eq(rx.hdr.seq, 10);
	cr_assert_eq(rx.hdr.type, USH_CTL_REPLY);
	ush_ctl_rx_free(&rx);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, stream_cut_mid_frame_is_end_of_stream)
{
	struct ush_ctl_rx rx = {0};
	int sv[2];

	pair(sv);
	cr_assert_eq(write(sv[0], hdr_bytes, 16), 16);
	cr_assert_eq(write(sv[0], "{\"a\"", 4), 4);
	close(sv[0]);
	cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), -EPIPE);
	ush_ctl_rx_free(&rx);
	close(sv[1]);
}

Test(ctl, garbage_header_is_a_protocol_error)
{
	struct ush_ctl_rx rx = {0};
	int sv[2];

	pair(sv);
	cr_assert_eq(write(sv[0], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	cr_assert_eq(ush_ctl_rx_feed(&rx, sv[1]), -EPROTO);
	ush_ctl_rx_free(&rx);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, parse_wants_one_json_object)
{
	char err[128];
	json_t *o;

	o = ush_ctl_parse((const uint8_t *)"{\"cmd\":\"stats\"}", 15, err, sizeof(err));
	cr_assert_not_null(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "cmd")), "stats");
	json_decref(o);
	cr_assert_null(ush_ctl_parse((const uint8_t *)"[1,2]", 5, err, sizeof(err)));
	cr_assert_str_eq(err, "not a JSON object");
	cr_assert_null(ush_ctl_parse((const uint8_t *)"{\"a\":1,\"a\":2}", 13, err, sizeof(err)),
		       "duplicate keys are refused");
	cr_assert_null(ush_ctl_parse((const uint8_t *)"{\"a\":", 5, err, sizeof(err)));
	cr_assert(strncmp(err, "not JSON", 8) == 0, "%s", err);
}

Test(ctl, error_reply_carries_code_and_text)
{
	json_t *r = ush_ctl_reply_err(USH_CTL_EINVAL, "auth.nonce_lifetime: %s", "not a number");

	cr_assert(json_is_false(json_object_get(r, "ok")));
	cr_assert_eq(json_integer_value(json_object_get(r, "code")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(r, "error")),
			 "auth.nonce_lifetime: not a number");
	json_decref(r);
}

/* A server thread answering one request, to exercise ush_ctl_call(). */
static void *
echo_server(void *arg)
{
	int fd = *(int *)arg;
	struct ush_ctl_rx rx = {0};
	char err[64];

	if (ush_ctl_recv(&rx, fd) == 0) {
		json_t *req = ush_ctl_parse(rx.payload, rx.hdr.len, err, sizeof(err));
		json_t *rep = ush_ctl_reply_ok();

		json_object_set(rep, "echo", json_object_get(req, "cmd"));
		ush_ctl_send_json(fd, USH_CTL_REPLY, rx.hdr.seq, rep);
		json_decref(rep);
		json_decref(req);
	}
	ush_ctl_rx_free(&rx);
	return NULL;
}

Test(ctl, call_returns_the_reply_with_the_same_seq)
{
	pthread_t th;
	char err[128];
	int sv[2];
	json_t *req = json_pack("{s:s}", "cmd", "status"), *rep;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pthread_create(&th, NULL, echo_server, &sv[1]);
	rep = ush_ctl_call(sv[0], req, err, sizeof(err));
	pthread_join(th, NULL);
	cr_assert_not_null(rep, "%s", err);
	cr_assert(json_is_true(json_object_get(rep, "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(rep, "echo")), "status");
	json_decref(rep);
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, call_reports_a_closed_peer)
{
	char err[128];
	int sv[2];
	json_t *req = json_pack("{s:s}", "cmd", "status");

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	shutdown(sv[1], SHUT_WR);
	cr_assert_null(ush_ctl_call(sv[0], req, err, sizeof(err)));
	cr_assert_str_eq(err, "connection closed by the peer");
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, cred_records_round_trip)
{
	static const uint8_t md5[16] = {0x93, 0x9e, 0x75, 0x78, 0xed, 0x9e, 0x3c, 0x51,
					0x8a, 0x45, 0x2a, 0xce, 0xe7, 0x63, 0xbc, 0xe9};
	uint8_t buf[256];
	size_t off = 0;
	struct ush_ctl_cred in = {
		.op = USH_CTL_CRED_SET, .hash = USH_HASH_MD5, .user_len = 6, .realm_len = 17,
		.ha1_len = 16, .user = "Mufasa", .realm = "testrealm@host.com", .ha1 = md5,
	};
	struct ush_ctl_cred del = {
		.op = USH_CTL_CRED_DEL, .user_len = 3, .realm_len = 1, .user = "bob", .realm = "r",
	}, out;

	in.realm_len = (uint8_t)strlen(in.realm);
	cr_assert_eq(ush_ctl_cred_put(buf, sizeof(buf), &off, &in), 0);
	cr_assert_eq(off, 5 + 6 + 18 + 16);
	cr_assert_eq(ush_ctl_cred_put(buf, sizeof(buf), &off, &del), 0);
	cr_assert_eq(buf[0], 1);
	cr_assert_eq(buf[4], 16);

	size_t len = off;

	off = 0;
	cr_assert_eq(ush_ctl_cred_next(buf, len, &off, &out), 1);
	cr_assert_eq(out.op, USH_CTL_CRED_SET);
	cr_assert(memcmp(out.user, "Mufasa", 6) == 0 && out.user_len == 6);
	cr_assert(memcmp(out.realm, "testrealm@host.com", 18) == 0);
	cr_assert_arr_eq(out.ha1, md5, 16);
	cr_assert_eq(ush_ctl_cred_next(buf, len, &off, &out), 1);
	cr_assert_eq(out.op, USH_CTL_CRED_DEL);
	cr_assert_null(out.ha1);
	cr_assert_eq(ush_ctl_cred_next(buf, len, &off, &out), 0);

	/* every cut short of the whole buffer ends in a truncated record */
	for (size_t cut = 1; cut < len; cut++) {
		int rc;

		if (cut == 5 + 6 + 18 + 16)
			continue; /* a record boundary */
		off = 0;
		while ((rc = ush_ctl_cred_next(buf, cut, &off, &out)) == 1)
			;
		cr_assert_eq(rc, -EPROTO, "cut at %zu", cut);
	}
}

Test(ctl, invalid_records_are_refused_both_ways)
{
	uint8_t buf[64], ha1[32] = {0};
	size_t off = 0;
	struct ush_ctl_cred c = {
		.op = USH_CTL_CRED_SET, .hash = USH_HASH_SHA256, .user_len = 1, .realm_len = 1,
		.ha1_len = 16, .user = "a", .realm = "r", .ha1 = ha1,
	}, out;

	cr_assert_eq(ush_ctl_cred_put(buf, sizeof(buf), &off, &c), -EINVAL, "SHA-256 is 32 B");
	c.ha1_len = 32;
	c.user_len = 0;
	cr_assert_eq(ush_ctl_cred_put(buf, sizeof(buf), &off, &c), -EINVAL, "empty user");
	c.user_len = 1;
	c.op = 3;
	cr_assert_eq(ush_ctl_cred_put(buf, sizeof(buf), &off, &c), -EINVAL, "op 3");
	c.op = USH_CTL_CRED_SET;
	cr_assert_eq(ush_ctl_cred_put(buf, 20, &off, &c), -ENOSPC);
	cr_assert_eq(off, 0);

	const uint8_t bad_hash[] = {1, 7, 1, 1, 16, 'a', 'r'};
	const uint8_t del_with_ha1[] = {2, 0, 1, 1, 16, 'a', 'r'};
	const uint8_t long_user[] = {1, 0, 200, 1, 16};

	off = 0;
	cr_assert_eq(ush_ctl_cred_next(bad_hash, sizeof(bad_hash), &off, &out), -EPROTO);
	off = 0;
	cr_assert_eq(ush_ctl_cred_next(del_with_ha1, sizeof(del_with_ha1), &off, &out), -EPROTO);
	off = 0;
	cr_assert_eq(ush_ctl_cred_next(long_user, sizeof(long_user), &off, &out), -EPROTO);
}

Test(ctl, hex_both_ways)
{
	uint8_t b[3];
	char s[7];

	cr_assert_eq(ush_ctl_unhex(b, 3, "00aBff", 6), 0);
	cr_assert(b[0] == 0 && b[1] == 0xab && b[2] == 0xff);
	ush_ctl_hex(s, b, 3);
	cr_assert_str_eq(s, "00abff");
	cr_assert_eq(ush_ctl_unhex(b, 3, "00aBf", 5), -EINVAL);
	cr_assert_eq(ush_ctl_unhex(b, 3, "00aBfg", 6), -EINVAL);
}

Test(ctl, listen_makes_a_0660_socket_and_replaces_only_stale_ones)
{
	char dir[] = "/tmp/ush-ctl-XXXXXX", path[64], err[160];
	struct stat st;
	int fd, fd2, c;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	fd = ush_ctl_listen(path, "0", err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0660);
	cr_assert_eq(st.st_gid, 0);
	c = ush_ctl_connect(path, 1000);
	cr_assert_geq(c, 0);
	close(c);

	fd2 = ush_ctl_listen(path, NULL, err, sizeof(err));
	cr_assert_eq(fd2, -EADDRINUSE, "a live listener is not replaced");
	cr_assert(strstr(err, "another process is listening") != NULL, "%s", err);

	close(fd); /* the file stays: stale now */
	fd2 = ush_ctl_listen(path, NULL, err, sizeof(err));
	cr_assert_geq(fd2, 0, "a stale socket file is replaced: %s", err);
	close(fd2);

	cr_assert_eq(ush_ctl_listen(path, "no-such-group-ush", err, sizeof(err)), -ENOENT);
	cr_assert_eq(ush_ctl_connect("/tmp/ush-ctl-none/x.sock", 100), -ENOENT);
	unlink(path);
	rmdir(dir);
}

/* A node that sends two PUNT frames before the reply, as usher does while usherd waits. */
static void *
punting_server(void *arg)
{
	int fd = *(int *)arg;
	struct ush_ctl_rx rx = {0};
	uint8_t rec[64];
	size_t off = 0;
	struct ush_ctl_punt p = {.id = 7, .identity = "a.b.c;info=<x>", .identity_len = 14,
				 .from = "<sip:1@h>", .from_len = 9, .to = "<sip:2@h>",
				 .to_len = 9};
	json_t *rep;

	if (ush_ctl_recv(&rx, fd) < 0)
		return NULL;
	ush_ctl_punt_put(rec, sizeof(rec), &off, &p);
	ush_ctl_send(fd, USH_CTL_PUNT, 0, rec, (uint32_t)off);
	ush_ctl_send(fd, USH_CTL_PUNT, 0, rec, (uint32_t)off);
	rep = ush_ctl_reply_ok();
	ush_ctl_send_json(fd, USH_CTL_REPLY, rx.hdr.seq, rep);
	json_decref(rep);
	ush_ctl_rx_free(&rx);
	return NULL;
}

static int
count_punts(void *arg, const struct ush_ctl_hdr *h, const uint8_t *payload)
{
	struct ush_ctl_punt p;
	size_t off = 0;

	cr_assert_eq(h->type, USH_CTL_PUNT);
	while (ush_ctl_punt_next(payload, h->len, &off, &p) == 1) {
		cr_assert_eq(p.id, 7);
		cr_assert_null(p.pai);
		(*(int *)arg)++;
	}
	return 0;
}

Test(ctl, call_ex_hands_over_punts_that_arrive_before_the_reply)
{
	pthread_t th;
	char err[128];
	int sv[2], punts = 0;
	json_t *req = json_pack("{s:s}", "cmd", "status"), *rep;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pthread_create(&th, NULL, punting_server, &sv[1]);
	rep = ush_ctl_call_ex(sv[0], req, count_punts, &punts, err, sizeof(err));
	pthread_join(th, NULL);
	cr_assert_not_null(rep, "%s", err);
	cr_assert(json_is_true(json_object_get(rep, "ok")));
	cr_assert_eq(punts, 2);
	json_decref(rep);
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, plain_call_refuses_a_punt_before_the_reply)
{
	pthread_t th;
	char err[128];
	int sv[2];
	json_t *req = json_pack("{s:s}", "cmd", "status");

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pthread_create(&th, NULL, punting_server, &sv[1]);
	cr_assert_null(ush_ctl_call(sv[0], req, err, sizeof(err)));
	pthread_join(th, NULL);
	cr_assert(strstr(err, "protocol error") != NULL, "%s", err);
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

Test(ctl, punt_records_round_trip_as_drawn)
{
	uint8_t buf[256];
	size_t off = 0, rd = 0;
	struct ush_ctl_punt p = {.id = 0x0102030405060708ull, .identity = "hdr.pay.sig;info=<u>",
				 .identity_len = 20, .from = "<sip:+1@a>", .from_len = 10,
				 .pai = "<tel:+2>", .pai_len = 8, .to = "<sip:3@b>", .to_len = 9};
	struct ush_ctl_punt q;
	static const uint8_t head[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 20, 0, 10, 0, 8, 0, 9};

	cr_assert_eq(ush_ctl_punt_put(buf, sizeof(buf), &off, &p), 0);
	cr_assert_eq(off, 16 + 20 + 10 + 8 + 9);
	cr_assert_arr_eq(buf, head, 16);
	cr_assert_arr_eq(buf + 16, "hdr.pay.sig;info=<u><sip:+1@a><tel:+2><sip:3@b>", 47);
	cr_assert_eq(ush_ctl_punt_next(buf, off, &rd, &q), 1);
	cr_assert_eq(q.id, p.id);
	cr_assert_eq(q.pai_len, 8);
	cr_assert_arr_eq(q.pai, "<tel:+2>", 8);
	cr_assert_arr_eq(q.to, "<sip:3@b>", 9);
	cr_assert_eq(ush_ctl_punt_next(buf, off, &rd, &q), 0);
	/* truncated by one byte, a zero From length, and a record that does not fit */
	rd = 0;
	cr_assert_eq(ush_ctl_punt_next(buf, off - 1, &rd, &q), -EPROTO);
	buf[10] = buf[11] = 0;
	rd = 0;
	cr_assert_eq(ush_ctl_punt_next(buf, off, &rd, &q), -EPROTO);
	off = 0;
	cr_assert_eq(ush_ctl_punt_put(buf, 40, &off, &p), -ENOSPC);
	p.identity_len = USH_CTL_PUNT_IDENTITY_MAX + 1;
	cr_assert_eq(ush_ctl_punt_put(buf, sizeof(buf), &off, &p), -EINVAL);
}

Test(ctl, verdict_records_round_trip_and_refuse_bad_fields)
{
	uint8_t buf[128];
	size_t off = 0, rd = 0;
	struct ush_ctl_verdict v = {.id = 42, .verdict = USH_CTL_IDV_PASSED, .attest = 'A'};
	struct ush_ctl_verdict w = {.id = 43, .verdict = USH_CTL_IDV_INVALID, .reason = "sig_invalid",
				    .reason_len = 11};
	struct ush_ctl_verdict q;

	cr_assert_eq(ush_ctl_verdict_put(buf, sizeof(buf), &off, &v), 0);
	cr_assert_eq(ush_ctl_verdict_put(buf, sizeof(buf), &off, &w), 0);
	cr_assert_eq(off, 12 + 12 + 11);
	cr_assert_eq(buf[8], USH_CTL_IDV_PASSED);
	cr_assert_eq(buf[9], 'A');
	cr_assert_eq(ush_ctl_verdict_next(buf, off, &rd, &q), 1);
	cr_assert_eq(q.id, 42);
	cr_assert_eq(q.attest, 'A');
	cr_assert_eq(ush_ctl_verdict_next(buf, off, &rd, &q), 1);
	cr_assert_eq(q.verdict, USH_CTL_IDV_INVALID);
	cr_assert_arr_eq(q.reason, "sig_invalid", 11);
	cr_assert_eq(ush_ctl_verdict_next(buf, off, &rd, &q), 0);
	/* attest on a failure, an unknown verdict, a reason with a quote: refused both ways */
	w.attest = 'A';
	cr_assert_eq(ush_ctl_verdict_put(buf, sizeof(buf), &off, &w), -EINVAL);
	w.attest = 0;
	w.verdict = USH_CTL_IDV_COUNT;
	cr_assert_eq(ush_ctl_verdict_put(buf, sizeof(buf), &off, &w), -EINVAL);
	w.verdict = USH_CTL_IDV_STALE;
	w.reason = "a\"b";
	w.reason_len = 3;
	cr_assert_eq(ush_ctl_verdict_put(buf, sizeof(buf), &off, &w), -EINVAL);
	buf[12 + 8] = USH_CTL_IDV_COUNT;
	rd = 12;
	cr_assert_eq(ush_ctl_verdict_next(buf, 35, &rd, &q), -EPROTO);
}
