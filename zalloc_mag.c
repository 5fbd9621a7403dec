// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc magazines and depots: the caches in front of every object-pool and
 * extended-pool class, in the manner of Bonwick and Adams' "Magazines and
 * Vmem" (USENIX 2001) and of SLUB's sheaves and barn. The fast path (pop,
 * push) is inline, in zalloc_mag.h; this file has the slow paths and the
 * depots; zalloc_reclaim.c has their decay, the drains, the shrinker and
 * CPU hotplug.
 *
 *   CPU 0: class c: loaded [o o o . .]  prev [o o o o o]
 *   CPU 1: class c: loaded [o . . . .]  prev [. . . . .]
 *   class c's depot: full [o o o o o] -> [o o o o o] -> ...
 *                    empty [. . . . .] -> ...
 *   class c's backend: a kmem_cache (zalloc_object.c) or spans
 *                      (zalloc_extended.c)
 *
 * A magazine is an array of mag_size free objects of one class. Each CPU
 * holds two per class. Allocation pops from the loaded one; when it is
 * empty, the previous one is swapped in if it has objects, else the
 * previous one (empty) goes to the depot for a full one. Free pushes on
 * the loaded one; when it is full, the previous one is swapped in if it has
 * room, else the previous one (full) goes to the depot for an empty one.
 * A depot exchange moves one magazine each way in O(1) under the depot's
 * lock: a burst of frees parks full magazines there, and a burst of
 * allocations on any CPU takes them back without touching the backend. A
 * cross-CPU free costs the freeing CPU a push and, once per magazine, one
 * exchange. Only when the depot has no full magazine does an allocation
 * take mag_size objects from the backend; only when the depot is at its
 * bound does a free give a magazine's objects back.
 *
 *   class         objects per magazine (mag_size)   depot, full magazines
 *   8 B - 2 KiB   32 (ZA_MAG_MAX)                   512 KiB of objects
 *   2.5 K - 32 K  64 KiB / size (25 .. 2)           512 KiB of objects
 *   40 K - 64 K   1                                 512 KiB, at least 2
 *
 * Magazines of ZA_MAG_BYTES (64 KiB) keep the depot trips of a burst of
 * 4-16 KiB objects to one per 4-16 objects; 16 KiB ones made bursts of
 * 4 KiB objects slower than kmalloc (commit 1be1a21 has the figures).
 *
 * Memory bounds: per CPU and class, two magazines (2 * mag_size objects:
 * at most 128 KiB, or two objects above 32 KiB); per class, ZA_DEPOT_BYTES
 * of objects in full magazines (at least two magazines), and
 * ZA_RESERVE_BYTES of empty spans (zalloc_extended.c). All of it decays: every
 * ZA_TRIM_INTERVAL a deferrable work item has each CPU empty the
 * magazines of the classes it left alone since the previous interval, and
 * gives back the depots' full and empty magazines and the reserves' empty
 * spans that sat unused for the whole interval (the low-water mark since
 * the last trim: the depot working-set trim of the paper). Everything
 * idle goes back at once under memory pressure (the shrinker) and on
 * fastpath=N; a CPU's magazines when it goes offline; all of it at unload.
 *
 * Lock order
 * ----------
 *   1. a CPU's magazines, claimed (za_cpu_mags.claimed: mags_claim())
 *   2.   a depot's lock (za_depot.lock, spinlock_t, bottom halves off)
 *   a span lock (za_class.lock, zalloc_extended.c) is a leaf, never held with 2
 *   za_drain_lock (mutex) is taken alone, by the drains
 *
 * The claim protects a CPU's struct za_cpu_mags: both magazines of every
 * class and the counters beside them. It is a flag that only its CPU sets,
 * with preemption off (mags_claim()); an interrupt that finds it set
 * does not wait but goes to the depot-less slow path, so it never spins.
 * A depot's lock protects the depot's lists and counts; it is taken only
 * with the CPU's magazines claimed (or by the trim and drains, in process
 * context), never from hard interrupt context or with interrupts off: such
 * callers refill and flush their magazines from the backend directly. So
 * it needs only bottom halves off, which lockdep can check, and costs no
 * interrupt disabling. The backends are never called with a depot lock
 * held.
 *
 * Context rules:
 *   - Allocation and free work from any context kmalloc(GFP_ATOMIC) and
 *     kfree() do, without disabling interrupts: task, softirq, and hard
 *     IRQ where the kernel allows kmalloc() there (not a non-threaded hard
 *     IRQ on PREEMPT_RT, where SLUB and the spans' spinlock_t sleep; and
 *     the depot lock, a spinlock_t under preempt_disable(), is not RT-ready
 *     either); not NMI. No atomic read-modify-write, no this_cpu_*
 *     read-modify-write and no interrupt disabling on the fast path.
 *   - Statistics on the fast and slow paths are plain increments of the
 *     CPU's struct za_cpu_mags under its lock; paths that do not hold it use
 *     this_cpu_inc(). The backend counts that the gauges and the unload
 *     check rely on are always taken (za_mag_count_backend() and the calls of
 *     za_backend_get()): none is ever lost.
 *   - The backends are called with interrupts in the caller's state and
 *     no zalloc lock held: they may sleep if @gfp allows.
 *   - A CPU's magazines are drained by that CPU, in a work item bound to
 *     it (za_mag_drain_all(): shrinker, fastpath=N), or by another after
 *     the CPU went offline (the CPUHP_BP_PREPARE_DYN teardown runs once the
 *     CPU is dead). The drained objects go to the backends in process
 *     context: never from an IPI, where taking a spinlock_t is invalid.
 *   - Magazines are freed with kfree_rcu(): the statistics read the
 *     counts of other CPUs' magazines under rcu_read_lock().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "zalloc_internal.h"
