// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc per-CPU caches: a stack of free objects per class and CPU in front
 * of every object-pool and extended-pool class. The fast path (pop, push)
 * is inline, in zalloc_pcpu.h; this file has the slow paths, draining, the
 * shrinker and CPU hotplug.
 *
 * Each CPU has one struct za_pcpu: for every pool class a stack of free
 * objects (allocation pops, free pushes), and the bytes idle in all of them:
 *
 *   class       objects cached at most (cap)    moved per refill/flush
 *   8 - 512     64                              32
 *   640 - 16K   32 KiB / size (51 .. 2)         cap / 2
 *   20K - 64K   1                               1
 *
 * and never more than ZA_PCPU_IDLE_MAX (256 KiB) idle per CPU across all
 * classes: a free that would pass it first takes a batch off the class with
 * the most idle bytes (pcpu_evict()), and goes to the backend if that does
 * not make room.
 *
 * Refill and flush: an allocation that finds its stack empty takes a batch
 * from the backend (za_backend_get(): kmem_cache_alloc_bulk() for object
 * pools, the class's span lists under one lock for extended pools), keeps
 * one and stacks the rest. A free that finds the stack full takes the
 * oldest batch off it and gives it back with za_backend_put().
 *
 * Context rules:
 *   - A CPU's stacks are touched only by that CPU, with preemption off and
 *     the CPU's @busy flag set (pcpu_get()/pcpu_put(), a per-CPU trylock).
 *     An interrupt (softirq, hard IRQ) that arrives while its CPU is busy
 *     finds the flag set and goes to the backend instead; one that arrives
 *     before the flag is set completes its own use first. So allocation and
 *     free work from any context kmalloc(GFP_ATOMIC) and kfree() do,
 *     without disabling interrupts: task, softirq, and hard IRQ where the
 *     kernel allows kmalloc() there (not a non-threaded hard IRQ on
 *     PREEMPT_RT, where SLUB and the extended pools' spinlock_t sleep);
 *     not NMI. No lock and no atomic read-modify-write on the fast path.
 *   - Statistics on the fast path are plain increments of the CPU's own
 *     struct za_pcpu, inside the busy section: nothing else writes them.
 *     The counts the gauges and the unload check rely on are taken on the
 *     slow paths, with this_cpu_add() or, under a class lock (interrupts
 *     off), __this_cpu_add(): none is ever lost.
 *   - The backends are called with interrupts in the caller's state: they
 *     may sleep if @gfp allows, and use SLUB's bulk calls only with
 *     interrupts enabled.
 *   - A CPU's stacks are drained by that CPU, in a work item bound to it
 *     (za_cache_drain_all(): shrinker, fastpath=N), or by another after the
 *     CPU went offline (the CPUHP_BP_PREPARE_DYN teardown runs once the CPU
 *     is dead). The drained objects go to the backends in process context:
 *     never from an IPI, where taking a spinlock_t is invalid (lockdep's
 *     wait-context check, PROVE_RAW_LOCK_NESTING, says so on 7.x).
 *
 * Memory: drained when a CPU goes offline, under memory pressure (a
 * shrinker whose scan drains every CPU through za_cache_drain_all()), when
 * the fastpath parameter is switched off, and at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "zalloc_internal.h"
#include "zalloc_pcpu.h"

/* === Data === */

struct za_pcpu __percpu *za_pcpu;
EXPORT_SYMBOL_GPL(za_pcpu);
static enum cpuhp_state za_cpuhp_state;
static struct shrinker *za_shrinker;

/* === Slow path === */

/* Stacks what fits of objs[0..n); returns how many are left in objs[]. */
static unsigned int pcpu_stash(struct za_class *c, unsigned int cls,
			       void **objs, unsigned int n)
{
	struct za_pcpu *pc = pcpu_get();

	if (!pc)
		return n;
	while (n && pcpu_fits(pc, c, cls)) {
		pc->slots[c->slot_base + pc->cls[cls].count++] = objs[--n];
		pc->idle_bytes += c->size;
	}
	pcpu_put(pc);
	return n;
}

/**
 * struct za_spill - objects taken off a CPU's stacks, for the backend
 * @c: their class
 * @n: how many
 * @objs: the objects
 */
struct za_spill {
	struct za_class *c;
	unsigned int n;
	void *objs[ZA_BATCH_MAX + 1];
};

/* Moves the @n oldest objects of @cls's stack to @sp; @pc is held. */
static void pcpu_take_oldest(struct za_pcpu *pc, unsigned int cls,
			     unsigned int n, struct za_spill *sp)
{
	struct za_class *c = &za_classes[cls];
	void **stack = &pc->slots[c->slot_base];

	memcpy(sp->objs, stack, n * sizeof(void *));
	memmove(stack, stack + n, (pc->cls[cls].count - n) * sizeof(void *));
	pc->cls[cls].count -= n;
	pc->idle_bytes -= n * c->size;
	sp->c = c;
	sp->n = n;
}

/*
 * Makes room in a CPU's idle-bytes budget for an object of class @keep:
 * takes up to a batch of the oldest objects of the class with the most idle
 * bytes. Classes no longer in use so give way to the one in use.
 */
static void pcpu_evict(struct za_pcpu *pc, unsigned int keep,
		       struct za_spill *sp)
{
	unsigned long bytes, most = 0;
	unsigned int cls, victim = keep;

	/* The other classes together hold too little to make room. */
	if (pc->idle_bytes - (unsigned long)pc->cls[keep].count * za_classes[keep].size <
	    za_classes[keep].size)
		return;
	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		bytes = (unsigned long)pc->cls[cls].count * za_classes[cls].size;
		if (cls != keep && bytes > most) {
			most = bytes;
			victim = cls;
		}
	}
	if (victim != keep)
		pcpu_take_oldest(pc, victim,
				 min_t(unsigned int, pc->cls[victim].count,
				       za_classes[victim].batch), sp);
}

/*
 * For a free that did not fit: takes the oldest batch off a full stack
 * into @own, or makes room in the idle-bytes budget by taking objects of
 * another class into @other; then stacks @obj if it fits now, else adds it
 * to @own. What ends up in @own and @other is for the backend.
 */
static void pcpu_flush(struct za_class *c, unsigned int cls, void *obj,
		       struct za_spill *own, struct za_spill *other)
{
	struct za_pcpu *pc = pcpu_get();

	own->c = c;
	own->n = 0;
	other->n = 0;
	if (!pc) {
		own->objs[own->n++] = obj;
		return;
	}
	if (pc->cls[cls].count == c->cap)
		pcpu_take_oldest(pc, cls, c->batch, own);
	else if (!pcpu_fits(pc, c, cls))
		pcpu_evict(pc, cls, other);
	if (pcpu_fits(pc, c, cls)) {
		pc->slots[c->slot_base + pc->cls[cls].count++] = obj;
		pc->idle_bytes += c->size;
	} else {
		own->objs[own->n++] = obj;
	}
	pcpu_put(pc);
}

/**
 * __za_cache_alloc() - allocation slow path: refill this CPU's stack
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags
 *
 * Takes a batch from the backend (one object with the fast path off), keeps
 * one and stacks what fits of the rest.
 *
 * Context: as kmalloc() with @gfp.
 * Return: an object, not zeroed; or NULL.
 */
void *__za_cache_alloc(struct za_class *c, gfp_t gfp)
{
	unsigned int cls = c - za_classes, n;
	void *objs[ZA_BATCH_MAX];

	za_stat_inc(cls, ZE_MISS);
	n = static_branch_likely(&za_fastpath_key) ? c->batch : 1;
	n = za_backend_get(c, gfp, objs, n);
	if (!n)
		return NULL;
	za_stat_inc(cls, ZE_REFILL);
	za_stat_inc(cls, ZE_ALLOC);
	n--;
	if (n)
		za_backend_put(c, objs, pcpu_stash(c, cls, objs, n));
	return objs[n];
}
EXPORT_SYMBOL_GPL(__za_cache_alloc);

/**
 * __za_cache_free() - free slow path: the stack was full or busy
 * @c: the object's class
 * @obj: the object, already wiped if init_on_free asks
 *
 * Context: any context kfree() may be called from.
 */
void __za_cache_free(struct za_class *c, void *obj)
{
	unsigned int cls = c - za_classes;
	struct za_spill own, other;

	za_stat_inc(cls, ZE_FREE);
	if (!static_branch_likely(&za_fastpath_key)) {
		za_backend_put(c, &obj, 1);
		return;
	}
	pcpu_flush(c, cls, obj, &own, &other);
	za_backend_put(own.c, own.objs, own.n);
	if (other.n)
		za_backend_put(other.c, other.objs, other.n);
}
EXPORT_SYMBOL_GPL(__za_cache_free);

/* === Draining === */

/* Empties @pc; its CPU must not be able to touch it (see the top). */
static unsigned long drain_pcpu(struct za_pcpu *pc)
{
	unsigned long freed = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		struct za_class *c = &za_classes[cls];
		unsigned int n = pc->cls[cls].count;

		pc->cls[cls].count = 0;
		pc->idle_bytes -= n * c->size;
		za_backend_put(c, &pc->slots[c->slot_base], n);
		freed += n;
	}
	return freed;
}

