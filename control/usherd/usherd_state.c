/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usherd's state directory: the nonce secrets (nonce.keys) and the live changes (live.json). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "usherd_priv.h"

#define KEYS_FILE "nonce.keys"
#define LIVE_FILE "live.json"

int
ushd_write_atomic(const char *path, const void *data, size_t len, unsigned int mode, char *err,
		  size_t errlen)
{
	char tmp[USHD_PATH_MAX + 16], dir[USHD_PATH_MAX];
	const char *p = data, *slash;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return rc;
	}
	/* O_CREAT's mode is masked by the umask and ignored for an existing file */
	if (fchmod(fd, mode) < 0)
		goto out_errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto out_errno;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto out_errno;
	if (close(fd) < 0) {
		fd = -1;
		goto out_errno;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out_errno;
	/* the rename itself must reach the disk before we tell anyone the change is kept */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : (int)(slash - path + 1),
		 slash == NULL ? "." : path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
out_errno:
	rc = -errno;
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* ---- nonce secrets ---- */

static json_t *
key_json(uint8_t kid, const uint8_t *secret)
{
	char hex[2 * USHD_SECRET_LEN + 1];
	json_t *o;

	ush_ctl_hex(hex, secret, USHD_SECRET_LEN);
	o = json_pack("{s:i, s:s}", "kid", (int)kid, "secret", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	return o;
}

json_t *
ushd_keys_request(const struct ushd_keys *k)
{
	json_t *req = json_object();

	if (req == NULL)
		return NULL;
	json_object_set_new(req, "cmd", json_string("nonce.keys"));
	json_object_set_new(req, "cur", key_json(k->cur_kid, k->cur));
	json_object_set_new(req, "prev",
			    k->have_prev ? key_json(k->prev_kid, k->prev) : json_null());
	if (json_object_get(req, "cur") == NULL ||
	    (k->have_prev && json_object_get(req, "prev") == NULL)) {
		ushd_json_wipe(req);
		return NULL;
	}
	return req;
}

static void
wipe_strings(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) {
			if (json_is_string(v) &&
			    (strcmp(key, "secret") == 0 || strcmp(key, "password") == 0)) {
				/* jansson owns the buffer; it is ours to overwrite before the free
				 */
				char *s = (char *)(uintptr_t)json_string_value(v);

				OPENSSL_cleanse(s, json_string_length(v));
			} else {
				wipe_strings(v);
			}
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			wipe_strings(v);
		}
	}
}

void
ushd_json_wipe(json_t *j)
{
	if (j == NULL)
		return;
	wipe_strings(j);
	json_decref(j);
}

static int
keys_save(const char *state_dir, const struct ushd_keys *k, char *err, size_t errlen)
{
	char path[USHD_PATH_MAX + 32];
	json_t *o = ushd_keys_request(k);
	char *text;
	int rc;

	if (o == NULL)
		return -ENOMEM;
	json_object_del(o, "cmd");
	text = json_dumps(o, JSON_INDENT(2));
	ushd_json_wipe(o);
	if (text == NULL)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", state_dir, KEYS_FILE);
	rc = ushd_write_atomic(path, text, strlen(text), 0600, err, errlen);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return rc;
}

static int
key_parse(const json_t *o, uint8_t *kid, uint8_t *secret)
{
	const json_t *jk = json_object_get(o, "kid"), *js = json_object_get(o, "secret");

	if (!json_is_integer(jk) || json_integer_value(jk) < 0 || json_integer_value(jk) > 255 ||
	    !json_is_string(js))
		return -EINVAL;
	*kid = (uint8_t)json_integer_value(jk);
	return ush_ctl_unhex(secret, USHD_SECRET_LEN, json_string_value(js),
			     json_string_length(js));
}

