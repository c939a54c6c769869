/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/**
 * @file
 * Every verdict and drop reason the dataplane counts, as one x-macro table.
 *
 * The table generates the counter enum, the names shown by the exit summary and telemetry
 * (`/usher/...`, only [a-z0-9_]), and is checked against docs/counters.md by a test, so code,
 * output and docs cannot disagree. Each packet increments exactly one counter of the
 * "outcome" group (what happened to it), plus the rx/tx totals.
 *
 * X(ENUM, name, description)
 */

#ifndef USHER_COUNTERS_H
#define USHER_COUNTERS_H

#define USH_COUNTERS(X) \
	/* totals */ \
	X(RX_OUTSIDE, "rx_outside", "frames received on the outside port") \
	X(RX_INSIDE, "rx_inside", "frames received on the inside port") \
	X(TX_INSIDE, "tx_inside", "frames sent on the inside port (forwarded inward)") \
	X(TX_OUTSIDE, "tx_outside", "frames sent on the outside port (forwarded outward and replies)") \
	/* outcome: forwarded */ \
	X(FWD_OUTWARD, "fwd_outward", "frames from the inside port forwarded outward") \
	X(FWD_NON_UDP, "fwd_non_udp", "non-UDP or non-IPv4 frames passed through (pass-through policy)") \
	X(FWD_NON_SIP_PORT, "fwd_non_sip_port", "UDP frames not to a SIP port passed through") \
	X(FWD_RESPONSE, "fwd_response", "SIP responses forwarded inward") \
	X(FWD_EXEMPT, "fwd_exempt", "ACK, CANCEL and PRACK forwarded without a challenge") \
	X(FWD_IN_DIALOG, "fwd_in_dialog", "in-dialog requests (To-tag) forwarded (policy in_dialog=forward)") \
	X(FWD_AUTH_OK, "fwd_auth_ok", "requests whose digest verified, forwarded inward") \
	X(FWD_RETRANSMISSION, "fwd_retransmission", "exact retransmissions (same bytes, same source) of the last request accepted on a nonce, within [auth] retransmission_window: forwarded, the PBX absorbs them") \
	X(FWD_ALLOWED, "fwd_allowed", "requests from an allow-listed source, forwarded without a digest check") \
	/* outcome: answered here */ \
	X(ABSORB_ACK, "absorb_ack", "ACKs to Usher's own 401/407 absorbed") \
	X(CHALLENGE_NO_CREDS, "challenge_no_credentials", "requests without credentials for our realm, challenged") \
	X(CHALLENGE_STALE, "challenge_stale", "nonce expired or evicted but digest right: challenged with stale=true") \
	X(CHALLENGE_BAD_RESPONSE, "challenge_bad_response", "wrong password or unknown user: fresh challenge") \
	X(CHALLENGE_URI_MISMATCH, "challenge_uri_mismatch", "credentials uri differs from the Request-URI: fresh challenge") \
	X(CHALLENGE_ALGORITHM, "challenge_algorithm", "algorithm not offered or not the nonce's: fresh challenge") \
	X(CHALLENGE_QOP, "challenge_qop", "qop not offered: fresh challenge") \
	X(CHALLENGE_NONCE_INVALID, "challenge_nonce_invalid", "forged, truncated or undecodable nonce: fresh challenge") \
	X(CHALLENGE_NC_REPLAY, "challenge_nc_replay", "nonce-count seen before (replay): fresh challenge") \
	X(CHALLENGE_CRED_MALFORMED, "challenge_credentials_malformed", "credentials for our realm that do not parse: fresh challenge") \
	X(REPLY_400, "reply_400", "malformed SIP answered with 400 Bad Request") \
	/* outcome: refused (answered 403/503 or dropped, per [protection] policy) */ \
	X(DENY_BLOCKED, "deny_blocked", "requests from a block-listed source: 403 or dropped") \
	X(DENY_BANNED, "deny_banned", "requests from a banned source, or source and username: 403 or dropped") \
	X(DENY_RATE, "deny_rate", "requests over their source's rate limit: 503 with Retry-After or dropped") \
	X(SHED_CHALLENGE, "shed_challenge", "requests without credentials dropped unanswered while the worker was overloaded") \
	/* outcome: STIR/SHAKEN (an initial INVITE that would be forwarded and carries Identity, or must) */ \
	X(ID_FWD_PASSED, "id_fwd_passed", "INVITEs whose Identity verified, forwarded with verstat=TN-Validation-Passed") \
	X(ID_FWD_FAILED, "id_fwd_failed", "INVITEs whose Identity failed, forwarded with verstat=TN-Validation-Failed ([identity] policy mark)") \
	X(ID_FWD_NO_VALIDATION, "id_fwd_no_validation", "INVITEs forwarded with verstat=No-TN-Validation: no verdict (verifier absent or failing, timeout, table or ring full, frame too big) with [identity] unavailable=forward, or no Identity but a verstat from outside") \
	X(ID_REJECT_428, "id_reject_428", "INVITEs without Identity answered 428 Use Identity Header ([identity] require)") \
	X(ID_REJECT_436, "id_reject_436", "INVITEs answered 436 Bad Identity Info") \
	X(ID_REJECT_437, "id_reject_437", "INVITEs answered 437 Unsupported Credential") \
	X(ID_REJECT_438, "id_reject_438", "INVITEs answered 438 Invalid Identity Header") \
	X(ID_REJECT_403, "id_reject_403", "INVITEs answered 403 Stale Date") \
	X(ID_REJECT_UNAVAILABLE, "id_reject_unavailable", "INVITEs answered 500 or 503 for want of a verdict ([identity] unavailable)") \
	/* outcome: dropped */ \
	X(DROP_SIP_MALFORMED, "drop_sip_malformed", "malformed SIP no reply can be built for: a response, an ACK, or a broken Via, From, To, Call-ID or CSeq") \
	X(DROP_UDP_CHECKSUM, "drop_udp_checksum", "UDP checksum wrong") \
	X(DROP_IP_MALFORMED, "drop_ip_malformed", "IPv4 or UDP header inconsistent with the frame") \
	X(DROP_PASSTHROUGH, "drop_passthrough", "non-SIP traffic dropped (pass-through policy drop)") \
	X(DROP_NO_MBUF, "drop_no_mbuf", "a reply could not be built: mbuf pool empty") \
	X(DROP_TX_FULL, "drop_tx_full", "frames the TX queue did not take, freed") \
	X(DROP_IPV6_EXT, "drop_ipv6_ext", "IPv6 with an extension header not walked (AH, Mobility, HIP, Shim6, 253/254, over 8 headers, or a header before the Fragment header)") \
	/* outcome: IP fragments (docs/counters.md: a datagram's outcome counts once, its other fragments frag_merged) */ \
	X(FRAG_MERGED, "frag_merged", "IP fragments reassembled into a datagram, all but the one that counts the datagram's outcome") \
	X(DROP_FRAG_INVALID, "drop_frag_invalid", "IP fragments of an invalid train (overlap, duplicate, over 8 fragments or 64 KiB, tiny first fragment) dropped") \
	X(DROP_FRAG_TIMEOUT, "drop_frag_timeout", "IP fragments of a train not complete within [reassembly] timeout_ms (or at exit) dropped") \
	X(DROP_FRAG_NO_ROOM, "drop_frag_no_room", "IP fragments starting a train while the worker's reassembly table was full, dropped") \
	/* events, counted besides a packet's outcome */ \
	X(BAN_STARTED, "ban_started", "event: a failed authentication started a ban (of a source, or of a source and username)") \
	X(FRAG_REASSEMBLED, "frag_reassembled", "event: a fragmented UDP datagram reassembled and decided on as a whole") \
	X(ID_PUNTED, "id_punted", "event: an INVITE held and its Identity sent to usherd for verification") \
	X(ID_PRECHECK, "id_precheck_reject", "event: an Identity refused by the syntax pre-check, without asking usherd") \
	X(ID_UNAVAILABLE, "id_unavailable", "event: no verifier connected (usherd down or not asking for punts): [identity] unavailable applied") \
	X(ID_TIMEOUT, "id_timeout", "event: no verdict within [identity] timeout_ms: [identity] unavailable applied") \
	X(ID_TABLE_FULL, "id_table_full", "event: the worker's pending table was full: [identity] unavailable applied") \
	X(ID_RING_FULL, "id_ring_full", "event: the punt ring or record pool was full: [identity] unavailable applied") \
	X(ID_TOO_BIG, "id_too_big", "event: the marked request would exceed the MTU or the mbuf, or is fragmented: [identity] unavailable applied") \
	X(ID_VERDICT_LATE, "id_verdict_late", "event: a verdict for a request already decided (timed out), ignored") \
	X(ID_VERSTAT_STRIPPED, "id_verstat_stripped", "event: a verstat parameter that came from outside removed")

/** Counter index. */
enum ush_ctr {
#define USH_CTR_ENUM(e, name, desc) USH_CTR_##e,
	USH_COUNTERS(USH_CTR_ENUM)
#undef USH_CTR_ENUM
	USH_CTR_COUNT
};

#endif /* USHER_COUNTERS_H */