/*
 * Empties this CPU's cache, class by class: each stack is taken off under
 * pcpu_get() and given to the backend after pcpu_put(), with preemption
 * on, so that the backends' locks are never taken from an interrupt or
 * with preemption off. In a work item bound to the CPU, nothing else can
 * hold the cache (a holder has preemption off): pcpu_get() succeeds.
 */
static unsigned long drain_this_cpu(void)
{
	struct za_spill sp;
	unsigned long freed = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		struct za_pcpu *pc;

		do {
			pc = pcpu_get();
			if (!pc)
				return freed;
			sp.n = 0;
			if (pc->cls[cls].count)
				pcpu_take_oldest(pc, cls,
						 min_t(unsigned int,
						       pc->cls[cls].count,
						       ZA_BATCH_MAX), &sp);
			pcpu_put(pc);
			za_backend_put(&za_classes[cls], sp.objs, sp.n);
			freed += sp.n;
		} while (sp.n);
	}
	return freed;
}

/**
 * struct za_drain - a request to drain one CPU's cache
 * @work: runs drain_work() on that CPU
 * @freed: objects it gave back
 */
struct za_drain {
	struct work_struct work;
	unsigned long freed;
};

static DEFINE_PER_CPU(struct za_drain, za_drain);
static DEFINE_MUTEX(za_drain_lock);
/* The CPUs a drain queued work on; protected by za_drain_lock. */
static struct cpumask za_drain_cpus;
static struct workqueue_struct *za_drain_wq;