#include "zalloc_mag.h"

/* === Data === */

/*
 * Exported for the inline fast path (zalloc_mag.h) that the benchmark
 * times, and for the cache suite, which reads the magazines' counts; only
 * zalloc writes it.
 */
struct za_cpu_mags __percpu *za_mags;
EXPORT_SYMBOL_NS_GPL(za_mags, ZA_NS);

/* See zalloc_mag.h; exported for the inline fast path, like za_mags. */
DEFINE_STATIC_KEY_FALSE(za_numa_key);
EXPORT_SYMBOL_NS_GPL(za_numa_key, ZA_NS);

/* === Magazines === */

static struct za_mag *mag_new(const struct za_class *c, gfp_t gfp, int node)
{
	struct za_mag *m;

	m = kmalloc_node(struct_size(m, objs, c->mag_size), gfp, node);
	if (m) {
		m->next = NULL;
		m->count = 0;
	}
	return m;
}

/* Frees a magazine that a statistics reader may still look at. */
static void mag_free(struct za_mag *m)
{
	kfree_rcu(m, rcu);
}

/*
 * Whether this context may take a depot lock: not with interrupts off and
 * not in hard interrupt context (see "Lock order").
 */
static bool depot_usable(void)
{
	return !in_hardirq() && !in_nmi() && !irqs_disabled();
}

/* Counts a slow-path event: under @cm if held, else with this_cpu_inc(). */
static void slow_stat(struct za_cpu_mags *cm, unsigned int cls,
		      enum za_event ev)
{
	if (cm)
		mags_stat(&cm->cls[cls], ev);
	else
		za_stat_inc(cls, ev);
}

/*
 * Counts objects taken from (ZE_OUT) or given to (ZE_IN) the backend:
 * always, whatever the stats switch says; under @cm if held.
 */
void za_mag_count_backend(struct za_cpu_mags *cm, unsigned int cls,
			  enum za_event ev, unsigned int n)
{
	if (cm)
		cm->cls[cls].ev[ev] += n;
	else
		za_count_backend(cls, ev, n);
}

/* Gives objects to the backend and counts them; @cm as above. */
void za_mag_backend_put(struct za_cpu_mags *cm, struct za_class *c,
			void **objs, unsigned int n)
{
	za_mag_count_backend(cm, c->index, ZE_IN, n);
	za_backend_put(c, objs, n);
}

/* === Depot === */

/* The depot of this CPU's node, for @c; its magazines are claimed. */
static struct za_depot *cpu_depot(struct za_class *c)
{
	return &c->depots[numa_mem_id()];
}

