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

#include "zalloc_internal.h"

/* Sizes of an object pool, an extended pool, a single-object span. */
static const size_t sizes[] = { 64, 700, 65536 };

static bool debug_was_on;

static int safety_init(struct kunit *test)
{
	debug_was_on = za_debug_enabled();
	za_set_debug(false);
	return 0;
}

static void safety_exit(struct kunit *test)
{
	za_set_debug(debug_was_on);
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
	void *foreign = kmalloc(64, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	za_set_debug(true);
	/* A kmalloc() object of an object-pool size is told apart. */
	zalloc_free(foreign);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *a = zalloc_alloc(sizes[i], GFP_KERNEL);
		char *b = zalloc_alloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		zalloc_free(a + 8);		/* interior */
		zalloc_free(a);
		zalloc_free(b);
		zalloc_free(a);			/* A, B, A */
	}
	za_set_debug(false);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - inv,
			1 + ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - dbl,
			ARRAY_SIZE(sizes));
	kfree(foreign);
}

/* Sum of live objects over every class. */
static s64 live_objects(void)
{
	struct za_class_stats st;
	unsigned int cls;
	s64 n = 0;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		n += st.live_objs;
	}
	return n;
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
	s64 live = live_objects();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		before[i] = zalloc_alloc(all[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, before[i]);
	}
	za_set_debug(true);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		during[i] = zalloc_alloc(all[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, during[i]);
		KUNIT_EXPECT_GE(test, zalloc_size(during[i]), all[i]);
		memset(during[i], 0xa5, all[i]);
		zalloc_free(before[i]);
	}
	za_set_debug(false);
	for (i = 0; i < ARRAY_SIZE(all); i++)
		zalloc_free(during[i]);
	KUNIT_EXPECT_EQ(test, live_objects(), live);
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
	.exit = safety_exit,
	.test_cases = zalloc_safety_cases,
};

kunit_test_suite(zalloc_safety_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's refused frees and debug mode");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