static void drain_work(struct work_struct *work)
{
	container_of(work, struct za_drain, work)->freed = drain_this_cpu();
}

/**
 * za_cache_drain_all() - give every CPU's cached objects back
 *
 * Each online CPU empties its own cache in a work item (a WQ_MEM_RECLAIM
 * workqueue: the shrinker waits for it under memory pressure); offline
 * CPUs were emptied when they went down.
 *
 * Context: process; sleeps.
 * Return: objects given back; 0 before the caches exist.
 */
unsigned long za_cache_drain_all(void)
{
	unsigned long freed = 0;
	int cpu;

	/* "fastpath=0" on the insmod line comes before za_pcpu_init(). */
	if (!za_pcpu)
		return 0;
	mutex_lock(&za_drain_lock);
	/*
	 * No cpus_read_lock(): the shrinker can run from reclaim in a task
	 * that already holds it. A CPU that goes down meanwhile is drained by
	 * za_cpu_dead(); a work item that ends up on another CPU drains that
	 * one, which is harmless.
	 */
	cpumask_copy(&za_drain_cpus, cpu_online_mask);
	for_each_cpu(cpu, &za_drain_cpus) {
		struct za_drain *d = per_cpu_ptr(&za_drain, cpu);

		INIT_WORK(&d->work, drain_work);
		d->freed = 0;
		queue_work_on(cpu, za_drain_wq, &d->work);
	}
	for_each_cpu(cpu, &za_drain_cpus) {
		struct za_drain *d = per_cpu_ptr(&za_drain, cpu);

		flush_work(&d->work);
		freed += d->freed;
	}
	mutex_unlock(&za_drain_lock);
	return freed;
}
EXPORT_SYMBOL_GPL(za_cache_drain_all);

/**
 * za_class_cached() - objects of a class idle in the per-CPU caches
 * @cls: class index
 *
 * Context: any; the sum is racy while CPUs allocate.
 * Return: the count, 0 for the standard row.
 */
s64 za_class_cached(unsigned int cls)
{
	s64 n = 0;
	int cpu;

	if (cls >= ZA_NR_POOL_CLASSES || !za_pcpu)
		return 0;
	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(za_pcpu, cpu)->cls[cls].count);
	return n;
}
EXPORT_SYMBOL_GPL(za_class_cached);

/**
 * za_class_fast_events() - allocations and frees a class served from the
 *	per-CPU caches, summed over all CPUs
 * @cls: class index
 * @allocs: where to store the allocations
 * @frees: where to store the frees
 *
 * Context: any; racy while CPUs allocate.
 */
void za_class_fast_events(unsigned int cls, u64 *allocs, u64 *frees)
{
	int cpu;

	*allocs = 0;
	*frees = 0;
	if (cls >= ZA_NR_POOL_CLASSES || !za_pcpu)
		return;
	for_each_possible_cpu(cpu) {
		struct za_pcpu *pc = per_cpu_ptr(za_pcpu, cpu);

		*allocs += READ_ONCE(pc->cls[cls].allocs);
		*frees += READ_ONCE(pc->cls[cls].frees);
	}
}

