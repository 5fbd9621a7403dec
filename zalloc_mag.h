/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc's fast path: pop from and push to this CPU's loaded magazine of a
 * pool class (za_mag_pop(), za_mag_push()), inlined into zalloc_alloc*()
 * and zalloc_free() (zalloc_main.c). The magazines' slow paths, the
 * depots, the lock order, the context rules and the memory bounds are in
 * zalloc_mag.c; their decay and drains in zalloc_reclaim.c.
 */
#ifndef _ZALLOC_MAG_H
#define _ZALLOC_MAG_H

#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/mmdebug.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "zalloc_internal.h"

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
 * struct za_mag_class - one class's magazines on one CPU
 * @loaded: allocation pops from it, free pushes to it; never NULL
 * @prev: the magazine loaded before; swapped with @loaded when that one
 *	runs empty (allocation) or full (free); never NULL
 * @ev: events this CPU counted holding its magazines: statistics, and
 *	the objects taken from and given to the backend (ZE_OUT, ZE_IN);
 *	64-bit everywhere, so that no count wraps in a machine's lifetime
 *	(an unsigned long wraps after 2^32 events on 32-bit kernels)
 * @mark: @loaded at the last decay (zalloc_reclaim.c), to tell an idle class
 * @mark_count: the objects in both magazines then
 *
 * The counters sit beside the magazines, so that counting costs no cache
 * line.
 */
struct za_mag_class {
	struct za_mag *loaded;
	struct za_mag *prev;
	u64 ev[ZE_NR];
	struct za_mag *mark;
	unsigned int mark_count;
};

/* The gauges rely on it: see za_gauge() and zalloc_stats.c. */
static_assert(sizeof_field(struct za_mag_class, ev[0]) == sizeof(u64));

/**
 * struct za_std_counts - the counters of the standard class, which has no
 *	magazines, kept as the pool classes' are
 * @ev: its events: the objects taken from and given to kmalloc() (ZE_OUT,
 *	ZE_IN) and what the statistics switch counts
 * @bytes: usable bytes handed out minus bytes taken back on this CPU
 */
struct za_std_counts {
	u64 ev[ZE_NR];
	long bytes;
};

/**
 * struct za_cpu_mags - one CPU's magazines, of every pool class, and the
 *	counters that code on this CPU keeps while it has them claimed
 * @claimed: 1 while code on this CPU uses @cls or @std (mags_claim())
 * @std: the standard class's counters (za_count_out(), za_count_in())
 * @cls: per pool class, the magazines and counters
 *
 * Only the owning CPU touches it, having claimed it; readers of the
 * counters on other CPUs accept a stale value.
 */
struct za_cpu_mags {
	unsigned int claimed;
	struct za_std_counts std;
	struct za_mag_class cls[ZA_NR_POOL_CLASSES];
};

extern struct za_cpu_mags __percpu *za_mags;

/*
 * On where the machine has more than one possible node (set at load): a
 * CPU's magazines then hold objects of its own node's memory only
 * (numa_mem_id(): the nearest node with memory, for a CPU of a memoryless
 * one), and each node has its own depots and spans. One node: nothing to
 * check, and the key keeps the checks off the fast path.
 */
DECLARE_STATIC_KEY_FALSE(za_numa_key);

/*
 * Whether @obj may go on this CPU's magazines: its memory is this CPU's
 * node's. The caller has preemption off (a claim), so the node is the one
 * of the CPU whose magazines it holds. The object's struct page was read
 * by its lookup already.
 */
static __always_inline bool za_obj_local(const void *obj)
{
	return !static_branch_unlikely(&za_numa_key) ||
	       page_to_nid(virt_to_page(obj)) == numa_mem_id();
}

/*
 * The node whose memory the caches of this CPU take from the backends:
 * this CPU's, named (the backends' own choice for NUMA_NO_NODE may be
 * another node's: SLUB takes partial slabs of other nodes before it
 * makes a slab of this one); NUMA_NO_NODE on a machine of one node.
 */
static __always_inline int za_cache_node(void)
{
	return static_branch_unlikely(&za_numa_key) ? numa_mem_id() :
						      NUMA_NO_NODE;
}

/*
 * Whether a request for @node may be served from this CPU's magazines:
 * any node (NUMA_NO_NODE), or this CPU's node; preemption off, as above.
 * Compiled out of the paths that pass NUMA_NO_NODE. With one possible
 * node, that node is 0 and this CPU's: nothing to look up (numa_mem_id()
 * is a call of uml_curr_cpu() on UML SMP, 1.3 ns a pair).
 */
static __always_inline bool za_node_local(int node)
{
	if (node == NUMA_NO_NODE)
		return true;
	if (!static_branch_unlikely(&za_numa_key))
		return node == 0;
	return node == numa_mem_id();
}

