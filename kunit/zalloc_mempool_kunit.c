// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_mempool: mempools of zalloc objects
 * (zalloc_mempool_create(), zalloc_mempool_init()). Built as
 * zalloc_mempool_kunit.ko; load it after zalloc.ko.
 *
 * A pool's preallocated elements are live zalloc objects of the size
 * asked for, in debug and in normal mode, and destroying the pool gives
 * them back; with memory to spare mempool_alloc() is served by zalloc and
 * mempool_free() gives back to zalloc, the preallocated elements
 * untouched; one pool holds objects of whichever backends the strategy
 * picked. zalloc_mempool_faults is the guarantee itself: with failslab and
 * fail_page_alloc failing every allocation of the case's thread, min_nr
 * mempool_alloc() calls get the preallocated elements, the next one with
 * GFP_NOWAIT gets NULL, and mempool_free() puts them all back. It needs a
 * kernel with both and the harness to arm them (the uml-sanitizer
 * target's faults boot, tools/testing/sanitizer-test.sh: task-filter, 100%);
 * elsewhere it skips.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/* Elements a test pool preallocates. */
#define MIN_NR		8

/* An object pool, an extended pool, kmalloc(). */
static const struct zk_size pool_sizes[] = {
	{ 64 }, { 1000 }, { 100000 },
};

KUNIT_ARRAY_PARAM(pool_size, pool_sizes, zk_size_desc);

/*
 * Copies the elements @pool holds now into @elems (room for MIN_NR);
 * returns how many.
 */
static int pool_elements(mempool_t *pool, void **elems)
{
	unsigned long flags;
	int n;

	spin_lock_irqsave(&pool->lock, flags);
	n = min(pool->curr_nr, MIN_NR);
	memcpy(elems, pool->elements, n * sizeof(*elems));
	spin_unlock_irqrestore(&pool->lock, flags);
	return n;
}

/* Whether @p is one of the @n elements of @elems. */
static bool is_element(void *const *elems, int n, const void *p)
{
	int i;

	for (i = 0; i < n; i++)
		if (elems[i] == p)
			return true;
	return false;
}

/*
 * Elements of @pool that are not among the @n of @elems (a snapshot of
 * pool_elements()): 0 when it holds those, and only those.
 */
static int elements_changed(mempool_t *pool, void *const *elems, int n)
{
	void *now[MIN_NR];
	int i, m, changed;

	m = pool_elements(pool, now);
	changed = abs(m - n);
	for (i = 0; i < m; i++)
		changed += !is_element(elems, n, now[i]);
	return changed;
}

/*
 * A pool's MIN_NR preallocated elements are live zalloc objects that hold
 * the size asked for (in debug mode, exactly it), in debug and in normal
 * mode; mempool_destroy() gives every one back.
 */
static void zalloc_mempool_create_destroy(struct kunit *test)
{
	size_t size = zk_param_size(test);
	void *elems[MIN_NR];
	mempool_t *pool;
	s64 live;
	int i, n, mode;

	for (mode = 0; mode <= 1; mode++) {
		za_set_debug(mode);
		live = zk_live_objects();
		pool = zalloc_mempool_create(MIN_NR, size);
		KUNIT_ASSERT_NOT_NULL(test, pool);
		n = pool_elements(pool, elems);
		KUNIT_EXPECT_EQ(test, n, MIN_NR);
		KUNIT_EXPECT_EQ(test, zk_live_objects(), live + MIN_NR);
		for (i = 0; i < n; i++) {
			if (mode)
				KUNIT_EXPECT_EQ(test, zalloc_size(elems[i]), size);
			else
				KUNIT_EXPECT_GE(test, zalloc_size(elems[i]), size);
		}
		mempool_destroy(pool);
		KUNIT_EXPECT_EQ_MSG(test, zk_live_objects(), live,
				    "debug=%d: elements not given back", mode);
	}
}

/*
 * With memory to spare, mempool_alloc() is served by zalloc: twice MIN_NR
 * objects of the size, the preallocated elements untouched; mempool_free()
 * of each, the pool being full, gives it back to zalloc.
 */
static void zalloc_mempool_alloc_free(struct kunit *test)
{
	size_t size = zk_param_size(test);
	void *elems[MIN_NR], *objs[2 * MIN_NR];
	mempool_t *pool;
	size_t usable;
	s64 live;
	int i, n;

	live = zk_live_objects();
	pool = zalloc_mempool_create(MIN_NR, size);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	n = pool_elements(pool, elems);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = mempool_alloc(pool, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
		if (!objs[i])
			continue;
		KUNIT_EXPECT_FALSE(test, is_element(elems, n, objs[i]));
		usable = zalloc_size(objs[i]);
		KUNIT_EXPECT_GE(test, usable, size);
		if (usable >= size)
			memset(objs[i], 0x5a, size);
	}
	KUNIT_EXPECT_EQ(test, elements_changed(pool, elems, n), 0);
	KUNIT_EXPECT_EQ(test, zk_live_objects(),
			live + MIN_NR + (s64)ARRAY_SIZE(objs));
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		mempool_free(objs[i], pool);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + MIN_NR);
	KUNIT_EXPECT_EQ(test, elements_changed(pool, elems, n), 0);
	mempool_destroy(pool);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/*
 * Elements follow the module's strategy at each allocation: those
 * preallocated under ZALLOC_STANDARD are kmalloc()'s, one allocated after
 * a switch to ZALLOC_AUTO is an object pool's, and the pool frees both.
 */
static void zalloc_mempool_follows_strategy(struct kunit *test)
{
	unsigned int obj_class = za_size_class(64);
	void *elems[MIN_NR], *p;
	mempool_t *pool;
	s64 live;
	int i, n;

	za_set_debug(false);
	live = zk_live_objects();
	KUNIT_ASSERT_EQ(test, za_set_strategy("standard"), 0);
	pool = zalloc_mempool_create(MIN_NR, 64);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	n = pool_elements(pool, elems);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, zk_class_of(elems[i]), ZA_CLASS_STD);
	KUNIT_EXPECT_EQ(test, za_set_strategy("auto"), 0);
	p = mempool_alloc(pool, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p) {
		KUNIT_EXPECT_EQ(test, zk_class_of(p), obj_class);
		mempool_free(p, pool);
	}
	mempool_destroy(pool);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* zalloc_mempool_init() into a caller's mempool_t; mempool_exit() undoes it. */
static void zalloc_mempool_init_exit(struct kunit *test)
{
	struct {
		mempool_t pool;
		int users;
	} *holder;
	void *p;
	s64 live;

	holder = kunit_kzalloc(test, sizeof(*holder), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, holder);
	live = zk_live_objects();
	KUNIT_ASSERT_EQ(test, zalloc_mempool_init(&holder->pool, MIN_NR, 1000),
			0);
	KUNIT_EXPECT_EQ(test, holder->pool.curr_nr, MIN_NR);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + MIN_NR);
	p = mempool_alloc(&holder->pool, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, zalloc_size(p), (size_t)1000);
	mempool_free(p, &holder->pool);
	mempool_exit(&holder->pool);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* Objects zalloc may hold of one class at most, idle in spans or caches. */
#define HOG_MAX		4096U

#ifdef CONFIG_FAULT_INJECTION
/*
 * Whether every slab and page allocation of this thread fails now: the
 * harness armed failslab and fail_page_alloc at 100% for the threads that
 * mark themselves, as the caller has. Four tries of each.
 */
static bool faults_armed(void)
{
	struct page *page;
	bool armed = true;
	void *p;
	int i;

	for (i = 0; i < 4; i++) {
		p = kmalloc(8, GFP_KERNEL | __GFP_NOWARN);
		page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		armed &= !p && !page;
		kfree(p);
		if (page)
			__free_page(page);
	}
	return armed;
}
#endif

/**
 * struct fault_run - what one pass of zalloc_mempool_faults saw
 * @got: the MIN_NR elements mempool_alloc() returned
 * @extra: what the (MIN_NR + 1)th call, with GFP_NOWAIT, returned
 * @curr_nr: the elements left in the pool after those calls
 * @hogs: objects of the size zalloc still had to give (idle in its spans or
 *	caches), taken first so that only the pool can serve
 * @armed: every allocation of the thread failed
 */
struct fault_run {
	void *got[MIN_NR];
	void *extra;
	int curr_nr;
	unsigned int hogs;
	bool armed;
};

/*
 * The calls made while this thread's allocations fail: no KUnit check here,
 * as a failed check allocates its message. @hogs has HOG_MAX slots.
 */
static void fault_calls(mempool_t *pool, size_t size, void **hogs,
			struct fault_run *fr)
{
	int i;

#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 1;
	fr->armed = faults_armed();
#endif
	if (fr->armed) {
		while (fr->hogs < HOG_MAX &&
		       (hogs[fr->hogs] = zalloc_alloc(size, GFP_NOWAIT |
							      __GFP_NOWARN)))
			fr->hogs++;
		/*
		 * GFP_KERNEL would wait for an element to come back once the
		 * pool is empty: a broken pool must fail, not hang the boot.
		 */
		for (i = 0; i < MIN_NR; i++)
			fr->got[i] = mempool_alloc(pool, READ_ONCE(pool->curr_nr) ?
						   GFP_KERNEL : GFP_NOWAIT);
		fr->extra = mempool_alloc(pool, GFP_NOWAIT);
		fr->curr_nr = READ_ONCE(pool->curr_nr);
	}
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 0;
#endif
}

/*
 * One pass of zalloc_mempool_faults: a pool of MIN_NR elements of @size,
 * in the mode zalloc is in, with @hogs (HOG_MAX slots) for what zalloc
 * still has. Skips the case if this thread's allocations do not all fail.
 */
static void fault_pass(struct kunit *test, size_t size, void **hogs)
{
	void *elems[MIN_NR];
	struct fault_run fr = {};
	mempool_t *pool;
	u64 failures;
	s64 live;
	int i, n;
	bool ok;

	live = zk_live_objects();
	pool = zalloc_mempool_create(MIN_NR, size);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	n = pool_elements(pool, elems);
	/* Nothing idle in the caches: objects zalloc has are in spans. */
	za_mag_drain_all();
	failures = zk_failures();
	fault_calls(pool, size, hogs, &fr);
	if (!fr.armed) {
		mempool_destroy(pool);
		kunit_skip(test, "not every allocation of this thread fails");
	}
	kunit_info(test, "size %zu debug=%d: %u objects zalloc still had, %llu failures\n",
		   size, za_debug_enabled(), fr.hogs,
		   zk_failures() - failures);
	KUNIT_EXPECT_LT(test, fr.hogs, HOG_MAX);
	for (i = 0; i < MIN_NR; i++) {
		ok = is_element(elems, n, fr.got[i]);
		KUNIT_EXPECT_TRUE_MSG(test, ok, "size %zu call %d: %p is not an element",
				      size, i, fr.got[i]);
		/* Written only where it is known to be an element. */
		if (ok)
			memset(fr.got[i], 0xa5, size);
	}
	KUNIT_EXPECT_NULL(test, fr.extra);
	KUNIT_EXPECT_EQ(test, fr.curr_nr, 0);
	/* Every call asked zalloc first, and zalloc failed it. */
	KUNIT_EXPECT_GE(test, zk_failures() - failures, (u64)MIN_NR + 1);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + MIN_NR + fr.hogs);
	for (i = 0; i < MIN_NR; i++)
		mempool_free(fr.got[i], pool);
	mempool_free(fr.extra, pool);
	KUNIT_EXPECT_EQ(test, elements_changed(pool, elems, n), 0);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + MIN_NR + fr.hogs);
	for (i = 0; i < fr.hogs; i++)
		zalloc_free(hogs[i]);
	mempool_destroy(pool);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/*
 * The guarantee: while every page and slab allocation of this thread
 * fails, MIN_NR mempool_alloc() calls succeed with the pool's own
 * elements (zalloc asked, and failing, each time), the next GFP_NOWAIT
 * call returns NULL, and mempool_free() puts every element back, where
 * they stay live zalloc objects until the pool is destroyed. For each
 * size, in debug and in normal mode. One case, not one per size: 6.1's
 * KUnit prints a skipped parameter as "ok" with no SKIP, and the harness
 * must see this case skip where it cannot run.
 */
