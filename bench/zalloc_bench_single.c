// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_bench: the scenarios that run on one CPU.
 *
 *   hot        allocate, touch, free, for every class size
 *   npat-N     allocate N, then free the N
 *   basic, strategy, tokio
 *              the loops of the allocator zalloc ports: varying sizes, memset
 *   churn      random sizes with a window of live objects
 *   stats      the hot pairs with zalloc's statistics on and off
 *   parts      the pieces of a zalloc pair timed alone
 *   bulk-16    zalloc_alloc_bulk() against kmem_cache_alloc_bulk()
 *   free-rcu   allocate and zalloc_free_rcu() against kmalloc() and
 *              kfree_rcu()
 *   alloc-node zalloc_alloc_node() for this CPU's node against
 *              zalloc_alloc()
 *   profile-hot, profile-npat-128
 *              hot pairs and allocate-128-then-free-128 with zalloc's
 *              profiling on and off (zalloc only)
 *
 * The harness (rows, warm-up, runs) is in zalloc_bench_main.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/jump_label.h>
#include <linux/minmax.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "zalloc_bench.h"
#include "zalloc_lookup.h"
#include "zalloc_mag.h"

/* Hot pairs: allocate, touch, free, @n times; ns taken, 0 on failure. */
static u64 hot_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n,
		    void *ctx)
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

/* === Scenario: hot pairs, every class size === */

int zb_run_hot(void)
{
	struct zb_timing t = {
		.loop = hot_loop, .warm = zb_loops / 10 + 1, .n = zb_loops,
		.pairs = zb_loops, .hits = true,
	};
	unsigned int cls;
	int err;

	for (cls = 0; cls < ZA_CLASS_STD; cls++) {
		struct zb_size s;
		struct zb_row *r;

		err = zb_size_init(&s, za_classes[cls].size);
		if (err)
			return err;
		err = zb_floor_fill(s.size);
		r = zb_new_row("hot", "auto", s.size);
		/* The page allocator too, where the size is pages. */
		t.allocs = BIT(ZB_NR) - 1;
		if (s.order < 0)
			t.allocs &= ~BIT(ZB_PAGES);
		if (r && !err)
			zb_time_row(r, &s, &t);
		zb_floor_fill(0);
		zb_size_exit(&s);
		if (err)
			return err;
	}
	return 0;
}

/* === Scenarios that compare two settings: side 1 against side 0 === */

/**
 * struct zb_ab - a scenario timed two ways, in turns
 * @scenario: the rows' scenario
 * @label: the rows' label of each side
 * @last: the last allocator timed (from ZB_ZALLOC on)
 * @set: optional: puts side @side in place before it is timed; 0 or an
 *	error
 * @loop: times allocator @a on side @side, as hot_loop() does with @n
 * @n: what @loop is given (0: zb_loops)
 * @pairs: the pairs that one call of @loop with @n makes (0: zb_loops)
 */
struct zb_ab {
	const char *scenario;
	const char *label[2];
	enum zb_alloc last;
	int (*set)(int side);
	u64 (*loop)(enum zb_alloc a, const struct zb_size *s, unsigned int n,
		    int side);
	unsigned int n;
	unsigned int pairs;
};

/* One run of each allocator on side 1, then on side 0: into @r[side]. */
static int ab_run(const struct zb_ab *ab, struct zb_row *r[2],
		  const struct zb_size *s, bool first)
{
	unsigned int n = ab->n ?: zb_loops;
	int side, a, err;

	for (side = 1; side >= 0; side--) {
		err = ab->set ? ab->set(side) : 0;
		if (err)
			return err;
		for (a = ZB_ZALLOC; a <= ab->last; a++)
			r[side]->ps[a] = zb_min_ns(r[side]->ps[a],
						   ab->loop(a, s, n, side),
						   first);
	}
	return 0;
}

/*
 * The rows of @ab for each of @nr sizes: warmed up, then the two sides
 * take turns run by run, so that both see the same machine; side 1 is
 * left in place.
 */
