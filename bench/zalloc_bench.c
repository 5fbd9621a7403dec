// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_bench: zalloc against the kernel's own allocators, in one run.
 *
 * Every scenario times zalloc and, in the same run and on the same sizes,
 * kmalloc()/kfree(), kmem_cache_alloc()/kmem_cache_free() on a private cache
 * of the size, alloc_pages()/__free_pages() where the size is a page
 * multiple, and a floor: a bare per-CPU array pop and push under
 * preempt_disable(), which is what any allocator's fast path has to do at
 * least. The loops differ only in the calls they make, and each is warmed
 * up before it is timed.
 *
 * Figures are nanoseconds per allocation+free pair (per iteration where an
 * iteration also memsets). Only ratios from one run mean anything: absolute
 * figures drift on a shared machine, and QEMU timings are emulation
 * artefacts. UML runs kernel code natively: measure there.
 *
 * Output: raw rows (picoseconds per pair, hits per mille), one "row" line
 * each in the kernel log and as CSV in /sys/kernel/debug/zalloc/bench. This
 * module measures; tools/testing/bench-report.py computes the ratios and
 * tables and judges the targets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "zalloc_internal.h"
#include "zalloc_pcpu.h"

static unsigned long run_mask = ~0UL;
module_param(run_mask, ulong, 0444);
MODULE_PARM_DESC(run_mask,
		 "Scenarios: 1 seed, 2 hot pairs, 4 N-pattern, 8 churn, 16 threads, 32 stats cost, 64 parts, 128 bulk, 256 producer/consumer (default all)");

static unsigned int loops = 200000;
module_param(loops, uint, 0444);
MODULE_PARM_DESC(loops, "Pairs timed per figure (default 200000)");

enum zb_alloc { ZB_ZALLOC, ZB_KMALLOC, ZB_CACHE, ZB_PAGES, ZB_FLOOR, ZB_NR };

/**
 * struct zb_row - one line of results
 * @scenario: "hot", "npat-128", "basic", ...
 * @label: what varies within the scenario (a strategy, "on"/"off")
 * @size: object size, 0 where sizes vary
 * @ps: picoseconds per pair for each allocator, 0 where not measured
 * @hit_pm: zalloc's fast-path hits per mille allocations, -1 if unknown
 */
struct zb_row {
	const char *scenario;
	char label[16];
	unsigned int size;
	u64 ps[ZB_NR];
	int hit_pm;
};

#define ZB_MAX_ROWS	160
static struct zb_row zb_rows[ZB_MAX_ROWS];
static unsigned int zb_nr_rows;
static struct dentry *zb_file;

/* === Measuring === */

/* Every loop writes one byte of each object: a user would too. */
#define ZB_TOUCH(p)	WRITE_ONCE(*(u8 *)(p), 1)

/**
 * struct zb_size - what the loops of one size need
 * @size: object size
 * @cache: a private kmem_cache of @size
 * @order: page order of @size, or -1 if @size is not a page multiple
 * @strategy: the strategy the zalloc loops use
 */
struct zb_size {
	size_t size;
	struct kmem_cache *cache;
	int order;
	enum zalloc_strategy strategy;
};

/* The floor: a per-CPU stack of objects, popped and pushed. */
#define ZB_FLOOR_DEPTH	8
struct zb_floor {
	unsigned int count;
	void *objs[ZB_FLOOR_DEPTH];
};

static DEFINE_PER_CPU(struct zb_floor, zb_floor);

static void *floor_pop(void)
{
	struct zb_floor *f;
	void *p;

	preempt_disable();
	f = this_cpu_ptr(&zb_floor);
	p = f->count ? f->objs[--f->count] : NULL;
	preempt_enable();
	return p;
}

static void floor_push(void *p)
{
	struct zb_floor *f;

	preempt_disable();
	f = this_cpu_ptr(&zb_floor);
	f->objs[f->count++] = p;
	preempt_enable();
}

/* Fills every CPU's floor stack with objects of @size (or empties it). */
static int floor_fill(size_t size)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct zb_floor *f = per_cpu_ptr(&zb_floor, cpu);

		while (f->count)
			kfree(f->objs[--f->count]);
		for (i = 0; size && i < ZB_FLOOR_DEPTH; i++) {
			f->objs[i] = kmalloc(size, GFP_KERNEL);
			if (!f->objs[i])
				return -ENOMEM;
			f->count = i + 1;
		}
	}
	return 0;
}