/* Unlinks the first magazine of @list; the depot lock is held. */
static struct za_mag *depot_pop(struct za_mag **list, unsigned int *nr,
				unsigned int *low)
{
	struct za_mag *m = *list;

	if (m) {
		*list = m->next;
		--*nr;
		*low = min(*low, *nr);
	}
	return m;
}

static void depot_push(struct za_mag **list, unsigned int *nr,
		       struct za_mag *m)
{
	m->next = *list;
	*list = m;
	++*nr;
}

/*
 * Allocation, both magazines empty: trades the previous one for a full one
 * from the depot, which becomes the loaded one. Returns whether it did.
 */
static bool depot_take_full(struct za_depot *d, struct za_mag_class *mc)
{
	struct za_mag *m;

	if (WARN_ON_ONCE(mc->prev->count))
		return false;
	/* A racy look first: no lock round trip for an empty depot. */
	if (!READ_ONCE(d->full))
		return false;
	spin_lock_bh(&d->lock);
	m = depot_pop(&d->full, &d->nr_full, &d->min_full);
	if (m) {
		depot_push(&d->empty, &d->nr_empty, mc->prev);
		mc->prev = mc->loaded;
		mc->loaded = m;
	}
	spin_unlock_bh(&d->lock);
	return m;
}

/*
 * Free, both magazines full: trades the previous one for an empty one,
 * which becomes the loaded one, unless the depot is at its bound. A new
 * empty magazine is allocated if the depot has none (GFP_NOWAIT: we hold
 * the CPU's magazines claimed). Returns whether it did.
 */
static bool depot_give_full(struct za_class *c, struct za_mag_class *mc)
{
	struct za_depot *d = cpu_depot(c);
	struct za_mag *m, *spare = NULL;

	/* The depot's full magazines are full: za_mag_cached() counts so. */
	if (WARN_ON_ONCE(mc->prev->count != c->mag_size))
		return false;
	/* A racy look first: no lock or spare for a depot at its bound. */
	if (READ_ONCE(d->nr_full) >= d->max_full)
		return false;
	if (!READ_ONCE(d->empty))
		spare = mag_new(c, GFP_NOWAIT | __GFP_NOWARN, NUMA_NO_NODE);
	spin_lock_bh(&d->lock);
	m = NULL;
	if (d->nr_full < d->max_full) {
		m = depot_pop(&d->empty, &d->nr_empty, &d->min_empty);
		if (!m)
			swap(m, spare);
	}
	if (m) {
		depot_push(&d->full, &d->nr_full, mc->prev);
		mc->prev = mc->loaded;
		mc->loaded = m;
	}
	spin_unlock_bh(&d->lock);
	/* Never seen by anyone else: no grace period needed. */
	kfree(spare);
	return m;
}

/* Unlinks the first @n magazines of @list and returns them, linked. */
static struct za_mag *depot_detach(struct za_mag **list, unsigned int *nr,
				   unsigned int n)
{
	struct za_mag *first = *list, **tail = list;

	if (!n)
		return NULL;
	*nr -= n;
	while (n--)
		tail = &(*tail)->next;
	*list = *tail;
	*tail = NULL;
	return first;
}

/*
 * Gives back what depot @d of @c holds: the magazines that sat idle since
 * the last trim, or all of them. Returns the objects given to the backend.
 */
static unsigned long depot_trim(struct za_class *c, struct za_depot *d,
				bool all)
{
	void *objs[ZA_MAG_MAX];
	unsigned int n;
	struct za_mag *full, *empty, *m;
	unsigned long freed = 0;

	spin_lock_bh(&d->lock);
	full = depot_detach(&d->full, &d->nr_full,
			    all ? d->nr_full : d->min_full);
	empty = depot_detach(&d->empty, &d->nr_empty,
			     all ? d->nr_empty : d->min_empty);
	d->min_full = d->nr_full;
	d->min_empty = d->nr_empty;
	spin_unlock_bh(&d->lock);

	while ((m = full)) {
		full = m->next;
		n = mag_take_all(m, objs);
		za_mag_backend_put(NULL, c, objs, n);
		freed += n;
		mag_free(m);
	}
	while ((m = empty)) {
		empty = m->next;
		mag_free(m);
	}
	return freed;
}