static int za_cpu_dead(unsigned int cpu)
{
	drain_pcpu(per_cpu_ptr(za_pcpu, cpu));
	return 0;
}

/* === Shrinker === */

static unsigned long za_shrink_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long n = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++)
		n += za_class_cached(cls);
	return n ?: SHRINK_EMPTY;
}

static unsigned long za_shrink_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	return za_cache_drain_all() ?: SHRINK_STOP;
}

/* shrinker_alloc() came with 6.7, and SHRINKER_ALLOCATED with it. */
#ifdef SHRINKER_ALLOCATED
static int shrinker_setup(void)
{
	za_shrinker = shrinker_alloc(0, KBUILD_MODNAME);
	if (!za_shrinker)
		return -ENOMEM;
	za_shrinker->count_objects = za_shrink_count;
	za_shrinker->scan_objects = za_shrink_scan;
	shrinker_register(za_shrinker);
	return 0;
}

static void shrinker_teardown(void)
{
	shrinker_free(za_shrinker);
}
#else
static struct shrinker za_shrinker_static = {
	.count_objects	= za_shrink_count,
	.scan_objects	= za_shrink_scan,
	.seeks		= DEFAULT_SEEKS,
};

static int shrinker_setup(void)
{
	za_shrinker = &za_shrinker_static;
	return register_shrinker(za_shrinker, KBUILD_MODNAME);
}

static void shrinker_teardown(void)
{
	unregister_shrinker(za_shrinker);
}
#endif

/* === Setup and teardown === */

/* Sets cap, batch and slot_base of every pool class; returns all slots. */
static unsigned int size_caches(void)
{
	unsigned int cls, slots = 0;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		struct za_class *c = &za_classes[cls];

		c->cap = clamp_t(unsigned int, ZA_PCPU_CLASS_BYTES / c->size,
				 1, ZA_PCPU_CAP_MAX);
		c->batch = max_t(unsigned int, c->cap / 2, 1);
		c->slot_base = slots;
		slots += c->cap;
	}
	return slots;
}

/**
 * za_pcpu_init() - allocate the per-CPU caches, hook CPU hotplug and memory
 *	pressure
 *
 * Context: process; the class table must be set up.
 * Return: 0 or a negative errno.
 */
int za_pcpu_init(void)
{
	unsigned int slots = size_caches();
	int ret;

	/*
	 * Per-CPU and WQ_MEM_RECLAIM on every kernel: 7.x wants WQ_PERCPU
	 * spelt out, which 6.1 does not have; create_workqueue() has both.
	 */
	za_drain_wq = create_workqueue("zalloc_drain");
	if (!za_drain_wq)
		return -ENOMEM;
	za_pcpu = __alloc_percpu(struct_size(za_pcpu, slots, slots),
				 __alignof__(struct za_pcpu));
	if (!za_pcpu) {
		destroy_workqueue(za_drain_wq);
		return -ENOMEM;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "zalloc:dead",
					NULL, za_cpu_dead);
	if (ret < 0)
		goto free_pcpu;
	za_cpuhp_state = ret;
	ret = shrinker_setup();
	if (ret)
		goto remove_cpuhp;
	return 0;

remove_cpuhp:
	cpuhp_remove_state_nocalls(za_cpuhp_state);
free_pcpu:
	free_percpu(za_pcpu);
	za_pcpu = NULL;
	destroy_workqueue(za_drain_wq);
	return ret;
}

/**
 * za_pcpu_exit() - stop draining from outside, and drain every CPU's cache
 *
 * The caches stay allocated, empty, for the statistics read at unload;
 * za_pcpu_free() frees them.
 *
 * Context: process, at unload, when no user is left.
 */
void za_pcpu_exit(void)
{
	int cpu;

	shrinker_teardown();
	cpuhp_remove_state_nocalls(za_cpuhp_state);
	/* No user is left and nothing else drains: each CPU's cache is ours. */
	for_each_possible_cpu(cpu)
		drain_pcpu(per_cpu_ptr(za_pcpu, cpu));
}

/**
 * za_pcpu_free() - free the (drained) per-CPU caches
 *
 * Context: process, at unload, after za_pcpu_exit().
 */
void za_pcpu_free(void)
{
	free_percpu(za_pcpu);
	za_pcpu = NULL;
	destroy_workqueue(za_drain_wq);
}