static void zalloc_mempool_faults(struct kunit *test)
{
	unsigned int i;
	void **hogs;
	int mode;

	if (!IS_ENABLED(CONFIG_FAILSLAB) || !IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC))
		kunit_skip(test, "no failslab or fail_page_alloc in this kernel");
	hogs = kunit_kcalloc(test, HOG_MAX, sizeof(*hogs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hogs);
	za_set_switch(&za_stats_key, true);
	for (i = 0; i < ARRAY_SIZE(pool_sizes); i++) {
		for (mode = 1; mode >= 0; mode--) {
			za_set_debug(mode);
			fault_pass(test, pool_sizes[i].size, hogs);
		}
	}
}

static struct kunit_case zalloc_mempool_cases[] = {
	KUNIT_CASE_PARAM(zalloc_mempool_create_destroy, pool_size_gen_params),
	KUNIT_CASE_PARAM(zalloc_mempool_alloc_free, pool_size_gen_params),
	KUNIT_CASE(zalloc_mempool_follows_strategy),
	KUNIT_CASE(zalloc_mempool_init_exit),
	KUNIT_CASE(zalloc_mempool_faults),
	{}
};

static struct kunit_suite zalloc_mempool_suite = {
	.name = "zalloc_mempool",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_mempool_cases,
};

kunit_test_suite(zalloc_mempool_suite);

MODULE_DESCRIPTION("KUnit tests for mempools of zalloc objects");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
