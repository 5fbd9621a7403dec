// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_init: what kmalloc() promises about an object's bytes,
 * kept by every backend. Built as zalloc_init_kunit.ko; load it after
 * zalloc.ko.
 *
 * __GFP_ZERO, init_on_alloc and init_on_free, each on a recycled object
 * (freed dirty, taken again: from this CPU's magazine for the pools) and on
 * a fresh one (everything idle drained first, so that the object comes from
 * the backend), single and bulk, for a class of each backend: an object
 * pool, an extended pool, a single-object extended pool and the standard
 * backend. The pools do the zeroing and wiping where they pop and push
 * (zalloc_main.c, zalloc_mag.h). init_on_alloc and init_on_free are boot
 * options: a case whose option is off skips, and the harness boots one
 * kernel with each (tools/testing/check-uml.sh).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

#define ZK_BULK		16
#define ZK_DIRT		0xa5

/* One size per backend and kind of class. */
static const struct zk_size init_sizes[] = {
	{ 64 }, { 1024 }, { 65536 }, { 100000 },
};

KUNIT_ARRAY_PARAM(init, init_sizes, zk_size_desc);

/* The objects' first @size bytes are zero. */
static void expect_zero(struct kunit *test, void **objs, unsigned int n,
			size_t size, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(objs[i], 0, size),
				      "%s object %u of %zu B not zeroed", what,
				      i, size);
}

/* How many of @b's @n objects are among @a's. */
static unsigned int count_same(void **a, void **b, unsigned int n)
{
	unsigned int i, j, same = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			same += b[i] == a[j];
	return same;
}

/*
 * Takes @n objects of @size (one by one, or in bulk) with @gfp, dirty,
 * frees them, drains everything idle if @fresh, then takes @n again with
 * @gfp and checks them. For a pool class and !@fresh, recycled objects
 * must be among them: the one freed, or (bulk) at least one of those the
 * magazines kept (a 64 KiB class keeps two per CPU and the depot's).
 */
static void check_init(struct kunit *test, size_t size, gfp_t gfp,
		       bool bulk, bool fresh, const char *what)
{
	void *objs[ZK_BULK], *again[ZK_BULK];
	unsigned int n = bulk ? ZK_BULK : 1, i;
	bool pooled = za_classes[za_size_class(size)].pooled;

	for (i = 0; i < n; i++) {
		objs[i] = zk_track(test, zalloc_alloc(size, GFP_KERNEL));
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		memset(objs[i], ZK_DIRT, size);
	}
	for (i = 0; i < n; i++)
		zk_free(test, objs[i]);
	if (fresh)
		za_mag_drain_all();
	if (bulk) {
		KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(size, gfp, n, again),
				(int)n);
		zk_track_bulk(test, n, again);
	} else {
		again[0] = zk_track(test, zalloc_alloc(size, gfp));
		KUNIT_ASSERT_NOT_NULL(test, again[0]);
	}
	expect_zero(test, again, n, size, what);
	if (pooled && !fresh && !za_debug_enabled())
		KUNIT_EXPECT_GE_MSG(test, count_same(objs, again, n), 1U,
				    "%s: no recycled object", what);
	zk_free_bulk(test, n, again);
}

/* Each of the four shapes: recycled and fresh, single and bulk. */
static void check_init_all(struct kunit *test, gfp_t gfp, const char *what)
{
	size_t size = zk_param_size(test);

	check_init(test, size, gfp, false, false, what);
	check_init(test, size, gfp, false, true, what);
	check_init(test, size, gfp, true, false, what);
	check_init(test, size, gfp, true, true, what);
}

static void zalloc_init_gfp_zero(struct kunit *test)
{
	check_init_all(test, GFP_KERNEL | __GFP_ZERO, "__GFP_ZERO");
}

static void zalloc_init_on_alloc(struct kunit *test)
{
	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "init_on_alloc is off in this boot");
	check_init_all(test, GFP_KERNEL, "init_on_alloc");
}

/*
 * init_on_free: a freed pool object is wiped as it goes onto the magazine,
 * where it can be read (the magazines poison nothing); and whatever the
 * backend, an object taken again without __GFP_ZERO, recycled or fresh, is
 * clean, since every free wiped what it gave back.
 */
static void zalloc_init_on_free(struct kunit *test)
{
	size_t size = zk_param_size(test);
	u8 *p;

	if (!want_init_on_free())
		kunit_skip(test, "init_on_free is off in this boot");
	if (za_classes[za_size_class(size)].pooled && !za_debug_enabled()) {
		p = zalloc_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, ZK_DIRT, size);
		zalloc_free(p);
		/* In this CPU's magazine now, not handed out: read it. */
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(p, 0, size),
				      "freed %zu B object not wiped", size);
	}
	check_init_all(test, GFP_KERNEL, "init_on_free");
}

static struct kunit_case zalloc_init_cases[] = {
	KUNIT_CASE_PARAM(zalloc_init_gfp_zero, init_gen_params),
	KUNIT_CASE_PARAM(zalloc_init_on_alloc, init_gen_params),
	KUNIT_CASE_PARAM(zalloc_init_on_free, init_gen_params),
	{}
};

static struct kunit_suite zalloc_init_suite = {
	.name = "zalloc_init",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_init_cases,
};

kunit_test_suite(zalloc_init_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's zeroing and wiping");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
