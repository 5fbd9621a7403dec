// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_sanitizer: what only a kernel with KASAN, kmemleak
 * and fault injection can show (make check's uml-sanitizer target). Built
 * as zalloc_sanitizer_kunit.ko; load it after zalloc.ko with one of its
 * parameters, each of which turns on one case (the others skip):
 *
 * - faults=1: allocations of every size range through every strategy, in
 *   debug mode and in normal mode, one by one and in bulk, while this
 *   case's thread is marked for failslab and fail_page_alloc
 *   (current->make_it_fail; the harness sets task-filter and the failure
 *   share through debugfs). Every allocation must return NULL or a usable
 *   object, everything is freed, and zalloc's live objects must be back
 *   where they were. The counts are printed for the harness.
 * - faults=1 also: __GFP_NOFAIL allocations of an extended class under
 *   fail_page_alloc, whose spans must fall back to the smallest order.
 * - plant_leak=1: first an extended-pool object freed across a switch of
 *   the debug mode, whose slot is then handed out again (kmemleak must not
 *   turn itself off); then zalloc_sanitizer_plant_leak() allocates
 *   objects and forgets them: for kmemleak to report after the module is
 *   removed.
 * - use_after_free=1: zalloc_sanitizer_uaf_read() reads a freed object
 *   (in debug mode, zalloc's default on a KASAN kernel), for KASAN to
 *   report. It runs in a work item: KASAN
 *   fails the KUnit test of the task it catches (current->kunit_test) and
 *   offers a way out only to its own suite; a worker runs no test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "zalloc_kunit.h"

static bool faults;
module_param(faults, bool, 0444);
MODULE_PARM_DESC(faults, "Run the allocation loop (under fault injection)");

static bool plant_leak;
module_param(plant_leak, bool, 0444);
MODULE_PARM_DESC(plant_leak, "Leak objects for kmemleak to report");

static bool use_after_free;
module_param(use_after_free, bool, 0444);
MODULE_PARM_DESC(use_after_free, "Read a freed object for KASAN to report");

/* Object pools, extended pools, single-object spans, kmalloc(). */
static const size_t sizes[] = {
	8, 64, 200, 256, 300, 700, 1000, 4096, 5000, 20000, 65536, 100000,
	200000,
};

static const enum zalloc_strategy strategies[] = {
	ZALLOC_AUTO, ZALLOC_OBJECT_POOL, ZALLOC_EXTENDED_POOL, ZALLOC_STANDARD,
};

#define HELD		16
#define ROUNDS		8

/**
 * struct fault_counts - what one pass of fault_pass() saw
 * @tries: allocations asked for (a bulk call counts its objects)
 * @failed: of those, the ones that returned NULL
 * @bad: objects handed out smaller than asked
 */
struct fault_counts {
	unsigned int tries;
	unsigned int failed;
	unsigned int bad;
};

/* One object at a time, HELD at once, through strategy @s. */
static void fault_single(size_t size, enum zalloc_strategy s,
			 struct fault_counts *fc)
{
	void *objs[HELD];
	unsigned int i;

	for (i = 0; i < HELD; i++) {
		objs[i] = zalloc_alloc_strategy(size, GFP_KERNEL | __GFP_NOWARN,
						s);
		fc->tries++;
		if (!objs[i]) {
			fc->failed++;
			continue;
		}
		if (zalloc_size(objs[i]) < size)
			fc->bad++;
		memset(objs[i], 0xa5, size);
	}
	for (i = 0; i < HELD; i++)
		zalloc_free(objs[i]);
}

/* HELD objects in one zalloc_alloc_bulk() call: all or nothing. */
static void fault_bulk(size_t size, struct fault_counts *fc)
{
	void *objs[HELD];
	unsigned int i;

	fc->tries += HELD;
	if (zalloc_alloc_bulk(size, GFP_KERNEL | __GFP_NOWARN, HELD, objs) !=
	    HELD) {
		fc->failed += HELD;
		return;
	}
	for (i = 0; i < HELD; i++) {
		if (zalloc_size(objs[i]) < size)
			fc->bad++;
		memset(objs[i], 0x5a, size);
	}
	zalloc_free_bulk(HELD, objs);
}

static void fault_pass(struct fault_counts *fc)
{
	unsigned int r, i, j;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			for (j = 0; j < ARRAY_SIZE(strategies); j++)
				fault_single(sizes[i], strategies[j], fc);
			fault_bulk(sizes[i], fc);
			cond_resched();
		}
	}
}

/*
 * Under failslab and fail_page_alloc (when the harness arms them), in
 * debug and in normal mode: NULL or a whole object, nothing left behind.
 */
static void zalloc_sanitizer_faults(struct kunit *test)
{
	struct fault_counts fc;
	s64 before;
	int mode;

	if (!faults)
		kunit_skip(test, "faults=0");
	before = zk_live_objects();
	for (mode = 1; mode >= 0; mode--) {
		za_set_debug(mode);
		memset(&fc, 0, sizeof(fc));
#ifdef CONFIG_FAULT_INJECTION
		current->make_it_fail = 1;
#endif
		fault_pass(&fc);
#ifdef CONFIG_FAULT_INJECTION
		current->make_it_fail = 0;
#endif
		kunit_info(test, "debug=%d: %u allocations, %u failed, %u too small\n",
			   mode, fc.tries, fc.failed, fc.bad);
		KUNIT_EXPECT_EQ(test, fc.bad, 0);
		KUNIT_EXPECT_EQ(test, zk_live_objects(), before);
	}
}

/* Objects of a class whose spans (order 5) fall back to order 1. */
#define NOFAIL_SIZE	5000
#define NOFAIL_OBJS	2000

