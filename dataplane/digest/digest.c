/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Digest engine front: per-thread contexts, kernel dispatch, and the portable helpers. */

#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>

#include "digest_priv.h"
#include "ush_digest.h"

static const char *const kernel_names[USH_DIGEST_KERNEL_COUNT] = {
	[USH_DIGEST_KERNEL_AUTO] = "auto",
	[USH_DIGEST_KERNEL_SCALAR] = "scalar",
	[USH_DIGEST_KERNEL_AVX2] = "avx2",
	[USH_DIGEST_KERNEL_AVX512] = "avx512",
};

static const char *const imb_names[USH_DIGEST_IMB_COUNT] = {
	[USH_DIGEST_IMB_DEFAULT] = "default",
	[USH_DIGEST_IMB_SSE] = "sse",
	[USH_DIGEST_IMB_AVX2] = "avx2",
	[USH_DIGEST_IMB_AVX512] = "avx512",
};

static const char *const verdict_names[USH_DIGEST_VERDICT_COUNT] = {
	[USH_DIGEST_OK] = "ok",
	[USH_DIGEST_MISMATCH] = "mismatch",
	[USH_DIGEST_BAD_RESPONSE] = "bad response",
	[USH_DIGEST_BAD_ALGO] = "bad algorithm",
	[USH_DIGEST_BAD_QOP] = "bad qop",
	[USH_DIGEST_TOO_LONG] = "too long",
};

const char *
ush_digest_kernel_name(enum ush_digest_kernel kernel)
{
	return (unsigned int)kernel < USH_DIGEST_KERNEL_COUNT ? kernel_names[kernel] : "?";
}

const char *
ush_digest_imb_name(enum ush_digest_imb imb)
{
	return (unsigned int)imb < USH_DIGEST_IMB_COUNT ? imb_names[imb] : "?";
}

const char *
ush_digest_verdict_name(enum ush_digest_verdict verdict)
{
	return (unsigned int)verdict < USH_DIGEST_VERDICT_COUNT ? verdict_names[verdict] : "?";
}

bool
ush_digest_kernel_supported(enum ush_digest_kernel kernel)
{
	__builtin_cpu_init();
	switch (kernel) {
	case USH_DIGEST_KERNEL_AUTO:
	case USH_DIGEST_KERNEL_SCALAR:
		return true;
	case USH_DIGEST_KERNEL_AVX2:
		return __builtin_cpu_supports("avx2");
	case USH_DIGEST_KERNEL_AVX512:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("bmi2");
	default:
		return false;
	}
}

static bool
imb_supported(enum ush_digest_imb imb)
{
	switch (imb) {
	case USH_DIGEST_IMB_SSE:
		return true;
	case USH_DIGEST_IMB_AVX2:
		return ush_digest_kernel_supported(USH_DIGEST_KERNEL_AVX2);
	case USH_DIGEST_IMB_AVX512:
		return ush_digest_kernel_supported(USH_DIGEST_KERNEL_AVX512);
	default:
		return false;
	}
}

bool
digest_sha_ni_supported(void)
{
	unsigned int a, b, c, d;

	/* leaf 1 ECX: SSSE3 (pshufb) and SSE4.1 (blends); leaf 7 EBX bit 29: SHA */
	if (!__get_cpuid(1, &a, &b, &c, &d) || (c & bit_SSSE3) == 0 || (c & bit_SSE4_1) == 0)
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & bit_SHA) != 0;
}

