// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's reclaim: how the magazines, depots and span reserves give their
 * memory back. Every ZA_TRIM_INTERVAL a deferrable work item has each CPU
 * empty the magazines of the classes it left alone (za_decay_this_cpu()),
 * then trims the depots and reserves to what was used in the interval
 * (za_trim()). Under memory pressure (the shrinker) and on fastpath=N,
 * za_mag_drain_all() gives back everything idle; a CPU that goes offline
 * is drained by the CPU hotplug teardown; at unload, everything.
 *
 * The magazines, the depots and the rules this file keeps (each CPU
 * empties its own magazines, the backends are called with no zalloc lock
 * held) are described in zalloc_mag.c, "Lock order" and "Context rules".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "zalloc_internal.h"
#include "zalloc_mag.h"

/* How often the depots and reserves give back what sat idle. */
#define ZA_TRIM_INTERVAL	HZ

static enum cpuhp_state za_cpuhp_state;
static struct shrinker *za_shrinker;
static void trim_work_fn(struct work_struct *work);
static DECLARE_DEFERRABLE_WORK(za_trim_work, trim_work_fn);

/* === Draining and decay === */

/* Gives @m's objects to @c's backend, counted; returns how many. */
static unsigned int drain_mag(struct za_class *c, struct za_mag *m)
{
	void *objs[ZA_MAG_MAX];
	unsigned int n = mag_take_all(m, objs);

	za_mag_backend_put(NULL, c, objs, n);
	return n;
}

/* Empties @cm; its CPU must not be able to touch it (see the top). */
static unsigned long drain_mags(struct za_cpu_mags *cm)
{
	unsigned long freed = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		struct za_mag_class *mc = &cm->cls[cls];
		struct za_class *c = &za_classes[cls];

		freed += drain_mag(c, mc->loaded);
		freed += drain_mag(c, mc->prev);
	}
	return freed;
}

/* Copies out the objects of one of @mc's magazines; returns how many. */
static unsigned int mags_take_one(struct za_mag_class *mc, void **objs)
{
	return mag_take_all(mc->prev->count ? mc->prev : mc->loaded, objs);
}

/*
 * Whether this CPU left @mc alone since the last look: the same loaded
 * magazine with the same objects. A class in balanced use may look idle
 * too; emptying it then costs one refill per trim interval.
 */
static bool mag_class_idle(struct za_mag_class *mc)
{
	unsigned int n = mc->loaded->count + mc->prev->count;
	bool idle = mc->mark == mc->loaded && mc->mark_count == n;

	mc->mark = mc->loaded;
	mc->mark_count = n;
	return idle;
}

/*
 * Empties this CPU's magazines, of every class or (@idle_only) of the
 * classes it left alone since the last decay, one magazine at a time:
 * each is copied out with the CPU's magazines claimed and given to the
 * backend once they are released, so that no backend lock is taken while
 * they are claimed. In a work item bound to the CPU nothing else can have
 * them claimed (a claimant has preemption off): mags_claim() succeeds.
 */
static unsigned long empty_this_cpu(bool idle_only)
{
	void *objs[ZA_MAG_MAX];
	unsigned long freed = 0;
	unsigned int cls, n;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		bool take = !idle_only;

		do {
			struct za_cpu_mags *cm = mags_claim();
			struct za_mag_class *mc;

			/* Bound to this CPU in task context: nobody holds it. */
			if (WARN_ON_ONCE(!cm))
				return freed;
			mc = &cm->cls[cls];
			if (!take)
				take = mag_class_idle(mc);
			n = take ? mags_take_one(mc, objs) : 0;
			za_mag_count_backend(cm, cls, ZE_IN, n);
			mc->mark_count -= min(mc->mark_count, n);
			mags_release(cm);
			za_backend_put(&za_classes[cls], objs, n);
			freed += n;
		} while (n);
	}
	return freed;
}

/**
 * za_decay_this_cpu() - give back the magazines of the classes this CPU
 *	left alone since the last call
 *
 * What each CPU does every ZA_TRIM_INTERVAL.
 *
 * Context: process, bound to one CPU (a per-CPU work item, work_on_cpu()).
 * Return: objects given back.
 */
unsigned long za_decay_this_cpu(void)
{
	return empty_this_cpu(true);
}
EXPORT_SYMBOL_NS_GPL(za_decay_this_cpu, ZA_NS);

static void decay_work_fn(struct work_struct *work)
{
	za_decay_this_cpu();
}

static DEFINE_PER_CPU(struct work_struct, za_decay_work);

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
	container_of(work, struct za_drain, work)->freed = empty_this_cpu(false);
}

/* Empties every online CPU's magazines; returns the objects given back. */
static unsigned long drain_cpus(void)
{
	unsigned long freed = 0;
	int cpu;

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

/* One trim pass over every pool class: idle magazines and spans, or all. */
static unsigned long trim_classes(bool all)
{
	unsigned long freed = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
		freed += za_depot_trim(&za_classes[cls], all);
		freed += za_backend_trim(&za_classes[cls], all);
	}
	return freed;
}

