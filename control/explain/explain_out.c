/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* usher-explain: print a message model as one JSON line or as "key value" lines for humans. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "explain_priv.h"

/* Longest dotted path of a human line ("auth[7].unknown_params"); deeper keys are cut. */
#define PATH_LEN 96
/* Column where values start in the human format. */
#define KEY_WIDTH 22

static const char *const skip_names[USH_EXPLAIN_SKIP_COUNT] = {
	[USH_EXPLAIN_SKIP_NONE] = "none",
#define USH_EXPLAIN_SKIP_NAME(name, text) [USH_EXPLAIN_SKIP_##name] = #name,
	USH_EXPLAIN_SKIPS(USH_EXPLAIN_SKIP_NAME)
#undef USH_EXPLAIN_SKIP_NAME
};

static const char *const skip_texts[USH_EXPLAIN_SKIP_COUNT] = {
	[USH_EXPLAIN_SKIP_NONE] = "SIP",
#define USH_EXPLAIN_SKIP_TEXT(name, text) [USH_EXPLAIN_SKIP_##name] = text,
	USH_EXPLAIN_SKIPS(USH_EXPLAIN_SKIP_TEXT)
#undef USH_EXPLAIN_SKIP_TEXT
};

const char *
ush_explain_skip_name(enum ush_explain_skip skip)
{
	return skip < USH_EXPLAIN_SKIP_COUNT ? skip_names[skip] : "?";
}

const char *
ush_explain_skip_text(enum ush_explain_skip skip)
{
	return skip < USH_EXPLAIN_SKIP_COUNT ? skip_texts[skip] : "?";
}

