/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* STIR/SHAKEN verifier: trust store, certificate repository, the two caches, verdicts. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "identity_priv.h"
#include "ushd_identity.h"

#define TNAUTH_OID "1.3.6.1.5.5.7.1.26"

static const struct {
	uint16_t code;
	const char *text;
} verdict_tab[USHD_ID_V_COUNT] = {
#define V_ROW(n, c, t) [USHD_ID_V_##n] = {c, t},
	USHD_ID_FOREACH_VERDICT(V_ROW)
#undef V_ROW
};

static const struct {
	uint8_t verdict;
	const char *name;
	const char *text;
} reason_tab[USHD_ID_R_COUNT] = {
#define R_ROW(n, v, s, m) [USHD_ID_R_##n] = {USHD_ID_V_##v, s, m},
	USHD_ID_FOREACH_REASON(R_ROW)
#undef R_ROW
};

uint16_t
ushd_identity_verdict_code(enum ushd_id_verdict v)
{
	return (unsigned int)v < USHD_ID_V_COUNT ? verdict_tab[v].code : 500;
}

const char *
ushd_identity_verdict_text(enum ushd_id_verdict v)
{
	return (unsigned int)v < USHD_ID_V_COUNT ? verdict_tab[v].text : "?";
}

enum ushd_id_verdict
ushd_identity_reason_verdict(enum ushd_id_reason r)
{
	return (unsigned int)r < USHD_ID_R_COUNT ? reason_tab[r].verdict : USHD_ID_V_INTERNAL;
}

const char *
ushd_identity_reason_name(enum ushd_id_reason r)
{
	return (unsigned int)r < USHD_ID_R_COUNT ? reason_tab[r].name : "?";
}

const char *
ushd_identity_reason_text(enum ushd_id_reason r)
{
	return (unsigned int)r < USHD_ID_R_COUNT ? reason_tab[r].text : "?";
}

/* ---- configuration ---- */

void
ushd_identity_conf_defaults(struct ushd_identity_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->iat_window = 60;
	c->future_skew = 5;
	c->cert_ttl = 3600;
	c->cert_cache_max = 1024;
	c->result_ttl = 10;
	c->result_cache_max = 4096;
	c->threads = 2;
	c->queue_depth = 1024;
	c->fetch_timeout_ms = 2000;
	c->fetch_max_bytes = ID_CERT_FILE_MAX;
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

int
ushd_identity_conf_set(struct ushd_identity_conf *c, const char *key, const char *value, char *err,
		       size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} paths[] = {
		{"ca_file", offsetof(struct ushd_identity_conf, ca_file)},
		{"ca_dir", offsetof(struct ushd_identity_conf, ca_dir)},
		{"crl_file", offsetof(struct ushd_identity_conf, crl_file)},
		{"crl_dir", offsetof(struct ushd_identity_conf, crl_dir)},
		{"repo_dir", offsetof(struct ushd_identity_conf, repo_dir)},
		{"fetch_ca", offsetof(struct ushd_identity_conf, fetch_ca)},
	};
	static const struct {
		const char *key;
		size_t off;
		uint32_t min, max;
	} nums[] = {
		{"iat_window", offsetof(struct ushd_identity_conf, iat_window), 1, 86400},
		{"future_skew", offsetof(struct ushd_identity_conf, future_skew), 0, 600},
		{"cert_ttl", offsetof(struct ushd_identity_conf, cert_ttl), 1, 7 * 86400},
		{"cert_cache_max", offsetof(struct ushd_identity_conf, cert_cache_max), 0,
		 1u << 20},
		{"result_ttl", offsetof(struct ushd_identity_conf, result_ttl), 1, 600},
		{"result_cache_max", offsetof(struct ushd_identity_conf, result_cache_max), 0,
		 1u << 22},
		{"threads", offsetof(struct ushd_identity_conf, threads), 1, 64},
		{"queue_depth", offsetof(struct ushd_identity_conf, queue_depth), 1, 1u << 16},
		{"fetch_timeout_ms", offsetof(struct ushd_identity_conf, fetch_timeout_ms), 100,
		 30000},
		/* the fetched body lands in the repository's read buffer: same cap */
		{"fetch_max_bytes", offsetof(struct ushd_identity_conf, fetch_max_bytes), 1024,
		 ID_CERT_FILE_MAX},
	};
	static const struct {
		const char *key;
		size_t off;
	} flags[] = {
		{"allow_http", offsetof(struct ushd_identity_conf, allow_http)},
		{"fetch", offsetof(struct ushd_identity_conf, fetch)},
		{"fetch_allow_private", offsetof(struct ushd_identity_conf, fetch_allow_private)},
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strcmp(key, paths[i].key) != 0)
			continue;
		if (strlen(value) >= sizeof(c->ca_file)) {
			seterr(err, errlen, "%s: path too long", key);
			return -EINVAL;
		}
		strcpy((char *)c + paths[i].off, value);
		return 0;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint32_t v;

		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (parse_u32(value, nums[i].min, nums[i].max, &v) < 0) {
			seterr(err, errlen, "%s: expected an integer in %" PRIu32 "..%" PRIu32, key,
			       nums[i].min, nums[i].max);
			return -EINVAL;
		}
		memcpy((char *)c + nums[i].off, &v, sizeof(v));
		return 0;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bool v;

		if (strcmp(key, flags[i].key) != 0)
			continue;
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			v = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
			 strcmp(value, "0") == 0)
			v = false;
		else {
			seterr(err, errlen, "%s: expected true or false", key);
			return -EINVAL;
		}
		memcpy((char *)c + flags[i].off, &v, sizeof(v));
		return 0;
	}
	seterr(err, errlen, "%s: unknown key", key);
	return -ENOENT;
}

