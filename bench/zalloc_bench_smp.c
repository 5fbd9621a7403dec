// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_bench: the scenarios with more than one CPU.
 *
 *   threads    one thread per online CPU allocating and freeing, each on
 *              its own ("local") or handing half its objects to the next
 *              thread to free ("cross-cpu")
 *   prodcons   a producer on one CPU allocates, a consumer on another
 *              frees; only with two CPUs or more
 *
 * UML never preempts kernel code on interrupt return: a thread that waits
 * for another CPU offers to schedule (zb_wait_a_bit()), or the guest
 * stalls. The harness (rows, warm-up, runs) is in zalloc_bench_main.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "zalloc_bench.h"

#define ZB_RING		256

/**
 * struct zb_ring - single-producer single-consumer ring of objects
 * @slot: the objects
 * @head: next slot to fill; written by the producer only
 * @tail: next slot to take; written by the consumer only
 */
struct zb_ring {
	void *slot[ZB_RING];
	unsigned int head;
	unsigned int tail;
};

static bool ring_put(struct zb_ring *r, void *p)
{
	unsigned int head = r->head;

	/* Pairs with the smp_store_release() of tail in ring_get(). */
	if (head - smp_load_acquire(&r->tail) == ZB_RING)
		return false;
	r->slot[head % ZB_RING] = p;
	/* Pairs with the smp_load_acquire() of head in ring_get(). */
	smp_store_release(&r->head, head + 1);
	return true;
}

static void *ring_get(struct zb_ring *r)
{
	unsigned int tail = r->tail;
	void *p;

	/* Pairs with the smp_store_release() of head in ring_put(). */
	if (tail == smp_load_acquire(&r->head))
		return NULL;
	p = r->slot[tail % ZB_RING];
	/* Pairs with the smp_load_acquire() of tail in ring_put(). */
	smp_store_release(&r->tail, tail + 1);
	return p;
}

/* === Scenario: one thread per online CPU === */

/**
 * struct zb_worker - a benchmark thread
 * @in: objects other CPUs hand to this thread to free
 * @out: where this thread hands objects (the next worker's @in)
 * @task: the thread
 * @ns: time its loop took
 * @ops: allocations it made
 */
struct zb_worker {
	struct zb_ring in;
	struct zb_ring *out;
	struct task_struct *task;
	u64 ns;
	unsigned int ops;
};

static struct {
	struct completion start;
	atomic_t running;
	struct completion finished;
	bool use_zalloc;
	bool cross;
} zb_threads;

static void worker_free(void *p)
{
	if (zb_threads.use_zalloc)
		zalloc_free(p);
	else
		kfree(p);
}

static void worker_drain(struct zb_worker *w, unsigned int max)
{
	void *p;

	while (max-- && (p = ring_get(&w->in)))
		worker_free(p);
}

static int worker_fn(void *arg)
{
	struct zb_worker *w = arg;
	unsigned int i, n = zb_loops / 2;
	u64 t0;

	wait_for_completion(&zb_threads.start);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		size_t size = 64 << (i % 7);
		void *p = zb_threads.use_zalloc ?
			  zalloc_alloc(size, GFP_KERNEL) :
			  kmalloc(size, GFP_KERNEL);

		if (unlikely(!p))
			break;
		ZB_TOUCH(p);
		if (!zb_threads.cross || (i & 1) || !ring_put(w->out, p))
			worker_free(p);
		worker_drain(w, 2);
	}
	w->ns = ktime_get_ns() - t0;
	w->ops = i;
	/* Keep freeing what others hand over until every worker is done. */
	if (atomic_dec_and_test(&zb_threads.running))
		complete_all(&zb_threads.finished);
	while (!completion_done(&zb_threads.finished)) {
		worker_drain(w, ZB_RING);
		cond_resched();
	}
	worker_drain(w, ZB_RING);
	return 0;
}

/* Runs one worker per online CPU; returns picoseconds per allocation. */
static u64 run_workers(struct zb_worker *w, unsigned int nr, bool use_zalloc,
		       bool cross)
{
	u64 max_ns = 0, ops = 0;
	unsigned int i, cpu = 0;

	zb_threads.use_zalloc = use_zalloc;
	zb_threads.cross = cross;
	init_completion(&zb_threads.start);
	init_completion(&zb_threads.finished);
	atomic_set(&zb_threads.running, nr);
	memset(w, 0, nr * sizeof(*w));
	for (i = 0; i < nr; i++) {
		w[i].out = &w[(i + 1) % nr].in;
		cpu = cpumask_next(i ? cpu : -1, cpu_online_mask);
		w[i].task = kthread_create(worker_fn, &w[i], "zalloc_bench/%u",
					   cpu);
		if (IS_ERR(w[i].task)) {
			/* Never woken: their function does not run. */
			while (i--) {
				kthread_stop(w[i].task);
				put_task_struct(w[i].task);
			}
			return 0;
		}
		kthread_bind(w[i].task, cpu);
		get_task_struct(w[i].task);
	}
	for (i = 0; i < nr; i++)
		wake_up_process(w[i].task);
	complete_all(&zb_threads.start);
	/* kthread_stop() before a thread ran would skip its function. */
	wait_for_completion(&zb_threads.finished);
	for (i = 0; i < nr; i++) {
		kthread_stop(w[i].task);
		put_task_struct(w[i].task);
		max_ns = max(max_ns, w[i].ns);
		ops += w[i].ops;
	}
	return ops ? div64_u64(max_ns * 1000, ops) : 0;
}

