/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Worker pool for a poll()-based daemon: bounded job slots, two index rings, one eventfd. */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ushd_identity.h"

/*
 * A slot carries a job from submit to collect. Strings are copied into it so the daemon can
 * free its message at once; ~6 KiB a slot, allocated up front so that a burst of INVITEs
 * never allocates on the loop thread.
 */
struct pool_slot {
	char identity[USHD_ID_HDR_MAX + 1];
	char from[USHD_ID_URI_MAX + 1];
	char pai[USHD_ID_URI_MAX + 1];
	char to[USHD_ID_URI_MAX + 1];
	uint8_t has; /* bit 0 from, 1 pai, 2 to */
	time_t now;
	struct ushd_identity_result res;
};

/* Ring of slot indices; capacity = number of slots, so a push never finds it full. */
struct pool_ring {
	uint32_t *v;
	uint32_t head, count;
};

struct ushd_identity_pool {
	struct ushd_identity *id;
	struct pool_slot *slot;
	uint32_t nslots;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pool_ring todo, done, free_;
	bool stop;
	int efd;
	uint32_t nthreads;
	pthread_t thread[];
};

static void
ring_push(struct pool_ring *r, uint32_t cap, uint32_t v)
{
	r->v[(r->head + r->count++) % cap] = v;
}

static uint32_t
ring_pop(struct pool_ring *r, uint32_t cap)
{
	uint32_t v = r->v[r->head];

	r->head = (r->head + 1) % cap;
	r->count--;
	return v;
}

static void *
pool_worker(void *arg)
{
	struct ushd_identity_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct ushd_identity_req req;
		struct pool_slot *s;
		uint32_t i;
		uint64_t one = 1;

		while (!p->stop && p->todo.count == 0)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		i = ring_pop(&p->todo, p->nslots);
		pthread_mutex_unlock(&p->lock);

		s = &p->slot[i];
		req.identity = s->identity;
		req.from = s->has & 1 ? s->from : NULL;
		req.pai = s->has & 2 ? s->pai : NULL;
		req.to = s->has & 4 ? s->to : NULL;
		req.now = s->now;
		uint64_t cookie = s->res.cookie;

		ushd_identity_verify(p->id, &req, &s->res);
		s->res.cookie = cookie;

		pthread_mutex_lock(&p->lock);
		ring_push(&p->done, p->nslots, i);
		/* the counter only has to become non-zero; EAGAIN means it is already huge */
		if (write(p->efd, &one, sizeof(one)) < 0) {
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct ushd_identity_pool *
ushd_identity_pool_create(struct ushd_identity *id, uint32_t threads, uint32_t queue_depth)
{
	struct ushd_identity_pool *p;
	int rc;

	if (id == NULL || threads == 0 || threads > 64 || queue_depth == 0 ||
	    queue_depth > (1u << 16)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p) + threads * sizeof(pthread_t));
	if (p == NULL)
		return NULL;
	p->id = id;
	p->nslots = queue_depth;
	p->efd = -1;
	p->slot = calloc(queue_depth, sizeof(*p->slot));
	p->todo.v = calloc(queue_depth, sizeof(uint32_t));
	p->done.v = calloc(queue_depth, sizeof(uint32_t));
	p->free_.v = calloc(queue_depth, sizeof(uint32_t));
	if (p->slot == NULL || p->todo.v == NULL || p->done.v == NULL || p->free_.v == NULL) {
		rc = ENOMEM;
		goto out_free;
	}
	for (uint32_t i = 0; i < queue_depth; i++)
		ring_push(&p->free_, queue_depth, i);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		rc = errno;
		goto out_free;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (uint32_t t = 0; t < threads; t++) {
		rc = pthread_create(&p->thread[t], NULL, pool_worker, p);
		if (rc != 0) {
			ushd_identity_pool_free(p);
			errno = rc;
			return NULL;
		}
		p->nthreads++;
	}
	return p;

out_free:
	free(p->slot);
	free(p->todo.v);
	free(p->done.v);
	free(p->free_.v);
	free(p);
	errno = rc;
	return NULL;
}

void
ushd_identity_pool_free(struct ushd_identity_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (uint32_t t = 0; t < p->nthreads; t++)
		pthread_join(p->thread[t], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	close(p->efd);
	free(p->slot);
	free(p->todo.v);
	free(p->done.v);
	free(p->free_.v);
	free(p);
}

int
ushd_identity_pool_fd(const struct ushd_identity_pool *p)
{
	return p->efd;
}

static int
copy_str(char *dst, size_t max, const char *src)
{
	size_t n = strnlen(src, max + 1);

	if (n > max)
		return -E2BIG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int
ushd_identity_pool_submit(struct ushd_identity_pool *p, const struct ushd_identity_req *req,
			  uint64_t cookie)
{
	struct pool_slot *s;
	uint32_t i;

	if (req == NULL || req->identity == NULL)
		return -EINVAL;
	if (strnlen(req->identity, USHD_ID_HDR_MAX + 1) > USHD_ID_HDR_MAX ||
	    (req->from != NULL && strnlen(req->from, USHD_ID_URI_MAX + 1) > USHD_ID_URI_MAX) ||
	    (req->pai != NULL && strnlen(req->pai, USHD_ID_URI_MAX + 1) > USHD_ID_URI_MAX) ||
	    (req->to != NULL && strnlen(req->to, USHD_ID_URI_MAX + 1) > USHD_ID_URI_MAX))
		return -E2BIG;
	pthread_mutex_lock(&p->lock);
	if (p->free_.count == 0) {
		pthread_mutex_unlock(&p->lock);
		return -EAGAIN;
	}
	i = ring_pop(&p->free_, p->nslots);
	pthread_mutex_unlock(&p->lock);

	/* the slot is ours alone until it is on the todo ring: fill it without the lock */
	s = &p->slot[i];
	copy_str(s->identity, USHD_ID_HDR_MAX, req->identity);
	s->has = 0;
	if (req->from != NULL && copy_str(s->from, USHD_ID_URI_MAX, req->from) == 0)
		s->has |= 1;
	if (req->pai != NULL && copy_str(s->pai, USHD_ID_URI_MAX, req->pai) == 0)
		s->has |= 2;
	if (req->to != NULL && copy_str(s->to, USHD_ID_URI_MAX, req->to) == 0)
		s->has |= 4;
	s->now = req->now;
	memset(&s->res, 0, sizeof(s->res));
	s->res.cookie = cookie;

	pthread_mutex_lock(&p->lock);
	ring_push(&p->todo, p->nslots, i);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

unsigned int
ushd_identity_pool_collect(struct ushd_identity_pool *p, struct ushd_identity_result *res,
			   unsigned int max)
{
	uint64_t v;
	unsigned int n = 0;
	bool more;

	/*
	 * Clear the eventfd before draining: a completion pushed after the drain also writes
	 * after this read, so the fd is readable again and poll() wakes the loop for it.
	 */
	if (read(p->efd, &v, sizeof(v)) < 0) {
	}
	pthread_mutex_lock(&p->lock);
	while (n < max && p->done.count > 0) {
		uint32_t i = ring_pop(&p->done, p->nslots);

		res[n++] = p->slot[i].res;
		ring_push(&p->free_, p->nslots, i);
	}
	more = p->done.count > 0;
	pthread_mutex_unlock(&p->lock);
	if (more) {
		uint64_t one = 1;

		if (write(p->efd, &one, sizeof(one)) < 0) {
		}
	}
	return n;
}