/**
 * za_depot_trim() - give back what @c's depots hold idle
 * @c: a pool class
 * @all: every magazine, not only those that sat idle since the last trim
 *
 * Context: process.
 * Return: the objects given to the backend.
 */
unsigned long za_depot_trim(struct za_class *c, bool all)
{
	unsigned long freed = 0;
	int nid;

	for_each_node(nid)
		freed += depot_trim(c, &c->depots[nid], all);
	return freed;
}

/* === Slow path === */

/*
 * Allocation, the loaded magazine empty: swaps in the previous one if it
 * has objects, else trades with the depot. Returns whether the loaded
 * magazine has objects now.
 */
static bool mags_reload(struct za_class *c, struct za_mag_class *mc)
{
	if (mc->prev->count) {
		swap(mc->loaded, mc->prev);
		return true;
	}
	return depot_usable() && depot_take_full(cpu_depot(c), mc);
}

/*
 * Stacks what fits of objs[0..n) that is this CPU's node's (a backend that
 * could not give local memory fell back to another node's), their slots
 * marked if @zeroed, objs[0] on top; returns how many are left, moved to
 * the end of objs[0..n).
 */
static unsigned int mags_stash(struct za_cpu_mags *cm, struct za_class *c,
			       void **objs, unsigned int n, bool zeroed)
{
	struct za_mag_class *mc = &cm->cls[c->index];
	unsigned int i = n, left = n;
	void *slot;

	while (i--) {
		slot = mag_slot(objs[i], zeroed);
		if (za_obj_local(objs[i]) &&
		    (mag_push(mc->loaded, c->mag_size, slot) ||
		     mag_push(mc->prev, c->mag_size, slot)))
			continue;
		/* left - 1 >= i: only slots visited already are written. */
		objs[--left] = objs[i];
	}
	return n - left;
}

/*
 * Takes up to a magazine's worth from the backend, of @node's memory,
 * keeps one and stacks the rest in this CPU's magazines; @want is 1 where
 * they cannot be used. Sets @zeroed if the one kept is zero already
 * (za_backend_get()).
 */
static void *refill(struct za_class *c, gfp_t gfp, int node,
		    unsigned int want, bool *zeroed)
{
	/*
	 * Only the slots filled are read: not zeroed on entry where the
	 * kernel zeroes the stack (CONFIG_INIT_STACK_ALL_ZERO, as Debian's
	 * kernels do), which cost a "rep stos" of 256 bytes per miss.
	 */
	void *objs[ZA_MAG_MAX] __uninitialized;
	unsigned int cls = c->index, n, left;
	struct za_cpu_mags *cm;

	n = za_backend_get(c, gfp, node, objs, want, zeroed);
	if (!n)
		return NULL;
	left = --n;
	cm = mags_claim();
	if (cm)
		left = mags_stash(cm, c, objs, n, *zeroed);
	za_mag_count_backend(cm, cls, ZE_OUT, n + 1);
	slow_stat(cm, cls, ZE_MISS);
	slow_stat(cm, cls, ZE_REFILL);
	slow_stat(cm, cls, ZE_ALLOC);
	/* Counted before it goes: a reader may see it early, never lose it. */
	za_mag_count_backend(cm, cls, ZE_IN, left);
	if (cm)
		mags_release(cm);
	za_backend_put(c, objs + n - left, left);
	return objs[n];
}

/*
 * How many objects a refill takes from the backend: a magazine's worth, so
 * that a burst pays one backend trip per magazine; one where init_on_alloc
 * has the backend zero what it hands out and the object is a page or more:
 * zeroing up to 64 KiB at once, long before the objects are used, cost
 * more than the trips it saves (N-pattern rows of 8-64 KiB 6-42% slower
 * with a magazine's worth, UML 7.3, zeroing on).
 */
static unsigned int refill_batch(const struct za_class *c)
{
	if (c->size >= PAGE_SIZE && want_init_on_alloc(0))
		return 1;
	return c->mag_size;
}

