// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_cache: the per-CPU caches (magazines), the depot
 * behind them and what gives memory back. Built as zalloc_cache_kunit.ko;
 * load it after zalloc.ko.
 *
 * A hit reuses the object just freed; the depot fills to its bound, serves
 * a burst larger than a CPU's magazines, and carries objects from one CPU
 * to another; trims and the per-CPU decay give idle objects back; a drain
 * empties every cache; with the fast path off every allocation misses; a
 * CPU that goes offline leaves nothing cached; freed spans go back to the
 * page allocator. Cases that need two CPUs skip on one; the cross-CPU
 * depot case needs two of one node, as each node has its own depots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "zalloc_kunit.h"
#include "zalloc_mag.h"

static const struct zk_size pool_sizes[] = {
	{ 8 }, { 256 }, { 300 }, { 4096 }, { 20000 }, { 65536 },
};

KUNIT_ARRAY_PARAM(pool, pool_sizes, zk_size_desc);

/*
 * The depot of @c that this CPU trades with: its node's. zk_init() keeps
 * the case on one CPU.
 */
static struct za_depot *here(const struct za_class *c)
{
	return &c->depots[numa_mem_id()];
}

/* Objects of @cls idle in @cpu's two magazines. */
static unsigned int cpu_cached(int cpu, unsigned int cls)
{
	const struct za_mag_class *mc = &per_cpu_ptr(za_mags, cpu)->cls[cls];

	return READ_ONCE(mc->loaded->count) + READ_ONCE(mc->prev->count);
}

/* Allocate @n objects of @size into @p, each tracked for zk_exit(). */
static void alloc_n(struct kunit *test, size_t size, unsigned int n, void **p)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i] = zk_track(test, zalloc_alloc(size, GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
}

static void free_n(struct kunit *test, unsigned int n, void **p)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		zk_free(test, p[i]);
}

/* Free then allocate on one CPU: the same object, from the cache. */
static void zalloc_cache_hit_reuses_object(struct kunit *test)
{
	size_t size = zk_param_size(test);
	unsigned int cls = zk_expected_class(size);
	struct za_class_stats before, after;
	void *p, *q;

	p = zalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	preempt_disable();
	zk_read_stats(cls, &before);
	zalloc_free(p);
	q = zalloc_alloc(size, GFP_ATOMIC);
	zk_read_stats(cls, &after);
	preempt_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 1);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_MISS], before.ev[ZE_MISS]);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT], before.ev[ZE_OUT]);
	zalloc_free(q);
}

/*
 * Freeing more than the magazines and the depot hold gives the rest back
 * to the backend: the depot fills to its bound and no further.
 */
