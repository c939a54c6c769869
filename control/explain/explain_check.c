/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* --password / --ha1: recompute each credentials header's response with the batch engine. */

#include <errno.h>
#include <string.h>

#include "explain_priv.h"
#include "ush_digest.h"

static const char *const qop_names[] = {
	[USH_QOP_NONE] = "none",
	[USH_QOP_AUTH] = "auth",
	[USH_QOP_AUTH_INT] = "auth-int",
	[USH_QOP_UNKNOWN] = "unknown",
};

/* A credentials field with its quoted-pairs resolved; -1 when it does not fit. */
static int
field(const char *buf, const struct ush_sip_cred *c, struct ush_sip_span s, uint16_t bit,
      char *out, size_t cap)
{
	if (c->escaped & bit)
		return ush_sip_unescape(buf, s, out, cap);
	if (s.len > cap)
		return -1;
	memcpy(out, buf + s.off, s.len);
	return s.len;
}

static void
cannot_check(json_t *o, const char *why)
{
	json_object_set_new(o, "match", json_null());
	json_object_set_new(o, "check", json_string(why));
}

void
ush_explain_check_json(const struct ush_explain_ctx *ctx, json_t *o, const char *buf,
		       const struct ush_sip_msg *msg, const struct ush_sip_cred *cred)
{
	char user[256], realm[256], uri[USH_DIGEST_MSG_MAX], nonce[USH_DIGEST_MSG_MAX];
	uint8_t ha1[USH_DIGEST_MAX_LEN];
	struct ush_digest_lane lane;
	enum ush_hash hash = ush_algo_hash((enum ush_algo)cred->algo);
	enum ush_digest_verdict v;
	int ul, rl, il, nl;

	if (ctx->dctx == NULL)
		return;
	json_object_set_new(o, "check_algorithm",
			    json_string(ush_algo_name((enum ush_algo)cred->algo)));
	json_object_set_new(o, "check_qop", json_string(qop_names[cred->qop_id]));
	if (cred->algo == USH_ALGO_UNKNOWN) {
		cannot_check(o, "unknown algorithm");
		return;
	}
	if (cred->qop_id == USH_QOP_UNKNOWN) {
		cannot_check(o, "unknown qop");
		return;
	}
	ul = field(buf, cred, cred->username, USH_SIP_CRED_F_USERNAME, user, sizeof(user));
	rl = field(buf, cred, cred->realm, USH_SIP_CRED_F_REALM, realm, sizeof(realm));
	il = field(buf, cred, cred->uri, USH_SIP_CRED_F_URI, uri, sizeof(uri));
	nl = field(buf, cred, cred->nonce, USH_SIP_CRED_F_NONCE, nonce, sizeof(nonce));
	if (ul < 0 || rl < 0 || il < 0 || nl < 0) {
		cannot_check(o, "a credentials field is too long");
		return;
	}
	if (ctx->opts.password != NULL) {
		if (ush_digest_ha1(hash, user, (size_t)ul, realm, (size_t)rl, ctx->opts.password,
				   strlen(ctx->opts.password), ha1) < 0) {
			cannot_check(o, "HA1 could not be computed");
			return;
		}
	} else if (ush_digest_hex_decode(ctx->opts.ha1_hex, strlen(ctx->opts.ha1_hex), ha1,
					 ush_hash_len(hash)) < 0) {
		cannot_check(o, hash == USH_HASH_MD5 ? "--ha1 is not 32 hex digits (MD5)"
						      : "--ha1 is not 64 hex digits (SHA-2)");
		return;
	}
	memset(&lane, 0, sizeof(lane));
	lane.ha1 = ha1;
	lane.method = buf + msg->method_str.off;
	lane.method_len = msg->method_str.len;
	lane.uri = uri;
	lane.uri_len = (uint16_t)il;
	lane.nonce = nonce;
	lane.nonce_len = (uint16_t)nl;
	lane.nc = buf + cred->nc.off;
	lane.nc_len = cred->nc.len;
	lane.cnonce = buf + cred->cnonce.off;
	lane.cnonce_len = cred->cnonce.len;
	lane.response = buf + cred->response.off;
	lane.response_len = cred->response.len;
	lane.body = (const uint8_t *)buf + msg->body.off;
	lane.body_len = msg->body.len;
	lane.algo = cred->algo;
	lane.qop = cred->qop_id;
	v = ush_digest_verify_one(ctx->dctx, &lane);
	memset(ha1, 0, sizeof(ha1));
	if (v == USH_DIGEST_OK || v == USH_DIGEST_MISMATCH) {
		json_object_set_new(o, "match", json_boolean(v == USH_DIGEST_OK));
		json_object_set_new(o, "check", json_string(v == USH_DIGEST_OK ? "match"
										: "mismatch"));
	} else {
		cannot_check(o, ush_digest_verdict_name(v));
	}
}