int zb_run_threads(void)
{
	unsigned int nr = num_online_cpus();
	struct zb_worker *w;
	int cross;

	w = kvcalloc(nr, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	cpus_read_lock();
	for (cross = 0; cross <= 1; cross++) {
		struct zb_row *r = zb_new_row("threads", cross ? "cross-cpu" :
							 "local", nr);

		if (!r)
			break;
		r->ps[ZB_ZALLOC] = run_workers(w, nr, true, cross);
		r->ps[ZB_KMALLOC] = run_workers(w, nr, false, cross);
	}
	cpus_read_unlock();
	kvfree(w);
	return 0;
}

/* === Scenario: producer on one CPU, consumer frees on another === */

/**
 * struct zb_pc - a producer/consumer run
 * @ring: objects on their way from the producer to the consumer
 * @s: their size and cache
 * @a: the allocator
 * @n: objects to hand over
 * @pcpu: the producer's CPU
 * @ccpu: the consumer's CPU
 * @start: releases both threads
 * @done: the consumer freed the last one
 * @failed: the producer could not allocate
 * @ns: from the start to the last free
 */
struct zb_pc {
	struct zb_ring ring;
	const struct zb_size *s;
	enum zb_alloc a;
	unsigned int n;
	unsigned int pcpu;
	unsigned int ccpu;
	struct completion start;
	struct completion done;
	bool failed;
	u64 ns;
};

/* UML never preempts a spinning kernel thread: offer to schedule. */
static void zb_wait_a_bit(void)
{
	if (need_resched())
		schedule();
	cpu_relax();
}

static int producer_fn(void *arg)
{
	struct zb_pc *pc = arg;
	unsigned int i;
	void *p;

	wait_for_completion(&pc->start);
	for (i = 0; i < pc->n; i++) {
		p = zb_alloc(pc->a, pc->s);
		if (unlikely(!p)) {
			WRITE_ONCE(pc->failed, true);
			break;
		}
		ZB_TOUCH(p);
		while (!ring_put(&pc->ring, p))
			zb_wait_a_bit();
	}
	/* A NULL tells the consumer that no more will come. */
	while (!ring_put(&pc->ring, NULL))
		zb_wait_a_bit();
	return 0;
}

static int consumer_fn(void *arg)
{
	struct zb_pc *pc = arg;
	u64 t0;
	void *p;

	wait_for_completion(&pc->start);
	t0 = ktime_get_ns();
	for (;;) {
		/* Pairs with the smp_store_release() of head in ring_put(). */
		if (pc->ring.tail == smp_load_acquire(&pc->ring.head)) {
			zb_wait_a_bit();
			continue;
		}
		p = ring_get(&pc->ring);
		if (!p)
			break;
		zb_free(pc->a, pc->s, p);
	}
	pc->ns = ktime_get_ns() - t0;
	complete(&pc->done);
	return 0;
}

/*
 * One producer/consumer run of @n objects of @s on the CPUs of the zb_pc
 * @ctx; ns taken, 0 on failure.
 */
static u64 pc_run(enum zb_alloc a, const struct zb_size *s, unsigned int n,
		  void *ctx)
{
	struct task_struct *prod, *cons;
	struct zb_pc *pc = ctx;

	pc->s = s;
	pc->a = a;
	pc->n = n;
	pc->failed = false;
	pc->ring.head = 0;
	pc->ring.tail = 0;
	init_completion(&pc->start);
	init_completion(&pc->done);
	prod = kthread_create(producer_fn, pc, "zalloc_bench/p");
	if (IS_ERR(prod))
		return 0;
	cons = kthread_create(consumer_fn, pc, "zalloc_bench/c");
	if (IS_ERR(cons)) {
		kthread_stop(prod);
		return 0;
	}
	kthread_bind(prod, pc->pcpu);
	kthread_bind(cons, pc->ccpu);
	get_task_struct(prod);
	get_task_struct(cons);
	wake_up_process(prod);
	wake_up_process(cons);
	complete_all(&pc->start);
	wait_for_completion(&pc->done);
	kthread_stop(prod);
	kthread_stop(cons);
	put_task_struct(prod);
	put_task_struct(cons);
	return pc->failed ? 0 : pc->ns;
}

int zb_run_prodcons(void)
{
	static const size_t sizes[] = { 64, 512, 4096, 8192, 16384, 65536 };
	unsigned int n = zb_loops / 4;
	struct zb_timing t = {
		.loop = pc_run,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_KMALLOC) | BIT(ZB_CACHE),
		.warm = n / 10 + 1, .n = n, .pairs = n,
	};
	struct zb_pc *pc;
	int err;

	if (num_online_cpus() < 2)
		return 0;
	pc = kcalloc(1, sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	t.ctx = pc;
	cpus_read_lock();
	pc->pcpu = cpumask_first(cpu_online_mask);
	pc->ccpu = cpumask_next(pc->pcpu, cpu_online_mask);
	err = zb_time_sizes("prodcons", "cross-cpu", sizes, ARRAY_SIZE(sizes),
			    &t);
	cpus_read_unlock();
	kfree(pc);
	return err;
}