/* ---- trust: anchors, CRLs and the repository index, swapped whole on reload ---- */

struct id_index_ent {
	char *url;
	char *file;
};

struct id_trust {
	atomic_uint ref;
	X509_STORE *store;
	bool have_crls;
	time_t crl_next_update; /* earliest nextUpdate of the loaded CRLs; INT64_MAX-ish if none */
	struct id_index_ent *index;
	size_t n_index;
};

/* A validated certificate: what a cache hit gives, refcounted across threads. */
struct id_cert {
	atomic_uint ref;
	EVP_PKEY *pkey;
	STACK_OF(X509) *chain; /* leaf first, the anchor last, as X509_verify_cert built it */
	struct id_tnauth tn;
	time_t not_before;  /* latest notBefore of the chain */
	time_t valid_until; /* min(validation + cert_ttl, notAfter of the chain, CRL nextUpdate) */
	char url[];
};

/* Cache node: 32-byte key (SHA-256), hash chain, LRU list, expiry. */
struct id_node {
	uint8_t key[32];
	struct id_node *hnext;
	struct id_node *prev, *next;
	time_t expires;
	struct id_cert *cert; /* certificate cache */
	uint8_t csig[64];     /* result cache: the verified signature, canonical (low-S) */
};

struct id_cache {
	struct id_node **bucket;
	uint32_t mask;
	uint32_t count, max;
	struct id_node lru; /* sentinel: lru.next is the most recently used */
};

struct ushd_identity {
	struct ushd_identity_conf conf;
	EVP_MD *sha256;
	ASN1_OBJECT *tnauth_obj;
	pthread_mutex_t lock; /* trust pointer and both caches */
	struct id_trust *trust;
	struct id_cache certs;
	struct id_cache results;
	atomic_uint_fast64_t n_verdict[USHD_ID_V_COUNT];
	atomic_uint_fast64_t n_reason[USHD_ID_R_COUNT];
	atomic_uint_fast64_t cert_hit, cert_miss, chain_builds, result_hit, result_miss,
		sig_verifies, flushes;
	atomic_uint_fast64_t fetches, fetch_refused, fetch_failed, fetch_too_big, fetch_timeout,
		fetch_bytes;
	bool curl_inited;
};

static void
cert_put(struct id_cert *c)
{
	if (c == NULL || atomic_fetch_sub(&c->ref, 1) != 1)
		return;
	EVP_PKEY_free(c->pkey);
	sk_X509_pop_free(c->chain, X509_free);
	free(c);
}

static void
trust_put(struct id_trust *t)
{
	if (t == NULL || atomic_fetch_sub(&t->ref, 1) != 1)
		return;
	X509_STORE_free(t->store);
	for (size_t i = 0; i < t->n_index; i++) {
		free(t->index[i].url);
		free(t->index[i].file);
	}
	free(t->index);
	free(t);
}

static int
index_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_index_ent *)a)->url, ((const struct id_index_ent *)b)->url);
}

/*
 * <repo>/index: one "URL FILENAME" per line (spaces or tabs between), '#' comments, blank
 * lines ignored. FILENAME is a plain name inside the repository: no '/', so an index line
 * cannot point the verifier at an arbitrary file.
 */
static int
load_index(struct id_trust *t, const char *repo, char *err, size_t errlen)
{
	char path[PATH_MAX], line[2048];
	size_t cap = 0;
	unsigned int lineno = 0;
	FILE *f;
	int rc = 0;

	if (snprintf(path, sizeof(path), "%s/index", repo) >= (int)sizeof(path)) {
		seterr(err, errlen, "identity: repo_dir: path too long");
		return -EINVAL;
	}
	f = fopen(path, "r");
	if (f == NULL && errno == ENOENT)
		return 0; /* no index: the sha256 names alone */
	if (f == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *url, *file, *extra, *save;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			seterr(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -EINVAL;
			break;
		}
		url = strtok_r(line, " \t\r\n", &save);
		if (url == NULL || url[0] == '#')
			continue;
		file = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		if (file == NULL || extra != NULL || strchr(file, '/') != NULL ||
		    strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
		    strlen(url) > USHD_ID_URL_MAX) {
			seterr(err, errlen, "%s:%u: expected \"URL FILENAME\" (a name in %s)", path,
			       lineno, repo);
			rc = -EINVAL;
			break;
		}
		if (t->n_index == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *n = realloc(t->index, ncap * sizeof(*t->index));

			if (n == NULL) {
				rc = -ENOMEM;
				break;
			}
			t->index = n;
			cap = ncap;
		}
		t->index[t->n_index].url = strdup(url);
		t->index[t->n_index].file = strdup(file);
		if (t->index[t->n_index].url == NULL || t->index[t->n_index].file == NULL) {
			free(t->index[t->n_index].url);
			free(t->index[t->n_index].file);
			rc = -ENOMEM;
			break;
		}
		t->n_index++;
	}
	fclose(f);
	if (rc == -ENOMEM)
		seterr(err, errlen, "%s: out of memory", path);
	if (rc == 0 && t->n_index > 1) {
		qsort(t->index, t->n_index, sizeof(*t->index), index_cmp);
		for (size_t i = 1; i < t->n_index; i++)
			if (strcmp(t->index[i - 1].url, t->index[i].url) == 0) {
				seterr(err, errlen, "%s: %s listed twice", path, t->index[i].url);
				return -EINVAL;
			}
	}
	return rc;
}