int
ushd_keys_load(const char *state_dir, struct ushd_keys *k, char *err, size_t errlen)
{
	char path[USHD_PATH_MAX + 32];
	json_error_t je;
	struct stat st;
	json_t *o, *prev;
	int rc;

	memset(k, 0, sizeof(*k));
	snprintf(path, sizeof(path), "%s/%s", state_dir, KEYS_FILE);
	if (stat(path, &st) < 0) {
		if (errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return rc;
		}
		/* first start: a fresh secret, kid 1 (the kid usher gives a secret file) */
		k->cur_kid = 1;
		if (RAND_bytes(k->cur, sizeof(k->cur)) != 1) {
			snprintf(err, errlen, "RAND_bytes failed: no random numbers");
			return -EIO;
		}
		rc = keys_save(state_dir, k, err, errlen);
		if (rc == 0)
			ushd_log(USHD_LOG_NOTICE, "%s: created a new nonce secret, key id %u", path,
				 k->cur_kid);
		return rc;
	}
	if ((st.st_mode & 077) != 0)
		ushd_log(USHD_LOG_WARNING,
			 "%s: readable by group or others (mode %03o): "
			 "chmod 600 it",
			 path, (unsigned int)(st.st_mode & 0777));
	o = json_load_file(path, 0, &je);
	if (o == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	rc = key_parse(json_object_get(o, "cur"), &k->cur_kid, k->cur);
	prev = json_object_get(o, "prev");
	if (rc == 0 && prev != NULL && !json_is_null(prev)) {
		k->have_prev = true;
		rc = key_parse(prev, &k->prev_kid, k->prev);
		if (rc == 0 && k->prev_kid == k->cur_kid)
			rc = -EINVAL;
	}
	ushd_json_wipe(o);
	if (rc < 0) {
		snprintf(err, errlen,
			 "%s: expected {\"cur\":{\"kid\":0-255,\"secret\":64 hex digits},"
			 " \"prev\":the same, another kid, or null}",
			 path);
		OPENSSL_cleanse(k, sizeof(*k));
		return -EINVAL;
	}
	return 0;
}

int
ushd_keys_rotate(const char *state_dir, struct ushd_keys *k, char *err, size_t errlen)
{
	struct ushd_keys n;
	int rc;

	n.prev_kid = k->cur_kid;
	memcpy(n.prev, k->cur, sizeof(n.prev));
	n.have_prev = true;
	/* cur + 1 differs from the old cur, which is the new prev */
	n.cur_kid = (uint8_t)(k->cur_kid + 1);
	if (RAND_bytes(n.cur, sizeof(n.cur)) != 1) {
		snprintf(err, errlen, "RAND_bytes failed: no random numbers");
		OPENSSL_cleanse(&n, sizeof(n));
		return -EIO;
	}
	rc = keys_save(state_dir, &n, err, errlen);
	if (rc == 0)
		memcpy(k, &n, sizeof(*k));
	OPENSSL_cleanse(&n, sizeof(n));
	return rc;
}

/* ---- live changes ---- */

int
ushd_live_load(const char *state_dir, json_t **ops, char *err, size_t errlen)
{
	char path[USHD_PATH_MAX + 32];
	json_error_t je;
	json_t *o, *a;
	size_t i;
	json_t *op;

	snprintf(path, sizeof(path), "%s/%s", state_dir, LIVE_FILE);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*ops = json_array();
		return *ops == NULL ? -ENOMEM : 0;
	}
	o = json_load_file(path, 0, &je);
	if (o == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -EINVAL;
	}
	a = json_object_get(o, "ops");
	if (!json_is_array(a)) {
		snprintf(err, errlen, "%s: expected {\"ops\": [...]}", path);
		json_decref(o);
		return -EINVAL;
	}
	json_array_foreach(a, i, op) {
		const char *cmd = json_string_value(json_object_get(op, "cmd"));

		if (cmd == NULL ||
		    (strcmp(cmd, "set") == 0
			     ? !json_is_string(json_object_get(op, "key")) ||
				       !json_is_string(json_object_get(op, "value"))
			     : (strcmp(cmd, "list.add") != 0 && strcmp(cmd, "list.del") != 0) ||
				       !json_is_string(json_object_get(op, "list")) ||
				       !json_is_string(json_object_get(op, "cidr")))) {
			snprintf(err, errlen, "%s: change %zu is not a set, list.add or list.del",
				 path, i + 1);
			json_decref(o);
			return -EINVAL;
		}
	}
	*ops = json_incref(a);
	json_decref(o);
	return 0;
}

/* Whether two changes touch the same thing (so the later one makes the earlier moot). */
static bool
same_target(const json_t *a, const json_t *b)
{
	const char *ca = json_string_value(json_object_get(a, "cmd"));
	const char *cb = json_string_value(json_object_get(b, "cmd"));

	if (strcmp(ca, "set") == 0 || strcmp(cb, "set") == 0)
		return strcmp(ca, cb) == 0 &&
		       json_equal(json_object_get(a, "key"), json_object_get(b, "key"));
	return json_equal(json_object_get(a, "list"), json_object_get(b, "list")) &&
	       json_equal(json_object_get(a, "cidr"), json_object_get(b, "cidr"));
}

int
ushd_live_record(const char *state_dir, json_t *ops, const json_t *op, char *err, size_t errlen)
{
	char path[USHD_PATH_MAX + 32];
	json_t *next, *file, *v;
	char *text;
	size_t i;
	int rc;

	next = json_array();
	if (next == NULL)
		return -ENOMEM;
	json_array_foreach(ops, i, v) {
		if (!same_target(v, op))
			json_array_append(next, v);
	}
	json_array_append_new(next, json_deep_copy(op));
	file = json_pack("{s:i, s:O}", "version", 1, "ops", next);
	text = file ? json_dumps(file, JSON_INDENT(1)) : NULL;
	json_decref(file);
	if (text == NULL) {
		json_decref(next);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, LIVE_FILE);
	rc = ushd_write_atomic(path, text, strlen(text), 0600, err, errlen);
	free(text);
	if (rc == 0) {
		json_array_clear(ops);
		json_array_extend(ops, next);
	}
	json_decref(next);
	return rc;
}