/*
 * A request for another node's memory than this CPU's: one object from
 * the backend, past the magazines, which hold this CPU's node's only.
 */
static void *alloc_remote(struct za_class *c, gfp_t gfp, int node,
			  bool *zeroed)
{
	za_stat_inc(c->index, ZE_REMOTE);
	return refill(c, gfp, node, 1, zeroed);
}

/*
 * Without the magazines (off, or claimed by code we interrupted): one
 * object from the backend, of @node's memory if another node's is wanted.
 */
static void *alloc_remote_or_one(struct za_class *c, gfp_t gfp, int node,
				 bool *zeroed)
{
	if (!za_node_local(node))
		return alloc_remote(c, gfp, node, zeroed);
	return refill(c, gfp, za_cache_node(), 1, zeroed);
}

/**
 * za_mag_alloc_slow() - allocation slow path: the loaded magazine is empty
 *	or another node's memory is wanted
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags
 * @node: the node whose memory is wanted, or NUMA_NO_NODE
 * @zeroed: set if the object is zero already (new from the backend, which
 *	zeroed it under init_on_alloc, whether it comes from the backend now
 *	or from a slot that says so)
 *
 * Swaps magazines, trades with the depot, or takes a magazine's worth
 * from the backend (refill_batch(); one object with the fast path off).
 * Another node's memory comes from the backend, one object at a time.
 *
 * Context: as kmalloc() with @gfp.
 * Return: an object, not zeroed unless @zeroed says so; or NULL.
 */
void *za_mag_alloc_slow(struct za_class *c, gfp_t gfp, int node,
			bool *zeroed)
{
	unsigned int cls = c->index;
	struct za_cpu_mags *cm;
	void *slot;

	*zeroed = false;
	if (!static_branch_likely(&za_fastpath_key) || !za_node_local(node))
		return alloc_remote_or_one(c, gfp, node, zeroed);
	cm = mags_claim();
	if (!cm)
		return alloc_remote_or_one(c, gfp, node, zeroed);
	/* Looked at again on the CPU whose magazines we hold. */
	if (!za_node_local(node)) {
		mags_release(cm);
		return alloc_remote(c, gfp, node, zeroed);
	}
	slot = mags_reload(c, &cm->cls[cls]) ? mag_pop(cm->cls[cls].loaded) :
					       NULL;
	if (slot)
		mags_stat(&cm->cls[cls], ZE_ALLOC);
	mags_release(cm);
	if (slot)
		return mag_slot_obj(slot, zeroed);
	return refill(c, gfp, za_cache_node(), refill_batch(c), zeroed);
}
EXPORT_SYMBOL_NS_GPL(za_mag_alloc_slow, ZA_NS);

/*
 * Takes runs off @mc's loaded magazine, reloading it from the previous
 * one or the depot; returns how many of @nr slots it stored in @objs (for
 * za_mag_hand_out()).
 */
static size_t bulk_take(struct za_class *c, struct za_mag_class *mc,
			void **objs, size_t nr)
{
	size_t n = 0;

	while (n < nr && (mc->loaded->count || mags_reload(c, mc))) {
		struct za_mag *m = mc->loaded;
		unsigned int take = min_t(size_t, m->count, nr - n);

		m->count -= take;
		memcpy(&objs[n], &m->objs[m->count], take * sizeof(void *));
		mag_forget(m, m->count, take);
		n += take;
	}
	return n;
}

/*
 * Pushes @objs on @mc's loaded magazine, swapping magazines and trading
 * full ones with the depot as a free does; returns how many it took.
 */
static size_t bulk_put(struct za_class *c, struct za_mag_class *mc,
		       void **objs, size_t nr)
{
	size_t n = 0;

	while (n < nr) {
		struct za_mag *m = mc->loaded;

		/*
		 * A double free, or another node's object: left to
		 * za_mag_free_slow(), which refuses the one, frees the other.
		 */
		if (mag_top_is(m, objs[n]) || !za_obj_local(objs[n]))
			break;
		if (mag_push(m, c->mag_size, objs[n]))
			n++;
		else if (mc->prev->count < c->mag_size)
			swap(mc->loaded, mc->prev);
		else if (!depot_usable() || !depot_give_full(c, mc))
			break;
	}
	return n;
}

