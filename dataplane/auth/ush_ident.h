/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * STIR/SHAKEN on the dataplane, EAL-free (issue #7 §1): what the pipeline decides about an
 * initial INVITE's Identity header before usherd verifies it, and what a verdict does to the
 * request afterwards.
 *
 *   pipeline (ush_auth_process_burst)          worker (dataplane/usher/worker.c)
 *   ---------------------------------          --------------------------------------------
 *   digest or allow list says FORWARD          USH_AUTH_PUNT: park the mbuf, punt record to
 *   initial INVITE (no To-tag)?                the main lcore -> usherd; verdict back
 *     no Identity: require ? 428 : forward     ush_ident_decide(verdict) -> reply (code) or
 *     ush_ident_precheck() fails: 438/436        ush_ident_mark(): ;verstat=... in the
 *       by policy (reply, or USH_AUTH_MARK)      P-Asserted-Identity (else From) URI, any
 *     else USH_AUTH_PUNT                         verstat from outside stripped
 *
 * The verdict classes are include/usher_ctl.h's enum ush_ctl_idv.
 * Threads: every function is reentrant and allocates nothing.
 */

#ifndef USH_IDENT_H
#define USH_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usher_ctl.h"
#include "ush_sip.h"

/** What a verdict that can be rejected or let through does ([identity] on_*). */
enum ush_ident_policy {
	USH_IDENT_REJECT = 0, /**< answer with the verdict's code */
	USH_IDENT_MARK,	      /**< forward with verstat=TN-Validation-Failed */
};

/** [identity] unavailable: verifier absent, overloaded, late, or the frame cannot grow. */
enum ush_ident_unavail {
	USH_IDENT_UNAVAIL_FORWARD = 0, /**< forward with verstat=No-TN-Validation */
	USH_IDENT_UNAVAIL_503,
	USH_IDENT_UNAVAIL_500,
};

/** verstat values (ATIS-1000074 §5.3.1, 3GPP TS 24.229 §7.2A.20). */
enum ush_ident_verstat {
	USH_IDENT_VS_PASSED = 0, /**< TN-Validation-Passed */
	USH_IDENT_VS_FAILED,	 /**< TN-Validation-Failed */
	USH_IDENT_VS_NONE,	 /**< No-TN-Validation */
};

/** The [identity] policy the pipeline and the worker apply (live, inside ush_auth_conf). */
struct ush_ident_conf {
	bool enabled;	     /**< punt initial INVITEs with Identity (false: forward untouched) */
	bool require;	     /**< an initial INVITE without Identity gets 428 */
	bool reason_header;  /**< add RFC 9410 "Reason: STIR;cause=N;text=..." when marking */
	uint8_t unavailable; /**< enum ush_ident_unavail */
	uint8_t policy[USH_CTL_IDV_COUNT]; /**< enum ush_ident_policy for 436, 437, 438, 403 */
};

/** Why ush_ident_precheck() refused a header. */
enum ush_ident_pre {
	USH_IDENT_PRE_OK = 0,
	USH_IDENT_PRE_SIZE,    /**< value or a segment longer than the verifier accepts */
	USH_IDENT_PRE_JWS,     /**< not three non-empty base64url segments, or bad signature size */
	USH_IDENT_PRE_NO_INFO, /**< no info= parameter (436) */
};

/** The verifier's limits the pre-check enforces (docs/identity.md). */
#define USH_IDENT_HDR_MAX	  USH_CTL_PUNT_IDENTITY_MAX
#define USH_IDENT_B64_HDR_MAX	  1368 /**< base64url of the 1 KiB decoded JWS header */
#define USH_IDENT_B64_PAYLOAD_MAX 2732 /**< base64url of the 2 KiB decoded payload */
#define USH_IDENT_B64_SIG_LEN	  86   /**< base64url of a 64-byte ES256 R || S */

/**
 * Cheap syntax checks of an Identity header value, so that garbage is answered without a
 * round trip to usherd: size, three base64url segments (full form) with a signature of the
 * ES256 size, an info parameter. Everything else is the verifier's job.
 * @return USH_IDENT_PRE_OK or why not.
 */
enum ush_ident_pre ush_ident_precheck(const char *v, size_t len);

/** The verdict class a pre-check failure stands for (INVALID, or BAD_INFO for no info). */
uint8_t ush_ident_pre_verdict(enum ush_ident_pre pre);

/** The machine reason of a pre-check failure, as the verifier names it ("jws_syntax"). */
const char *ush_ident_pre_reason(enum ush_ident_pre pre);

/**
 * The first value of a comma-separated header list (a comma inside <> or quotes does not
 * count), trimmed. For P-Asserted-Identity: "<sip:+1@a>, <tel:+1>" gives "<sip:+1@a>".
 */
struct ush_sip_span ush_ident_first_value(const char *buf, struct ush_sip_span v);

/**
 * Whether the From or P-Asserted-Identity value holds "verstat" (any case): an INVITE without
 * Identity that does is marked No-TN-Validation, so that a verstat from outside never
 * reaches the PBX.
 */
bool
ush_ident_has_verstat(const char *buf, const struct ush_sip_msg *msg);

/** What a verdict does to the request. */
struct ush_ident_outcome {
	bool reply;	 /**< true: answer with code; false: forward with verstat */
	uint8_t verstat; /**< enum ush_ident_verstat, when forwarding */
	uint16_t code;	 /**< the reply's code; when forwarding a failed one, the cause code */
	uint8_t ctr;	 /**< enum ush_ctr: the packet's outcome counter */
};

/**
 * Apply the policy to a verdict class (enum ush_ctl_idv). INTERNAL stands for every
 * "no verdict" case too (timeout, full table, verifier absent) and follows
 * conf->unavailable. MISSING is a 428 with conf->require, else a forward with
 * No-TN-Validation (an INVITE without Identity whose From or PAI carried a verstat).
 */
void ush_ident_decide(const struct ush_ident_conf *conf, uint8_t idv, struct ush_ident_outcome *o);

/** "TN-Validation-Passed" and so on. */
const char *ush_ident_verstat_name(enum ush_ident_verstat vs);

/**
 * Write the request with verstat set: ";verstat=<vs>" appended to the URI parameters of the
 * first P-Asserted-Identity value, or of the From URI when there is no P-Asserted-Identity
 * (an addr-spec gets angle brackets, so that the parameter belongs to the URI); every
 * verstat parameter already in that URI or in the From URI is removed. With reason (not
 * NULL), an RFC 9410 header "Reason: STIR;cause=<cause>;text=\"<reason>\"" is added after
 * the last header. The body is copied unchanged (Content-Length stays right).
 *
 * @param buf,len,msg  the request and its parse (USH_SIP_EOK)
 * @param stripped     set when a verstat from outside was removed
 * @return the new length, -ENOSPC when out (cap bytes) is too small, -EINVAL when the
 *         target URI cannot be edited (unparsable, or more than 8 verstat parameters).
 */
int ush_ident_mark(const char *buf, size_t len, const struct ush_sip_msg *msg,
		   enum ush_ident_verstat vs, uint16_t cause, const char *reason, char *out,
		   size_t cap, bool *stripped);

#endif /* USH_IDENT_H */
