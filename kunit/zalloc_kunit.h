/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites of zalloc share.
 *
 * Every suite (kunit/zalloc_<area>_kunit.c) runs zk_init() and zk_exit()
 * around each case: zk_exit() puts back the settings a case may change
 * (strategy, fast path, statistics, debug mode) and frees the objects the
 * case allocated with zk_track() and did not free with zk_free(), so that
 * a failed assertion, which ends its case at once, cannot leave a setting
 * or a live object to the next case.
 *
 * The counters are global: the suites assume that nothing else allocates
 * from zalloc while they run (the harness loads them one after another).
 */
#ifndef _ZALLOC_KUNIT_H
#define _ZALLOC_KUNIT_H

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/jump_label.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "zalloc_internal.h"
#include "zalloc_lookup.h"

/*
 * Test attributes came with Linux 6.7 (6.1 has none): there a slow case
 * runs like any other.
 */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name)	KUNIT_CASE(test_name)
#endif

#ifdef KUNIT_CASE_PARAM_ATTR
#define ZK_CASE_PARAM_SLOW(test_name, gen_params)			\
	KUNIT_CASE_PARAM_ATTR(test_name, gen_params,			\
			      { .speed = KUNIT_SPEED_SLOW })
#else
#define ZK_CASE_PARAM_SLOW(test_name, gen_params)			\
	KUNIT_CASE_PARAM(test_name, gen_params)
#endif

/**
 * struct zk_case - one case's state (test->priv), made by zk_init()
 * @objs: the objects the case tracks (zk_track()), indexed by address
 * @strategy: the strategy zalloc_alloc() used before the case
 * @fastpath: whether the per-CPU caches were on before the case
 * @stats: whether the statistics were on before the case
 * @debug: whether the debug mode was on before the case
 * @profile: whether profiling was on before the case
 */
struct zk_case {
	struct xarray objs;
	enum zalloc_strategy strategy;
	bool fastpath;
	bool stats;
	bool debug;
	bool profile;
};

/**
 * zk_init() - the .init of every zalloc suite
 * @test: the case about to run
 *
 * Saves the settings a case may change; a case starts with the default
 * strategy, ZALLOC_AUTO, which is what the cases assume. Keeps the case's
 * thread on the CPU it starts on (KUnit runs each case in a thread of its
 * own): what the cases expect of the magazines and depots is what one
 * CPU sees, and on a machine of several nodes a move to another node's
 * CPU would send the case's frees past its magazines.
 *
 * Return: 0, or -ENOMEM.
 */
static inline int zk_init(struct kunit *test)
{
	struct zk_case *zc = kunit_kzalloc(test, sizeof(*zc), GFP_KERNEL);

	if (!zc)
		return -ENOMEM;
	xa_init(&zc->objs);
	zc->strategy = za_get_strategy();
	zc->fastpath = static_key_enabled(&za_fastpath_key);
	zc->stats = static_key_enabled(&za_stats_key);
	zc->debug = za_debug_enabled();
	zc->profile = za_profile_enabled();
	test->priv = zc;
	set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
	return za_set_strategy(za_strategy_names[ZALLOC_AUTO]);
}

/**
 * zk_exit() - the .exit of every zalloc suite
 * @test: the case that ran, whether it passed, failed or skipped
 *
 * Puts the settings back as zk_init() found them, then frees what the case
 * still tracks: what a failed assertion left behind.
 */
static inline void zk_exit(struct kunit *test)
{
	struct zk_case *zc = test->priv;
	unsigned long addr;
	void *p;

	if (!zc)
		return;
	za_set_strategy(za_strategy_names[zc->strategy]);
	za_set_switch(&za_fastpath_key, zc->fastpath);
	za_set_switch(&za_stats_key, zc->stats);
	za_set_debug(zc->debug);
	za_set_profile(zc->profile);
	xa_for_each(&zc->objs, addr, p)
		zalloc_free(p);
	xa_destroy(&zc->objs);
}