static void zalloc_depot_bounded(struct kunit *test)
{
	size_t size = zk_param_size(test);
	unsigned int cls = zk_expected_class(size);
	const struct za_class *c = &za_classes[cls];
	/* More than the depot and every CPU's two magazines can hold. */
	unsigned int n = (here(c)->max_full + 2 * num_possible_cpus() + 2) *
			 c->mag_size, i;
	struct za_class_stats before, st;
	void **p;

	p = kvcalloc(n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	za_mag_drain_all();
	zk_read_stats(cls, &before);
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(size, GFP_KERNEL);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	kvfree(p);
	zk_read_stats(cls, &st);
	KUNIT_EXPECT_EQ(test, READ_ONCE(here(c)->nr_full), here(c)->max_full);
	KUNIT_EXPECT_LE(test, st.cached,
			(s64)(here(c)->max_full + 2 * num_possible_cpus()) *
			c->mag_size);
	/* What did not fit went back. */
	KUNIT_EXPECT_GE(test, st.ev[ZE_IN] - before.ev[ZE_IN],
			(u64)2 * c->mag_size);
	KUNIT_EXPECT_EQ(test, st.live_objs, before.live_objs);
	za_mag_drain_all();
}

/*
 * For a function that work_on_cpu() runs (no assertions there): allocate
 * @n objects of @c into @p, then free them all on this CPU.
 */
static long alloc_free_here(struct za_class *c, unsigned int n, void **p)
{
	unsigned int i;
	long ret = 0;

	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(c->size, GFP_KERNEL);
		if (!p[i])
			ret = -ENOMEM;
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	return ret;
}

/* Runs on one CPU: a burst of frees and allocations, through the depot. */
static long depot_burst(void *arg)
{
	struct za_class *c = arg;
	unsigned int cls = c - za_classes, n = 6 * c->mag_size, i;
	struct za_class_stats before, after;
	void **p;
	long ret;

	p = kvcalloc(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = alloc_free_here(c, n, p);
	if (!ret && READ_ONCE(here(c)->nr_full) < 4)
		ret = -ENOSPC;
	zk_read_stats(cls, &before);
	for (i = 0; !ret && i < n; i++) {
		p[i] = zalloc_alloc(c->size, GFP_KERNEL);
		if (!p[i])
			ret = -ENOMEM;
	}
	zk_read_stats(cls, &after);
	/* Served by the magazines and the depot: nothing from the backend. */
	if (!ret && after.ev[ZE_OUT] != before.ev[ZE_OUT])
		ret = -EBADE;
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	kvfree(p);
	return ret;
}

/* A burst larger than a CPU's magazines goes through the depot whole. */
static void zalloc_depot_serves_burst(struct kunit *test)
{
	struct za_class *c = &za_classes[zk_expected_class(zk_param_size(test))];

	za_mag_drain_all();
	KUNIT_EXPECT_EQ(test, work_on_cpu(raw_smp_processor_id(), depot_burst,
					  c), 0);
	za_mag_drain_all();
}

/* Objects for free_here(): @p ends with NULL. */
struct free_here_arg {
	struct kunit *test;
	void **p;
};

/* Runs on one CPU: frees the objects of @arg there. */
static long free_here(void *arg)
{
	struct free_here_arg *fa = arg;
	unsigned int i;

	for (i = 0; fa->p[i]; i++)
		zk_free(fa->test, fa->p[i]);
	return 0;
}

/* Objects freed on one CPU are allocated on another through the depot. */
static void zalloc_depot_crosses_cpus(struct kunit *test)
{
	struct za_class *c = &za_classes[zk_expected_class(700)];
	unsigned int n = 6 * c->mag_size, other;
	struct za_class_stats before, after;
	struct free_here_arg fa = { .test = test };

	other = cpumask_any_but(cpumask_of_node(numa_node_id()),
				raw_smp_processor_id());
	if (other >= nr_cpu_ids || !cpu_online(other))
		kunit_skip(test, "needs two online CPUs of one node");
	fa.p = kunit_kcalloc(test, n + 1, sizeof(*fa.p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fa.p);
	za_mag_drain_all();
	alloc_n(test, 700, n, fa.p);
	KUNIT_ASSERT_EQ(test, work_on_cpu(other, free_here, &fa), 0);
	KUNIT_EXPECT_GE(test, READ_ONCE(here(c)->nr_full), 4);
	zk_read_stats(c - za_classes, &before);
	alloc_n(test, 700, 4 * c->mag_size, fa.p);
	zk_read_stats(c - za_classes, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT], before.ev[ZE_OUT]);
	free_n(test, 4 * c->mag_size, fa.p);
	za_mag_drain_all();
}

/*
 * What the depot and the reserve hold decays: a trim gives back what sat
 * unused since the one before. Objects go magazine -> span -> page
 * allocator one stage per trim, so three trims with no use between them
 * leave neither the depot nor the reserve anything.
 */
static void zalloc_trim_decays_idle(struct kunit *test)
{
	unsigned int cls = zk_expected_class(5000);
	struct za_class *c = &za_classes[cls];
	unsigned int n = 6 * c->mag_size + 2 * c->per_span;
	struct za_class_stats st;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	alloc_n(test, 5000, n, p);
	free_n(test, n, p);
	KUNIT_EXPECT_GT(test, READ_ONCE(here(c)->nr_full), 0);
	za_trim();
	za_trim();
	za_trim();
	KUNIT_EXPECT_EQ(test, READ_ONCE(here(c)->nr_full), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(here(c)->nr_empty), 0);
	KUNIT_EXPECT_EQ(test, za_ext_empty_spans(c, NUMA_NO_NODE), 0);
	/* Only the CPUs' magazines may still hold objects, and no more. */
	zk_read_stats(cls, &st);
	KUNIT_EXPECT_LE(test, st.cached,
			(s64)2 * c->mag_size * num_possible_cpus());
	KUNIT_EXPECT_LE(test, st.pages,
			(unsigned long)DIV_ROUND_UP(st.cached, c->per_span)
			<< c->order);
	za_mag_drain_all();
}

/* Runs on one CPU: frees objects into its magazines, then decays twice. */
static long decay_here(void *arg)
{
	struct za_class *c = arg;
	void *p[ZA_MAG_MAX];
	int cpu = raw_smp_processor_id();
	long ret = alloc_free_here(c, c->mag_size, p);

	if (!ret && !cpu_cached(cpu, c->index))
		ret = -ENODATA;
	/* The first look marks the class; the second finds it untouched. */
	za_decay_this_cpu();
	za_decay_this_cpu();
	if (!ret && cpu_cached(cpu, c->index))
		ret = -EBUSY;
	return ret;
}

/* A CPU's magazines of a class it no longer uses decay to the backend. */
static void zalloc_decay_empties_idle_cpu(struct kunit *test)
{
	struct za_class *c = &za_classes[zk_expected_class(700)];

	KUNIT_EXPECT_EQ(test, work_on_cpu(raw_smp_processor_id(), decay_here,
					  c), 0);
	za_mag_drain_all();
}

static void zalloc_cache_drain_empties_all(struct kunit *test)
{
	void *p = zalloc_alloc(64, GFP_KERNEL);
	unsigned int cls;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	zalloc_free(p);
	KUNIT_EXPECT_GE(test, za_mag_drain_all(), 1);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++)
		KUNIT_EXPECT_EQ(test, za_mag_cached(cls), 0);
}

/* With the fast path off every allocation goes to the backend. */
static void zalloc_fastpath_off_always_misses(struct kunit *test)
{
	unsigned int cls = zk_expected_class(128);
	struct za_class_stats before, after;
	int i;

	za_set_switch(&za_fastpath_key, false);
	zk_read_stats(cls, &before);
	KUNIT_EXPECT_EQ(test, before.cached, 0);
	for (i = 0; i < 10; i++)
		zalloc_free(zalloc_alloc(128, GFP_KERNEL));
	zk_read_stats(cls, &after);
	za_set_switch(&za_fastpath_key, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_MISS] - before.ev[ZE_MISS], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT] - before.ev[ZE_OUT], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_IN] - before.ev[ZE_IN], 10);
	KUNIT_EXPECT_EQ(test, after.cached, 0);
}

