/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc_bench.h: what the parts of zalloc_bench.ko share.
 *
 * zalloc_bench_main.c: the module, its parameters, the timing harness (the
 *	allocators compared, the floor, rows and their printing)
 * zalloc_bench_single.c: the scenarios on one CPU
 * zalloc_bench_smp.c: the scenarios with a thread per CPU or across CPUs
 *
 * zb_alloc() and zb_free() are here, always inlined, so that every timed
 * loop pays the same for the choice of allocator wherever the loop is.
 * zalloc_footprint.ko, a module of its own, uses the first part only: the
 * results file and the random sizes.
 */
#ifndef ZALLOC_BENCH_H
#define ZALLOC_BENCH_H

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "zalloc_internal.h"

/* === Both benchmark modules === */

/*
 * xorshift32: a fixed, cheap sequence, the same for every run from the
 * same start (ZB_RAND_SEED).
 */
#define ZB_RAND_SEED	2463534242U
static inline u32 zb_rand(u32 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/*
 * Creates the results file @name, read-only, in zalloc's debugfs directory;
 * whatever it returns is for debugfs_remove().
 */
static inline struct dentry *zb_debugfs_create(const char *name,
					       const struct file_operations *fops)
{
	struct dentry *dir = debugfs_lookup("zalloc", NULL);
	struct dentry *file = debugfs_create_file(name, 0444, dir, NULL, fops);

	dput(dir);
	return file;
}

/* === zalloc_bench.ko === */

/* Pairs timed per figure: the module parameter "loops". */
extern unsigned int zb_loops;

/* The allocators compared; ZB_FLOOR is a bare per-CPU array. */
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

/**
 * struct zb_size - what the loops of one size need
 * @size: object size
 * @cache: a private kmem_cache of @size
 * @order: page order of @size, or -1 if @size is not a page multiple
 * @strategy: the strategy the zalloc loops use
 * @gfp: the flags every allocator's loops use (GFP_KERNEL, or
 *	GFP_KERNEL_ACCOUNT for the accounted rows)
 */
struct zb_size {
	size_t size;
	struct kmem_cache *cache;
	int order;
	enum zalloc_strategy strategy;
	gfp_t gfp;
};

/* Every loop writes one byte of each object: a user would too. */
#define ZB_TOUCH(p)	WRITE_ONCE(*(u8 *)(p), 1)

/*
 * Runs of each timed loop. The allocators compared in a row take turns
 * run by run, so that a disturbance of the machine (this is a shared one)
 * hits them alike, and the fastest run of each counts.
 */
#define ZB_RUNS		5

/* The floor: a per-CPU stack of objects, popped and pushed. */
#define ZB_FLOOR_DEPTH	8
struct zb_floor {
	unsigned int count;
	void *objs[ZB_FLOOR_DEPTH];
};

DECLARE_PER_CPU(struct zb_floor, zb_floor);

static inline void *zb_floor_pop(void)
{
	struct zb_floor *f;
	void *p;

	preempt_disable();
	f = this_cpu_ptr(&zb_floor);
	p = f->count ? f->objs[--f->count] : NULL;
	preempt_enable();
	return p;
}

static inline void zb_floor_push(void *p)
{
	struct zb_floor *f;

	preempt_disable();
	f = this_cpu_ptr(&zb_floor);
	f->objs[f->count++] = p;
	preempt_enable();
}

/*
 * One allocation or free by allocator @a. Inlined into the loops, the
 * switch is one well-predicted branch, the same for every allocator.
 */
static __always_inline void *zb_alloc(enum zb_alloc a,
				      const struct zb_size *s)
{
	switch (a) {
	case ZB_ZALLOC:
		return zalloc_alloc_strategy(s->size, s->gfp, s->strategy);
	case ZB_KMALLOC:
		return kmalloc(s->size, s->gfp);
	case ZB_CACHE:
		return kmem_cache_alloc(s->cache, s->gfp);
	case ZB_PAGES:
		return (void *)__get_free_pages(s->gfp, s->order);
	default:
		return zb_floor_pop();
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
		zb_floor_push(p);
		break;
	}
}

/**
 * typedef zb_loop_t - a timed loop
 * @a: the allocator
 * @s: the size
 * @n: how much to do (pairs, objects, ...: the loop says)
 * @ctx: the scenario's own data
 *
 * Return: nanoseconds taken, 0 on failure.
 */
typedef u64 (*zb_loop_t)(enum zb_alloc a, const struct zb_size *s,
			 unsigned int n, void *ctx);

/**
 * struct zb_timing - how to time the allocators of a row
 * @loop: the loop
 * @ctx: passed to @loop
 * @allocs: the allocators timed, BIT(enum zb_alloc) each
 * @warm: @n of the warm-up run of each allocator
 * @n: @n of each timed run
 * @pairs: pairs one timed run makes
 * @hits: also count zalloc's fast-path hits in the timed runs
 */
struct zb_timing {
	zb_loop_t loop;
	void *ctx;
	unsigned long allocs;
	unsigned int warm;
	unsigned int n;
	unsigned int pairs;
	bool hits;
};

/* === zalloc_bench_main.c: the harness === */
struct zb_row *zb_new_row(const char *scenario, const char *label,
			  unsigned int size);
int zb_size_init(struct zb_size *s, size_t size);
void zb_size_exit(struct zb_size *s);
int zb_floor_fill(size_t size);
void zb_counts(u64 *allocs, u64 *misses);
int zb_hit_permille(u64 a0, u64 m0);
u64 zb_to_ps(u64 ns, unsigned int pairs);
u64 zb_min_ns(u64 best, u64 ns, bool first);
void zb_time_row(struct zb_row *r, const struct zb_size *s,
		 const struct zb_timing *t);
int zb_time_sizes(const char *scenario, const char *label,
		  const size_t *sizes, unsigned int nr,
		  const struct zb_timing *t);

/* === zalloc_bench_single.c: one CPU === */
int zb_run_seed(void);
int zb_run_hot(void);
int zb_run_npat(void);
int zb_run_churn(void);
int zb_run_stats_cost(void);
int zb_run_parts(void);
int zb_run_bulk(void);
int zb_run_free_rcu(void);
int zb_run_alloc_node(void);
int zb_run_profile(void);

/* === zalloc_bench_smp.c: threads and CPUs === */
int zb_run_threads(void);
int zb_run_prodcons(void);

#endif /* ZALLOC_BENCH_H */