/* Value of an environment variable among names[0..count), or -1 if unset/empty, -2 if bad. */
static int
env_choice(const char *var, const char *const *names, int count, const char *alias0)
{
	const char *v = getenv(var);

	if (v == NULL || *v == '\0')
		return -1;
	if (alias0 != NULL && strcasecmp(v, alias0) == 0)
		return 0;
	for (int i = 0; i < count; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	return -2;
}

static enum ush_digest_kernel
kernel_pick(enum ush_digest_kernel want)
{
	if (want != USH_DIGEST_KERNEL_AUTO)
		return want;
	if (ush_digest_kernel_supported(USH_DIGEST_KERNEL_AVX512))
		return USH_DIGEST_KERNEL_AVX512;
	if (ush_digest_kernel_supported(USH_DIGEST_KERNEL_AVX2))
		return USH_DIGEST_KERNEL_AVX2;
	return USH_DIGEST_KERNEL_SCALAR;
}

static int
imb_init(struct ush_digest_ctx *ctx)
{
	ctx->mgr = alloc_mb_mgr(0);
	if (ctx->mgr == NULL)
		return -ENOMEM;
	switch (ctx->imb) {
	case USH_DIGEST_IMB_AVX512:
		init_mb_mgr_avx512(ctx->mgr);
		break;
	case USH_DIGEST_IMB_AVX2:
		init_mb_mgr_avx2(ctx->mgr);
		break;
	default:
		init_mb_mgr_sse(ctx->mgr);
		break;
	}
	if (imb_get_errno(ctx->mgr) != 0) {
		free_mb_mgr(ctx->mgr);
		ctx->mgr = NULL;
		return -ENOTSUP;
	}
	return 0;
}

struct ush_digest_ctx *
ush_digest_ctx_create(const struct ush_digest_conf *conf)
{
	static const struct ush_digest_conf defaults;
	struct ush_digest_ctx *ctx;
	enum ush_digest_kernel kernel;
	enum ush_digest_imb imb;
	bool hmac_ni;
	size_t size;
	int rc;

	if (conf == NULL)
		conf = &defaults;
	if ((unsigned int)conf->kernel >= USH_DIGEST_KERNEL_COUNT ||
			(unsigned int)conf->imb >= USH_DIGEST_IMB_COUNT ||
			(conf->flags & ~USH_DIGEST_F_SESS_BINARY_HA1) != 0) {
		errno = EINVAL;
		return NULL;
	}

	kernel = conf->kernel;
	if (kernel == USH_DIGEST_KERNEL_AUTO) {
		rc = env_choice("USH_DIGEST_KERNEL", kernel_names, USH_DIGEST_KERNEL_COUNT, NULL);
		if (rc == -2) {
			errno = EINVAL;
			return NULL;
		}
		if (rc >= 0)
			kernel = (enum ush_digest_kernel)rc;
	}
	/*
	 * Short HMACs go to our SHA-NI kernel, unless the scalar kernel or a manager without
	 * SHA-NI (AVX2, AVX-512) is asked for by name, in conf or environment: that keeps the
	 * ipsec-mb path reachable, for tests and as a fallback. An SSE manager asked for still
	 * gets the kernel: that manager means SHA-NI, which the kernel runs without the job
	 * overhead (and the auth worker asks for it on its nonce ctx).
	 */
	hmac_ni = kernel != USH_DIGEST_KERNEL_SCALAR;
	kernel = kernel_pick(kernel);
	if (!ush_digest_kernel_supported(kernel)) {
		errno = ENOTSUP;
		return NULL;
	}

	imb = conf->imb;
	if (imb == USH_DIGEST_IMB_DEFAULT) {
		rc = env_choice("USH_DIGEST_IMB", imb_names, USH_DIGEST_IMB_COUNT, "auto");
		if (rc == -2) {
			errno = EINVAL;
			return NULL;
		}
		if (rc > 0)
			imb = (enum ush_digest_imb)rc;
	}
	hmac_ni = hmac_ni && imb != USH_DIGEST_IMB_AVX2 && imb != USH_DIGEST_IMB_AVX512 &&
		  digest_sha_ni_supported();
	if (imb == USH_DIGEST_IMB_DEFAULT)
		imb = kernel == USH_DIGEST_KERNEL_AVX512 ? USH_DIGEST_IMB_AVX512
		      : kernel == USH_DIGEST_KERNEL_AVX2 ? USH_DIGEST_IMB_AVX2
							 : USH_DIGEST_IMB_SSE;
	if (!imb_supported(imb)) {
		errno = ENOTSUP;
		return NULL;
	}

	size = (sizeof(*ctx) + 63) & ~(size_t)63;
	ctx = aligned_alloc(64, size);
	if (ctx == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(ctx, 0, size);
	ctx->kernel = kernel;
	ctx->imb = imb;
	ctx->flags = conf->flags;
	ctx->hmac_ni = hmac_ni;
	ctx->ops = kernel == USH_DIGEST_KERNEL_AVX512 ? &digest_ops_avx512
		   : kernel == USH_DIGEST_KERNEL_AVX2 ? &digest_ops_avx2
						      : &digest_ops_scalar;
	/* Unknown users are hashed with a HA1 nobody knows, so they cost what a user costs. */
	if (getrandom(ctx->dummy_ha1, sizeof(ctx->dummy_ha1), 0) !=
			(ssize_t)sizeof(ctx->dummy_ha1))
		memset(ctx->dummy_ha1, 0xa5, sizeof(ctx->dummy_ha1));
	rc = imb_init(ctx);
	if (rc < 0) {
		free(ctx);
		errno = -rc;
		return NULL;
	}
	return ctx;
}

void
ush_digest_ctx_free(struct ush_digest_ctx *ctx)
{
	if (ctx == NULL)
		return;
	free_mb_mgr(ctx->mgr);
	/* Scratch held HA1 hex strings and expected responses. */
	explicit_bzero(ctx, sizeof(*ctx));
	free(ctx);
}

enum ush_digest_kernel
ush_digest_ctx_kernel(const struct ush_digest_ctx *ctx)
{
	return ctx->kernel;
}

enum ush_digest_imb
ush_digest_ctx_imb(const struct ush_digest_ctx *ctx)
{
	return ctx->imb;
}

bool
ush_digest_ctx_hmac_ni(const struct ush_digest_ctx *ctx)
{
	return ctx->hmac_ni;
}

int
ush_digest_verify_burst(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes,
		unsigned int n, enum ush_digest_verdict *verdicts)
{
	if (unlikely(ctx == NULL || n > USH_DIGEST_BURST_MAX ||
		     (n > 0 && (lanes == NULL || verdicts == NULL))))
		return -EINVAL;
	if (n == 0)
		return 0;
	return ctx->ops->run(ctx, lanes, n, verdicts, NULL);
}

int
ush_digest_compute_burst(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lanes,
		unsigned int n, uint8_t (*expected)[USH_DIGEST_MAX_LEN],
		enum ush_digest_verdict *verdicts)
{
	if (ctx == NULL || n > USH_DIGEST_BURST_MAX ||
			(n > 0 && (lanes == NULL || verdicts == NULL || expected == NULL)))
		return -EINVAL;
	if (n == 0)
		return 0;
	return ctx->ops->run(ctx, lanes, n, verdicts, expected);
}

enum ush_digest_verdict
ush_digest_verify_one(struct ush_digest_ctx *ctx, const struct ush_digest_lane *lane)
{
	enum ush_digest_verdict v;

	if (ctx == NULL || lane == NULL)
		return USH_DIGEST_BAD_ALGO;
	ctx->ops->run(ctx, lane, 1, &v, NULL);
	return v;
}

int
ush_digest_ha1(enum ush_hash hash, const char *user, size_t user_len, const char *realm,
		size_t realm_len, const char *password, size_t password_len, uint8_t *ha1)
{
	const EVP_MD *md;
	EVP_MD_CTX *mdctx;
	int ok;

	switch (hash) {
	case USH_HASH_MD5:
		md = EVP_md5();
		break;
	case USH_HASH_SHA256:
		md = EVP_sha256();
		break;
	case USH_HASH_SHA512_256:
		md = EVP_sha512_256();
		break;
	default:
		return -EINVAL;
	}
	if (ha1 == NULL || (user == NULL && user_len > 0) || (realm == NULL && realm_len > 0) ||
			(password == NULL && password_len > 0))
		return -EINVAL;
	mdctx = EVP_MD_CTX_new();
	if (mdctx == NULL)
		return -EIO;
	ok = EVP_DigestInit_ex(mdctx, md, NULL) && EVP_DigestUpdate(mdctx, user, user_len) &&
	     EVP_DigestUpdate(mdctx, ":", 1) && EVP_DigestUpdate(mdctx, realm, realm_len) &&
	     EVP_DigestUpdate(mdctx, ":", 1) &&
	     EVP_DigestUpdate(mdctx, password, password_len) &&
	     EVP_DigestFinal_ex(mdctx, ha1, NULL);
	EVP_MD_CTX_free(mdctx);
	return ok ? 0 : -EIO;
}

/* Value of a hex digit, branch-free; *bad gets 1 for anything else. */
static inline uint8_t
hex_value(uint8_t c, uint32_t *bad)
{
	uint32_t dig = (uint32_t)c - '0';
	uint32_t alp = (uint32_t)(c | 0x20) - 'a';
	uint32_t is_dig = -(uint32_t)(dig < 10);
	uint32_t is_alp = -(uint32_t)(alp < 6);

	*bad |= ~(is_dig | is_alp) & 1;
	return (uint8_t)((dig & is_dig) | ((alp + 10) & is_alp));
}

int
ush_digest_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len)
{
	uint32_t bad = 0;

	if (hex == NULL || out == NULL || hex_len != 2 * out_len)
		return -EINVAL;
	for (size_t i = 0; i < out_len; i++)
		out[i] = (uint8_t)(hex_value((uint8_t)hex[2 * i], &bad) << 4 |
				   hex_value((uint8_t)hex[2 * i + 1], &bad));
	return bad ? -EINVAL : 0;
}

void
ush_digest_hex_encode(const uint8_t *in, size_t len, char *hex)
{
	static const char digits[16] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[in[i] >> 4];
		hex[2 * i + 1] = digits[in[i] & 15];
	}
}