/*
 * One allocation or free by allocator @a. Inlined into the loops below, the
 * switch is one well-predicted branch, the same for every allocator.
 */
static __always_inline void *zb_alloc(enum zb_alloc a,
				      const struct zb_size *s)
{
	switch (a) {
	case ZB_ZALLOC:
		return zalloc_alloc_strategy(s->size, GFP_KERNEL, s->strategy);
	case ZB_KMALLOC:
		return kmalloc(s->size, GFP_KERNEL);
	case ZB_CACHE:
		return kmem_cache_alloc(s->cache, GFP_KERNEL);
	case ZB_PAGES:
		return (void *)__get_free_pages(GFP_KERNEL, s->order);
	default:
		return floor_pop();
	}
}

static __always_inline void zb_free(enum zb_alloc a, const struct zb_size *s,
				    void *p)
{
	switch (a) {
	case ZB_ZALLOC:
		zalloc_free(p);
		break;
	case ZB_KMALLOC:
		kfree(p);
		break;
	case ZB_CACHE:
		kmem_cache_free(s->cache, p);
		break;
	case ZB_PAGES:
		free_pages((unsigned long)p, s->order);
		break;
	default:
		floor_push(p);
		break;
	}
}

/* Hot pairs: allocate, touch, free, @n times; ns taken, 0 on failure. */
static u64 hot_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n)
{
	u64 t0 = ktime_get_ns();
	void *p;

	while (n--) {
		p = zb_alloc(a, s);
		if (unlikely(!p))
			return 0;
		ZB_TOUCH(p);
		zb_free(a, s, p);
	}
	return ktime_get_ns() - t0;
}

/* Allocations and fast-path misses of all zalloc classes so far. */
static void zalloc_counts(u64 *allocs, u64 *misses)
{
	struct za_class_stats st;
	unsigned int cls;

	*allocs = 0;
	*misses = 0;
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		*allocs += st.ev[ZE_ALLOC];
		*misses += st.ev[ZE_MISS];
	}
}

static int hit_permille(u64 a0, u64 m0)
{
	u64 a1, m1;

	zalloc_counts(&a1, &m1);
	if (a1 == a0)
		return -1;
	return div64_u64(((a1 - a0) - (m1 - m0)) * 1000, a1 - a0);
}

static u64 to_ps(u64 ns, unsigned int pairs)
{
	return pairs && ns ? div64_u64(ns * 1000, pairs) : 0;
}

/*
 * Runs of each timed loop. The allocators compared in a row take turns
 * run by run, so that a disturbance of the machine (this is a shared one)
 * hits them alike, and the fastest run of each counts.
 */
#define ZB_RUNS		5

/* The smaller of two timings; 0 (a failed run) sticks. */
static u64 min_ns(u64 best, u64 ns, bool first)
{
	if (first)
		return ns;
	return !ns || !best ? 0 : min(best, ns);
}

static struct zb_row *new_row(const char *scenario, const char *label,
			      unsigned int size)
{
	struct zb_row *r;

	if (zb_nr_rows == ZB_MAX_ROWS)
		return NULL;
	r = &zb_rows[zb_nr_rows++];
	r->scenario = scenario;
	strscpy(r->label, label, sizeof(r->label));
	r->size = size;
	r->hit_pm = -1;
	return r;
}

static int zb_size_init(struct zb_size *s, size_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "zbench-%zu", size);
	s->size = size;
	s->strategy = ZALLOC_AUTO;
	s->order = (size % PAGE_SIZE) ? -1 : get_order(size);
	s->cache = kmem_cache_create(name, size, 0, 0, NULL);
	return s->cache ? 0 : -ENOMEM;
}

static void zb_size_exit(struct zb_size *s)
{
	kmem_cache_destroy(s->cache);
}

/* === Scenario: hot pairs, every class size === */