/* Runs on the CPU under test: leaves objects in its cache. */
static long fill_this_cpu_cache(void *unused)
{
	static const size_t sizes[] = { 64, 700, 4096 };
	void *p[ARRAY_SIZE(sizes)];
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		p[i] = zalloc_alloc(sizes[i], GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (!p[i])
			return -ENOMEM;
		zalloc_free(p[i]);
	}
	return 0;
}

/* A CPU that goes offline leaves nothing in its cache (CPU hotplug). */
static void zalloc_cpu_offline_drains_cache(struct kunit *test)
{
	/* The last: the first may be the boot CPU, which cannot go. */
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned int cls;
	long ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	/* zk_init() keeps the case on its CPU: off the one that goes. */
	if (raw_smp_processor_id() == cpu)
		set_cpus_allowed_ptr(current,
				     cpumask_of(cpumask_first(cpu_online_mask)));
	ret = work_on_cpu(cpu, fill_this_cpu_cache, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_GT(test, cpu_cached(cpu, zk_expected_class(64)), 0);
	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU %u cannot go offline: %ld", cpu, ret);
	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++)
		KUNIT_EXPECT_EQ(test, cpu_cached(cpu, cls), 0);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

/*
 * Once freed and drained, spans go back to the page allocator, down to the
 * reserve.
 */
static void zalloc_pages_returned_after_free(struct kunit *test)
{
	unsigned int cls = zk_expected_class(5000);
	const struct za_class *c = &za_classes[cls];
	unsigned int n = 4 * c->per_span + 1;
	struct za_class_stats st;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	alloc_n(test, 5000, n, p);
	zk_read_stats(cls, &st);
	KUNIT_EXPECT_GE(test, st.pages, 5UL << c->order);
	free_n(test, n, p);
	za_mag_drain_all();
	zk_read_stats(cls, &st);
	KUNIT_EXPECT_EQ(test, st.cached, 0);
	KUNIT_EXPECT_EQ(test, st.live_objs, 0);
	/* The floor: no live object, no page held. */
	KUNIT_EXPECT_EQ(test, st.pages, 0);
}

static struct kunit_case zalloc_cache_cases[] = {
	KUNIT_CASE_PARAM(zalloc_cache_hit_reuses_object, pool_gen_params),
	KUNIT_CASE_PARAM(zalloc_depot_bounded, pool_gen_params),
	KUNIT_CASE_PARAM(zalloc_depot_serves_burst, pool_gen_params),
	KUNIT_CASE(zalloc_depot_crosses_cpus),
	KUNIT_CASE(zalloc_trim_decays_idle),
	KUNIT_CASE(zalloc_decay_empties_idle_cpu),
	KUNIT_CASE(zalloc_cache_drain_empties_all),
	KUNIT_CASE(zalloc_fastpath_off_always_misses),
	KUNIT_CASE(zalloc_cpu_offline_drains_cache),
	KUNIT_CASE(zalloc_pages_returned_after_free),
	{}
};

static struct kunit_suite zalloc_cache_suite = {
	.name = "zalloc_cache",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_cache_cases,
};

kunit_test_suite(zalloc_cache_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's per-CPU caches and depot");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