/**
 * za_trim() - give back what sat idle since the last trim
 *
 * What the periodic decay does every ZA_TRIM_INTERVAL: the full and empty
 * magazines of each depot and the empty spans of each reserve that were
 * not used since the previous trim go back to the backends.
 *
 * Context: process.
 * Return: objects and spans given back.
 */
unsigned long za_trim(void)
{
	return za_mags ? trim_classes(false) : 0;
}
EXPORT_SYMBOL_NS_GPL(za_trim, ZA_NS);

/*
 * The decay: each online CPU empties the magazines of the classes it left
 * alone (a CPU that goes offline meanwhile was drained; a work item that
 * ends up on another CPU decays that one, which is harmless), then the
 * depots and reserves give back what sat idle.
 */
static void trim_work_fn(struct work_struct *work)
{
	int cpu;

	for_each_online_cpu(cpu)
		queue_work_on(cpu, za_drain_wq, per_cpu_ptr(&za_decay_work, cpu));
	za_trim();
	schedule_delayed_work(&za_trim_work,
			      round_jiffies_relative(ZA_TRIM_INTERVAL));
}

/**
 * za_mag_drain_all() - give back everything idle: every CPU's magazines,
 *	the depots and the reserves of empty spans
 *
 * Each online CPU empties its own magazines in a work item (a
 * WQ_MEM_RECLAIM workqueue: the shrinker waits for it under memory
 * pressure); offline CPUs were emptied when they went down. Then the
 * depots and reserves are emptied.
 *
 * Context: process; sleeps.
 * Return: objects and spans given back; 0 before the caches exist.
 */
unsigned long za_mag_drain_all(void)
{
	/* "fastpath=0" on the insmod line comes before za_mag_init(). */
	if (!za_mags)
		return 0;
	return drain_cpus() + trim_classes(true);
}
EXPORT_SYMBOL_NS_GPL(za_mag_drain_all, ZA_NS);

static int za_cpu_dead(unsigned int cpu)
{
	drain_mags(per_cpu_ptr(za_mags, cpu));
	return 0;
}

/* === CPU hotplug and the shrinker === */

static unsigned long za_shrink_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long n = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++)
		n += za_mag_cached(cls) +
		     za_ext_empty_spans(&za_classes[cls], NUMA_NO_NODE);
	return n ?: SHRINK_EMPTY;
}

static unsigned long za_shrink_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	return za_mag_drain_all() ?: SHRINK_STOP;
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

/**
 * za_reclaim_init() - hook CPU hotplug and memory pressure, start the decay
 *
 * Context: process; the magazines must be allocated.
 * Return: 0 or a negative errno.
 */
int za_reclaim_init(void)
{
	int ret, cpu;

	/*
	 * Per-CPU and WQ_MEM_RECLAIM on every kernel: 7.x wants WQ_PERCPU
	 * spelt out, which 6.1 does not have; create_workqueue() has both.
	 */
	za_drain_wq = create_workqueue("zalloc_drain");
	if (!za_drain_wq)
		return -ENOMEM;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "zalloc:dead",
					NULL, za_cpu_dead);
	if (ret < 0)
		goto destroy_wq;
	za_cpuhp_state = ret;
	ret = shrinker_setup();
	if (ret)
		goto remove_cpuhp;
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&za_decay_work, cpu), decay_work_fn);
	schedule_delayed_work(&za_trim_work,
			      round_jiffies_relative(ZA_TRIM_INTERVAL));
	return 0;

remove_cpuhp:
	cpuhp_remove_state_nocalls(za_cpuhp_state);
destroy_wq:
	destroy_workqueue(za_drain_wq);
	za_drain_wq = NULL;
	return ret;
}

/**
 * za_reclaim_exit() - stop the decay and the drains from outside, and
 *	give back everything the magazines and depots hold
 *
 * The per-CPU caches stay allocated, empty, for the statistics read at
 * unload; za_mag_free_all() frees them.
 *
 * Context: process, at unload, when no user is left.
 */
void za_reclaim_exit(void)
{
	int cpu;

	cancel_delayed_work_sync(&za_trim_work);
	for_each_possible_cpu(cpu)
		cancel_work_sync(per_cpu_ptr(&za_decay_work, cpu));
	shrinker_teardown();
	cpuhp_remove_state_nocalls(za_cpuhp_state);
	/* No user is left and nothing else drains: each CPU's cache is ours. */
	for_each_possible_cpu(cpu)
		drain_mags(per_cpu_ptr(za_mags, cpu));
	trim_classes(true);
}

/**
 * za_reclaim_free() - free the drains' workqueue
 *
 * Context: process, at unload, after za_reclaim_exit() and za_mag_free_all().
 */
void za_reclaim_free(void)
{
	destroy_workqueue(za_drain_wq);
	za_drain_wq = NULL;
}