static int run_hot(void)
{
	unsigned int cls;
	int a, run, err;

	for (cls = 0; cls < ZA_CLASS_STD; cls++) {
		struct zb_size s;
		struct zb_row *r;
		u64 a0, m0;

		err = zb_size_init(&s, za_classes[cls].size);
		if (err)
			return err;
		err = floor_fill(s.size);
		r = new_row("hot", "auto", s.size);
		for (a = 0; r && !err && a < ZB_NR; a++)
			if (a != ZB_PAGES || s.order >= 0)
				hot_loop(a, &s, loops / 10 + 1);
		zalloc_counts(&a0, &m0);
		for (run = 0; r && !err && run < ZB_RUNS; run++)
			for (a = 0; a < ZB_NR; a++)
				if (a != ZB_PAGES || s.order >= 0)
					r->ps[a] = min_ns(r->ps[a],
							  hot_loop(a, &s, loops),
							  !run);
		for (a = 0; r && a < ZB_NR; a++)
			r->ps[a] = to_ps(r->ps[a], loops);
		if (r)
			r->hit_pm = hit_permille(a0, m0);
		floor_fill(0);
		zb_size_exit(&s);
		if (err)
			return err;
	}
	return 0;
}

/* === Scenario: statistics on and off === */

static int run_stats_cost(void)
{
	static const size_t sizes[] = { 64, 4096 };
	int i, on, run, a, err = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && !err; i++) {
		struct zb_row *r[2];
		struct zb_size s;

		err = zb_size_init(&s, sizes[i]);
		if (err)
			break;
		r[1] = new_row("stats", "on", s.size);
		r[0] = new_row("stats", "off", s.size);
		for (a = ZB_ZALLOC; a <= ZB_CACHE; a++)
			hot_loop(a, &s, loops / 10 + 1);
		for (run = 0; r[0] && r[1] && run < ZB_RUNS; run++) {
			for (on = 1; on >= 0; on--) {
				za_set_switch(&za_stats_key, on);
				for (a = ZB_ZALLOC; a <= ZB_CACHE; a++)
					r[on]->ps[a] = min_ns(r[on]->ps[a],
							      hot_loop(a, &s, loops),
							      !run);
			}
		}
		za_set_switch(&za_stats_key, true);
		for (on = 0; r[0] && r[1] && on <= 1; on++)
			for (a = ZB_ZALLOC; a <= ZB_CACHE; a++)
				r[on]->ps[a] = to_ps(r[on]->ps[a], loops);
		zb_size_exit(&s);
	}
	return err;
}

/* === Scenario: allocate N, then free N === */

static void **npat_objs;

/* Allocate @n, then free them in the same order; ns taken, 0 on failure. */
static u64 npat_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n)
{
	unsigned int rounds = max(1U, loops / n), i;
	u64 t0 = ktime_get_ns();
	void *p;

	while (rounds--) {
		for (i = 0; i < n; i++) {
			p = zb_alloc(a, s);
			if (unlikely(!p))
				return 0;
			ZB_TOUCH(p);
			npat_objs[i] = p;
		}
		for (i = 0; i < n; i++)
			zb_free(a, s, npat_objs[i]);
	}
	return ktime_get_ns() - t0;
}

static const unsigned int npat_counts[] = { 1, 8, 32, 128, 512, 1024 };
static const size_t npat_sizes[] = {
	8, 64, 256, 512, 1024, 4096, 8192, 16384, 65536,
};

static int run_npat(void)
{
	static const char * const names[] = {
		"npat-1", "npat-8", "npat-32", "npat-128", "npat-512",
		"npat-1024",
	};
	int i, j, a, last, run, err = 0;

	npat_objs = kvmalloc_array(1024, sizeof(void *), GFP_KERNEL);
	if (!npat_objs)
		return -ENOMEM;
	for (j = 0; j < ARRAY_SIZE(npat_sizes) && !err; j++) {
		struct zb_size s;

		err = zb_size_init(&s, npat_sizes[j]);
		if (err)
			break;
		for (i = 0; i < ARRAY_SIZE(npat_counts); i++) {
			unsigned int n = npat_counts[i];
			unsigned int pairs = max(1U, loops / n) * n;
			struct zb_row *r = new_row(names[i], "auto", s.size);
			u64 a0, m0;

			if (!r)
				break;
			/* The page allocator too, where the size is pages. */
			last = s.order >= 0 ? ZB_PAGES : ZB_CACHE;
			for (a = ZB_ZALLOC; a <= last; a++)
				npat_loop(a, &s, n);	/* warm-up: one run */
			zalloc_counts(&a0, &m0);
			for (run = 0; run < ZB_RUNS; run++)
				for (a = ZB_ZALLOC; a <= last; a++)
					r->ps[a] = min_ns(r->ps[a],
							  npat_loop(a, &s, n),
							  !run);
			for (a = ZB_ZALLOC; a <= last; a++)
				r->ps[a] = to_ps(r->ps[a], pairs);
			r->hit_pm = hit_permille(a0, m0);
		}
		zb_size_exit(&s);
	}
	kvfree(npat_objs);
	return err;
}

