// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_api: the public API and its semantics. Built as
 * zalloc_api_kunit.ko; load it after zalloc.ko.
 *
 * Which backend each strategy picks and when it passes a request on, refused
 * strategies, sizes and zone modifiers, size 0 and NULL, __GFP_ZERO on
 * recycled objects, alignment, zalloc_size(), many live objects that must
 * not overlap, the strategy parameter changed while objects are live, and
 * the bulk pair. The sysfs and debugfs files themselves are exercised by
 * the harness (tools/testing/check.sh), from user space.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/* === Strategies === */

struct strategy_param {
	enum zalloc_strategy strategy;
	size_t size;
	enum zalloc_strategy backend;	/* expected */
	bool fell;			/* expected */
};

static const struct strategy_param strategy_cases[] = {
	{ ZALLOC_AUTO,		 8,	ZALLOC_OBJECT_POOL,	false },
	{ ZALLOC_AUTO,		 4096,	ZALLOC_EXTENDED_POOL,	false },
	{ ZALLOC_AUTO,		 65537,	ZALLOC_STANDARD,	false },
	{ ZALLOC_OBJECT_POOL,	 256,	ZALLOC_OBJECT_POOL,	false },
	{ ZALLOC_OBJECT_POOL,	 4096,	ZALLOC_EXTENDED_POOL,	true },
	{ ZALLOC_OBJECT_POOL,	 70000,	ZALLOC_STANDARD,	true },
	{ ZALLOC_EXTENDED_POOL,	 257,	ZALLOC_EXTENDED_POOL,	false },
	{ ZALLOC_EXTENDED_POOL,	 65536,	ZALLOC_EXTENDED_POOL,	false },
	{ ZALLOC_EXTENDED_POOL,	 64,	ZALLOC_OBJECT_POOL,	true },
	{ ZALLOC_EXTENDED_POOL,	 65537,	ZALLOC_STANDARD,	true },
	{ ZALLOC_STANDARD,	 8,	ZALLOC_STANDARD,	false },
	{ ZALLOC_STANDARD,	 4096,	ZALLOC_STANDARD,	false },
	{ ZALLOC_STANDARD,	 200000, ZALLOC_STANDARD,	false },
};

static void strategy_param_desc(const struct strategy_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s size %zu",
		 zk_strategy_desc(p->strategy), p->size);
}

KUNIT_ARRAY_PARAM(strategy, strategy_cases, strategy_param_desc);

static void zalloc_alloc_strategy_backend(struct kunit *test)
{
	const struct strategy_param *sp = test->param_value;
	struct za_class_stats before, after;
	unsigned int cls;
	u8 *p;

	cls = sp->backend == ZALLOC_STANDARD ? ZA_CLASS_STD :
					       zk_expected_class(sp->size);
	zk_read_stats(cls, &before);
	p = zk_track(test, zalloc_alloc_strategy(sp->size, GFP_KERNEL,
						 sp->strategy));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zk_backend(&za_classes[zk_class_of(p)]),
			sp->backend);
	KUNIT_EXPECT_EQ(test, zk_class_of(p), cls);
	KUNIT_EXPECT_GE(test, zalloc_size(p), sp->size);
	memset(p, 0xc3, sp->size);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FALLTHROUGH] -
			before.ev[ZE_FALLTHROUGH], sp->fell ? 1 : 0);
	KUNIT_EXPECT_EQ(test, after.live_objs - before.live_objs, 1);
	zk_free(test, p);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes);
}

static void zalloc_unknown_strategy_returns_null(struct kunit *test)
{
	u64 before = za_stats_refusals(ZR_STRATEGY);

	KUNIT_EXPECT_NULL(test, zalloc_alloc_strategy(64, GFP_KERNEL,
						      (enum zalloc_strategy)4));
	KUNIT_EXPECT_NULL(test, zalloc_alloc_strategy(64, GFP_KERNEL,
						      (enum zalloc_strategy)-1));
	KUNIT_EXPECT_NULL(test, zalloc_alloc_strategy(0, GFP_KERNEL,
						      (enum zalloc_strategy)99));
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_STRATEGY) - before, 3);
}