static int ab_rows(const struct zb_ab *ab, const size_t *sizes,
		   unsigned int nr)
{
	unsigned int i, pairs = ab->pairs ?: zb_loops;
	int side, run, a, err = 0;

	for (i = 0; i < nr && !err; i++) {
		struct zb_row *r[2];
		struct zb_size s;

		err = zb_size_init(&s, sizes[i]);
		if (err)
			break;
		r[1] = zb_new_row(ab->scenario, ab->label[1], s.size);
		r[0] = zb_new_row(ab->scenario, ab->label[0], s.size);
		for (a = ZB_ZALLOC; a <= ab->last; a++)
			ab->loop(a, &s, ab->n ?: zb_loops / 10 + 1, 1);
		for (run = 0; r[0] && r[1] && run < ZB_RUNS && !err; run++)
			err = ab_run(ab, r, &s, !run);
		if (ab->set && !err)
			err = ab->set(1);
		for (side = 0; r[0] && r[1] && side <= 1; side++)
			for (a = ZB_ZALLOC; a <= ab->last; a++)
				r[side]->ps[a] = zb_to_ps(r[side]->ps[a],
							  pairs);
		zb_size_exit(&s);
	}
	return err;
}

/* === Scenario: statistics on and off === */

static int stats_set(int on)
{
	za_set_switch(&za_stats_key, on);
	return 0;
}

static u64 stats_loop(enum zb_alloc a, const struct zb_size *s,
		      unsigned int n, int on)
{
	return hot_loop(a, s, n, NULL);
}

int zb_run_stats_cost(void)
{
	static const size_t sizes[] = { 64, 4096 };
	static const struct zb_ab ab = {
		.scenario = "stats", .label = { "off", "on" },
		.last = ZB_CACHE, .set = stats_set, .loop = stats_loop,
	};

	return ab_rows(&ab, sizes, ARRAY_SIZE(sizes));
}

/* === Scenario: zalloc_alloc_node() for this CPU's node === */

/*
 * Hot pairs of zalloc_alloc_node() for this CPU's node, as a driver asks
 * for it (side 1), or of zalloc_alloc() (side 0); ns taken, 0 on failure.
 */
static u64 node_loop(enum zb_alloc a, const struct zb_size *s,
		     unsigned int n, int node)
{
	u64 t0 = ktime_get_ns();
	void *p;

	while (n--) {
		if (node)
			p = zalloc_alloc_node(s->size, GFP_KERNEL,
					      numa_node_id());
		else
			p = zalloc_alloc(s->size, GFP_KERNEL);
		if (unlikely(!p))
			return 0;
		ZB_TOUCH(p);
		zalloc_free(p);
	}
	return ktime_get_ns() - t0;
}

int zb_run_alloc_node(void)
{
	static const size_t sizes[] = { 64, 4096 };
	static const struct zb_ab ab = {
		.scenario = "alloc-node", .label = { "any", "node" },
		.last = ZB_ZALLOC, .loop = node_loop,
	};

	return ab_rows(&ab, sizes, ARRAY_SIZE(sizes));
}

/* === Scenario: allocate N, then free N === */

static void **npat_objs;

/*
 * Allocate @n, then free them in the same order, for about zb_loops pairs;
 * ns taken, 0 on failure.
 */