/*
 * __GFP_NOFAIL under fail_page_alloc: the opportunistic try at a span's
 * order must not carry NOFAIL (which fault injection never fails, and
 * which the page allocator would retry for ever), so some spans fall back
 * to the smallest order; and no allocation fails.
 */
static void zalloc_sanitizer_nofail_falls_back(struct kunit *test)
{
	struct za_class *c = &za_classes[za_size_class(NOFAIL_SIZE)];
	unsigned int i, got = 0, fallback;
	struct za_span_census cs;
	void **objs;

	if (!faults)
		kunit_skip(test, "faults=0");
	if (!IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC))
		kunit_skip(test, "no fail_page_alloc");
	objs = kunit_kcalloc(test, NOFAIL_OBJS, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_GT(test, c->order, get_order(c->size));
	za_set_debug(false);
	/* Straight to the spans: every allocation asks for pages. */
	za_set_switch(&za_fastpath_key, false);
	za_trim();
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 1;
#endif
	for (i = 0; i < NOFAIL_OBJS; i++) {
		objs[i] = zalloc_alloc(NOFAIL_SIZE, GFP_KERNEL | __GFP_NOFAIL);
		got += !!objs[i];
	}
#ifdef CONFIG_FAULT_INJECTION
	current->make_it_fail = 0;
#endif
	za_class_walk(c, &cs);
	fallback = cs.short_spans;
	for (i = 0; i < NOFAIL_OBJS; i++)
		zalloc_free(objs[i]);
	kunit_info(test, "%u spans fell back to order %u\n", fallback,
		   get_order(c->size));
	KUNIT_EXPECT_EQ(test, got, NOFAIL_OBJS);
	KUNIT_EXPECT_GT(test, fallback, 0);
}

/* Sizes left behind: an object pool, kmalloc() (in debug mode), an extended pool. */
#define LEAK_OBJ	64
#define LEAK_STD	1000
#define LEAK_EXT	700

/* Never inlined: kmemleak's backtraces must name it. */
static noinline int zalloc_sanitizer_plant_leak(void)
{
	void *p;
	int n = 0;

	za_set_debug(true);
	p = zalloc_alloc(LEAK_OBJ, GFP_KERNEL);
	n += !!p;
	p = zalloc_alloc_strategy(LEAK_STD, GFP_KERNEL, ZALLOC_STANDARD);
	n += !!p;
	za_set_debug(false);
	p = zalloc_alloc_strategy(LEAK_EXT, GFP_KERNEL, ZALLOC_EXTENDED_POOL);
	n += !!p;
	/* Forgotten on purpose: nothing refers to them any more. */
	p = NULL;
	return n;
}

static void zalloc_sanitizer_leak(struct kunit *test)
{
	if (!plant_leak)
		kunit_skip(test, "plant_leak=0");
	KUNIT_EXPECT_EQ(test, zalloc_sanitizer_plant_leak(), 3);
}

/*
 * An extended-pool object allocated before debug mode and freed in it is
 * unregistered from kmemleak: when its slot is handed out again after the
 * mode, kmemleak is not given an overlapping registration, which would
 * turn it off (and the planted leak, the harness's next check, would go
 * unreported).
 */
static void zalloc_sanitizer_switch_keeps_kmemleak(struct kunit *test)
{
	void *objs[64], *p;
	unsigned int i;

	if (!plant_leak)
		kunit_skip(test, "plant_leak=0");
	za_set_debug(false);
	p = zalloc_alloc(LEAK_EXT, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	za_set_debug(true);
	zalloc_free(p);
	za_set_debug(false);
	/* One of these takes the slot again: kmemleak registers it anew. */
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		objs[i] = zalloc_alloc(LEAK_EXT, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		KUNIT_EXPECT_NOT_NULL(test, objs[i]);
		zalloc_free(objs[i]);
	}
}

static noinline void zalloc_sanitizer_uaf_read(struct work_struct *work)
{
	char *p;

	p = zalloc_alloc(LEAK_OBJ, GFP_KERNEL);
	if (!p)
		return;
	p[0] = 1;
	zalloc_free(p);
	/* The use after free that KASAN must report, naming this function. */
	(void)READ_ONCE(p[0]);
}

static void zalloc_sanitizer_use_after_free(struct kunit *test)
{
	struct work_struct work;

	if (!use_after_free)
		kunit_skip(test, "use_after_free=0");
	if (!IS_ENABLED(CONFIG_KASAN))
		kunit_skip(test, "no KASAN");
	/*
	 * In the mode zalloc is in: debug mode is its default with KASAN,
	 * and in normal mode the freed object idles in a magazine, where
	 * KASAN cannot see it (the harness shows that its check then fails).
	 */
	kunit_info(test, "debug=%d\n", za_debug_enabled());
	INIT_WORK_ONSTACK(&work, zalloc_sanitizer_uaf_read);
	schedule_work(&work);
	flush_work(&work);
	destroy_work_on_stack(&work);
}

static struct kunit_case zalloc_sanitizer_cases[] = {
	KUNIT_CASE(zalloc_sanitizer_faults),
	KUNIT_CASE(zalloc_sanitizer_nofail_falls_back),
	KUNIT_CASE(zalloc_sanitizer_switch_keeps_kmemleak),
	KUNIT_CASE(zalloc_sanitizer_leak),
	KUNIT_CASE(zalloc_sanitizer_use_after_free),
	{}
};

static struct kunit_suite zalloc_sanitizer_suite = {
	.name = "zalloc_sanitizer",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_sanitizer_cases,
};

kunit_test_suite(zalloc_sanitizer_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc under KASAN, kmemleak and fault injection");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