/* === Edge values === */

static void zalloc_alloc_size_zero(struct kunit *test)
{
	enum zalloc_strategy s;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		void *p = zalloc_alloc_strategy(0, GFP_KERNEL, s);

		KUNIT_EXPECT_PTR_EQ(test, p, (void *)ZERO_SIZE_PTR);
		KUNIT_EXPECT_EQ(test, zalloc_size(p), 0);
		zalloc_free(p);
	}
	KUNIT_EXPECT_PTR_EQ(test, zalloc_alloc(0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
}

static void zalloc_free_null_is_noop(struct kunit *test)
{
	struct za_class_stats before, after;
	unsigned int cls;
	u64 frees = 0;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &before);
		frees -= before.ev[ZE_FREE];
	}
	zalloc_free(NULL);
	zalloc_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, zalloc_size(NULL), 0);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &after);
		frees += after.ev[ZE_FREE];
	}
	KUNIT_EXPECT_EQ(test, frees, 0);
}

static void zalloc_absurd_size_fails(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct za_class_stats before, after;
	enum zalloc_strategy s;

	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX / 2 + 1, KMALLOC_MAX_SIZE + 1,
	};
	int i;

	zk_read_stats(ZA_CLASS_STD, &before);
	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++)
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			KUNIT_EXPECT_NULL_MSG(test,
					      zalloc_alloc_strategy(sizes[i], gfp, s),
					      "size %zu strategy %s", sizes[i],
					      zk_strategy_desc(s));
	zk_read_stats(ZA_CLASS_STD, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FAIL] - before.ev[ZE_FAIL],
			4 * ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
}

static void zalloc_zone_modifier_refused(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, zalloc_alloc(64, GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_NULL(test, zalloc_alloc(4096, GFP_KERNEL | __GFP_HIGHMEM));
}

/* === Memory contents and alignment === */

static const struct zk_size content_sizes[] = {
	{ 8 }, { 24 }, { 64 }, { 256 }, { 300 }, { 1024 }, { 4096 },
	{ 5000 }, { 16384 }, { 65536 }, { 100000 },
};

KUNIT_ARRAY_PARAM(content, content_sizes, zk_size_desc);

static void zalloc_gfp_zero_after_dirty(struct kunit *test)
{
	size_t size = zk_param_size(test);
	enum zalloc_strategy s;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		u8 *p = zalloc_alloc_strategy(size, GFP_KERNEL, s);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		memset(p, 0xff, zalloc_size(p));
		zalloc_free(p);
		/* Most often the same object comes back: it must be clean. */
		p = zalloc_alloc_strategy(size, GFP_KERNEL | __GFP_ZERO, s);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(p, 0, size),
				      "strategy %s", zk_strategy_desc(s));
		zalloc_free(p);
	}
}

static void zalloc_alloc_alignment(struct kunit *test)
{
	size_t size = zk_param_size(test);
	enum zalloc_strategy s;
	int i;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		void *p[4];

		/* Several objects, so that not only a span's first is seen. */
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = zalloc_alloc_strategy(size, GFP_KERNEL, s);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, zk_track(test, p[i]));
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p[i],
							   8));
			if (is_power_of_2(size) && size <= PAGE_SIZE)
				KUNIT_EXPECT_EQ_MSG(test,
						    (unsigned long)p[i] % size,
						    0UL, "strategy %s",
						    zk_strategy_desc(s));
		}
		for (i = 0; i < ARRAY_SIZE(p); i++)
			zk_free(test, p[i]);
	}
}

static void zalloc_size_reports_usable(struct kunit *test)
{
	size_t size = zk_param_size(test);
	enum zalloc_strategy s;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		u8 *p = zalloc_alloc_strategy(size, GFP_KERNEL, s);
		size_t usable;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		usable = zalloc_size(p);
		KUNIT_EXPECT_GE(test, usable, size);
		if (zk_backend(&za_classes[zk_class_of(p)]) == ZALLOC_STANDARD)
			KUNIT_EXPECT_EQ(test, usable, ksize(p));
		else
			KUNIT_EXPECT_EQ(test, usable,
					(size_t)za_classes[zk_class_of(p)].size);
		zalloc_free(p);
	}
}