bool
ush_digest_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

enum ush_digest_verdict
ush_digest_check_hex(const char *hex, size_t hex_len, const uint8_t *digest, size_t len)
{
	uint8_t got[USH_DIGEST_MAX_LEN];
	uint32_t bad = 0;
	uint8_t diff = 0;

	if (hex == NULL || digest == NULL || len > USH_DIGEST_MAX_LEN || hex_len != 2 * len)
		return USH_DIGEST_BAD_RESPONSE;
	for (size_t i = 0; i < len; i++) {
		got[i] = (uint8_t)(hex_value((uint8_t)hex[2 * i], &bad) << 4 |
				   hex_value((uint8_t)hex[2 * i + 1], &bad));
		diff |= got[i] ^ digest[i];
	}
	if (bad)
		return USH_DIGEST_BAD_RESPONSE;
	return diff == 0 ? USH_DIGEST_OK : USH_DIGEST_MISMATCH;
}

/* Raw bursts on our own kernels, through the ctx engine build. */
static int
own_burst(struct ush_digest_ctx *ctx, enum ush_hash hash, const struct ush_digest_msg *msgs,
		unsigned int n)
{
	if (ctx == NULL || (msgs == NULL && n > 0))
		return -EINVAL;
	ctx->ops->raw(ctx, hash, msgs, n);
	return (int)n;
}

int
ush_md5_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs, unsigned int n)
{
	return own_burst(ctx, USH_HASH_MD5, msgs, n);
}

int
ush_sha512_256_burst(struct ush_digest_ctx *ctx, const struct ush_digest_msg *msgs,
		unsigned int n)
{
	return own_burst(ctx, USH_HASH_SHA512_256, msgs, n);
}
