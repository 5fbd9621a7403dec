/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc fast path: pop from and push to this CPU's loaded magazine of a
 * class. Inlined into zalloc_alloc*() and zalloc_free() (zalloc_main.c);
 * the magazines' slow paths, the depot, the context rules and the memory
 * bounds are in zalloc_pcpu.c.
 */
#ifndef _ZALLOC_PCPU_H
#define _ZALLOC_PCPU_H

#include <linux/build_bug.h>
#include <linux/mmdebug.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "zalloc_internal.h"

#define ZA_NR_POOL_CLASSES	ZA_CLASS_STD

/**
 * struct za_mag - a magazine: free objects of one class, used as a stack
 * @next: next magazine on a depot list; the depot lock protects it
 * @rcu: frees it once no reader of the statistics can still see it
 * @count: objects in @objs
 * @objs: the objects; the class's mag_size slots
 *
 * A magazine belongs to one CPU (as its loaded or previous one) or to its
 * class's depot, and whoever holds it may touch it.
 */
struct za_mag {
	struct za_mag *next;
	struct rcu_head rcu;
	unsigned int count;
	void *objs[];
};

/**
 * struct za_pcpu_class - one class's magazines on one CPU
 * @loaded: allocation pops from it, free pushes to it; never NULL
 * @prev: the magazine loaded before; swapped with @loaded when that one
 *	runs empty (allocation) or full (free); never NULL
 * @ev: events this CPU counted under its cache's lock: statistics, and
 *	the objects taken from and given to the backend (ZE_OUT, ZE_IN);
 *	64-bit everywhere, so that no count wraps in a machine's lifetime
 *	(an unsigned long wraps after 2^32 events on 32-bit kernels)
 * @mark: @loaded at the last decay (zalloc_pcpu.c), to tell an idle class
 * @mark_count: the objects in both magazines then
 *
 * The counters sit beside the magazines, so that counting costs no cache
 * line.
 */
struct za_pcpu_class {
	struct za_mag *loaded;
	struct za_mag *prev;
	u64 ev[ZE_NR];
	struct za_mag *mark;
	unsigned int mark_count;
};

/* The gauges rely on it: see za_gauge() and zalloc_stats.c. */
static_assert(sizeof_field(struct za_pcpu_class, ev[0]) == sizeof(u64));

/**
 * struct za_pcpu - one CPU's caches
 * @active: the local trylock: 1 while this CPU uses @cls (see "Context
 *	rules" in zalloc_pcpu.c)
 * @cls: per pool class, the magazines and counters
 *
 * Only the owning CPU touches it, holding @active; readers of the
 * counters on other CPUs accept a stale value.
 */
struct za_pcpu {
	unsigned int active;
	struct za_pcpu_class cls[ZA_NR_POOL_CLASSES];
};

extern struct za_pcpu __percpu *za_pcpu;

/*
 * The local trylock: takes this CPU's cache, or returns NULL if this CPU
 * is already using it (we interrupted it).
 */
static __always_inline struct za_pcpu *pcpu_trylock(void)
{
	struct za_pcpu *pc;

	preempt_disable();
	pc = this_cpu_ptr(za_pcpu);
	if (unlikely(READ_ONCE(pc->active))) {
		preempt_enable();
		return NULL;
	}
	WRITE_ONCE(pc->active, 1);
	/* The magazines are touched only once active is set; see below. */
	barrier();
	return pc;
}

static __always_inline void pcpu_unlock(struct za_pcpu *pc)
{
	/* Only the holder unlocks, once (CONFIG_DEBUG_VM checks). */
	VM_WARN_ON_ONCE(!READ_ONCE(pc->active));
	/* Pairs with the barrier() in pcpu_trylock(): done with them. */
	barrier();
	WRITE_ONCE(pc->active, 0);
	preempt_enable();
}

/* Counts an event on the fast path; @pc is held. */
static __always_inline void pcpu_stat(struct za_pcpu_class *pcc,
				      enum za_event ev)
{
	if (static_branch_likely(&za_stats_key))
		pcc->ev[ev]++;
}

/*
 * Forgets the pointers in @m's slots from @from on, @n of them, where
 * kmemleak scans magazines: a slot that still pointed to an object handed
 * out would hide that object's leak. Nothing elsewhere.
 */
static __always_inline void mag_forget(struct za_mag *m, unsigned int from,
				       unsigned int n)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		memset(&m->objs[from], 0, n * sizeof(void *));
}

/* Pops an object off @m, or returns NULL if it is empty; @m is held. */
static __always_inline void *mag_pop(struct za_mag *m)
{
	void *obj;

	if (unlikely(!m->count))
		return NULL;
	obj = m->objs[--m->count];
	mag_forget(m, m->count, 1);
	return obj;
}

/*
 * Whether @obj is on top of @m: freed again with nothing between, a double
 * free that costs one compare to catch; @m is held.
 */