/* === Scenarios of the allocator zalloc ports: varying sizes, memset === */

/**
 * struct zb_seed - one of the original report's loops
 * @scenario: row name
 * @iters: iterations
 * @base: size of iteration i is @base + i % @span
 * @span: see @base
 */
struct zb_seed {
	const char *scenario;
	unsigned int iters;
	size_t base;
	size_t span;
};

static u64 seed_zalloc(const struct zb_seed *sd, enum zalloc_strategy st)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < sd->iters; i++) {
		size_t size = sd->base + i % sd->span;
		void *p = zalloc_alloc_strategy(size, GFP_KERNEL, st);

		if (unlikely(!p))
			return 0;
		memset(p, 0xab, size);
		zalloc_free(p);
	}
	return ktime_get_ns() - t0;
}

static u64 seed_kmalloc(const struct zb_seed *sd)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < sd->iters; i++) {
		size_t size = sd->base + i % sd->span;
		void *p = kmalloc(size, GFP_KERNEL);

		if (unlikely(!p))
			return 0;
		memset(p, 0xab, size);
		kfree(p);
	}
	return ktime_get_ns() - t0;
}

/* One row: zalloc with @st (fast path @fast) beside kmalloc. */
static void seed_row(const struct zb_seed *sd, const char *label,
		     enum zalloc_strategy st, bool fast)
{
	struct zb_row *r = new_row(sd->scenario, label, 0);
	u64 a0, m0, z = 0, k = 0;
	int run;

	if (!r)
		return;
	seed_kmalloc(sd);
	za_set_switch(&za_fastpath_key, fast);
	seed_zalloc(sd, st);
	zalloc_counts(&a0, &m0);
	for (run = 0; run < ZB_RUNS; run++) {
		za_set_switch(&za_fastpath_key, fast);
		z = min_ns(z, seed_zalloc(sd, st), !run);
		za_set_switch(&za_fastpath_key, true);
		k = min_ns(k, seed_kmalloc(sd), !run);
	}
	r->hit_pm = hit_permille(a0, m0);
	r->ps[ZB_ZALLOC] = to_ps(z, sd->iters);
	r->ps[ZB_KMALLOC] = to_ps(k, sd->iters);
}

static int run_seed(void)
{
	static const struct zb_seed basic = { "basic", 100000, 64, 1024 };
	static const struct zb_seed strat = { "strategy", 100000, 128, 512 };
	static const struct zb_seed tokio = { "tokio", 100000, 1024, 4096 };
	enum zalloc_strategy st;

	seed_row(&basic, "auto", ZALLOC_AUTO, true);
	seed_row(&basic, "fastpath-off", ZALLOC_AUTO, false);
	for (st = ZALLOC_AUTO; st <= ZALLOC_STANDARD; st++)
		seed_row(&strat, za_strategy_names[st], st, true);
	seed_row(&tokio, "auto", ZALLOC_AUTO, true);
	return 0;
}

/* === Scenario: random sizes with a window of live objects === */

#define ZB_WINDOW	512