static u64 npat_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n,
		     void *ctx)
{
	unsigned int rounds = max(1U, zb_loops / n), i;
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

/*
 * Accounted rows: hot pairs and allocate-128-then-free-128 with
 * GFP_KERNEL_ACCOUNT, for zalloc and kmalloc alike. zalloc serves them with
 * kmalloc() (za_route()); they are charged only outside the root memory
 * cgroup, so where the benchmark runs matters (tools/testing/run.sh).
 */
static const size_t acct_sizes[] = { 64, 1024, 16384 };

/*
 * Zeroing rows: hot pairs with __GFP_ZERO for zalloc, kmalloc and
 * kmem_cache alike: against the "hot" rows of the same sizes, what each
 * pays for zeroing the same bytes.
 */
static const size_t zero_sizes[] = { 64, 1024, 16384, 65536 };

/* One row of @scenario for @size, with @gfp for every allocator timed. */
static int time_gfp_row(const char *scenario, size_t size, gfp_t gfp,
			const struct zb_timing *t)
{
	struct zb_size s;
	struct zb_row *r;
	int err = zb_size_init(&s, size);

	if (err)
		return err;
	s.gfp = gfp;
	r = zb_new_row(scenario, "auto", s.size);
	if (r)
		zb_time_row(r, &s, t);
	zb_size_exit(&s);
	return 0;
}

static int run_zero(void)
{
	struct zb_timing hot = {
		.loop = hot_loop, .warm = zb_loops / 10 + 1, .n = zb_loops,
		.pairs = zb_loops, .hits = true,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_KMALLOC) | BIT(ZB_CACHE),
	};
	int i, err = 0;

	for (i = 0; i < ARRAY_SIZE(zero_sizes) && !err; i++)
		err = time_gfp_row("hot-zero", zero_sizes[i],
				   GFP_KERNEL | __GFP_ZERO, &hot);
	return err;
}

static int run_acct(void)
{
	struct zb_timing hot = {
		.loop = hot_loop, .warm = zb_loops / 10 + 1, .n = zb_loops,
		.pairs = zb_loops, .hits = true,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_KMALLOC),
	};
	struct zb_timing npat = {
		.loop = npat_loop, .hits = true, .warm = 128, .n = 128,
		.pairs = max(1U, zb_loops / 128) * 128,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_KMALLOC),
	};
	int i, err = 0;

	for (i = 0; i < ARRAY_SIZE(acct_sizes) && !err; i++) {
		err = time_gfp_row("hot-acct", acct_sizes[i],
				   GFP_KERNEL_ACCOUNT, &hot);
		if (!err)
			err = time_gfp_row("npat-128-acct", acct_sizes[i],
					   GFP_KERNEL_ACCOUNT, &npat);
	}
	return err;
}

int zb_run_npat(void)
{
	static const char * const names[] = {
		"npat-1", "npat-8", "npat-32", "npat-128", "npat-512",
		"npat-1024",
	};
	struct zb_timing t = { .loop = npat_loop, .hits = true };
	int i, j, err = 0;

	npat_objs = kvmalloc_array(1024, sizeof(void *), GFP_KERNEL);
	if (!npat_objs)
		return -ENOMEM;
	for (j = 0; j < ARRAY_SIZE(npat_sizes) && !err; j++) {
		struct zb_size s;

		err = zb_size_init(&s, npat_sizes[j]);
		if (err)
			break;
		/* The page allocator too, where the size is pages. */
		t.allocs = BIT(s.order >= 0 ? ZB_PAGES + 1 : ZB_CACHE + 1) - 1;
		for (i = 0; i < ARRAY_SIZE(npat_counts); i++) {
			struct zb_row *r = zb_new_row(names[i], "auto", s.size);

			if (!r)
				break;
			/* The warm-up is one whole run. */
			t.warm = npat_counts[i];
			t.n = npat_counts[i];
			t.pairs = max(1U, zb_loops / t.n) * t.n;
			zb_time_row(r, &s, &t);
		}
		zb_size_exit(&s);
	}
	if (!err)
		err = run_acct();
	if (!err)
		err = run_zero();
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
	struct zb_row *r = zb_new_row(sd->scenario, label, 0);
	u64 a0, m0, z = 0, k = 0;
	int run;

	if (!r)
		return;
	seed_kmalloc(sd);
	za_set_switch(&za_fastpath_key, fast);
	seed_zalloc(sd, st);
	zb_counts(&a0, &m0);
	for (run = 0; run < ZB_RUNS; run++) {
		za_set_switch(&za_fastpath_key, fast);
		z = zb_min_ns(z, seed_zalloc(sd, st), !run);
		za_set_switch(&za_fastpath_key, true);
		k = zb_min_ns(k, seed_kmalloc(sd), !run);
	}
	r->hit_pm = zb_hit_permille(a0, m0);
	r->ps[ZB_ZALLOC] = zb_to_ps(z, sd->iters);
	r->ps[ZB_KMALLOC] = zb_to_ps(k, sd->iters);
}