/*
 * A bulk call: @run on @c's magazines, claimed once, and its @n objects
 * counted as @ev. 0 if the magazines are off or claimed already.
 */
static __always_inline size_t
mags_bulk(struct za_class *c, void **objs, size_t nr, enum za_event ev,
	  size_t (*run)(struct za_class *c, struct za_mag_class *mc,
			void **objs, size_t nr))
{
	struct za_mag_class *mc;
	struct za_cpu_mags *cm;
	size_t n;

	if (!static_branch_likely(&za_fastpath_key))
		return 0;
	cm = mags_claim();
	if (!cm)
		return 0;
	mc = &cm->cls[c->index];
	n = run(c, mc, objs, nr);
	if (static_branch_likely(&za_stats_key))
		mc->ev[ev] += n;
	mags_release(cm);
	return n;
}

/**
 * za_mag_alloc_bulk() - take objects of a pool class from this CPU's
 *	magazines and the depot, and the rest from the backend
 * @c: a pool class
 * @gfp: the caller's flags
 * @nr: how many are wanted
 * @objs: where to store them
 * @hits: set to how many the magazines and the depot gave
 *
 * Takes whole runs off the loaded magazine with the magazines claimed
 * once, then what is missing from the backend in batches, counted as
 * misses. Each object is zeroed if @gfp or init_on_alloc asks, once: a
 * batch the backend zeroed is not zeroed again.
 *
 * Context: as kmalloc() with @gfp.
 * Return: how many were stored; fewer than @nr only if the backend had no
 * more.
 */
size_t za_mag_alloc_bulk(struct za_class *c, gfp_t gfp, size_t nr,
			 void **objs, size_t *hits)
{
	size_t i, n = mags_bulk(c, objs, nr, ZE_ALLOC, bulk_take);
	unsigned int got;
	bool zeroed;

	*hits = n;
	for (i = 0; i < n; i++)
		objs[i] = za_mag_hand_out(c, objs[i], gfp);
	while (n < nr) {
		got = za_backend_get(c, gfp, za_cache_node(), objs + n,
				     min_t(size_t, nr - n, ZA_MAG_MAX),
				     &zeroed);
		if (!got)
			break;
		for (i = n; !zeroed && i < n + got; i++)
			za_obj_alloc_init(c, objs[i], gfp);
		za_count_backend(c->index, ZE_OUT, got);
		za_stat_add(c->index, ZE_MISS, got);
		za_stat_add(c->index, ZE_ALLOC, got);
		za_stat_inc(c->index, ZE_REFILL);
		n += got;
	}
	return n;
}

/**
 * za_mag_free_bulk() - put objects of a pool class on this CPU's
 *	magazines
 * @c: their class
 * @objs: the objects, already wiped if init_on_free asks
 * @nr: how many
 *
 * Pushes a run with the magazines claimed once, swapping magazines and
 * trading full ones with the depot as a free does. It stops at an object
 * on top of the loaded magazine already (a double free), at another
 * node's object and where no magazine has room: the caller hands that
 * object to za_mag_free_slow().
 *
 * Context: any context kfree() may be called from.
 * Return: how many it took.
 */
size_t za_mag_free_bulk(struct za_class *c, void **objs, size_t nr)
{
	return mags_bulk(c, objs, nr, ZE_FREE, bulk_put);
}

/**
 * za_mag_free_slow() - free slow path: the loaded magazine is full, this
 *	CPU's magazines are claimed already, they are off, or @obj is
 *	another node's
 * @c: the object's class
 * @obj: the object, already wiped if init_on_free asks
 *
 * Swaps magazines, trades a full one for an empty one with the depot, or
 * gives the previous magazine's objects to the backend; without the
 * magazines, or if @obj is another node's, gives @obj to the backend
 * (ZE_REMOTE counts the latter). Where the kernel has kmemleak,
 * @obj is unregistered before anyone else can take it.
 *
 * Context: any context kfree() may be called from.
 * Return: false if @obj is on top of the loaded magazine already (a
 * double free: nothing done), else true.
 */
