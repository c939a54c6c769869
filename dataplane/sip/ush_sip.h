/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Zero-copy SIP message and digest-credentials parser (EAL-free).
 *
 * The parser reads one UDP payload and fills a struct of views into it: every field is a
 * `struct ush_sip_span` (offset and length into the caller's buffer), never a copy. It reads
 * only what Usher needs to challenge, verify and forward a request; every other header is
 * skipped in the same single pass, so the cost is linear in the message size whatever its
 * content.
 *
 * Thread safety: all functions are reentrant; they touch only their arguments. No function
 * allocates memory.
 *
 * A span is "absent" when both its offset and its length are zero (offset 0 is the first byte
 * of the start line, which no optional field can start at). A present but empty value (e.g.
 * `Subject:` with nothing after it, or `tag=""`) has a non-zero offset and length 0.
 *
 *   buf:  I N V I T E   s i p : b o b @ h . e x   S I P / 2 . 0 \r \n ...
 *         ^off=0 len=6 (method)
 *                       ^off=7 len=12 (ruri.raw)
 */

#ifndef USH_SIP_H
#define USH_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_algo.h"

/* Limits. Each may be overridden at build time (-DUSH_SIP_MAX_HEADERS=...). */
#ifndef USH_SIP_MAX_MSG
/** Longest message accepted, in bytes (a reassembled UDP datagram never exceeds 65535). */
#define USH_SIP_MAX_MSG 65535
#endif
#ifndef USH_SIP_MAX_HEADERS
/** Most header fields (physical header lines, folded lines counting once) in one message. */
#define USH_SIP_MAX_HEADERS 128
#endif
#ifndef USH_SIP_MAX_LINE
/** Longest start line or header field (after unfolding counts its continuation lines). */
#define USH_SIP_MAX_LINE 8192
#endif
#ifndef USH_SIP_MAX_VIA
/** Most Via values kept (comma-separated values count one each). Beyond: error. */
#define USH_SIP_MAX_VIA 16
#endif
#ifndef USH_SIP_MAX_AUTH
/** Most Authorization plus Proxy-Authorization header fields kept. Beyond: error. */
#define USH_SIP_MAX_AUTH 8
#endif
#ifndef USH_SIP_MAX_PARAMS
/** Most parameters in one credentials header (known and unknown together). */
#define USH_SIP_MAX_PARAMS 32
#endif

/** A zero-copy view: `len` bytes at `buf + off`. Absent when off == 0 and len == 0. */
struct ush_sip_span {
	uint16_t off;
	uint16_t len;
};

/** True when the span refers to something that was in the message (even an empty value). */
static inline bool
ush_sip_span_present(struct ush_sip_span s)
{
	return (s.off | s.len) != 0;
}

/** Pointer to the first byte of a span inside the buffer it was parsed from. */
static inline const char *
ush_sip_span_ptr(const char *buf, struct ush_sip_span s)
{
	return buf + s.off;
}

/**
 * Every way a message or a credentials header can be rejected.
 * X(name, reason): name becomes USH_SIP_E<name>; reason is the one-line human text returned by
 * ush_sip_strerror(). The list feeds counters, telemetry names and docs/parser.md.
 */
#define USH_SIP_ERRORS(X) \
	X(OK, "parsed") \
	X(EMPTY, "empty message") \
	X(TOO_BIG, "message longer than the size limit") \
	X(LINE_TOO_LONG, "start line or header longer than the line limit") \
	X(TOO_MANY_HEADERS, "more header fields than the header limit") \
	X(NO_END_OF_HEADERS, "no empty line ends the header section") \
	X(BAD_START_LINE, "start line is neither a request line nor a status line") \
	X(BAD_METHOD, "method is not a valid token") \
	X(BAD_RURI, "Request-URI is malformed") \
	X(BAD_VERSION, "SIP version is not SIP/2.0") \
	X(BAD_STATUS, "status code is not three digits 100-699") \
	X(BAD_HEADER, "header line has no colon or an invalid name") \
	X(BAD_CHAR, "control character (NUL, bare CR) inside the header section") \
	X(BAD_VIA, "Via header is malformed") \
	X(TOO_MANY_VIA, "more Via values than the Via limit") \
	X(BAD_FROM, "From header is malformed") \
	X(BAD_TO, "To header is malformed") \
	X(BAD_CALL_ID, "Call-ID header is empty or malformed") \
	X(BAD_CSEQ, "CSeq is not a number below 2^31 and a method") \
	X(CSEQ_MISMATCH, "CSeq method differs from the request method") \
	X(BAD_MAX_FORWARDS, "Max-Forwards is not a number 0-255") \
	X(BAD_CONTENT_LENGTH, "Content-Length is not a non-negative number") \
	X(BAD_EXPIRES, "Expires is not a number") \
	X(DUP_HEADER, "a single-valued header appears twice") \
	X(MISSING_HEADER, "a mandatory header (Via, From, To, Call-ID, CSeq) is missing") \
	X(BODY_TRUNCATED, "body shorter than Content-Length") \
	X(TOO_MANY_AUTH, "more Authorization headers than the limit") \
	X(CRED_SCHEME, "credentials scheme is not Digest") \
	X(CRED_SYNTAX, "credentials are not a list of name=value parameters") \
	X(CRED_QUOTE, "quoted-string in credentials is not terminated") \
	X(CRED_DUP_PARAM, "a credentials parameter appears twice") \
	X(CRED_TOO_MANY_PARAMS, "more credentials parameters than the limit") \
	X(CRED_MISSING, "username, realm, nonce, uri or response is missing") \
	X(CRED_NC, "nc is not 8 hexadecimal digits") \
	X(CRED_QOP, "qop is present without both nc and cnonce") \
	X(CRED_RESPONSE, "response is not hex of the length the algorithm needs") \
	X(CRED_USERHASH, "userhash is neither true nor false")

/** Parse outcome. USH_SIP_EOK is 0; every other value is a distinct rejection. */
enum ush_sip_err {
#define USH_SIP_ERR_ENUM(name, reason) USH_SIP_E##name,
	USH_SIP_ERRORS(USH_SIP_ERR_ENUM)
#undef USH_SIP_ERR_ENUM
	USH_SIP_ERR_COUNT
};

/** Request methods Usher tells apart; every other token is USH_SIP_METHOD_OTHER. */
enum ush_sip_method {
	USH_SIP_METHOD_NONE = 0, /**< a response: there is no method */
	USH_SIP_METHOD_OTHER,    /**< a valid token that is none of the below (extension method) */
	USH_SIP_METHOD_INVITE,
	USH_SIP_METHOD_ACK,
	USH_SIP_METHOD_BYE,
	USH_SIP_METHOD_CANCEL,
	USH_SIP_METHOD_REGISTER,
	USH_SIP_METHOD_OPTIONS,
	USH_SIP_METHOD_PRACK,
	USH_SIP_METHOD_SUBSCRIBE,
	USH_SIP_METHOD_NOTIFY,
	USH_SIP_METHOD_PUBLISH,
	USH_SIP_METHOD_INFO,
	USH_SIP_METHOD_REFER,
	USH_SIP_METHOD_MESSAGE,
	USH_SIP_METHOD_UPDATE,
	USH_SIP_METHOD_COUNT
};

/** URI scheme. */
enum ush_sip_scheme {
	USH_SIP_SCHEME_OTHER = 0, /**< absoluteURI of another scheme (e.g. "mailto:") */
	USH_SIP_SCHEME_SIP,
	USH_SIP_SCHEME_SIPS,
	USH_SIP_SCHEME_TEL,
};

/**
 * Parts of a URI. For sip/sips URIs every part is filled; for other schemes only `raw`,
 * `scheme` and (for tel) `user` (the telephone number) are.
 *
 *   sip:alice;x=1:secret@[2001:db8::1]:5062;transport=udp?subject=hi
 *   scheme user          host           port params       headers
 *
 * `user` excludes the password; `host` keeps the brackets of an IPv6 reference;
 * `params` starts after the first ';' and runs to '?' or the end; `headers` follows '?'.
 */
struct ush_sip_uri {
	struct ush_sip_span raw;
	struct ush_sip_span scheme;
	struct ush_sip_span user;
	struct ush_sip_span password;
	struct ush_sip_span host;
	struct ush_sip_span port_str;
	struct ush_sip_span params;
	struct ush_sip_span headers;
	uint16_t port; /**< 0 when absent */
	uint8_t scheme_id; /**< enum ush_sip_scheme */
};

/**
 * A From or To value: `"Display" <uri>;tag=x` or `uri;tag=x` (addr-spec, where a ';' ends the
 * URI, RFC 3261 §20.10).
 */
struct ush_sip_nameaddr {
	struct ush_sip_span raw;     /**< the whole header value, trimmed */
	struct ush_sip_span display; /**< display name, quotes included; absent if none */
	struct ush_sip_uri uri;
	struct ush_sip_span tag;     /**< value of the tag parameter; absent if none */
};

/** The topmost Via value, parsed; the others are kept raw in `struct ush_sip_msg.via`. */
struct ush_sip_via {
	struct ush_sip_span raw;       /**< the value, "SIP/2.0/UDP host:port;params" */
	struct ush_sip_span transport; /**< "UDP", "TCP", "TLS", ... */
	struct ush_sip_span host;      /**< sent-by host (brackets kept for IPv6) */
	struct ush_sip_span port_str;  /**< sent-by port; absent if none */
	struct ush_sip_span branch;    /**< branch parameter value; absent if none */
	struct ush_sip_span received;  /**< received parameter value; absent if none */
	struct ush_sip_span rport;     /**< rport value; present but empty for a bare ";rport" */
	uint16_t port;                 /**< sent-by port, 0 when absent */
};

/** One header field as it appeared, name and value (value trimmed of LWS at both ends). */
struct ush_sip_hdr {
	struct ush_sip_span name;
	struct ush_sip_span value;
};

/** Kind of credentials header. */
enum ush_sip_auth_kind {
	USH_SIP_AUTH_WWW = 0,   /**< Authorization (answers a 401) */
	USH_SIP_AUTH_PROXY = 1, /**< Proxy-Authorization (answers a 407) */
};

/** A credentials header field, not yet parsed (see ush_sip_cred_parse()). */
struct ush_sip_auth {
	struct ush_sip_span value; /**< header value: "Digest username=..." */
	uint8_t kind;              /**< enum ush_sip_auth_kind */
};

/** The parsed message. All spans point into the buffer given to ush_sip_parse(). */
struct ush_sip_msg {
	/* Start line */
	bool is_request;
	uint8_t method;             /**< enum ush_sip_method; NONE for responses */
	uint16_t status;            /**< responses: 100..699 */
	struct ush_sip_span method_str; /**< request method token as sent */
	struct ush_sip_uri ruri;    /**< Request-URI */
	struct ush_sip_span version; /**< "SIP/2.0" */
	struct ush_sip_span reason; /**< response reason phrase (may be empty) */
	struct ush_sip_span start_line; /**< without its line end */

	/* Headers Usher reads */
	struct ush_sip_via via_top;
	struct ush_sip_span via[USH_SIP_MAX_VIA]; /**< every Via value, top first (below via_count) */
	struct ush_sip_hdr via_hdr[USH_SIP_MAX_VIA]; /**< every Via header field, in order (below
							  via_hdr_count) */
	uint8_t via_count;     /**< number of Via values (entries of via[]) */
	uint8_t via_hdr_count; /**< number of Via header fields (entries of via_hdr[]) */
	struct ush_sip_nameaddr from;
	struct ush_sip_nameaddr to;
	struct ush_sip_span call_id;
	uint32_t cseq;
	uint8_t cseq_method;          /**< enum ush_sip_method */
	struct ush_sip_span cseq_method_str;
	struct ush_sip_span cseq_raw; /**< the whole CSeq value */
	int16_t max_forwards;         /**< -1 when absent */
	int32_t content_length;       /**< -1 when absent */
	int64_t expires;              /**< -1 when absent */
	struct ush_sip_span content_type;
	struct ush_sip_span contact;    /**< first Contact value (of the first header), raw */
	struct ush_sip_span user_agent;
	struct ush_sip_span identity;   /**< first Identity header value, raw */
	struct ush_sip_span pai;        /**< first P-Asserted-Identity header value, raw (all its
					     comma-separated values) */
	struct ush_sip_auth auth[USH_SIP_MAX_AUTH]; /**< every (Proxy-)Authorization, in order
							 (below auth_count) */
	uint8_t auth_count;

	/* Layout */
	uint16_t hdr_count;    /**< header fields seen, known or not */
	struct ush_sip_span headers; /**< from the first header to the end of the last one */
	struct ush_sip_span body;    /**< Content-Length bytes after the empty line (or the rest) */
	uint16_t msg_len;            /**< bytes that belong to the message (extra UDP bytes excluded) */
};

/**
 * Parse one SIP message.
 *
 * @param buf  UDP payload; need not be NUL-terminated; any byte values.
 * @param len  its length in bytes.
 * @param msg  filled with views into @p buf; reset first, meaningful only on USH_SIP_EOK (on
 *             error the fields read so far stay filled, for diagnostics). The reset sets every
 *             field (absent spans to zero, max_forwards, content_length and expires to -1)
 *             except the entries of via[], via_hdr[] and auth[] at and beyond via_count,
 *             via_hdr_count and auth_count, which are undefined: read those arrays only below
 *             their counts.
 * @return USH_SIP_EOK or the reason the message is rejected.
 *
 * The parser checks the request line, the mandatory headers (Via, From, To, Call-ID, CSeq,
 * plus the CSeq method against the request method), duplicates of single-valued headers and
 * Content-Length against the datagram. Credentials are located but not parsed: call
 * ush_sip_cred_parse() on the one that matters.
 */
enum ush_sip_err ush_sip_parse(const char *buf, size_t len, struct ush_sip_msg *msg);

/** One-line human reason for an error code ("Via header is malformed"). Never NULL. */
const char *ush_sip_strerror(enum ush_sip_err err);

/** Short stable name of an error code, lower case ("bad_via"), for counters and JSON. */
const char *ush_sip_errname(enum ush_sip_err err);

/** Canonical name of a method ("INVITE"), "OTHER" or "NONE". */
const char *ush_sip_method_name(enum ush_sip_method method);

/**
 * Parse a URI (used for the Request-URI, From, To and the credentials' uri).
 * @return 0, or -EINVAL when the text is not a URI Usher can read.
 */
int ush_sip_uri_parse(const char *buf, struct ush_sip_span text, struct ush_sip_uri *uri);

/** Parsed digest credentials. Spans point into the message buffer. */
struct ush_sip_cred {
	struct ush_sip_span username;
	struct ush_sip_span realm;
	struct ush_sip_span nonce;
	struct ush_sip_span uri;
	struct ush_sip_span response;
	struct ush_sip_span algorithm; /**< as sent; absent means MD5 */
	struct ush_sip_span cnonce;
	struct ush_sip_span opaque;
	struct ush_sip_span qop;
	struct ush_sip_span nc;
	struct ush_sip_span userhash;
	uint8_t algo;       /**< enum ush_algo */
	uint8_t qop_id;     /**< enum ush_qop */
	bool userhash_on;   /**< userhash=true */
	uint8_t unknown_params; /**< auth-params Usher does not know, skipped */
	/**
	 * Bit per field (USH_SIP_CRED_F_*) whose value is a quoted-string containing a backslash
	 * escape: its span holds the raw text between the quotes, and ush_sip_unescape() gives
	 * the real value.
	 */
	uint16_t escaped;
	uint32_t nc_value;  /**< nc as a number; 0 when absent */
};

/** Bits of struct ush_sip_cred.escaped, in the order of the span fields. */
enum ush_sip_cred_field {
	USH_SIP_CRED_F_USERNAME = 1 << 0,
	USH_SIP_CRED_F_REALM = 1 << 1,
	USH_SIP_CRED_F_NONCE = 1 << 2,
	USH_SIP_CRED_F_URI = 1 << 3,
	USH_SIP_CRED_F_RESPONSE = 1 << 4,
	USH_SIP_CRED_F_ALGORITHM = 1 << 5,
	USH_SIP_CRED_F_CNONCE = 1 << 6,
	USH_SIP_CRED_F_OPAQUE = 1 << 7,
	USH_SIP_CRED_F_QOP = 1 << 8,
	USH_SIP_CRED_F_NC = 1 << 9,
	USH_SIP_CRED_F_USERHASH = 1 << 10,
};

/**
 * Parse the value of an Authorization or Proxy-Authorization header.
 *
 * Accepts the scheme in any case, LWS (folding included) around '=' and ',', quoted and
 * unquoted values for every parameter (phones do both), backslash escapes in quoted strings,
 * and unknown auth-params (skipped, counted). Rejects duplicated parameters, a missing
 * username/realm/nonce/uri/response, an nc that is not 8 hex digits, qop without nc and
 * cnonce (nc and cnonce without qop are tolerated and ignored, as RFC 2069 clients
 * verify without them), and a response that is not hex of the algorithm's length (32 digits for MD5, 64 for
 * the SHA-2 family; for an unknown algorithm any even-length hex up to 128 digits).
 *
 * @param buf   the message buffer.
 * @param value span of the header value in @p buf (struct ush_sip_auth.value).
 * @param cred  filled with views into @p buf.
 * @return USH_SIP_EOK or a USH_SIP_ECRED_* code.
 */
enum ush_sip_err ush_sip_cred_parse(const char *buf, struct ush_sip_span value,
				    struct ush_sip_cred *cred);

/**
 * Copy the unescaped value of a span (quoted-pair "\x" becomes "x") into @p out.
 * @return the unescaped length, or -ENOSPC when @p cap is too small (nothing useful copied).
 */
int ush_sip_unescape(const char *buf, struct ush_sip_span s, char *out, size_t cap);

#endif /* USH_SIP_H */