static time_t
asn1_time_to_time(const ASN1_TIME *a)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static int
load_crl_file(struct id_trust *t, const char *path, char *err, size_t errlen)
{
	BIO *b = BIO_new_file(path, "r");
	X509_CRL *crl;
	int n = 0;

	if (b == NULL) {
		seterr(err, errlen, "identity: %s: cannot read", path);
		ERR_clear_error();
		return -EINVAL;
	}
	while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		time_t next = asn1_time_to_time(X509_CRL_get0_nextUpdate(crl));

		/* a CRL without nextUpdate gives no bound; one is expected (RFC 5280 §5.1.2.5) */
		if (next != 0 && next < t->crl_next_update)
			t->crl_next_update = next;
		if (X509_STORE_add_crl(t->store, crl) != 1) {
			X509_CRL_free(crl);
			break;
		}
		X509_CRL_free(crl);
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	if (n == 0) {
		seterr(err, errlen, "identity: %s: no PEM CRL in it", path);
		return -EINVAL;
	}
	t->have_crls = true;
	return 0;
}

static struct id_trust *
trust_load(const struct ushd_identity_conf *c, char *err, size_t errlen, int *rc)
{
	struct id_trust *t = calloc(1, sizeof(*t));

	*rc = -ENOMEM;
	if (t == NULL)
		return NULL;
	atomic_init(&t->ref, 1);
	t->crl_next_update = (time_t)INT64_MAX;
	t->store = X509_STORE_new();
	if (t->store == NULL)
		goto out_free_trust;
	*rc = -EINVAL;
	if (c->ca_file[0] == '\0' && c->ca_dir[0] == '\0') {
		seterr(err, errlen, "identity: ca_file or ca_dir is required");
		goto out_free_trust;
	}
	if (c->repo_dir[0] == '\0') {
		seterr(err, errlen, "identity: repo_dir is required");
		goto out_free_trust;
	}
	if (c->ca_file[0] != '\0' && X509_STORE_load_file(t->store, c->ca_file) != 1) {
		seterr(err, errlen, "identity: ca_file %s: no readable PEM certificate",
		       c->ca_file);
		goto out_free_trust;
	}
	if (c->ca_dir[0] != '\0' && X509_STORE_load_path(t->store, c->ca_dir) != 1) {
		seterr(err, errlen, "identity: ca_dir %s: cannot use", c->ca_dir);
		goto out_free_trust;
	}
	if (c->crl_file[0] != '\0' && (*rc = load_crl_file(t, c->crl_file, err, errlen)) < 0)
		goto out_free_trust;
	if (c->crl_dir[0] != '\0') {
		DIR *d = opendir(c->crl_dir);
		struct dirent *de;
		bool any = false;

		if (d == NULL) {
			seterr(err, errlen, "identity: crl_dir %s: %s", c->crl_dir,
			       strerror(errno));
			*rc = -EINVAL;
			goto out_free_trust;
		}
		*rc = 0;
		while ((de = readdir(d)) != NULL) {
			char path[PATH_MAX];
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", c->crl_dir, de->d_name);
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			*rc = load_crl_file(t, path, err, errlen);
			if (*rc < 0)
				break;
			any = true;
		}
		closedir(d);
		if (*rc < 0)
			goto out_free_trust;
		/* an operator who names a CRL directory expects revocation checks: none is an error
		 */
		if (!any) {
			seterr(err, errlen, "identity: crl_dir %s: no CRL file in it", c->crl_dir);
			*rc = -EINVAL;
			goto out_free_trust;
		}
	}
	/* with CRLs configured, every certificate of the path needs one from its issuer */
	if (t->have_crls)
		X509_STORE_set_flags(t->store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	*rc = load_index(t, c->repo_dir, err, errlen);
	if (*rc < 0)
		goto out_free_trust;
	ERR_clear_error();
	return t;

out_free_trust:
	ERR_clear_error();
	trust_put(t);
	return NULL;
}

/* ---- caches ---- */

static int
cache_init(struct id_cache *c, uint32_t max)
{
	uint32_t n = 16;

	while (n < max && n < (1u << 22))
		n <<= 1;
	c->bucket = calloc(n, sizeof(*c->bucket));
	if (c->bucket == NULL)
		return -ENOMEM;
	c->mask = n - 1;
	c->max = max;
	c->count = 0;
	c->lru.next = c->lru.prev = &c->lru;
	return 0;
}

static inline uint32_t
cache_slot(const struct id_cache *c, const uint8_t *key)
{
	uint32_t h;

	memcpy(&h, key, sizeof(h)); /* the key is a SHA-256: any 32 bits are uniform */
	return h & c->mask;
}

static void
cache_unlink(struct id_cache *c, struct id_node *n)
{
	struct id_node **pp = &c->bucket[cache_slot(c, n->key)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	c->count--;
	cert_put(n->cert);
	free(n);
}

static void
cache_flush(struct id_cache *c)
{
	while (c->lru.next != &c->lru)
		cache_unlink(c, c->lru.next);
}

/* Live node of key (moved to the front), or NULL; an expired node is dropped. */
static struct id_node *
cache_get(struct id_cache *c, const uint8_t *key, time_t now)
{
	struct id_node *n;

	if (c->max == 0)
		return NULL;
	for (n = c->bucket[cache_slot(c, key)]; n != NULL; n = n->hnext)
		if (memcmp(n->key, key, 32) == 0)
			break;
	if (n == NULL)
		return NULL;
	if (now >= n->expires) {
		cache_unlink(c, n);
		return NULL;
	}
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = c->lru.next;
	n->prev = &c->lru;
	c->lru.next->prev = n;
	c->lru.next = n;
	return n;
}

/* Insert (or replace) key; evicts the least recently used node when full. */
static struct id_node *
cache_put(struct id_cache *c, const uint8_t *key, time_t expires)
{
	struct id_node *n, **head;

	if (c->max == 0)
		return NULL;
	for (n = c->bucket[cache_slot(c, key)]; n != NULL; n = n->hnext)
		if (memcmp(n->key, key, 32) == 0) {
			cache_unlink(c, n);
			break;
		}
	if (c->count >= c->max)
		cache_unlink(c, c->lru.prev);
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	memcpy(n->key, key, 32);
	n->expires = expires;
	head = &c->bucket[cache_slot(c, key)];
	n->hnext = *head;
	*head = n;
	n->next = c->lru.next;
	n->prev = &c->lru;
	c->lru.next->prev = n;
	c->lru.next = n;
	c->count++;
	return n;
}

/* ---- context ---- */

struct ushd_identity *
ushd_identity_create(const struct ushd_identity_conf *c, char *err, size_t errlen)
{
	struct ushd_identity *id = calloc(1, sizeof(*id));
	int rc = -ENOMEM;

	if (id == NULL)
		goto out_err;
	id->conf = *c;
	id->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	id->tnauth_obj = OBJ_txt2obj(TNAUTH_OID, 1);
	if (id->sha256 == NULL || id->tnauth_obj == NULL)
		goto out_free_id;
	if (cache_init(&id->certs, c->cert_cache_max) < 0)
		goto out_free_id;
	if (cache_init(&id->results, c->result_cache_max) < 0)
		goto out_free_certs;
	if (c->fetch && (c->fetch_max_bytes < 1024 || c->fetch_max_bytes > ID_CERT_FILE_MAX ||
			 c->fetch_timeout_ms < 100 || c->fetch_timeout_ms > 30000)) {
		seterr(err, errlen, "identity: fetch_max_bytes or fetch_timeout_ms out of range");
		rc = -EINVAL;
		goto out_free_results;
	}
	if (c->fetch && c->fetch_ca[0] != '\0' && access(c->fetch_ca, R_OK) < 0) {
		seterr(err, errlen, "identity: fetch_ca %s: %s", c->fetch_ca, strerror(errno));
		rc = -EINVAL;
		goto out_free_results;
	}
	id->trust = trust_load(c, err, errlen, &rc);
	if (id->trust == NULL)
		goto out_free_results;
	/* once here, not per fetch: curl_global_init is the one libcurl call with global state */
	if (c->fetch) {
		if (id_fetch_global_init() < 0) {
			trust_put(id->trust);
			rc = -ENOMEM;
			goto out_free_results;
		}
		id->curl_inited = true;
	}
	pthread_mutex_init(&id->lock, NULL);
	return id;

out_free_results:
	free(id->results.bucket);
out_free_certs:
	free(id->certs.bucket);
out_free_id:
	EVP_MD_free(id->sha256);
	ASN1_OBJECT_free(id->tnauth_obj);
	free(id);
out_err:
	if (rc == -ENOMEM)
		seterr(err, errlen, "identity: out of memory");
	errno = -rc;
	return NULL;
}

void
ushd_identity_free(struct ushd_identity *id)
{
	if (id == NULL)
		return;
	cache_flush(&id->certs);
	cache_flush(&id->results);
	free(id->certs.bucket);
	free(id->results.bucket);
	trust_put(id->trust);
	if (id->curl_inited)
		id_fetch_global_cleanup();
	EVP_MD_free(id->sha256);
	ASN1_OBJECT_free(id->tnauth_obj);
	pthread_mutex_destroy(&id->lock);
	free(id);
}

void
ushd_identity_flush(struct ushd_identity *id)
{
	pthread_mutex_lock(&id->lock);
	cache_flush(&id->certs);
	cache_flush(&id->results);
	pthread_mutex_unlock(&id->lock);
	atomic_fetch_add_explicit(&id->flushes, 1, memory_order_relaxed);
}

int
ushd_identity_reload(struct ushd_identity *id, char *err, size_t errlen)
{
	int rc;
	struct id_trust *t = trust_load(&id->conf, err, errlen, &rc), *old;

	if (t == NULL)
		return rc;
	/*
	 * Swap and flush under one lock: a verification that took the old store may still
	 * insert into the cache afterwards, but only after taking the lock, and it holds a
	 * reference on the old trust, not a pointer into it; its entry is bounded by cert_ttl.
	 */
	pthread_mutex_lock(&id->lock);
	old = id->trust;
	id->trust = t;
	cache_flush(&id->certs);
	cache_flush(&id->results);
	pthread_mutex_unlock(&id->lock);
	trust_put(old);
	atomic_fetch_add_explicit(&id->flushes, 1, memory_order_relaxed);
	return 0;
}

void
ushd_identity_stats(struct ushd_identity *id, struct ushd_identity_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < USHD_ID_V_COUNT; i++)
		out->verdict[i] = atomic_load_explicit(&id->n_verdict[i], memory_order_relaxed);
	for (int i = 0; i < USHD_ID_R_COUNT; i++)
		out->reason[i] = atomic_load_explicit(&id->n_reason[i], memory_order_relaxed);
	out->cert_hit = atomic_load_explicit(&id->cert_hit, memory_order_relaxed);
	out->cert_miss = atomic_load_explicit(&id->cert_miss, memory_order_relaxed);
	out->chain_builds = atomic_load_explicit(&id->chain_builds, memory_order_relaxed);
	out->result_hit = atomic_load_explicit(&id->result_hit, memory_order_relaxed);
	out->result_miss = atomic_load_explicit(&id->result_miss, memory_order_relaxed);
	out->sig_verifies = atomic_load_explicit(&id->sig_verifies, memory_order_relaxed);
	out->flushes = atomic_load_explicit(&id->flushes, memory_order_relaxed);
	out->fetches = atomic_load_explicit(&id->fetches, memory_order_relaxed);
	out->fetch_refused = atomic_load_explicit(&id->fetch_refused, memory_order_relaxed);
	out->fetch_failed = atomic_load_explicit(&id->fetch_failed, memory_order_relaxed);
	out->fetch_too_big = atomic_load_explicit(&id->fetch_too_big, memory_order_relaxed);
	out->fetch_timeout = atomic_load_explicit(&id->fetch_timeout, memory_order_relaxed);
	out->fetch_bytes = atomic_load_explicit(&id->fetch_bytes, memory_order_relaxed);
	pthread_mutex_lock(&id->lock);
	out->cert_cached = id->certs.count;
	out->result_cached = id->results.count;
	pthread_mutex_unlock(&id->lock);
}

/* ---- certificates ---- */

/*
 * x5u policy (ATIS-1000074 §5.3.1): https, port absent, 443 or 8443, no userinfo, query or
 * fragment. allow_http (tests) lifts the scheme and port rules only.
 */
static bool
x5u_ok(const char *url, bool allow_http)
{
	const char *host, *end, *colon;

	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (allow_http && strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return false;
	end = host + strcspn(host, "/");
	if (end == host || *end != '/' || strpbrk(url, "?#") != NULL ||
	    memchr(host, '@', (size_t)(end - host)) != NULL)
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	colon = memchr(host, ':', (size_t)(end - host));
	if (colon != NULL && !allow_http) {
		size_t plen = (size_t)(end - colon - 1);

		if (!(plen == 3 && memcmp(colon + 1, "443", 3) == 0) &&
		    !(plen == 4 && memcmp(colon + 1, "8443", 4) == 0))
			return false;
	}
	return true;
}

static enum ushd_id_reason
map_x509_error(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return USHD_ID_R_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return USHD_ID_R_CERT_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return USHD_ID_R_CERT_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
		return USHD_ID_R_CRL_UNAVAILABLE;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
		return USHD_ID_R_CRL_INVALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		return USHD_ID_R_CHAIN_UNTRUSTED;
	case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
		return USHD_ID_R_CERT_CRITICAL_EXT;
	default:
		return USHD_ID_R_CERT_INVALID;
	}
}

static void
hex32(const uint8_t *d, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

/* Read the repository file of url into buf. */
static enum ushd_id_reason
repo_read(const struct ushd_identity *id, const struct id_trust *t, const char *url,
	  const uint8_t url_hash[32], char *buf, size_t *len)
{
	struct id_index_ent key = {.url = (char *)(uintptr_t)url}, *hit;
	char path[PATH_MAX], hex[65];
	FILE *f;
	size_t n;

	hit = t->n_index ? bsearch(&key, t->index, t->n_index, sizeof(*t->index), index_cmp) : NULL;
	if (hit != NULL) {
		snprintf(path, sizeof(path), "%s/%s", id->conf.repo_dir, hit->file);
	} else {
		hex32(url_hash, hex);
		snprintf(path, sizeof(path), "%s/%s.pem", id->conf.repo_dir, hex);
	}
	f = fopen(path, "rb");
	if (f == NULL)
		return USHD_ID_R_X5U_UNKNOWN;
	n = fread(buf, 1, ID_CERT_FILE_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > ID_CERT_FILE_MAX)
		return USHD_ID_R_X5U_UNREADABLE;
	*len = n;
	return USHD_ID_R_OK;
}

/* Repository miss with fetch = yes: the body becomes what the file would have held. */
static enum ushd_id_reason
fetch_x5u(struct ushd_identity *id, const char *url, char *buf, size_t *len, char *detail,
	  size_t dlen)
{
	enum ushd_id_reason r;

	atomic_fetch_add_explicit(&id->fetches, 1, memory_order_relaxed);
	r = id_fetch(&id->conf, url, buf, ID_CERT_FILE_MAX, len, detail, dlen);
	atomic_fetch_add_explicit(&id->fetch_bytes, *len, memory_order_relaxed);
	switch (r) {
	case USHD_ID_R_X5U_FETCH_REFUSED:
		atomic_fetch_add_explicit(&id->fetch_refused, 1, memory_order_relaxed);
		break;
	case USHD_ID_R_X5U_FETCH_FAILED:
		atomic_fetch_add_explicit(&id->fetch_failed, 1, memory_order_relaxed);
		break;
	case USHD_ID_R_X5U_FETCH_TOO_BIG:
		atomic_fetch_add_explicit(&id->fetch_too_big, 1, memory_order_relaxed);
		break;
	case USHD_ID_R_X5U_FETCH_TIMEOUT:
		atomic_fetch_add_explicit(&id->fetch_timeout, 1, memory_order_relaxed);
		break;
	default:
		break;
	}
	if (r == USHD_ID_R_OK && *len == 0)
		r = USHD_ID_R_X5U_UNREADABLE;
	return r;
}

static enum ushd_id_reason
check_tnauth(const struct ushd_identity *id, X509 *leaf, struct id_tnauth *tn)
{
	int loc = X509_get_ext_by_OBJ(leaf, id->tnauth_obj, -1);
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *v;

	if (loc < 0)
		return USHD_ID_R_TNAUTH_MISSING;
	if (X509_get_ext_by_OBJ(leaf, id->tnauth_obj, loc) >= 0)
		return USHD_ID_R_TNAUTH_MALFORMED; /* twice: RFC 5280 §4.2 forbids it */
	ext = X509_get_ext(leaf, loc);
	/*
	 * Checked before the path: OpenSSL would otherwise report the generic "unhandled
	 * critical extension", and ATIS-1000080 wants it non-critical anyway.
	 */
	if (X509_EXTENSION_get_critical(ext))
		return USHD_ID_R_TNAUTH_CRITICAL;
	v = X509_EXTENSION_get_data(ext);
	if (id_tnauth_parse(ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), tn) < 0)
		return USHD_ID_R_TNAUTH_MALFORMED;
	return USHD_ID_R_OK;
}

static bool
key_is_p256(EVP_PKEY *pk)
{
	char group[32];
	size_t glen = 0;

	if (pk == NULL || !EVP_PKEY_is_a(pk, "EC"))
		return false;
	if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) != 1)
		return false;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/*
 * Load, check and validate the chain at url. On success *out is a new certificate (one
 * reference, the caller's). Runs without the context lock: ~0.5-1 ms of parsing and
 * signature checks.
 */