bool za_mag_free_slow(struct za_class *c, void *obj)
{
	/* Only the slots filled are read: see refill(). */
	void *spill[ZA_MAG_MAX] __uninitialized;
	unsigned int cls = c->index, n = 0;
	struct za_mag_class *mc;
	struct za_cpu_mags *cm;

	cm = static_branch_likely(&za_fastpath_key) ? mags_claim() : NULL;
	if (cm && unlikely(!za_obj_local(obj))) {
		mags_release(cm);
		cm = NULL;
		za_stat_inc(cls, ZE_REMOTE);
	}
	if (!cm) {
		za_track_free(c, obj);
		za_stat_inc(cls, ZE_FREE);
		za_mag_backend_put(NULL, c, &obj, 1);
		return true;
	}
	mc = &cm->cls[cls];
	if (unlikely(mag_top_is(mc->loaded, obj))) {
		mags_release(cm);
		return false;
	}
	za_track_free(c, obj);
	mags_stat(mc, ZE_FREE);
	if (mag_push(mc->prev, c->mag_size, obj)) {
		swap(mc->loaded, mc->prev);
	} else {
		if (!depot_usable() || !depot_give_full(c, mc)) {
			/* The previous magazine's objects go back. */
			n = mag_take_all(mc->prev, spill);
			swap(mc->loaded, mc->prev);
			za_mag_count_backend(cm, cls, ZE_IN, n);
		}
		mag_push(mc->loaded, c->mag_size, obj);
	}
	mags_release(cm);
	za_backend_put(c, spill, n);
	return true;
}
EXPORT_SYMBOL_NS_GPL(za_mag_free_slow, ZA_NS);

/* Objects in the magazines of @cpu for @cls; a racy read. */
static unsigned int mags_idle(int cpu, unsigned int cls)
{
	struct za_mag_class *mc = &per_cpu_ptr(za_mags, cpu)->cls[cls];
	unsigned int n;

	rcu_read_lock();
	n = READ_ONCE(READ_ONCE(mc->loaded)->count) +
	    READ_ONCE(READ_ONCE(mc->prev)->count);
	rcu_read_unlock();
	return n;
}

/**
 * za_mag_cached() - objects of a class idle in the magazines and depot
 * @cls: class index
 *
 * Context: any; the sum is racy while CPUs allocate.
 * Return: the count, 0 for the standard row.
 */
s64 za_mag_cached(unsigned int cls)
{
	s64 n;
	int cpu;

	if (cls >= ZA_NR_POOL_CLASSES || !za_mags)
		return 0;
	n = (s64)za_depot_full(&za_classes[cls], NUMA_NO_NODE) *
	    za_classes[cls].mag_size;
	for_each_possible_cpu(cpu)
		n += mags_idle(cpu, cls);
	return n;
}
EXPORT_SYMBOL_NS_GPL(za_mag_cached, ZA_NS);

/**
 * za_mag_events() - add the events a class counted under the CPUs'
 *	magazines claimed, summed over all CPUs
 * @cls: class index
 * @ev: the sums to add to, ZE_NR of them
 *
 * Context: any; racy while CPUs allocate.
 */
void za_mag_events(unsigned int cls, u64 *ev)
{
	const u64 *counts;
	int cpu, e;

	if (!za_mags)
		return;
	for_each_possible_cpu(cpu) {
		struct za_cpu_mags *cm = per_cpu_ptr(za_mags, cpu);

		if (cls < ZA_NR_POOL_CLASSES)
			counts = cm->cls[cls].ev;
		else if (cls == ZA_CLASS_STD)
			counts = cm->std.ev;
		else
			return;
		for (e = 0; e < ZE_NR; e++)
			ev[e] += READ_ONCE(counts[e]);
	}
}

/**
 * za_mag_std_bytes() - the bytes the standard class counted under the
 *	CPUs' magazines claimed, summed over all CPUs
 *
 * Context: any; racy while CPUs allocate.
 * Return: the sum.
 */
long za_mag_std_bytes(void)
{
	long bytes = 0;
	int cpu;

	if (!za_mags)
		return 0;
	for_each_possible_cpu(cpu)
		bytes += READ_ONCE(per_cpu_ptr(za_mags, cpu)->std.bytes);
	return bytes;
}