static __always_inline bool mag_top_is(const struct za_mag *m,
				       const void *obj)
{
	return m->count && m->objs[m->count - 1] == obj;
}

/* Moves all of @m's objects to @objs and returns how many; @m is held. */
static inline unsigned int mag_take_all(struct za_mag *m, void **objs)
{
	unsigned int n = m->count;

	memcpy(objs, m->objs, n * sizeof(void *));
	mag_forget(m, 0, n);
	m->count = 0;
	return n;
}

/* Pushes @obj on @m unless it is full; returns whether it did. */
static __always_inline bool mag_push(struct za_mag *m, unsigned int size,
				     void *obj)
{
	if (unlikely(m->count >= size))
		return false;
	m->objs[m->count++] = obj;
	return true;
}

/**
 * za_cache_pop() - the fast path: an object of a pool class from this
 *	CPU's loaded magazine
 * @c: an object-pool or extended-pool class
 *
 * The debug mode's key is looked at again with preemption off: an
 * allocation that found the mode off before it was switched on ends
 * before za_set_debug()'s grace period does (zalloc_debug.c).
 *
 * Context: any context kmalloc(GFP_ATOMIC) may be called from.
 * Return: the object, not zeroed; NULL if the magazine is empty, the CPU's
 * cache is in use (we interrupted it), the magazines are off or the debug
 * mode is on.
 */
static __always_inline void *za_cache_pop(struct za_class *c)
{
	struct za_pcpu *pc;
	void *obj = NULL;

	if (static_branch_likely(&za_fastpath_key)) {
		pc = pcpu_trylock();
		if (unlikely(pc && static_branch_unlikely(&za_debug_key))) {
			pcpu_unlock(pc);
			pc = NULL;
		}
		if (likely(pc)) {
			struct za_pcpu_class *pcc = &pc->cls[c->index];

			obj = mag_pop(pcc->loaded);
			if (likely(obj))
				pcpu_stat(pcc, ZE_ALLOC);
			pcpu_unlock(pc);
		}
	}
	return obj;
}

/* What za_cache_push() did with an object. */
enum za_push {
	ZA_PUSH_FULL,	/* nothing: the magazine is full, in use or off */
	ZA_PUSH_DONE,	/* pushed */
	ZA_PUSH_DOUBLE,	/* nothing: it is on top of the magazine already */
};

/**
 * za_cache_push() - the fast path: an object of a pool class onto this
 *	CPU's loaded magazine
 * @c: the object's class
 * @obj: the object, already wiped if init_on_free asks
 *
 * The object on top of the magazine is refused: a double free with
 * nothing between, caught for the cost of one compare (zalloc_debug.c).
 *
 * Context: any context kfree() may be called from.
 * Return: what it did.
 */
static __always_inline enum za_push za_cache_push(struct za_class *c,
						  void *obj)
{
	enum za_push done = ZA_PUSH_FULL;
	struct za_pcpu *pc;

	if (static_branch_likely(&za_fastpath_key)) {
		pc = pcpu_trylock();
		if (likely(pc)) {
			struct za_pcpu_class *pcc = &pc->cls[c->index];
			struct za_mag *m = pcc->loaded;

			if (unlikely(mag_top_is(m, obj))) {
				done = ZA_PUSH_DOUBLE;
			} else if (likely(mag_push(m, c->mag_size, obj))) {
				done = ZA_PUSH_DONE;
				pcpu_stat(pcc, ZE_FREE);
			}
			pcpu_unlock(pc);
		}
	}
	return done;
}

/**
 * za_cache_alloc() - allocate an object of a pool class
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags
 * @hit: set to whether this CPU's magazines served the allocation
 *
 * Context: as kmalloc() with @gfp.
 * Return: the object, zeroed if @gfp or init_on_alloc asks; or NULL.
 */
static __always_inline void *za_cache_alloc(struct za_class *c, gfp_t gfp,
					    bool *hit)
{
	void *obj = za_cache_pop(c);

	*hit = obj;
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
 * Return: false if @obj is on top of this CPU's magazine already (a double
 * free, refused), else true.
 */
static __always_inline bool za_cache_free(struct za_class *c, void *obj)
{
	enum za_push done;

	if (want_init_on_free())
		memset(obj, 0, c->size);
	done = za_cache_push(c, obj);
	if (unlikely(done == ZA_PUSH_FULL))
		__za_cache_free(c, obj);
	return done != ZA_PUSH_DOUBLE;
}

/* zalloc_pcpu.c, for zalloc_reclaim.c: counting and trimming */
void za_pcpu_count_backend(struct za_pcpu *pc, unsigned int cls,
			   enum za_event ev, unsigned int n);
void za_pcpu_backend_put(struct za_pcpu *pc, struct za_class *c, void **objs,
			 unsigned int n);
unsigned long za_depot_trim(struct za_class *c, bool all);

#endif /* _ZALLOC_PCPU_H */