static u32 zb_rand(u32 *state)
{
	/* xorshift32: a fixed, cheap sequence, the same for every run. */
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* 70% up to 256 B, 25% up to 4 KiB, 5% up to 64 KiB. */
static size_t churn_size(u32 *state)
{
	u32 r = zb_rand(state);

	if (r % 100 < 70)
		return 8 + (r >> 8) % 249;
	if (r % 100 < 95)
		return 257 + (r >> 8) % 3840;
	return 4097 + (r >> 8) % 61440;
}

static u64 churn(void **win, bool use_zalloc, unsigned int steps)
{
	u32 state = 2463534242U;
	unsigned int i, k;
	u64 t0;

	memset(win, 0, ZB_WINDOW * sizeof(void *));
	t0 = ktime_get_ns();
	for (i = 0; i < steps; i++) {
		size_t size = churn_size(&state);

		k = zb_rand(&state) % ZB_WINDOW;
		if (use_zalloc) {
			zalloc_free(win[k]);
			win[k] = zalloc_alloc(size, GFP_KERNEL);
		} else {
			kfree(win[k]);
			win[k] = kmalloc(size, GFP_KERNEL);
		}
		if (unlikely(!win[k]))
			break;
		ZB_TOUCH(win[k]);
	}
	t0 = i == steps ? ktime_get_ns() - t0 : 0;
	for (k = 0; k < ZB_WINDOW; k++) {
		if (use_zalloc)
			zalloc_free(win[k]);
		else
			kfree(win[k]);
	}
	return t0;
}

static int run_churn(void)
{
	struct zb_row *r = new_row("churn", "auto", 0);
	u64 a0, m0, z = 0, k = 0;
	void **win;
	int i;

	if (!r)
		return 0;
	win = kcalloc(ZB_WINDOW, sizeof(void *), GFP_KERNEL);
	if (!win)
		return -ENOMEM;
	churn(win, true, loops / 10);
	churn(win, false, loops / 10);
	zalloc_counts(&a0, &m0);
	for (i = 0; i < ZB_RUNS; i++) {
		z = min_ns(z, churn(win, true, loops), !i);
		k = min_ns(k, churn(win, false, loops), !i);
	}
	r->hit_pm = hit_permille(a0, m0);
	r->ps[ZB_ZALLOC] = to_ps(z, loops);
	r->ps[ZB_KMALLOC] = to_ps(k, loops);
	kfree(win);
	return 0;
}

/* === Scenario: one thread per online CPU === */

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
	unsigned int i, n = loops / 2;
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

static int run_threads(void)
{
	unsigned int nr = num_online_cpus();
	struct zb_worker *w;
	int cross;

	w = kvcalloc(nr, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	cpus_read_lock();
	for (cross = 0; cross <= 1; cross++) {
		struct zb_row *r = new_row("threads", cross ? "cross-cpu" :
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

/* === Scenario: bulk allocation and free, 16 at a time === */

#define ZB_BULK		16

/* Rounds of a bulk of ZB_BULK; ns taken, 0 on failure. */
static u64 bulk_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n)
{
	unsigned int rounds = max(1U, n / ZB_BULK), i;
	void *objs[ZB_BULK];
	u64 t0 = ktime_get_ns();

	while (rounds--) {
		if (a == ZB_ZALLOC) {
			if (zalloc_alloc_bulk(s->size, GFP_KERNEL, ZB_BULK,
					      objs) != ZB_BULK)
				return 0;
		} else if (!kmem_cache_alloc_bulk(s->cache, GFP_KERNEL, ZB_BULK,
						  objs)) {
			return 0;
		}
		for (i = 0; i < ZB_BULK; i++)
			ZB_TOUCH(objs[i]);
		if (a == ZB_ZALLOC)
			zalloc_free_bulk(ZB_BULK, objs);
		else
			kmem_cache_free_bulk(s->cache, ZB_BULK, objs);
	}
	return ktime_get_ns() - t0;
}

static int run_bulk(void)
{
	static const size_t sizes[] = { 64, 512, 4096 };
	unsigned int pairs = max(1U, loops / ZB_BULK) * ZB_BULK;
	int i, a, run, err = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && !err; i++) {
		struct zb_size s;
		struct zb_row *r;

		err = zb_size_init(&s, sizes[i]);
		if (err)
			break;
		r = new_row("bulk-16", "auto", s.size);
		for (a = ZB_ZALLOC; r && a <= ZB_CACHE; a += ZB_CACHE)
			bulk_loop(a, &s, loops / 10 + 1);
		for (run = 0; r && run < ZB_RUNS; run++)
			for (a = ZB_ZALLOC; a <= ZB_CACHE; a += ZB_CACHE)
				r->ps[a] = min_ns(r->ps[a],
						  bulk_loop(a, &s, loops), !run);
		for (a = ZB_ZALLOC; r && a <= ZB_CACHE; a += ZB_CACHE)
			r->ps[a] = to_ps(r->ps[a], pairs);
		zb_size_exit(&s);
	}
	return err;
}

/* === Scenario: producer on one CPU, consumer frees on another === */

/**
 * struct zb_pc - a producer/consumer run
 * @ring: objects on their way from the producer to the consumer
 * @s: their size and cache
 * @a: the allocator
 * @n: objects to hand over
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

/* One producer/consumer run on two CPUs; ns taken, 0 on failure. */
static u64 pc_run(struct zb_pc *pc, enum zb_alloc a, unsigned int n,
		  unsigned int pcpu, unsigned int ccpu)
{
	struct task_struct *prod, *cons;

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
	kthread_bind(prod, pcpu);
	kthread_bind(cons, ccpu);
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

static int run_prodcons(void)
{
	static const size_t sizes[] = { 64, 512, 4096, 8192, 16384, 65536 };
	unsigned int n = loops / 4, pcpu, ccpu;
	struct zb_pc *pc;
	int i, a, run, err = 0;

	if (num_online_cpus() < 2)
		return 0;
	pc = kcalloc(1, sizeof(*pc), GFP_KERNEL);
	if (!pc)
		return -ENOMEM;
	cpus_read_lock();
	pcpu = cpumask_first(cpu_online_mask);
	ccpu = cpumask_next(pcpu, cpu_online_mask);
	for (i = 0; i < ARRAY_SIZE(sizes) && !err; i++) {
		struct zb_size s;
		struct zb_row *r;

		err = zb_size_init(&s, sizes[i]);
		if (err)
			break;
		pc->s = &s;
		r = new_row("prodcons", "cross-cpu", s.size);
		for (a = ZB_ZALLOC; r && a <= ZB_CACHE; a++)
			pc_run(pc, a, n / 10 + 1, pcpu, ccpu);
		for (run = 0; r && run < ZB_RUNS; run++)
			for (a = ZB_ZALLOC; a <= ZB_CACHE; a++)
				r->ps[a] = min_ns(r->ps[a],
						  pc_run(pc, a, n, pcpu, ccpu),
						  !run);
		for (a = ZB_ZALLOC; r && a <= ZB_CACHE; a++)
			r->ps[a] = to_ps(r->ps[a], n);
		zb_size_exit(&s);
	}
	cpus_read_unlock();
	kfree(pc);
	return err;
}

/* === Scenario: where a zalloc pair spends its time === */

/*
 * The pieces of zalloc_alloc() + zalloc_free() timed alone, in the same
 * loop shape: the per-CPU cache's pop and push, the pointer lookup of an
 * extended-pool and of an object-pool object (ksize() is in the latter),
 * might_alloc(), which kmalloc() does too, and the extended-pool backend of
 * 64 KiB objects: one object taken and given back (the class's reserve
 * span serves it), and two (the second needs a span from the page
 * allocator, given back at once).
 */
enum zb_part {
	ZP_CACHE, ZP_LOOKUP_EXT, ZP_LOOKUP_OBJ, ZP_MIGHT_ALLOC, ZP_BACKEND,
	ZP_SPAN, ZP_NR
};

static const char * const part_names[] = {
	[ZP_CACHE]	 = "cache-pop-push",
	[ZP_LOOKUP_EXT]	 = "lookup-ext",
	[ZP_LOOKUP_OBJ]	 = "lookup-obj",
	[ZP_MIGHT_ALLOC] = "might_alloc",
	[ZP_BACKEND]	 = "backend",
	[ZP_SPAN]	 = "backend-span",
};

/* Takes @n objects one by one from the backend, then gives them back. */
static bool part_backend(struct za_class *c, unsigned int n)
{
	void *objs[2];
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!za_backend_get(c, GFP_KERNEL, &objs[i], 1))
			break;
	/* Taken and given back at once: the gauges need no count. */
	za_backend_put(c, objs, i);
	return i == n;
}

static u64 part_loop(enum zb_part part, struct za_class *c, void *obj,
		     unsigned int n)
{
	u64 t0 = ktime_get_ns();
	size_t usable;
	bool hit;
	void *p;

	while (n--) {
		switch (part) {
		case ZP_CACHE:
			p = za_cache_alloc(c, GFP_KERNEL, &hit);
			if (unlikely(!p))
				return 0;
			ZB_TOUCH(p);
			za_cache_free(c, p);
			break;
		case ZP_LOOKUP_EXT:
		case ZP_LOOKUP_OBJ:
			OPTIMIZER_HIDE_VAR(obj);
			za_ptr_lookup(obj, &usable);
			OPTIMIZER_HIDE_VAR(usable);
			break;
		case ZP_MIGHT_ALLOC:
			might_alloc(GFP_KERNEL);
			break;
		default:
			if (!part_backend(c, part == ZP_SPAN ? 2 : 1))
				return 0;
			break;
		}
	}
	return ktime_get_ns() - t0;
}

static int run_parts(void)
{
	struct za_class *ext = &za_classes[za_size_class(512)];
	struct za_class *big = &za_classes[za_size_class(65536)];
	struct za_class *obj = &za_classes[za_size_class(64)];
	void *e = zalloc_alloc(512, GFP_KERNEL);
	void *o = zalloc_alloc(64, GFP_KERNEL);
	int part, i;

	for (part = 0; e && o && part < ZP_NR; part++) {
		struct za_class *c = part == ZP_LOOKUP_OBJ ? obj :
				     part >= ZP_BACKEND ? big : ext;
		void *p = part == ZP_LOOKUP_OBJ ? o : e;
		struct zb_row *r = new_row("parts", part_names[part], c->size);
		u64 best = 0;

		if (!r)
			break;
		part_loop(part, c, p, loops / 10 + 1);
		for (i = 0; i < ZB_RUNS; i++)
			best = min_ns(best, part_loop(part, c, p, loops), !i);
		r->ps[ZB_ZALLOC] = to_ps(best, loops);
	}
	zalloc_free(e);
	zalloc_free(o);
	return e && o ? 0 : -ENOMEM;
}

/* === Results === */

/*
 * Raw rows, as lib/test_vmalloc.c prints its: picoseconds per pair for each
 * allocator (0 where not measured) and hits per mille (-1 if unknown). The
 * ratios, tables, targets and plots are made in user space by
 * tools/testing/bench-report.py.
 */
#define ZB_CSV_HEADER "scenario,label,size,zalloc_ps,kmalloc_ps,kmem_cache_ps,pages_ps,floor_ps,hit_permille"

static void row_line(struct seq_file *m, const struct zb_row *r)
{
	const u64 *ps = r->ps;

	if (m)
		seq_printf(m, "%s,%s,%u,%llu,%llu,%llu,%llu,%llu,%d\n",
			   r->scenario, r->label, r->size, ps[ZB_ZALLOC],
			   ps[ZB_KMALLOC], ps[ZB_CACHE], ps[ZB_PAGES],
			   ps[ZB_FLOOR], r->hit_pm);
	else
		pr_info("row %s,%s,%u,%llu,%llu,%llu,%llu,%llu,%d\n",
			r->scenario, r->label, r->size, ps[ZB_ZALLOC],
			ps[ZB_KMALLOC], ps[ZB_CACHE], ps[ZB_PAGES],
			ps[ZB_FLOOR], r->hit_pm);
}

static int bench_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_puts(m, ZB_CSV_HEADER "\n");
	for (i = 0; i < zb_nr_rows; i++)
		row_line(m, &zb_rows[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench);

/* === Module === */

static int __init zalloc_bench_init(void)
{
	static const struct {
		unsigned long bit;
		int (*fn)(void);
		const char *name;
	} scenarios[] = {
		{ 1, run_seed, "seed" },
		{ 2, run_hot, "hot pairs" },
		{ 4, run_npat, "N-pattern" },
		{ 8, run_churn, "churn" },
		{ 16, run_threads, "threads" },
		{ 32, run_stats_cost, "stats cost" },
		{ 64, run_parts, "parts" },
		{ 128, run_bulk, "bulk" },
		{ 256, run_prodcons, "producer/consumer" },
	};
	struct dentry *dir;
	unsigned int i;
	int err;

	if (!loops)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!(run_mask & scenarios[i].bit))
			continue;
		err = scenarios[i].fn();
		if (err) {
			pr_err("%s: error %d\n", scenarios[i].name, err);
			return err;
		}
	}
	pr_info("%u rows, %u online CPUs, " ZB_CSV_HEADER "\n", zb_nr_rows,
		num_online_cpus());
	for (i = 0; i < zb_nr_rows; i++)
		row_line(NULL, &zb_rows[i]);

	dir = debugfs_lookup("zalloc", NULL);
	zb_file = debugfs_create_file("bench", 0444, dir, NULL, &bench_fops);
	dput(dir);
	return 0;
}

static void __exit zalloc_bench_exit(void)
{
	debugfs_remove(zb_file);
}

module_init(zalloc_bench_init);
module_exit(zalloc_bench_exit);

MODULE_DESCRIPTION("Microbenchmark: zalloc against kmalloc, kmem_cache, pages and a per-CPU floor");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