/* Many live objects of mixed sizes and strategies: no two overlap. */
struct live_obj {
	u8 *p;
	size_t size;
};

static int cmp_live(const void *a, const void *b)
{
	const struct live_obj *x = a, *y = b;

	return x->p < y->p ? -1 : x->p > y->p;
}

#define NR_LIVE 1500

static void zalloc_many_live_no_overlap(struct kunit *test)
{
	struct live_obj *objs;
	u32 seed = 12345;
	int i, bad = 0;

	objs = kunit_kcalloc(test, NR_LIVE, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, objs);
	for (i = 0; i < NR_LIVE; i++) {
		seed = seed * 1103515245 + 12345;
		objs[i].size = 1 + (seed >> 8) % (i % 10 ? 2048 : 70000);
		objs[i].p = zalloc_alloc_strategy(objs[i].size, GFP_KERNEL,
						  i % 4);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, zk_track(test, objs[i].p));
		memset(objs[i].p, (u8)i, objs[i].size);
	}
	for (i = 0; i < NR_LIVE; i++)
		if (memchr_inv(objs[i].p, (u8)i, objs[i].size))
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);

	sort(objs, NR_LIVE, sizeof(*objs), cmp_live, NULL);
	for (i = 1; i < NR_LIVE; i++)
		KUNIT_EXPECT_LE(test,
				(unsigned long)objs[i - 1].p + objs[i - 1].size,
				(unsigned long)objs[i].p);
	for (i = 0; i < NR_LIVE; i++)
		zk_free(test, objs[i].p);
}

/* === The strategy parameter === */

static void zalloc_strategy_param_change_with_live_objects(struct kunit *test)
{
	static const char * const values[] = {
		"object_pool", "extended_pool", "standard", "auto",
	};
	static const size_t sizes[] = { 40, 700, 9000 };
	void *p[ARRAY_SIZE(values)][ARRAY_SIZE(sizes)];
	s64 live_before;
	int v, i;

	KUNIT_ASSERT_EQ(test, za_set_strategy("standard\n"), 0);
	KUNIT_EXPECT_EQ(test, za_set_strategy("fastest"), -EINVAL);
	KUNIT_EXPECT_EQ(test, za_set_strategy(""), -EINVAL);

	live_before = zk_live_objects();
	for (v = 0; v < ARRAY_SIZE(values); v++) {
		KUNIT_ASSERT_EQ(test, za_set_strategy(values[v]), 0);
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[v][i] = zalloc_alloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test,
						     zk_track(test, p[v][i]));
			memset(p[v][i], v, sizes[i]);
		}
	}
	/* Standard objects are kmalloc's whatever the size. */
	KUNIT_EXPECT_EQ(test, zk_class_of(p[2][0]), ZA_CLASS_STD);
	KUNIT_EXPECT_EQ(test, zk_class_of(p[0][0]),
			zk_expected_class(sizes[0]));

	/* Free under another setting than the one they were made with. */
	KUNIT_ASSERT_EQ(test, za_set_strategy("extended_pool"), 0);
	for (v = 0; v < ARRAY_SIZE(values); v++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			KUNIT_EXPECT_FALSE(test, memchr_inv(p[v][i], v,
							    sizes[i]));
			zk_free(test, p[v][i]);
		}
	}
	KUNIT_EXPECT_EQ(test, za_set_strategy("auto"), 0);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live_before);
}

/* === The bulk API === */