/* Keys the heading line already shows. */
static bool
in_heading(const char *key)
{
	static const char *const keys[] = {
		"source", "frame", "src", "dst", "length", "ok", "error", "reason",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/*
 * One line per scalar, named by its dotted path ("ruri.host", "auth[0].realm"); nulls (absent
 * fields) are left out. Walking the model rather than naming fields keeps this format in step
 * with the JSON one.
 */
static void
render(FILE *out, const char *path, json_t *v)
{
	char sub[PATH_LEN];
	const char *key;
	void *it;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		for (it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
			key = json_object_iter_key(it);
			if (path[0] == '\0' && in_heading(key))
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
			render(out, sub, json_object_iter_value(it));
		}
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			render(out, sub, json_array_get(v, i));
		}
		break;
	case JSON_STRING:
		/* An empty value (a bare ";rport", an empty tag) must not look absent. */
		fprintf(out, "  %-*s %s\n", KEY_WIDTH, path,
			json_string_length(v) ? json_string_value(v) : "(empty)");
		break;
	case JSON_INTEGER:
		fprintf(out, "  %-*s %" JSON_INTEGER_FORMAT "\n", KEY_WIDTH, path,
			json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		fprintf(out, "  %-*s %s\n", KEY_WIDTH, path, json_is_true(v) ? "yes" : "no");
		break;
	default:
		break;
	}
}

/* A string member, or "?" when it is missing (only after an allocation failure). */
static const char *
str(json_t *m, const char *key)
{
	const char *s = json_string_value(json_object_get(m, key));

	return s != NULL ? s : "?";
}

static void
print_human(FILE *out, json_t *m)
{
	json_t *frame = json_object_get(m, "frame");

	fprintf(out, "== %s", str(m, "source"));
	if (json_is_integer(frame))
		fprintf(out, " frame %" JSON_INTEGER_FORMAT " %s -> %s", json_integer_value(frame),
			str(m, "src"), str(m, "dst"));
	fprintf(out, " (%" JSON_INTEGER_FORMAT " bytes): ",
		json_integer_value(json_object_get(m, "length")));
	if (json_is_true(json_object_get(m, "ok")))
		fprintf(out, "ok\n");
	else
		fprintf(out, "REJECTED %s: %s\n", str(m, "error"), str(m, "reason"));
	render(out, "", m);
	fputc('\n', out);
}

/* Who sent what: the credentials username, else the From user, else "-". */
static const char *
who(json_t *m)
{
	json_t *auth = json_object_get(m, "auth"), *a;
	const char *u;
	size_t i;

	for (i = 0; i < json_array_size(auth); i++) {
		a = json_array_get(auth, i);
		u = json_string_value(json_object_get(a, "username"));
		if (u != NULL)
			return u;
	}
	a = json_object_get(json_object_get(m, "from"), "uri");
	u = json_string_value(json_object_get(a, "user"));
	return u != NULL ? u : "-";
}

/*
 * --config, human: one line per message, "frame 3 198.51.100.7:5060 REGISTER alice ->
 * reply 401 (challenge_bad_response: ...) [SHA-256, MD5]", built from the model's keys.
 */
static void
print_verdict_line(const struct ush_explain_ctx *ctx, FILE *out, json_t *m)
{
	json_t *frame = json_object_get(m, "frame"), *reply = json_object_get(m, "reply");
	json_t *algos = json_object_get(reply, "algorithms");
	const char *method = json_string_value(json_object_get(m, "method"));
	json_t *status = json_object_get(m, "status");
	size_t i;

	if (!json_is_integer(frame))
		fprintf(out, "%s", str(m, "source"));
	else if (ctx->opts.multi)
		fprintf(out, "%s frame %" JSON_INTEGER_FORMAT " %s", str(m, "source"),
			json_integer_value(frame), str(m, "src"));
	else
		fprintf(out, "frame %" JSON_INTEGER_FORMAT " %s", json_integer_value(frame),
			str(m, "src"));
	if (!json_is_true(json_object_get(m, "ok")))
		fprintf(out, " unparsable (%s)", str(m, "error"));
	else if (method != NULL)
		fprintf(out, " %s %s", method, who(m));
	else
		fprintf(out, " response %" JSON_INTEGER_FORMAT, json_integer_value(status));
	fprintf(out, " -> %s", str(m, "verdict"));
	if (json_is_object(reply))
		fprintf(out, " %" JSON_INTEGER_FORMAT,
			json_integer_value(json_object_get(reply, "status")));
	fprintf(out, " (%s: %s)", str(m, "verdict_reason"), str(m, "verdict_reason_text"));
	if (json_is_array(algos)) {
		fputs(" [", out);
		for (i = 0; i < json_array_size(algos); i++)
			fprintf(out, "%s%s", i ? ", " : "",
				json_string_value(json_array_get(algos, i)));
		fputc(']', out);
		if (json_is_true(json_object_get(reply, "stale")))
			fputs(" stale=true", out);
	}
	if (json_is_integer(json_object_get(reply, "retry_after")))
		fprintf(out, " Retry-After %" JSON_INTEGER_FORMAT,
			json_integer_value(json_object_get(reply, "retry_after")));
	if (json_is_string(json_object_get(m, "event")))
		fprintf(out, "; event %s", str(m, "event"));
	fputc('\n', out);
}

/* --config: run the message through the pipeline and add the verdict keys to its model. */
static void
decide(struct ush_explain_ctx *ctx, const struct ush_explain_origin *org, const char *buf,
       size_t len, json_t *m)
{
	struct ush_explain_verdict v;

	if (org->from != NULL)
		ush_explain_engine_decide(ctx->eng, buf, len, org->from, org->dport, org->now, &v);
	else
		ush_explain_engine_decide(ctx->eng, buf, len, &ctx->opts.raw_src, -1, ctx->opts.now,
					  &v);
	ush_explain_verdict_json(&v, m);
}

int
ush_explain_message(struct ush_explain_ctx *ctx, const struct ush_explain_origin *org,
		    const char *buf, size_t len)
{
	bool parsed = false;
	json_t *m;
	int ret = 0;

	m = ush_explain_msg_json(ctx, org, buf, len, &parsed);
	if (m == NULL) {
		fprintf(stderr, "usher-explain: out of memory\n");
		return -ENOMEM;
	}
	ctx->messages++;
	if (parsed)
		ctx->parsed++;
	else
		ctx->rejected++;
	if (ctx->eng != NULL)
		decide(ctx, org, buf, len, m);
	if (ctx->opts.json) {
		if (json_dumpf(m, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF)
			ret = -EIO;
	} else if (ctx->eng != NULL) {
		print_verdict_line(ctx, stdout, m);
	} else {
		print_human(stdout, m);
	}
	json_decref(m);
	return ret;
}

/* --config: "verdicts" (per action) and "counters" (those that moved) of the summary. */
static void
verdicts_json(const struct ush_explain_ctx *ctx, json_t *s)
{
	const uint64_t *act = ush_explain_engine_actions(ctx->eng);
	const uint64_t *ctr = ush_explain_engine_counters(ctx->eng);
	json_t *o = json_object();
	int i;

	for (i = USH_AUTH_FORWARD; i <= USH_AUTH_DROP; i++)
		json_object_set_new(o, ush_explain_action_name((unsigned int)i),
				    json_integer((json_int_t)act[i]));
	json_object_set_new(s, "verdicts", o);
	o = json_object();
	for (i = 0; i < USH_CTR_COUNT; i++)
		if (ctr[i] != 0)
			json_object_set_new(o, ush_ctr_name((enum ush_ctr)i),
					    json_integer((json_int_t)ctr[i]));
	json_object_set_new(s, "counters", o);
}

static void
verdicts_human(const struct ush_explain_ctx *ctx)
{
	const uint64_t *act = ush_explain_engine_actions(ctx->eng);
	const uint64_t *ctr = ush_explain_engine_counters(ctx->eng);
	const char *sep = ": ";
	int i;

	fprintf(stderr,
		"usher-explain: verdicts: %" PRIu64 " forward, %" PRIu64 " reply, %" PRIu64
		" drop\n",
		act[USH_AUTH_FORWARD], act[USH_AUTH_REPLY], act[USH_AUTH_DROP]);
	fprintf(stderr, "usher-explain: counters");
	for (i = 0; i < USH_CTR_COUNT; i++) {
		if (ctr[i] == 0)
			continue;
		fprintf(stderr, "%s%s %" PRIu64, sep, ush_ctr_name((enum ush_ctr)i), ctr[i]);
		sep = ", ";
	}
	fputs(sep[0] == ':' ? ": none\n" : "\n", stderr);
}

void
ush_explain_summary(const struct ush_explain_ctx *ctx)
{
	uint64_t skipped = 0;
	const char *sep = " (";
	json_t *s, *k;
	int i;

	for (i = 1; i < USH_EXPLAIN_SKIP_COUNT; i++)
		skipped += ctx->skipped[i];
	if (ctx->opts.json) {
		s = json_object();
		k = json_object();
		json_object_set_new(s, "messages", json_integer((json_int_t)ctx->messages));
		json_object_set_new(s, "parsed", json_integer((json_int_t)ctx->parsed));
		json_object_set_new(s, "rejected", json_integer((json_int_t)ctx->rejected));
		json_object_set_new(s, "frames", json_integer((json_int_t)ctx->frames));
		for (i = 1; i < USH_EXPLAIN_SKIP_COUNT; i++)
			json_object_set_new(k, ush_explain_skip_name(i),
					    json_integer((json_int_t)ctx->skipped[i]));
		json_object_set_new(s, "skipped", k);
		json_object_set_new(s, "input_errors", json_integer((json_int_t)ctx->input_errors));
		if (ctx->eng != NULL)
			verdicts_json(ctx, s);
		k = json_object();
		json_object_set_new(k, "summary", s);
		if (k != NULL && json_dumpf(k, stdout, JSON_COMPACT) == 0)
			fputc('\n', stdout);
		json_decref(k);
		return;
	}
	fflush(stdout); /* the summary comes last, also when stdout and stderr share a pipe */
	fprintf(stderr,
		"usher-explain: %" PRIu64 " message%s: %" PRIu64 " parsed, %" PRIu64 " rejected",
		ctx->messages, ctx->messages == 1 ? "" : "s", ctx->parsed, ctx->rejected);
	if (ctx->frames)
		fprintf(stderr, "; %" PRIu64 " pcap frame%s, %" PRIu64 " without SIP", ctx->frames,
			ctx->frames == 1 ? "" : "s", skipped);
	for (i = 1; i < USH_EXPLAIN_SKIP_COUNT; i++) {
		if (ctx->skipped[i] == 0)
			continue;
		fprintf(stderr, "%s%" PRIu64 " %s", sep, ctx->skipped[i], ush_explain_skip_text(i));
		sep = "; ";
	}
	if (skipped)
		fputc(')', stderr);
	if (ctx->input_errors)
		fprintf(stderr, "; %" PRIu64 " unreadable input%s", ctx->input_errors,
			ctx->input_errors == 1 ? "" : "s");
	fputc('\n', stderr);
	if (ctx->eng != NULL)
		verdicts_human(ctx);
}