int zb_run_seed(void)
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
	u32 state = ZB_RAND_SEED;
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

int zb_run_churn(void)
{
	struct zb_row *r = zb_new_row("churn", "auto", 0);
	u64 a0, m0, z = 0, k = 0;
	void **win;
	int i;

	if (!r)
		return 0;
	win = kcalloc(ZB_WINDOW, sizeof(void *), GFP_KERNEL);
	if (!win)
		return -ENOMEM;
	churn(win, true, zb_loops / 10);
	churn(win, false, zb_loops / 10);
	zb_counts(&a0, &m0);
	for (i = 0; i < ZB_RUNS; i++) {
		z = zb_min_ns(z, churn(win, true, zb_loops), !i);
		k = zb_min_ns(k, churn(win, false, zb_loops), !i);
	}
	r->hit_pm = zb_hit_permille(a0, m0);
	r->ps[ZB_ZALLOC] = zb_to_ps(z, zb_loops);
	r->ps[ZB_KMALLOC] = zb_to_ps(k, zb_loops);
	kfree(win);
	return 0;
}

/* === Scenario: bulk allocation and free, 16 at a time === */

#define ZB_BULK		16

/* Rounds of a bulk of ZB_BULK; ns taken, 0 on failure. */
static u64 bulk_loop(enum zb_alloc a, const struct zb_size *s, unsigned int n,
		     void *ctx)
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

int zb_run_bulk(void)
{
	static const size_t sizes[] = { 64, 512, 4096 };
	const struct zb_timing t = {
		.loop = bulk_loop,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_CACHE),
		.warm = zb_loops / 10 + 1,
		.n = zb_loops,
		.pairs = max(1U, zb_loops / ZB_BULK) * ZB_BULK,
	};

	return zb_time_sizes("bulk-16", "auto", sizes, ARRAY_SIZE(sizes), &t);
}

/* === Scenario: frees after a grace period === */

/* An object freed under RCU: its rcu_head first, as most users put it. */
struct zb_rcu_obj {
	struct rcu_head rcu;
};

/*
 * Waits, outside the timing, until the objects of a run are freed, so
 * that no run pays for the one before: zalloc's batches with
 * za_rcu_flush(); kfree_rcu()'s with rcu_barrier() and time for its
 * batching work (which 7.x does not let a module wait for: its
 * kvfree_rcu_barrier() is not exported).
 */
static void free_rcu_settle(enum zb_alloc a)
{
	if (a == ZB_ZALLOC) {
		za_rcu_flush();
		return;
	}
	rcu_barrier();
	msleep(50);
	rcu_barrier();
}

/*
 * Allocate, touch and free after a grace period, @n times: what the
 * caller pays per object (the frees after the grace period run in
 * zalloc's RCU callback, or in kfree_rcu()'s work item, once the run has
 * been timed); ns taken, 0 on failure.
 */
static u64 free_rcu_loop(enum zb_alloc a, const struct zb_size *s,
			 unsigned int n, void *ctx)
{
	u64 t0 = ktime_get_ns(), ns;
	struct zb_rcu_obj *p;

	while (n--) {
		p = zb_alloc(a, s);
		if (unlikely(!p))
			return 0;
		ZB_TOUCH(p);
		if (a == ZB_ZALLOC)
			zalloc_free_rcu(p, rcu);
		else
			kfree_rcu(p, rcu);
	}
	ns = ktime_get_ns() - t0;
	free_rcu_settle(a);
	return ns;
}

int zb_run_free_rcu(void)
{
	/*
	 * Every object of a run may wait for the grace period at once: a
	 * quarter of the loops, of sizes that keep that to a few MiB.
	 */
	static const size_t sizes[] = { 64, 256 };
	const struct zb_timing t = {
		.loop = free_rcu_loop,
		.allocs = BIT(ZB_ZALLOC) | BIT(ZB_KMALLOC),
		.warm = zb_loops / 40 + 1,
		.n = zb_loops / 4 + 1,
		.pairs = zb_loops / 4 + 1,
	};

	return zb_time_sizes("free-rcu", "auto", sizes, ARRAY_SIZE(sizes), &t);
}