/**
 * zk_track() - have zk_exit() free @p unless the case frees it first
 * @test: the running case
 * @p: an object from zalloc, NULL or ZERO_SIZE_PTR (not tracked)
 *
 * Context: process context; may sleep. Objects that other contexts free
 * are not tracked.
 * Return: @p.
 */
static inline void *zk_track(struct kunit *test, void *p)
{
	struct zk_case *zc = test->priv;
	int err;

	if (ZERO_OR_NULL_PTR(p))
		return p;
	err = xa_err(xa_store(&zc->objs, (unsigned long)p, p, GFP_KERNEL));
	if (err)
		zalloc_free(p);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "cannot track an object");
	return p;
}

/**
 * zk_untrack() - forget @p, which zalloc freed (zalloc_realloc() did)
 * @test: the running case
 * @p: the object, tracked by zk_track() or not
 */
static inline void zk_untrack(struct kunit *test, const void *p)
{
	struct zk_case *zc = test->priv;

	xa_erase(&zc->objs, (unsigned long)p);
}

/**
 * zk_free() - zalloc_free() of an object zk_track() may have tracked
 * @test: the running case
 * @p: the object
 */
static inline void zk_free(struct kunit *test, void *p)
{
	zk_untrack(test, p);
	zalloc_free(p);
}

/* zk_track() of each of @n objects of @p (as zalloc_alloc_bulk() fills it) */
static inline void zk_track_bulk(struct kunit *test, unsigned int n,
				 void **p)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		zk_track(test, p[i]);
}

/* zalloc_free_bulk() of objects zk_track() may have tracked */
static inline void zk_free_bulk(struct kunit *test, unsigned int n, void **p)
{
	struct zk_case *zc = test->priv;
	unsigned int i;

	for (i = 0; i < n; i++)
		xa_erase(&zc->objs, (unsigned long)p[i]);
	zalloc_free_bulk(n, p);
}

/* === Classes and statistics === */

/*
 * The class that serves @size under ZALLOC_AUTO, found the slow way: the
 * first class, in index order, whose size holds @size (kunit/
 * zalloc_classes_kunit.c checks that this is the smallest that does).
 */
static inline unsigned int zk_expected_class(size_t size)
{
	unsigned int i;

	for (i = 0; i < ZA_CLASS_STD; i++)
		if (size <= za_classes[i].size)
			return i;
	return ZA_CLASS_STD;
}

/* The backend of class @c, as the strategy that forces it. */
static inline enum zalloc_strategy zk_backend(const struct za_class *c)
{
	return za_ops(c)->strategy;
}

/* The class of @p, a live object from zalloc. */
static inline unsigned int zk_class_of(const void *p)
{
	size_t usable;

	return za_ptr_lookup(p, &usable) - za_classes;
}

static inline void zk_read_stats(unsigned int cls, struct za_class_stats *st)
{
	za_stats_read(cls, st, false);
}

/* Every class's live objects and failures, added up into @sum. */
static inline void zk_read_total(struct za_class_stats *sum)
{
	struct za_class_stats st;
	unsigned int cls;

	memset(sum, 0, sizeof(*sum));
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &st);
		sum->live_objs += st.live_objs;
		sum->ev[ZE_FAIL] += st.ev[ZE_FAIL];
	}
}

/* zalloc's live objects, all classes. */
static inline s64 zk_live_objects(void)
{
	struct za_class_stats sum;

	zk_read_total(&sum);
	return sum.live_objs;
}

/* Failed allocations zalloc counted, all classes. */
static inline u64 zk_failures(void)
{
	struct za_class_stats sum;

	zk_read_total(&sum);
	return sum.ev[ZE_FAIL];
}

static inline const char *zk_strategy_desc(enum zalloc_strategy s)
{
	return s <= ZALLOC_STANDARD ? za_strategy_names[s] : "invalid";
}

/* A request size, as a parameter of a KUNIT_ARRAY_PARAM() case. */
struct zk_size {
	size_t size;
};

static inline void zk_size_desc(const struct zk_size *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", p->size);
}

static inline size_t zk_param_size(struct kunit *test)
{
	return ((const struct zk_size *)test->param_value)->size;
}

#endif /* _ZALLOC_KUNIT_H */
