// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_safety: frees of what zalloc did not hand out, double
 * frees, and the debug mode (zalloc_debug.c says what each mode catches).
 * Built as zalloc_safety_kunit.ko; load it after zalloc.ko. Each case
 * checks the refusal counters and that no object is handed out twice.
 * The refusals print ratelimited errors on purpose: the harness expects
 * them from this suite.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "zalloc_kunit.h"

/* Sizes of an object pool, an extended pool, a single-object span. */
static const size_t sizes[] = { 64, 700, 65536 };

/* As every suite, and the debug mode off: a case turns it on itself. */
static int safety_init(struct kunit *test)
{
	int ret = zk_init(test);

	za_set_debug(false);
	return ret;
}

static u64 refusals(enum za_refusal why)
{
	return za_stats_refusals(why);
}

/* A page from alloc_page() is not zalloc's: refused, nothing freed. */
static void zalloc_free_foreign_page_refused(struct kunit *test)
{
	u64 before = refusals(ZR_INVALID_FREE);
	struct page *page = alloc_page(GFP_KERNEL);
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);
	memset(p, 0x5a, PAGE_SIZE);
	zalloc_free(p);
	zalloc_free(p + 64);
	KUNIT_EXPECT_EQ(test, zalloc_size(p), 0);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before, 2);
	/* Untouched, still the caller's. */
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x5a, PAGE_SIZE));
	__free_page(page);
}

/* A pointer into the middle of an extended-pool object: refused. */
static void zalloc_free_interior_pointer_refused(struct kunit *test)
{
	u64 before = refusals(ZR_INVALID_FREE);
	char *p = zalloc_alloc(700, GFP_KERNEL);
	char *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	zalloc_free(p + 8);
	zalloc_free(p + 700);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before, 2);
	q = zalloc_alloc(700, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, q, p + 8);
	zalloc_free(q);
	zalloc_free(p);
}

/*
 * A double free with nothing between, magazines on: refused, and the
 * object is handed out once.
 */
static void zalloc_double_free_refused(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 before = refusals(ZR_DOUBLE_FREE);
		void *p, *a, *b;

		p = zalloc_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		/* One CPU: the second free sees the first on its magazine. */
		preempt_disable();
		zalloc_free(p);
		zalloc_free(p);
		a = zalloc_alloc(sizes[i], GFP_ATOMIC);
		b = zalloc_alloc(sizes[i], GFP_ATOMIC);
		preempt_enable();
		KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - before, 1);
		KUNIT_EXPECT_NOT_NULL(test, a);
		KUNIT_EXPECT_NOT_NULL(test, b);
		KUNIT_EXPECT_PTR_NE(test, a, b);
		zalloc_free(a);
		zalloc_free(b);
	}
}

/* Debug mode: every refused free is refused, whatever came between. */
static void zalloc_debug_refuses_all(struct kunit *test)
{
	u64 inv = refusals(ZR_INVALID_FREE), dbl = refusals(ZR_DOUBLE_FREE);
	void *foreign = kunit_kmalloc(test, 64, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	za_set_debug(true);
	/* A kmalloc() object of an object-pool size is told apart. */
	zalloc_free(foreign);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *a = zk_track(test, zalloc_alloc(sizes[i], GFP_KERNEL));
		char *b = zk_track(test, zalloc_alloc(sizes[i], GFP_KERNEL));

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		zalloc_free(a + 8);		/* interior */
		zk_free(test, a);
		zk_free(test, b);
		zalloc_free(a);			/* A, B, A */
	}
	za_set_debug(false);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - inv,
			1 + ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - dbl,
			ARRAY_SIZE(sizes));
}

/*
 * Objects allocated before a switch of the mode are freed correctly after
 * it, both ways, at every size and strategy.
 */
static void zalloc_debug_switch_keeps_objects(struct kunit *test)
{
	static const size_t all[] = { 8, 256, 300, 5000, 65536, 70000 };
	void *before[ARRAY_SIZE(all)], *during[ARRAY_SIZE(all)];
	u64 inv = refusals(ZR_INVALID_FREE);
	s64 live = zk_live_objects();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		before[i] = zk_track(test, zalloc_alloc(all[i], GFP_KERNEL));
		KUNIT_ASSERT_NOT_NULL(test, before[i]);
	}
	za_set_debug(true);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		during[i] = zk_track(test, zalloc_alloc(all[i], GFP_KERNEL));
		KUNIT_ASSERT_NOT_NULL(test, during[i]);
		KUNIT_EXPECT_GE(test, zalloc_size(during[i]), all[i]);
		memset(during[i], 0xa5, all[i]);
		zk_free(test, before[i]);
	}
	za_set_debug(false);
	for (i = 0; i < ARRAY_SIZE(all); i++)
		zk_free(test, during[i]);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - inv, 0);
}

static struct kunit_case zalloc_safety_cases[] = {
	KUNIT_CASE(zalloc_free_foreign_page_refused),
	KUNIT_CASE(zalloc_free_interior_pointer_refused),
	KUNIT_CASE(zalloc_double_free_refused),
	KUNIT_CASE(zalloc_debug_refuses_all),
	KUNIT_CASE(zalloc_debug_switch_keeps_objects),
	{}
};

static struct kunit_suite zalloc_safety_suite = {
	.name = "zalloc_safety",
	.init = safety_init,
	.exit = zk_exit,
	.test_cases = zalloc_safety_cases,
};

kunit_test_suite(zalloc_safety_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's refused frees and debug mode");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