/* === Scenario: where a zalloc pair spends its time === */

/*
 * The pieces of zalloc_alloc() + zalloc_free() timed alone, in the same
 * loop shape: the magazines' pop and push, of an extended-pool class and
 * of an object-pool class, beside what SLUB's own per-CPU caches (7.x:
 * sheaves) take for the same object class's cache (kmem_cache_alloc() and
 * kfree(), the pair a class without magazines would make before zalloc's
 * lookup and counting); the pointer lookup of an extended-pool and of an
 * object-pool object (ksize() is in the latter); might_alloc(), which
 * kmalloc() does too; a single-object span of 64 KiB taken from the
 * backend and given back, beside the bare pages of the same order in the
 * row's pages column. And a miss, through the public calls: two 64 KiB
 * objects (one per magazine) taken and given back, so that the second
 * allocation finds the loaded magazine empty and swaps in the previous
 * one, and the second free finds it full and swaps back: per iteration,
 * two allocations and two frees, one of each a miss. And the zeroing of a
 * 16 KiB object as the fast path does it (the "hot-zero" rows put it
 * beside kmalloc()'s).
 */
enum zb_part {
	ZP_MAG, ZP_MAG_OBJ, ZP_SLAB, ZP_LOOKUP_EXT, ZP_LOOKUP_OBJ,
	ZP_MIGHT_ALLOC, ZP_SOLO, ZP_MISS, ZP_ZERO, ZP_NR
};

/* Each part's row name and the size of the class it works on. */
static const struct {
	const char *name;
	size_t size;
} parts[] = {
	[ZP_MAG]	 = { "mag-pop-push", 512 },
	[ZP_MAG_OBJ]	 = { "mag-pop-push", 64 },
	[ZP_SLAB]	 = { "slab-pair", 64 },
	[ZP_LOOKUP_EXT]	 = { "lookup-ext", 512 },
	[ZP_LOOKUP_OBJ]	 = { "lookup-obj", 64 },
	[ZP_MIGHT_ALLOC] = { "might_alloc", 512 },
	[ZP_SOLO]	 = { "backend-solo", 65536 },
	[ZP_MISS]	 = { "miss-swap", 65536 },
	[ZP_ZERO]	 = { "zero", 16384 },
};

static_assert(ARRAY_SIZE(parts) == ZP_NR);

/* One object taken from @c's backend and given back. */
static bool part_backend(struct za_class *c)
{
	bool zeroed;
	void *obj;

	if (!za_backend_get(c, GFP_KERNEL, NUMA_NO_NODE, &obj, 1, &zeroed))
		return false;
	/* Taken and given back at once: the gauges need no count. */
	za_backend_put(c, &obj, 1);
	return true;
}

/* The bare pages of @c's order, taken and given back: ZP_SOLO's floor. */
static u64 pages_loop(const struct za_class *c, unsigned int n)
{
	u64 t0 = ktime_get_ns();
	struct page *page;

	while (n--) {
		page = alloc_pages(GFP_KERNEL, c->order);
		if (!page)
			return 0;
		ZB_TOUCH(page_address(page));
		__free_pages(page, c->order);
	}
	return ktime_get_ns() - t0;
}

