/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Body location and Content-Length against the datagram (RFC 3261 §18.3, §20.14). */

#include <stdlib.h>

#include "sip_test.h"

#define HDRS                                                                                       \
	"MESSAGE sip:bob@example.com SIP/2.0\r\n" T_MAND("MESSAGE") "Content-Type: text/plain\r\n"

Test(body, exact_length)
{
	EXPECT_OK(t_parse(HDRS "Content-Length: 11\r\n\r\nhello world"));
	cr_expect_eq(t_msg.content_length, 11);
	EXPECT_SPAN_AFTER(t_msg.body, "\r\n\r\n", "hello world");
	cr_expect_eq(t_msg.msg_len, t_len);
	EXPECT_SPAN(t_msg.content_type, "text/plain");
}

Test(body, zero_length)
{
	EXPECT_OK(t_parse(HDRS "Content-Length: 0\r\n\r\n"));
	cr_expect_eq(t_msg.content_length, 0);
	cr_expect_eq(t_msg.body.len, 0);
	cr_expect_eq(t_msg.msg_len, t_len);
}

Test(body, shorter_body_is_truncated)
{
	/* RFC 4475 §3.1.2.6 (clerr)-like: Content-Length larger than what arrived. */
	EXPECT_ERR(t_parse(HDRS "Content-Length: 12\r\n\r\nhello world"), USH_SIP_EBODY_TRUNCATED);
	EXPECT_ERR(t_parse(HDRS "Content-Length: 5000\r\n\r\n"), USH_SIP_EBODY_TRUNCATED);
	EXPECT_ERR(t_parse(HDRS "l: 1\r\n\r\n"), USH_SIP_EBODY_TRUNCATED);
}

Test(body, extra_bytes_ignored)
{
	/* RFC 3261 §18.3: bytes past Content-Length in a datagram are discarded. */
	EXPECT_OK(t_parse(HDRS "Content-Length: 5\r\n\r\nhello, and some trailing junk\r\n"));
	cr_expect_eq(t_msg.content_length, 5);
	EXPECT_SPAN_AFTER(t_msg.body, "\r\n\r\n", "hello");
	cr_expect_eq(t_msg.msg_len, t_find("\r\n\r\n") + 4 + 5);
	cr_expect(t_msg.msg_len < t_len);

	/* Content-Length 0 with a following second message glued on. */
	EXPECT_OK(t_parse(HDRS "Content-Length: 0\r\n\r\nOPTIONS sip:x SIP/2.0\r\n\r\n"));
	cr_expect_eq(t_msg.msg_len, t_find("\r\n\r\n") + 4);
	cr_expect_eq(t_msg.body.len, 0);
}

Test(body, missing_content_length_takes_rest)
{
	/* Over UDP Content-Length is optional: the body is the rest of the datagram. */
	static const char msg[] = HDRS "\r\nthe whole\r\nrest\x00\xff is body";

	EXPECT_OK(t_parse_n(msg, sizeof(msg) - 1));
	cr_expect_eq(t_msg.content_length, -1);
	cr_expect_eq(t_msg.msg_len, t_len);
	cr_expect_eq(t_msg.body.off, t_find("\r\n\r\n") + 4);
	cr_expect_eq(t_msg.body.len, t_len - (t_find("\r\n\r\n") + 4));

	EXPECT_OK(t_parse(HDRS "\r\n"));
	cr_expect_eq(t_msg.body.len, 0);
	cr_expect_eq(t_msg.msg_len, t_len);
}

Test(body, binary_body_any_bytes)
{
	static const char msg[] = HDRS "Content-Length: 8\r\n\r\n\x00\r\n\x80\xff\r\x00\n";

	EXPECT_OK(t_parse_n(msg, sizeof(msg) - 1));
	cr_expect_eq(t_msg.body.len, 8);
	cr_expect_eq(t_msg.msg_len, sizeof(msg) - 1);
	cr_expect(memcmp(t_buf + t_msg.body.off, "\x00\r\n\x80\xff\r\x00\n", 8) == 0);
}

Test(body, body_contains_blank_lines)
{
	/* Only the first empty line ends the headers. */
	EXPECT_OK(t_parse(HDRS "Content-Length: 8\r\n\r\n\r\n\r\nab\r\n"));
	cr_expect_eq(t_msg.body.off, t_find("\r\n\r\n") + 4);
	cr_expect_eq(t_msg.body.len, 8);
	cr_expect_eq(t_msg.hdr_count, 7);
}

Test(body, content_length_values)
{
	EXPECT_OK(t_parse(HDRS "Content-Length:   0004  \r\n\r\nabcd"));
	cr_expect_eq(t_msg.content_length, 4);
	EXPECT_OK(t_parse(HDRS "CONTENT-LENGTH:\r\n 4\r\n\r\nabcd"));
	cr_expect_eq(t_msg.content_length, 4);

	static const char *const bad[] = {
		"-1", /* RFC 4475 §3.1.2.5 (ncl)-like */
		"-0", /* a sign is never allowed */
		"+4", "4a", "four", "", "4 4", "0x4",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = t_fmt(HDRS "Content-Length: %s\r\n\r\nabcd", bad[i]);
		enum ush_sip_err rc = t_parse(s);

		cr_expect_eq(rc, USH_SIP_EBAD_CONTENT_LENGTH, "Content-Length \"%s\": got %s",
			     bad[i], t_errname(rc));
		free(s);
	}

	/*
	 * RFC 4475 §3.1.2.4 (scalar02)-like overflow. Syntactically these are numbers, so
	 * "body truncated" is as right as "bad number"; what matters is that a value which
	 * wraps to 4 in 32 bits (4294967300) is never taken as 4.
	 */
	static const char *const huge[] = {"99999999999999999999", "4294967300", "2147483652"};
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		char *s = t_fmt(HDRS "Content-Length: %s\r\n\r\nabcd", huge[i]);

		EXPECT_ERR2(t_parse(s), USH_SIP_EBAD_CONTENT_LENGTH, USH_SIP_EBODY_TRUNCATED);
		free(s);
	}
	EXPECT_ERR(t_parse(HDRS "Content-Length: 70000\r\n\r\nabcd"), USH_SIP_EBODY_TRUNCATED);
}

Test(body, no_end_of_headers)
{
	EXPECT_ERR(t_parse(HDRS "Content-Length: 0\r\n"), USH_SIP_ENO_END_OF_HEADERS);
	EXPECT_ERR(t_parse(HDRS "Content-Length: 0"), USH_SIP_ENO_END_OF_HEADERS);
	EXPECT_ERR(t_parse("OPTIONS sip:example.com SIP/2.0\r\n"), USH_SIP_ENO_END_OF_HEADERS);
	EXPECT_ERR(t_parse("OPTIONS sip:example.com SIP/2.0"), USH_SIP_ENO_END_OF_HEADERS);
}

Test(body, sdp_invite)
{
	static const char sdp[] = "v=0\r\n"
				  "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
				  "s=-\r\n"
				  "c=IN IP4 192.0.2.10\r\n"
				  "t=0 0\r\n"
				  "m=audio 49170 RTP/AVP 0 8 101\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\n";
	char *s = t_fmt(
		"INVITE sip:bob@example.com SIP/2.0\r\n" T_MAND(
			"INVITE") "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		strlen(sdp), sdp);

	EXPECT_OK(t_parse(s));
	EXPECT_SPAN(t_msg.body, sdp);
	cr_expect_eq(t_msg.content_length, (int32_t)strlen(sdp));
	cr_expect_eq(t_msg.msg_len, strlen(s));
	free(s);
}