/* === Setup and teardown === */

/*
 * Sets each pool class's magazine size, and sets up its depots, one per
 * node, with their bound. Returns 0 or -ENOMEM.
 */
static int init_depots(void)
{
	unsigned int cls, max_full;
	int nid;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		struct za_class *c = &za_classes[cls];

		c->mag_size = clamp_t(unsigned int, ZA_MAG_BYTES / c->size, 1,
				      ZA_MAG_MAX);
		max_full = max_t(unsigned int, ZA_DEPOT_BYTES /
				 (c->mag_size * c->size), 2);
		c->depots = kcalloc(nr_node_ids, sizeof(*c->depots),
				    GFP_KERNEL);
		if (!c->depots)
			return -ENOMEM;
		for (nid = 0; nid < nr_node_ids; nid++) {
			spin_lock_init(&c->depots[nid].lock);
			c->depots[nid].max_full = max_full;
		}
	}
	return 0;
}

/* Frees the (trimmed) depots; NULL ones were never allocated. */
static void free_depots(void)
{
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		kfree(za_classes[cls].depots);
		za_classes[cls].depots = NULL;
	}
}

/**
 * za_depot_full() - full magazines in a class's depots
 * @c: a class
 * @node: the node whose depot, or NUMA_NO_NODE for all of them
 *
 * Context: any; racy while CPUs allocate.
 * Return: the count; 0 for a class without magazines.
 */
unsigned int za_depot_full(const struct za_class *c, int node)
{
	unsigned int n = 0;
	int nid;

	if (!c->depots)
		return 0;
	if (node != NUMA_NO_NODE)
		return READ_ONCE(c->depots[node].nr_full);
	for_each_node(nid)
		n += READ_ONCE(c->depots[nid].nr_full);
	return n;
}
EXPORT_SYMBOL_NS_GPL(za_depot_full, ZA_NS);

/*
 * Calls @fn on every CPU's magazines of every pool class, until it returns
 * an error; returns that error, or 0.
 */
static int walk_magazines(int (*fn)(struct za_mag_class *mc,
				    struct za_class *c, int cpu))
{
	unsigned int cls;
	int cpu, err;

	for_each_possible_cpu(cpu) {
		for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
			err = fn(&per_cpu_ptr(za_mags, cpu)->cls[cls],
				 &za_classes[cls], cpu);
			if (err)
				return err;
		}
	}
	return 0;
}

static int alloc_magazines(struct za_mag_class *mc, struct za_class *c,
			   int cpu)
{
	mc->loaded = mag_new(c, GFP_KERNEL, cpu_to_node(cpu));
	mc->prev = mag_new(c, GFP_KERNEL, cpu_to_node(cpu));
	return mc->loaded && mc->prev ? 0 : -ENOMEM;
}

/* Frees the (empty) magazines; NULL ones were never allocated. */
static int free_magazines(struct za_mag_class *mc, struct za_class *c,
			  int cpu)
{
	kfree(mc->loaded);
	kfree(mc->prev);
	return 0;
}

/**
 * za_mag_init() - allocate the magazines and set up the depots
 *
 * Context: process; the class table must be set up.
 * Return: 0 or a negative errno.
 */
int za_mag_init(void)
{
	int ret;

	ret = init_depots();
	if (ret)
		goto free;
	ret = -ENOMEM;
	za_mags = alloc_percpu(struct za_cpu_mags);
	if (!za_mags)
		goto free;
	ret = walk_magazines(alloc_magazines);
	if (ret)
		goto free;
	if (nr_node_ids > 1)
		static_branch_enable(&za_numa_key);
	return 0;
free:
	za_mag_free_all();
	return ret;
}

/**
 * za_mag_free_all() - free the (drained) magazines and per-CPU caches
 *
 * Context: process, at unload after za_reclaim_exit(), or when
 * za_mag_init() fails.
 */
void za_mag_free_all(void)
{
	if (za_mags)
		walk_magazines(free_magazines);
	free_percpu(za_mags);
	za_mags = NULL;
	free_depots();
	/* The depots' magazines went with kfree_rcu(). */
	rcu_barrier();
}