static enum ushd_id_reason
cert_load(struct ushd_identity *id, struct id_trust *t, const char *url, const uint8_t h[32],
	  time_t now, struct id_cert **out, char *detail, size_t dlen)
{
	char *buf = malloc(ID_CERT_FILE_MAX + 1);
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *xs = NULL;
	X509 *leaf = NULL, *x;
	struct id_cert *c = NULL;
	enum ushd_id_reason r;
	size_t len = 0, ulen = strlen(url);
	BIO *b = NULL;
	int n = 0;

	if (buf == NULL)
		return USHD_ID_R_NOMEM;
	r = repo_read(id, t, url, h, buf, &len);
	if (r == USHD_ID_R_X5U_UNKNOWN && id->conf.fetch)
		r = fetch_x5u(id, url, buf, &len, detail, dlen);
	if (r != USHD_ID_R_OK)
		goto out_free;
	r = USHD_ID_R_NOMEM;
	b = BIO_new_mem_buf(buf, (int)len);
	untrusted = sk_X509_new_null();
	c = calloc(1, sizeof(*c) + ulen + 1);
	if (b == NULL || untrusted == NULL || c == NULL)
		goto out_free;
	atomic_init(&c->ref, 1);
	memcpy(c->url, url, ulen + 1);
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (++n > ID_CHAIN_MAX) {
			X509_free(x);
			r = USHD_ID_R_X5U_UNREADABLE;
			goto out_free;
		}
		if (leaf == NULL) {
			leaf = x;
		} else if (!sk_X509_push(untrusted, x)) {
			X509_free(x);
			goto out_free;
		}
	}
	ERR_clear_error();
	if (leaf == NULL) {
		r = USHD_ID_R_X5U_UNREADABLE;
		goto out_free;
	}
	r = check_tnauth(id, leaf, &c->tn);
	if (r != USHD_ID_R_OK)
		goto out_free;
	if (!key_is_p256(X509_get0_pubkey(leaf))) {
		r = USHD_ID_R_KEY_UNSUPPORTED;
		goto out_free;
	}
	r = USHD_ID_R_NOMEM;
	xs = X509_STORE_CTX_new();
	if (xs == NULL || X509_STORE_CTX_init(xs, t->store, leaf, untrusted) != 1)
		goto out_free;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(xs), now);
	atomic_fetch_add_explicit(&id->chain_builds, 1, memory_order_relaxed);
	if (X509_verify_cert(xs) != 1) {
		int e = X509_STORE_CTX_get_error(xs);

		r = map_x509_error(e);
		snprintf(detail, dlen, "%s: %s (depth %d)", ushd_identity_reason_text(r),
			 X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(xs));
		goto out_free;
	}
	c->chain = X509_STORE_CTX_get1_chain(xs);
	c->pkey = X509_get_pubkey(leaf);
	if (c->chain == NULL || c->pkey == NULL)
		goto out_free;
	c->valid_until = now + (time_t)id->conf.cert_ttl;
	if (t->crl_next_update < c->valid_until)
		c->valid_until = t->crl_next_update;
	for (int i = 0; i < sk_X509_num(c->chain); i++) {
		X509 *ci = sk_X509_value(c->chain, i);
		time_t na = asn1_time_to_time(X509_get0_notAfter(ci));
		time_t nb = asn1_time_to_time(X509_get0_notBefore(ci));

		if (na < c->valid_until)
			c->valid_until = na;
		if (nb > c->not_before)
			c->not_before = nb;
	}
	*out = c;
	c = NULL;
	r = USHD_ID_R_OK;