static void zalloc_bulk_alloc_free(struct kunit *test)
{
	static const size_t sizes[] = { 64, 700, 20000, 100000 };
	unsigned int cls, n = 100, i, j, k;
	struct za_class_stats before, after;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		cls = zk_expected_class(sizes[k]);
		zk_read_stats(cls, &before);
		KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(sizes[k], GFP_KERNEL,
							n, p), n);
		zk_track_bulk(test, n, p);
		zk_read_stats(cls, &after);
		KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC],
				n);
		KUNIT_EXPECT_EQ(test, after.live_objs - before.live_objs, n);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, zk_class_of(p[i]), cls);
			KUNIT_EXPECT_GE(test, zalloc_size(p[i]), sizes[k]);
			memset(p[i], i, sizes[k]);
		}
		/* Every object its own, untouched by the others. */
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_FALSE(test, memchr_inv(p[i], i & 0xff,
							    sizes[k]));
			for (j = i + 1; j < n; j++)
				KUNIT_EXPECT_PTR_NE(test, p[i], p[j]);
		}
		/* Half one by one, half in bulk. */
		for (i = 0; i < n / 2; i++)
			zk_free(test, p[i]);
		zk_free_bulk(test, n - n / 2, p + n / 2);
		zk_read_stats(cls, &after);
		KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE],
				n);
		KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	}
}

/* One free_bulk call takes objects of every size and strategy. */
static void zalloc_bulk_free_mixed(struct kunit *test)
{
	static const size_t sizes[] = { 8, 256, 300, 5000, 65536, 70000 };
	enum zalloc_strategy st;
	unsigned int i, n = 0;
	s64 live = zk_live_objects();
	void *p[ARRAY_SIZE(sizes) * (ZALLOC_STANDARD + 1) + 16];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (st = ZALLOC_AUTO; st <= ZALLOC_STANDARD; st++) {
			p[n] = zalloc_alloc_strategy(sizes[i], GFP_KERNEL, st);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, zk_track(test, p[n]));
			n++;
		}
	}
	KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(1000, GFP_KERNEL, 8, p + n), 8);
	zk_track_bulk(test, 8, p + n);
	n += 8;
	p[n++] = NULL;
	p[n++] = ZERO_SIZE_PTR;
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + n - 2);
	zk_free_bulk(test, n, p);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* Nothing allocated: zero count, no array, zone modifiers, no memory. */
static void zalloc_bulk_refused(struct kunit *test)
{
	void *p[4] = { NULL, NULL, NULL, NULL };
	s64 live = zk_live_objects();
	unsigned int i;

	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL, 0, p), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL, 4, NULL), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL | GFP_DMA, 4,
						p), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(SIZE_MAX - 1,
						GFP_KERNEL | __GFP_NOWARN,
						4, p), 0);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
	/* Size 0: ZERO_SIZE_PTR each, as kmalloc(0). */
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(0, GFP_KERNEL, 4, p), 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, p[i], ZERO_SIZE_PTR);
	zalloc_free_bulk(4, p);
	/* __GFP_ZERO zeroes every object, recycled ones too. */
	KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(128, GFP_KERNEL, 4, p), 4);
	for (i = 0; i < 4; i++)
		memset(p[i], 0xa5, 128);
	zalloc_free_bulk(4, p);
	KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(128, GFP_KERNEL | __GFP_ZERO,
						4, p), 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, memchr_inv(p[i], 0, 128));
	zalloc_free_bulk(4, p);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

static struct kunit_case zalloc_api_cases[] = {
	KUNIT_CASE_PARAM(zalloc_alloc_strategy_backend,
			 strategy_gen_params),
	KUNIT_CASE(zalloc_unknown_strategy_returns_null),
	KUNIT_CASE(zalloc_alloc_size_zero),
	KUNIT_CASE(zalloc_free_null_is_noop),
	KUNIT_CASE(zalloc_absurd_size_fails),
	KUNIT_CASE(zalloc_zone_modifier_refused),
	KUNIT_CASE_PARAM(zalloc_gfp_zero_after_dirty, content_gen_params),
	KUNIT_CASE_PARAM(zalloc_alloc_alignment, content_gen_params),
	KUNIT_CASE_PARAM(zalloc_size_reports_usable, content_gen_params),
	KUNIT_CASE(zalloc_many_live_no_overlap),
	KUNIT_CASE(zalloc_strategy_param_change_with_live_objects),
	KUNIT_CASE(zalloc_bulk_alloc_free),
	KUNIT_CASE(zalloc_bulk_free_mixed),
	KUNIT_CASE(zalloc_bulk_refused),
	{}
};

static struct kunit_suite zalloc_api_suite = {
	.name = "zalloc_api",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_api_cases,
};

kunit_test_suite(zalloc_api_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's API and its semantics");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
