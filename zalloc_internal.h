/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc internals shared by zalloc_main.c, zalloc_pool.c, zalloc_stats.c
 * and the test and benchmark modules. Not part of the public API: the za_*
 * symbols that zalloc exports are for kunit/ and bench/ only and may change
 * with any release.
 */
#ifndef _ZALLOC_INTERNAL_H
#define _ZALLOC_INTERNAL_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <zalloc.h>

/*
 * Size classes. Index 0 .. ZA_NR_OBJ_CLASSES-1 are object pools (kmem_cache),
 * then ZA_NR_EXT_CLASSES extended pools, then one row for the standard
 * backend (kmalloc), which has no fixed size.
 */
#define ZA_OBJ_MAX		256
#define ZA_EXT_MAX		(64 * 1024)
#define ZA_NR_OBJ_CLASSES	14
#define ZA_NR_EXT_CLASSES	32
#define ZA_FIRST_EXT		ZA_NR_OBJ_CLASSES
#define ZA_CLASS_STD		(ZA_NR_OBJ_CLASSES + ZA_NR_EXT_CLASSES)
#define ZA_NR_CLASSES		(ZA_CLASS_STD + 1)

/* Empty spans an extended class keeps instead of freeing them. */
#define ZA_EXT_RESERVE		1

/**
 * struct za_class - one size class
 * @size: object size in bytes (0 for the standard row)
 * @backend: ZALLOC_OBJECT_POOL, ZALLOC_EXTENDED_POOL or ZALLOC_STANDARD
 * @name: "object-64", "extended-5120", "standard"
 * @cache: object pools: the kmem_cache of this class
 * @order: extended pools: a span is 2^@order pages
 * @per_span: extended pools: objects carved from one span
 * @lock: extended pools: protects the span lists and counters below, and
 *	the free lists and counts of the spans on them
 * @partial: spans with both free and used objects
 * @full: spans with no free object
 * @empty: spans with no used object, at most ZA_EXT_RESERVE of them
 * @nr_spans: spans on all three lists
 * @nr_empty: spans on @empty
 */
struct za_class {
	unsigned int size;
	enum zalloc_strategy backend;
	char name[24];
	struct kmem_cache *cache;
	unsigned int order;
	unsigned int per_span;
	spinlock_t lock;	/* see @lock above */
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	unsigned int nr_spans;
	unsigned int nr_empty;
};

extern struct za_class za_classes[ZA_NR_CLASSES];

/* "auto", "object_pool", ...: indexed by enum zalloc_strategy */
extern const char * const za_strategy_names[];

/* Events counted per CPU and per class; gauges are derived on read. */
enum za_event {
	ZE_ALLOC,	/* objects handed out */
	ZE_FREE,	/* objects given back */
	ZE_MISS,	/* allocations that took the slow path */
	ZE_REFILL,	/* slow-path refills: new span or slab batch */
	ZE_FALLTHROUGH,	/* served here for a strategy that could not */
	ZE_FAIL,	/* allocations that returned NULL */
	ZE_NR,
};

/**
 * struct za_class_stats - a class's counters summed over all CPUs
 * @ev: event counters since load (minus the last reset's baseline if
 *	@since_reset was asked for)
 * @live_objs: objects allocated and not yet freed
 * @live_bytes: their usable size in bytes
 * @pages: pages the class holds (extended pools only)
 */
struct za_class_stats {
	u64 ev[ZE_NR];
	s64 live_objs;
	s64 live_bytes;
	unsigned long pages;
};

/* zalloc_pool.c */
unsigned int za_size_class(size_t size);
int za_pools_init(void);
void za_pools_exit(const bool *leaked);
void *za_pool_alloc(struct za_class *c, size_t size, gfp_t gfp);
void za_pool_free(const void *ptr);
struct za_class *za_ptr_lookup(const void *ptr, size_t *usable);
unsigned long za_class_pages(const struct za_class *c);

/**
 * struct za_pcpu_stats - one CPU's counters
 * @ev: events per class
 * @std_bytes: bytes the standard backend handed out minus bytes it took
 *	back on this CPU (the other classes derive bytes from object counts)
 * @invalid: calls with an unknown strategy
 *
 * Only this_cpu operations touch it, so updates are safe from any context
 * with no lock; readers sum all CPUs and may see a count one step behind.
 */
struct za_pcpu_stats {
	u64 ev[ZA_NR_CLASSES][ZE_NR];
	long std_bytes;
	u64 invalid;
};

DECLARE_PER_CPU(struct za_pcpu_stats, za_pcpu_stats);

static inline void za_stat_inc(unsigned int cls, enum za_event ev)
{
	this_cpu_inc(za_pcpu_stats.ev[cls][ev]);
}

static inline void za_stat_add_std_bytes(long bytes)
{
	this_cpu_add(za_pcpu_stats.std_bytes, bytes);
}

static inline void za_stat_invalid_strategy(void)
{
	this_cpu_inc(za_pcpu_stats.invalid);
}

/* zalloc_stats.c */
void za_stats_read(unsigned int cls, struct za_class_stats *st,
		   bool since_reset);
u64 za_stats_invalid(void);
void za_stats_reset(void);
int za_stats_init(void);
void za_stats_exit(void);

#endif /* _ZALLOC_INTERNAL_H */
