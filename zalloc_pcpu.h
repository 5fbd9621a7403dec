/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc fast path: pop from and push to this CPU's stack of free objects of
 * a class. Inlined into zalloc_alloc*() and zalloc_free() (zalloc_main.c);
 * the slow paths, the context rules and the memory bounds are in
 * zalloc_pcpu.c.
 */
#ifndef _ZALLOC_PCPU_H
#define _ZALLOC_PCPU_H

#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/string.h>

#include "zalloc_internal.h"

#define ZA_NR_POOL_CLASSES	ZA_CLASS_STD
#define ZA_BATCH_MAX		(ZA_PCPU_CAP_MAX / 2)

/**
 * struct za_pcpu_class - one class's stack on one CPU
 * @count: objects on the stack
 * @allocs: allocations the stack served (statistics)
 * @frees: frees the stack took (statistics)
 *
 * The counters sit beside @count, so that counting costs no cache line.
 */
struct za_pcpu_class {
	unsigned long count;
	unsigned long allocs;
	unsigned long frees;
};

/**
 * struct za_pcpu - one CPU's caches
 * @busy: this CPU is using the stacks (see "Context rules" in zalloc_pcpu.c)
 * @idle_bytes: bytes of all objects on the stacks
 * @cls: per class, the stack's count and statistics
 * @slots: the stacks; class c's is slots[c->slot_base .. + c->cap)
 *
 * Only the owning CPU touches it, with @busy set; readers of @cls on other
 * CPUs accept a stale value.
 */
struct za_pcpu {
	unsigned int busy;
	unsigned long idle_bytes;
	struct za_pcpu_class cls[ZA_NR_POOL_CLASSES];
	void *slots[];
};

extern struct za_pcpu __percpu *za_pcpu;

/*
 * Takes this CPU's cache, or returns NULL if this CPU is already using it
 * (we interrupted it).
 */
static __always_inline struct za_pcpu *pcpu_get(void)
{
	struct za_pcpu *pc;

	preempt_disable();
	pc = this_cpu_ptr(za_pcpu);
	if (unlikely(READ_ONCE(pc->busy))) {
		preempt_enable();
		return NULL;
	}
	WRITE_ONCE(pc->busy, 1);
	/* The stacks are touched only once busy is set; see pcpu_put(). */
	barrier();
	return pc;
}

static __always_inline void pcpu_put(struct za_pcpu *pc)
{
	/* Pairs with the barrier() in pcpu_get(): done with the stacks. */
	barrier();
	WRITE_ONCE(pc->busy, 0);
	preempt_enable();
}

/* Room on @cls's stack, and in the CPU's idle-bytes budget. */
static __always_inline bool pcpu_fits(struct za_pcpu *pc,
				      const struct za_class *c,
				      unsigned int cls)
{
	return pc->cls[cls].count < c->cap &&
	       pc->idle_bytes + c->size <= ZA_PCPU_IDLE_MAX;
}

/**
 * za_cache_alloc() - allocate an object of a pool class
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags
 * @hit: set to whether this CPU's cache served the allocation
 *
 * Context: as kmalloc() with @gfp.
 * Return: the object, zeroed if @gfp or init_on_alloc asks; or NULL.
 */
static __always_inline void *za_cache_alloc(struct za_class *c, gfp_t gfp,
					    bool *hit)
{
	unsigned int cls = c - za_classes;
	struct za_pcpu *pc;
	void *obj = NULL;

	if (static_branch_likely(&za_fastpath_key)) {
		pc = pcpu_get();
		if (likely(pc)) {
			struct za_pcpu_class *pcc = &pc->cls[cls];

			if (likely(pcc->count)) {
				obj = pc->slots[c->slot_base + --pcc->count];
				pc->idle_bytes -= c->size;
				if (static_branch_likely(&za_stats_key))
					pcc->allocs++;
			}
			pcpu_put(pc);
		}
	}
	*hit = !!obj;
	if (unlikely(!obj)) {
		obj = __za_cache_alloc(c, gfp);
		if (!obj)
			return NULL;
	}
	if (want_init_on_alloc(gfp))
		memset(obj, 0, c->size);
	return obj;
}

/**
 * za_cache_free() - free an object of a pool class
 * @c: the class za_ptr_lookup() found for @obj
 * @obj: the object
 *
 * Context: any context kfree() may be called from.
 */
static __always_inline void za_cache_free(struct za_class *c, void *obj)
{
	unsigned int cls = c - za_classes;
	struct za_pcpu *pc;
	bool done = false;

	if (want_init_on_free())
		memset(obj, 0, c->size);
	if (static_branch_likely(&za_fastpath_key)) {
		pc = pcpu_get();
		if (likely(pc)) {
			struct za_pcpu_class *pcc = &pc->cls[cls];

			done = pcpu_fits(pc, c, cls);
			if (likely(done)) {
				pc->slots[c->slot_base + pcc->count++] = obj;
				pc->idle_bytes += c->size;
				if (static_branch_likely(&za_stats_key))
					pcc->frees++;
			}
			pcpu_put(pc);
		}
	}
	if (unlikely(!done))
		__za_cache_free(c, obj);
}

#endif /* _ZALLOC_PCPU_H */