out_free:
	ERR_clear_error();
	cert_put(c);
	X509_STORE_CTX_free(xs);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
	BIO_free(b);
	free(buf);
	return r;
}

/* ---- verification ---- */

static enum ushd_id_reason
es256_verify(struct ushd_identity *id, EVP_PKEY *pk, const uint8_t sig[64], const char *msg,
	     size_t len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t der[80];
	int dl = id_sig_to_der(sig, der, sizeof(der)), ok;

	if (m == NULL || dl < 0) {
		EVP_MD_CTX_free(m);
		return dl == -EINVAL ? USHD_ID_R_SIG_INVALID : USHD_ID_R_NOMEM;
	}
	atomic_fetch_add_explicit(&id->sig_verifies, 1, memory_order_relaxed);
	ok = EVP_DigestVerifyInit(m, NULL, id->sha256, NULL, pk) == 1 &&
	     EVP_DigestVerify(m, der, (size_t)dl, (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok ? USHD_ID_R_OK : USHD_ID_R_SIG_INVALID;
}

static bool
tn_eq(const char *claim, const char *canon_sip)
{
	char c[USHD_ID_TN_MAX + 1];

	return ushd_identity_tn_canon(claim, strlen(claim), c, sizeof(c)) > 0 &&
	       strcmp(c, canon_sip) == 0;
}

static enum ushd_id_reason
check_tns(const struct ushd_identity_req *req, const struct ushd_passport *pp, char *detail,
	  size_t dlen)
{
	const char *orig = req->pai != NULL ? req->pai : req->from;
	char tn[USHD_ID_TN_MAX + 1];

	if (orig != NULL) {
		if (ushd_identity_tn_canon(orig, strlen(orig), tn, sizeof(tn)) < 0) {
			snprintf(detail, dlen, "%s holds no telephone number",
				 req->pai != NULL ? "P-Asserted-Identity" : "From");
			return USHD_ID_R_ORIG_MISMATCH;
		}
		if (!tn_eq(pp->orig_tn, tn))
			return USHD_ID_R_ORIG_MISMATCH;
	}
	if (req->to != NULL) {
		unsigned int i;

		if (ushd_identity_tn_canon(req->to, strlen(req->to), tn, sizeof(tn)) < 0) {
			snprintf(detail, dlen, "To holds no telephone number");
			return USHD_ID_R_DEST_MISMATCH;
		}
		for (i = 0; i < pp->n_dest; i++)
			if (tn_eq(pp->dest_tn[i], tn))
				break;
		if (i == pp->n_dest)
			return USHD_ID_R_DEST_MISMATCH;
	}
	return USHD_ID_R_OK;
}

/*
 * The result cache is keyed by SHA-256(hdr "." payload) only, because the signature bytes
 * are malleable: (r, n - s) verifies as well as (r, s), and keying on them would let a
 * retransmission with the twin miss the cache (harmless) or, worse, tempt a design that
 * trusts "same key = same verdict". Here a hit is accepted only if the presented signature,
 * reduced to low-S form, equals the one that verified (stored the same way), compared in
 * constant time. A forged signature over a previously verified signing input therefore
 * misses and goes through the full ES256 check, which rejects it; a different valid
 * signature of the same input (ECDSA is randomised) also misses and verifies normally.
 * Only the signature check is cached: iat, TNs and x5u policy are checked on every call,
 * and an entry never outlives the certificate entry it was verified with (nor a reload).
 */
static enum ushd_id_reason
verify_one(struct ushd_identity *id, const struct ushd_identity_req *req,
	   struct ushd_identity_result *res)
{
	struct ushd_passport pp;
	const char *hdr = req->identity;
	time_t now = req->now ? req->now : time(NULL);
	uint8_t skey[32], ukey[32], csig[64];
	struct id_cert *cert = NULL;
	struct id_trust *trust;
	struct id_node *n;
	enum ushd_id_reason r;
	char tn[USHD_ID_TN_MAX + 1];
	size_t len = strnlen(hdr, USHD_ID_HDR_MAX + 1);

	r = ushd_identity_parse(hdr, len, &pp);
	if (r != USHD_ID_R_OK)
		return r;
	if (pp.iat > (int64_t)now) {
		if (pp.iat - (int64_t)now > (int64_t)id->conf.future_skew)
			return USHD_ID_R_IAT_FUTURE;
	} else if ((int64_t)now - pp.iat > (int64_t)id->conf.iat_window) {
		return USHD_ID_R_IAT_STALE;
	}
	r = check_tns(req, &pp, res->detail, sizeof(res->detail));
	if (r != USHD_ID_R_OK)
		return r;
	if (!x5u_ok(pp.x5u, id->conf.allow_http))
		return USHD_ID_R_X5U_BAD_URL;
	if (id_sig_canonical(pp.sig, csig) < 0)
		return USHD_ID_R_SIG_INVALID;

	SHA256((const unsigned char *)hdr + pp.signing_off, pp.signing_len, skey);
	SHA256((const unsigned char *)pp.x5u, strlen(pp.x5u), ukey);
	pthread_mutex_lock(&id->lock);
	n = cache_get(&id->results, skey, now);
	if (n != NULL && CRYPTO_memcmp(n->csig, csig, sizeof(csig)) == 0) {
		pthread_mutex_unlock(&id->lock);
		atomic_fetch_add_explicit(&id->result_hit, 1, memory_order_relaxed);
		res->result_cached = true;
		res->attest = pp.attest;
		return USHD_ID_R_OK;
	}
	n = cache_get(&id->certs, ukey, now);
	if (n != NULL && strcmp(n->cert->url, pp.x5u) == 0 && now >= n->cert->not_before) {
		cert = n->cert;
		atomic_fetch_add(&cert->ref, 1);
	}
	trust = id->trust;
	atomic_fetch_add(&trust->ref, 1);
	pthread_mutex_unlock(&id->lock);
	atomic_fetch_add_explicit(&id->result_miss, 1, memory_order_relaxed);

	if (cert != NULL) {
		atomic_fetch_add_explicit(&id->cert_hit, 1, memory_order_relaxed);
		res->cert_cached = true;
	} else {
		atomic_fetch_add_explicit(&id->cert_miss, 1, memory_order_relaxed);
		r = cert_load(id, trust, pp.x5u, ukey, now, &cert, res->detail,
			      sizeof(res->detail));
		if (r == USHD_ID_R_OK && id->conf.cert_cache_max > 0) {
			pthread_mutex_lock(&id->lock);
			/* a reload since we took trust: do not cache what the old store said */
			if (trust == id->trust) {
				n = cache_put(&id->certs, ukey, cert->valid_until);
				if (n != NULL) {
					n->cert = cert;
					atomic_fetch_add(&cert->ref, 1);
				}
			}
			pthread_mutex_unlock(&id->lock);
		}
	}
	if (r != USHD_ID_R_OK)
		goto out_put;
	if (ushd_identity_tn_canon(pp.orig_tn, strlen(pp.orig_tn), tn, sizeof(tn)) < 0 ||
	    !id_tnauth_covers(&cert->tn, tn)) {
		r = USHD_ID_R_TN_NOT_AUTHORIZED;
		goto out_put;
	}
	r = es256_verify(id, cert->pkey, pp.sig, hdr + pp.signing_off, pp.signing_len);
	if (r == USHD_ID_R_OK) {
		time_t exp = now + (time_t)id->conf.result_ttl;

		if (cert->valid_until < exp)
			exp = cert->valid_until;
		res->attest = pp.attest;
		pthread_mutex_lock(&id->lock);
		if (trust == id->trust) {
			n = cache_put(&id->results, skey, exp);
			if (n != NULL)
				memcpy(n->csig, csig, sizeof(csig));
		}
		pthread_mutex_unlock(&id->lock);
	}
out_put:
	cert_put(cert);
	trust_put(trust);
	return r;
}

int
ushd_identity_verify(struct ushd_identity *id, const struct ushd_identity_req *req,
		     struct ushd_identity_result *res)
{
	enum ushd_id_reason r;
	enum ushd_id_verdict v;

	memset(res, 0, sizeof(*res));
	if (req == NULL || req->identity == NULL)
		return -EINVAL;
	r = verify_one(id, req, res);
	v = ushd_identity_reason_verdict(r);
	res->reason = (uint8_t)r;
	res->verdict = (uint8_t)v;
	res->sip_code = ushd_identity_verdict_code(v);
	if (v != USHD_ID_V_PASSED)
		res->attest = 0;
	if (res->detail[0] == '\0')
		snprintf(res->detail, sizeof(res->detail), "%s", ushd_identity_reason_text(r));
	atomic_fetch_add_explicit(&id->n_reason[r], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&id->n_verdict[v], 1, memory_order_relaxed);
	return 0;
}

unsigned int
ushd_identity_cert_list(struct ushd_identity *id,
			void (*fn)(void *arg, const struct ushd_identity_cert_info *e), void *arg)
{
	unsigned int n = 0;

	pthread_mutex_lock(&id->lock);
	for (struct id_node *x = id->certs.lru.next; x != &id->certs.lru; x = x->next, n++) {
		const struct id_cert *c = x->cert;
		struct ushd_identity_cert_info e = {
			.x5u = c->url,
			.not_before = c->not_before,
			.valid_until = c->valid_until,
			.expires = x->expires,
			.n_tn = c->tn.n,
			.spc = c->tn.has_spc,
		};
		X509 *leaf = sk_X509_num(c->chain) > 0 ? sk_X509_value(c->chain, 0) : NULL;

		if (leaf != NULL)
			X509_NAME_oneline(X509_get_subject_name(leaf), e.subject,
					  (int)sizeof(e.subject));
		fn(arg, &e);
	}
	pthread_mutex_unlock(&id->lock);
	return n;
}