/* Two objects of @size, one per magazine, taken and given back. */
static bool part_miss(size_t size)
{
	void *a = zalloc_alloc(size, GFP_KERNEL);
	void *b = zalloc_alloc(size, GFP_KERNEL);
	bool ok = a && b;

	if (ok) {
		ZB_TOUCH(a);
		ZB_TOUCH(b);
	}
	zalloc_free(b);
	zalloc_free(a);
	return ok;
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
		case ZP_MAG:
		case ZP_MAG_OBJ:
			p = za_mag_alloc(c, GFP_KERNEL, NUMA_NO_NODE, false, &hit);
			if (unlikely(!p))
				return 0;
			ZB_TOUCH(p);
			za_mag_free(c, p, ZA_PUSH_UNTRIED);
			break;
		case ZP_SLAB:
			p = kmem_cache_alloc(c->kmem_cache, GFP_KERNEL);
			if (unlikely(!p))
				return 0;
			ZB_TOUCH(p);
			kfree(p);
			break;
		case ZP_MISS:
			if (!part_miss(c->size))
				return 0;
			break;
		case ZP_ZERO:
			OPTIMIZER_HIDE_VAR(obj);
			za_obj_alloc_init(c, obj, GFP_KERNEL | __GFP_ZERO);
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
		case ZP_SOLO:
			if (!part_backend(c))
				return 0;
			break;
		default:
			return 0;
		}
	}
	return ktime_get_ns() - t0;
}

int zb_run_parts(void)
{
	void *e = zalloc_alloc(512, GFP_KERNEL);
	void *o = zalloc_alloc(64, GFP_KERNEL);
	void *z = zalloc_alloc(parts[ZP_ZERO].size, GFP_KERNEL);
	bool ok = e && o && z;
	int part, i;

	for (part = 0; ok && part < ZP_NR; part++) {
		unsigned int cls = za_size_class(parts[part].size);
		struct za_class *c = &za_classes[cls];
		void *p = part == ZP_LOOKUP_OBJ ? o : part == ZP_ZERO ? z : e;
		struct zb_row *r = zb_new_row("parts", parts[part].name,
					      c->size);
		u64 best = 0;

		if (!r)
			break;
		part_loop(part, c, p, zb_loops / 10 + 1);
		for (i = 0; i < ZB_RUNS; i++)
			best = zb_min_ns(best, part_loop(part, c, p, zb_loops),
					 !i);
		r->ps[ZB_ZALLOC] = zb_to_ps(best, zb_loops);
		if (part != ZP_SOLO)
			continue;
		pages_loop(c, zb_loops / 10 + 1);
		for (i = 0, best = 0; i < ZB_RUNS; i++)
			best = zb_min_ns(best, pages_loop(c, zb_loops), !i);
		r->ps[ZB_PAGES] = zb_to_ps(best, zb_loops);
	}
	zalloc_free(e);
	zalloc_free(o);
	zalloc_free(z);
	return ok ? 0 : -ENOMEM;
}

/* === Scenario: profiling on and off === */

static int profile_set(int on)
{
	return za_set_profile(on);
}

static u64 profile_hot_loop(enum zb_alloc a, const struct zb_size *s,
			    unsigned int n, int on)
{
	return hot_loop(a, s, n, NULL);
}

static u64 profile_npat_loop(enum zb_alloc a, const struct zb_size *s,
			     unsigned int n, int on)
{
	return npat_loop(a, s, n, NULL);
}

/*
 * Hot pairs and N=128 (npat_objs holds 128 objects) up to 8 KiB, the
 * sizes of the profiling target, zalloc alone, profiling on and off in
 * turns; profiling is left as it was found.
 */
int zb_run_profile(void)
{
	static const size_t sizes[] = { 64, 512, 4096, 8192 };
	const struct zb_ab hot = {
		.scenario = "profile-hot", .label = { "off", "on" },
		.last = ZB_ZALLOC, .set = profile_set,
		.loop = profile_hot_loop,
	};
	const struct zb_ab npat = {
		.scenario = "profile-npat-128", .label = { "off", "on" },
		.last = ZB_ZALLOC, .set = profile_set,
		.loop = profile_npat_loop, .n = 128,
		.pairs = max(1U, zb_loops / 128) * 128,
	};
	bool was_on = za_profile_enabled();
	int err = -ENOMEM;

	npat_objs = kvmalloc_array(128, sizeof(void *), GFP_KERNEL);
	if (npat_objs) {
		err = ab_rows(&hot, sizes, ARRAY_SIZE(sizes));
		if (!err)
			err = ab_rows(&npat, sizes, ARRAY_SIZE(sizes));
	}
	za_set_profile(was_on);
	kvfree(npat_objs);
	npat_objs = NULL;
	return err;
}
