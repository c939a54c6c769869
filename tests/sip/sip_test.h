/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */
/* Shared helpers of the SIP parser unit tests: parse into an exact-size heap copy, compare spans.
 */

#ifndef USH_SIP_TEST_H
#define USH_SIP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ush_sip.h"

/*
 * The message under test. t_parse() copies the text into a heap block of exactly its length
 * (no terminating NUL), so an over-read shows up under ASan and nothing can lean on a NUL.
 */
extern char *t_buf;
extern size_t t_len;
extern struct ush_sip_msg t_msg;

enum ush_sip_err t_parse_n(const void *s, size_t n);
enum ush_sip_err t_parse(const char *s);
/* Make @p s the current buffer without parsing it (for ush_sip_cred_parse / uri_parse). */
void t_set(const char *s);
void t_set_n(const void *s, size_t n);
/* Span of the first occurrence of @p needle in the current buffer (after @p from). */
struct ush_sip_span t_span_of(const char *needle);
size_t t_find(const char *needle);
size_t t_find_from(size_t from, const char *needle);

/* Upper-case enum name ("BAD_VERSION") from the header's x-macro, independent of the parser. */
const char *t_errname(int err);
/* Printable rendering of bytes (\r \n \xNN), in one of a few rotating static buffers. */
const char *t_esc(const char *p, size_t n);
const char *t_esc_span(struct ush_sip_span s);

bool t_span_in(struct ush_sip_span s, size_t len);
bool t_span_eq(struct ush_sip_span s, const char *str);
/* Every span of t_msg lies inside the buffer; cred spans as well. */
bool t_msg_spans_ok(const struct ush_sip_msg *m, size_t len, char *why, size_t whycap);
bool t_cred_spans_ok(const struct ush_sip_cred *c, size_t len);

/* Read a whole file; returns a malloc'd buffer (caller frees) or NULL. */
char *t_read_file(const char *path, size_t *len);
/* Load CORPUS_DIR/<rel> and make it the current buffer; aborts the test when absent. */
void t_load_corpus(const char *rel);

/* Build a message from a printf format into a malloc'd string (caller frees). */
char *t_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define EXPECT_ERR(got, want)                                                                      \
	do {                                                                                       \
		int g__ = (int)(got);                                                              \
		int w__ = (int)(want);                                                             \
		cr_expect_eq(g__, w__, "%s: got %s, expected %s", #got, t_errname(g__),            \
			     t_errname(w__));                                                      \
	} while (0)

#define EXPECT_OK(got) EXPECT_ERR(got, USH_SIP_EOK)

/* Expected result is one of two codes: the header leaves which check fires first open. */
#define EXPECT_ERR2(got, w1, w2)                                                                   \
	do {                                                                                       \
		int g__ = (int)(got);                                                              \
		cr_expect(g__ == (int)(w1) || g__ == (int)(w2), "%s: got %s, expected %s or %s",   \
			  #got, t_errname(g__), t_errname(w1), t_errname(w2));                     \
	} while (0)

#define EXPECT_ERR3(got, w1, w2, w3)                                                               \
	do {                                                                                       \
		int g__ = (int)(got);                                                              \
		cr_expect(g__ == (int)(w1) || g__ == (int)(w2) || g__ == (int)(w3),                \
			  "%s: got %s, expected %s, %s or %s", #got, t_errname(g__),               \
			  t_errname(w1), t_errname(w2), t_errname(w3));                            \
	} while (0)

/* The span holds exactly @p str (present, right length, right bytes). */
#define EXPECT_SPAN(sp, str)                                                                       \
	do {                                                                                       \
		struct ush_sip_span s__ = (sp);                                                    \
		const char *e__ = (str);                                                           \
		cr_expect(t_span_eq(s__, e__), "%s: got %s%s (off %u len %u), expected \"%s\"",    \
			  #sp, ush_sip_span_present(s__) ? "" : "(absent) ", t_esc_span(s__),      \
			  (unsigned)s__.off, (unsigned)s__.len, t_esc(e__, strlen(e__)));          \
	} while (0)

/* As EXPECT_SPAN, and the span starts right after the first occurrence of @p before. */
#define EXPECT_SPAN_AFTER(sp, before, str)                                                         \
	do {                                                                                       \
		struct ush_sip_span s2__ = (sp);                                                   \
		size_t at__ = t_find(before);                                                      \
		EXPECT_SPAN(s2__, str);                                                            \
		cr_expect(at__ != SIZE_MAX && s2__.off == at__ + strlen(before),                   \
			  "%s: off %u, expected %zu (right after \"%s\")", #sp,                    \
			  (unsigned)s2__.off, at__ + strlen(before),                               \
			  t_esc(before, strlen(before)));                                          \
	} while (0)

/* The span starts at byte @p o and holds @p str. */
#define EXPECT_SPAN_AT(sp, o, str)                                                                 \
	do {                                                                                       \
		struct ush_sip_span s3__ = (sp);                                                   \
		EXPECT_SPAN(s3__, str);                                                            \
		cr_expect_eq((size_t)s3__.off, (size_t)(o), "%s: off %u, expected %zu", #sp,       \
			     (unsigned)s3__.off, (size_t)(o));                                     \
	} while (0)

#define EXPECT_ABSENT(sp)                                                                          \
	do {                                                                                       \
		struct ush_sip_span s4__ = (sp);                                                   \
		cr_expect(!ush_sip_span_present(s4__), "%s: expected absent, got %s (off %u)",     \
			  #sp, t_esc_span(s4__), (unsigned)s4__.off);                              \
	} while (0)

/* Present but empty: off != 0, len == 0. */
#define EXPECT_EMPTY(sp)                                                                           \
	do {                                                                                       \
		struct ush_sip_span s5__ = (sp);                                                   \
		cr_expect(s5__.off != 0 && s5__.len == 0,                                          \
			  "%s: expected present and empty, got off %u len %u", #sp,                \
			  (unsigned)s5__.off, (unsigned)s5__.len);                                 \
	} while (0)

/* Minimal mandatory headers of a request whose method is M (CSeq matches). */
#define T_MAND(M)                                                                                  \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9\r\n"                                 \
	"From: <sip:alice@example.com>;tag=9fxced76sl\r\n"                                         \
	"To: <sip:bob@example.com>\r\n"                                                            \
	"Call-ID: 3848276298220188511@192.0.2.10\r\n"                                              \
	"CSeq: 1 " M "\r\n"

#endif /* USH_SIP_TEST_H */