/*
 * Claims this CPU's magazines, or returns NULL if code on this CPU has
 * them claimed already (we interrupted it). Not a lock that anyone waits
 * on, and not one another CPU takes: a flag only its own CPU sets, with
 * preemption off until mags_release(). "Context rules" in zalloc_mag.c.
 */
static __always_inline struct za_cpu_mags *mags_claim(void)
{
	struct za_cpu_mags *cm;

	preempt_disable();
	cm = this_cpu_ptr(za_mags);
	if (unlikely(READ_ONCE(cm->claimed))) {
		preempt_enable();
		return NULL;
	}
	WRITE_ONCE(cm->claimed, 1);
	/* The magazines are touched only once claimed is set; see below. */
	barrier();
	return cm;
}

static __always_inline void mags_release(struct za_cpu_mags *cm)
{
	/* Only the claimant releases, once (CONFIG_DEBUG_VM checks). */
	VM_WARN_ON_ONCE(!READ_ONCE(cm->claimed));
	/* Pairs with the barrier() in mags_claim(): done with them. */
	barrier();
	WRITE_ONCE(cm->claimed, 0);
	preempt_enable();
}

/* Counts an event on the fast path; @mc's magazines are claimed. */
static __always_inline void mags_stat(struct za_mag_class *mc,
				      enum za_event ev)
{
	if (static_branch_likely(&za_stats_key))
		mc->ev[ev]++;
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

/*
 * A magazine slot holds an object's address, with its low bit set where
 * the object is new from the backend, whose allocator zeroed it
 * (za_backend_get(): under init_on_alloc): handing it out needs no
 * zeroing, so that no byte is zeroed twice. Objects are at least 8-byte
 * aligned. Slots are read by mag_pop(), bulk_take() and mag_take_all()
 * only; za_mag_hand_out() and mag_slot_obj() take the bit off.
 */
#define ZA_SLOT_ZEROED	1UL

/* The slot for @obj, marked if @zeroed. */
static __always_inline void *mag_slot(void *obj, bool zeroed)
{
	return (void *)((unsigned long)obj | (zeroed ? ZA_SLOT_ZEROED : 0));
}

/* The object in @slot; sets @zeroed if the slot says it is zero. */
static __always_inline void *mag_slot_obj(void *slot, bool *zeroed)
{
	*zeroed = (unsigned long)slot & ZA_SLOT_ZEROED;
	return (void *)((unsigned long)slot & ~ZA_SLOT_ZEROED);
}

/* Pops a slot off @m, or returns NULL if it is empty; @m is held. */
static __always_inline void *mag_pop(struct za_mag *m)
{
	void *slot;

	if (unlikely(!m->count))
		return NULL;
	slot = m->objs[--m->count];
	mag_forget(m, m->count, 1);
	return slot;
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

/*
 * Moves all of @m's objects to @objs, their slots' marks taken off (they
 * go back to the backend), and returns how many; @m is held.
 */
static inline unsigned int mag_take_all(struct za_mag *m, void **objs)
{
	unsigned int i, n = m->count;
	bool zeroed;

	for (i = 0; i < n; i++)
		objs[i] = mag_slot_obj(m->objs[i], &zeroed);
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
 * za_mag_pop() - the fast path: an object of a pool class from this
 *	CPU's loaded magazine
 * @c: a pool class
 * @node: the node whose memory is wanted, or NUMA_NO_NODE
 *
 * The debug mode's key is looked at again with preemption off: an
 * allocation that found the mode off before it was switched on ends
 * before za_set_debug()'s grace period does (zalloc_debug.c).
 *
 * Context: any context kmalloc(GFP_ATOMIC) may be called from.
 * Return: the object's slot, for za_mag_hand_out(); NULL if the magazine
 * is empty, this CPU's magazines are claimed already (we interrupted their
 * user), the magazines are off, the debug mode is on or @node is another
 * node than this CPU's.
 */
static __always_inline void *za_mag_pop(struct za_class *c, int node)
{
	struct za_cpu_mags *cm;
	void *obj = NULL;

	if (static_branch_likely(&za_fastpath_key)) {
		cm = mags_claim();
		if (unlikely(cm && static_branch_unlikely(&za_debug_key))) {
			mags_release(cm);
			cm = NULL;
		}
		if (likely(cm && za_node_local(node))) {
			struct za_mag_class *mc = &cm->cls[c->index];

			obj = mag_pop(mc->loaded);
			if (likely(obj))
				mags_stat(mc, ZE_ALLOC);
		}
		if (likely(cm))
			mags_release(cm);
	}
	return obj;
}

/* What became of an object that a free offered this CPU's magazine. */
enum za_push {
	ZA_PUSH_UNTRIED,	/* not offered yet */
	ZA_PUSHED,		/* on the loaded magazine */
	/*
	 * No room: the loaded magazine is full, this CPU's magazines are
	 * claimed already, or they are off; or the object is another
	 * node's; za_mag_free_slow() takes it.
	 */
	ZA_NOT_PUSHED,
	ZA_PUSH_DOUBLE_FREE,	/* refused: on top of the magazine already */
};

/**
 * za_mag_push() - the fast path: an object of a pool class onto this
 *	CPU's loaded magazine
 * @c: the object's class
 * @obj: the object, already wiped if init_on_free asks
 *
 * The object on top of the magazine is refused: a double free with
 * nothing between, caught for the cost of one compare (zalloc_debug.c).
 * Another node's object is not pushed (za_obj_local()).
 * Where the kernel has kmemleak, the object is unregistered as it is
 * pushed, before the magazines are released and anyone can take it.
 *
 * Context: any context kfree() may be called from.
 * Return: ZA_PUSHED, ZA_NOT_PUSHED or ZA_PUSH_DOUBLE_FREE.
 */
static __always_inline enum za_push za_mag_push(struct za_class *c,
						void *obj)
{
	enum za_push done = ZA_NOT_PUSHED;
	struct za_cpu_mags *cm;

	if (static_branch_likely(&za_fastpath_key)) {
		cm = mags_claim();
		if (likely(cm)) {
			struct za_mag_class *mc = &cm->cls[c->index];
			struct za_mag *m = mc->loaded;

			if (unlikely(mag_top_is(m, obj))) {
				done = ZA_PUSH_DOUBLE_FREE;
			} else if (likely(za_obj_local(obj) &&
					  mag_push(m, c->mag_size, obj))) {
				/* While claimed: before anyone can take it. */
				za_track_free(c, obj);
				done = ZA_PUSHED;
				mags_stat(mc, ZE_FREE);
			}
			mags_release(cm);
		}
	}
	return done;
}

/**
 * za_mag_hand_out() - the object of a slot popped off a magazine, ready to
 *	be handed out
 * @c: its class
 * @slot: what za_mag_pop() or a bulk take returned
 * @gfp: the caller's flags
 *
 * Context: any.
 * Return: the object, zeroed if @gfp or init_on_alloc asks and its
 * backend's allocator did not zero it already.
 */
static __always_inline void *za_mag_hand_out(const struct za_class *c,
					     void *slot, gfp_t gfp)
{
	bool zeroed;
	void *obj = mag_slot_obj(slot, &zeroed);

	if (!zeroed)
		za_obj_alloc_init(c, obj, gfp);
	return obj;
}

/**
 * za_mag_alloc() - allocate an object of a pool class, continuing from
 *	where the fast path stopped
 * @c: a pool class
 * @gfp: the caller's flags
 * @node: the node whose memory is wanted, or NUMA_NO_NODE
 * @tried: the fast path found this CPU's loaded magazine empty already
 * @hit: set to whether the loaded magazine served the allocation
 *
 * Context: as kmalloc() with @gfp.
 * Return: the object, zeroed if @gfp or init_on_alloc asks; or NULL.
 */
static __always_inline void *za_mag_alloc(struct za_class *c, gfp_t gfp,
					  int node, bool tried, bool *hit)
{
	void *obj, *slot = tried ? NULL : za_mag_pop(c, node);
	bool zeroed;

	*hit = slot;
	if (likely(slot))
		return za_mag_hand_out(c, slot, gfp);
	obj = za_mag_alloc_slow(c, gfp, node, &zeroed);
	if (obj && !zeroed)
		za_obj_alloc_init(c, obj, gfp);
	return obj;
}

/**
 * za_mag_free() - free an object of a pool class, continuing from where
 *	the fast path stopped
 * @c: the class za_ptr_lookup() found for @obj
 * @obj: the object
 * @pushed: what za_mag_push() did with it already, or ZA_PUSH_UNTRIED
 *
 * Context: any context kfree() may be called from.
 * Return: false if @obj is on top of this CPU's magazine already (a double
 * free, refused), else true.
 */
static __always_inline bool za_mag_free(struct za_class *c, void *obj,
					enum za_push pushed)
{
	if (pushed == ZA_PUSH_UNTRIED) {
		za_obj_free_init(c, obj);
		pushed = za_mag_push(c, obj);
	}
	if (likely(pushed == ZA_PUSHED))
		return true;
	if (unlikely(pushed == ZA_PUSH_DOUBLE_FREE))
		return false;
	return za_mag_free_slow(c, obj);
}

/* zalloc_mag.c, for zalloc_reclaim.c: counting and trimming */
void za_mag_count_backend(struct za_cpu_mags *cm, unsigned int cls,
			  enum za_event ev, unsigned int n);
void za_mag_backend_put(struct za_cpu_mags *cm, struct za_class *c,
			void **objs, unsigned int n);
unsigned long za_depot_trim(struct za_class *c, bool all);

#endif /* _ZALLOC_MAG_H */
