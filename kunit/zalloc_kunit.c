// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for zalloc. Built as zalloc_kunit.ko; load it after zalloc.ko.
 *
 * The counters are global, so the cases assume nothing else allocates from
 * zalloc while they run (the test harness loads nothing else meanwhile).
 * The sysfs and debugfs files themselves are exercised by the harness
 * (tools/testing/check.sh), from user space.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "zalloc_internal.h"
#include "zalloc_pcpu.h"

/* The documented class table (Documentation/zalloc.rst). */
static const unsigned int class_sizes[ZA_CLASS_STD] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 640, 768, 896, 1024,
	1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
	5120, 6144, 7168, 8192, 10240, 12288, 14336, 16384,
	20480, 24576, 28672, 32768, 40960, 49152, 57344, 65536,
};

/* === Helpers === */

/* The class a size belongs in, found the slow way. */
static unsigned int expected_class(size_t size)
{
	unsigned int i;

	for (i = 0; i < ZA_CLASS_STD; i++)
		if (size <= class_sizes[i])
			return i;
	return ZA_CLASS_STD;
}

static unsigned int class_of(const void *p)
{
	size_t usable;

	return za_ptr_lookup(p, &usable) - za_classes;
}

static void read_stats(unsigned int cls, struct za_class_stats *st)
{
	za_stats_read(cls, st, false);
}

static const char *strategy_desc(enum zalloc_strategy s)
{
	return s <= ZALLOC_STANDARD ? za_strategy_names[s] : "invalid";
}

/* === Size classes === */

struct size_param {
	size_t size;
};

static const struct size_param boundary_sizes[] = {
	{ 1 }, { 7 }, { 8 }, { 9 }, { 17 }, { 100 }, { 255 }, { 256 },
	{ 257 }, { 319 }, { 320 }, { 321 }, { 1000 }, { 4095 }, { 4096 },
	{ 4097 }, { 8191 }, { 8193 }, { 20000 }, { 32769 }, { 65535 },
	{ 65536 }, { 65537 }, { 100000 }, { 1 << 20 },
};

static void size_param_desc(const struct size_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", p->size);
}

KUNIT_ARRAY_PARAM(boundary, boundary_sizes, size_param_desc);

static void class_size_desc(const unsigned int *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class %u", *size);
}

KUNIT_ARRAY_PARAM(edge, class_sizes, class_size_desc);

static void zalloc_class_table_matches_doc(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ZA_CLASS_STD; i++) {
		KUNIT_EXPECT_EQ(test, za_classes[i].size, class_sizes[i]);
		KUNIT_EXPECT_EQ(test, za_ops(&za_classes[i])->strategy,
				i < ZA_NR_OBJ_CLASSES ? ZALLOC_OBJECT_POOL :
							ZALLOC_EXTENDED_POOL);
	}
	KUNIT_EXPECT_EQ(test, za_ops(&za_classes[ZA_CLASS_STD])->strategy,
			ZALLOC_STANDARD);
}

/* Internal waste of the extended classes: at most 25% of any request. */
static void zalloc_class_waste_at_most_quarter(struct kunit *test)
{
	size_t size;

	for (size = ZA_OBJ_MAX + 1; size <= ZA_EXT_MAX; size++) {
		unsigned int cls = za_size_class(size);
		unsigned int csize = za_classes[cls].size;

		KUNIT_ASSERT_GE(test, csize, size);
		KUNIT_ASSERT_LE_MSG(test, (csize - size) * 4, size,
				    "size %zu in class %u", size, csize);
	}
}

/* The O(1) lookup agrees with a linear search for every size. */
static void zalloc_size_class_matches_search(struct kunit *test)
{
	size_t size;

	for (size = 1; size <= ZA_EXT_MAX + 1; size++)
		KUNIT_ASSERT_EQ_MSG(test, za_size_class(size),
				    expected_class(size), "size %zu", size);
	KUNIT_EXPECT_EQ(test, za_size_class(SIZE_MAX), ZA_CLASS_STD);
}

/* Auto: the right class, the whole usable size writable, freed back. */
static void check_auto_alloc(struct kunit *test, size_t size)
{
	unsigned int cls = expected_class(size);
	struct za_class_stats before, after;
	size_t usable;
	u8 *p;

	read_stats(cls, &before);
	p = zalloc_alloc_strategy(size, GFP_KERNEL, ZALLOC_AUTO);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, class_of(p), cls);
	usable = zalloc_size(p);
	KUNIT_EXPECT_GE(test, usable, size);
	if (cls != ZA_CLASS_STD)
		KUNIT_EXPECT_EQ(test, usable, (size_t)class_sizes[cls]);
	memset(p, 0x5a, usable);
	KUNIT_EXPECT_EQ(test, p[usable - 1], 0x5a);
	zalloc_free(p);
	read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 1);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE], 1);
}

static void zalloc_alloc_boundary(struct kunit *test)
{
	const struct size_param *p = test->param_value;

	check_auto_alloc(test, p->size);
}

/* Every class edge: the class size itself, and one byte more. */
static void zalloc_alloc_class_edge(struct kunit *test)
{
	const unsigned int *size = test->param_value;

	check_auto_alloc(test, *size);
	check_auto_alloc(test, *size + 1);
}

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
		 strategy_desc(p->strategy), p->size);
}

KUNIT_ARRAY_PARAM(strategy, strategy_cases, strategy_param_desc);

static void zalloc_alloc_strategy_backend(struct kunit *test)
{
	const struct strategy_param *sp = test->param_value;
	struct za_class_stats before, after;
	unsigned int cls;
	u8 *p;

	cls = sp->backend == ZALLOC_STANDARD ? ZA_CLASS_STD :
					       expected_class(sp->size);
	read_stats(cls, &before);
	p = zalloc_alloc_strategy(sp->size, GFP_KERNEL, sp->strategy);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, za_ops(&za_classes[class_of(p)])->strategy,
			sp->backend);
	KUNIT_EXPECT_EQ(test, class_of(p), cls);
	KUNIT_EXPECT_GE(test, zalloc_size(p), sp->size);
	memset(p, 0xc3, sp->size);
	read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FALLTHROUGH] -
			before.ev[ZE_FALLTHROUGH], sp->fell ? 1 : 0);
	KUNIT_EXPECT_EQ(test, after.live_objs - before.live_objs, 1);
	zalloc_free(p);
	read_stats(cls, &after);
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
		read_stats(cls, &before);
		frees -= before.ev[ZE_FREE];
	}
	zalloc_free(NULL);
	zalloc_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, zalloc_size(NULL), 0);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		read_stats(cls, &after);
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

	read_stats(ZA_CLASS_STD, &before);
	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++)
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			KUNIT_EXPECT_NULL_MSG(test,
					      zalloc_alloc_strategy(sizes[i], gfp, s),
					      "size %zu strategy %s", sizes[i],
					      strategy_desc(s));
	read_stats(ZA_CLASS_STD, &after);
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

static const struct size_param content_sizes[] = {
	{ 8 }, { 24 }, { 64 }, { 256 }, { 300 }, { 1024 }, { 4096 },
	{ 5000 }, { 16384 }, { 65536 }, { 100000 },
};

KUNIT_ARRAY_PARAM(content, content_sizes, size_param_desc);

static bool all_zero(const u8 *p, size_t size)
{
	return !memchr_inv(p, 0, size);
}

static void zalloc_gfp_zero_after_dirty(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	enum zalloc_strategy s;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		u8 *p = zalloc_alloc_strategy(size, GFP_KERNEL, s);

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		memset(p, 0xff, zalloc_size(p));
		zalloc_free(p);
		/* Most often the same object comes back: it must be clean. */
		p = zalloc_alloc_strategy(size, GFP_KERNEL | __GFP_ZERO, s);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, all_zero(p, size), "strategy %s",
				      strategy_desc(s));
		zalloc_free(p);
	}
}

static void zalloc_alloc_alignment(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	enum zalloc_strategy s;
	int i;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		void *p[4];

		/* Several objects, so that not only a span's first is seen. */
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = zalloc_alloc_strategy(size, GFP_KERNEL, s);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p[i],
							   8));
			if (is_power_of_2(size) && size <= PAGE_SIZE)
				KUNIT_EXPECT_EQ_MSG(test,
						    (unsigned long)p[i] % size,
						    0UL, "strategy %s",
						    strategy_desc(s));
		}
		for (i = 0; i < ARRAY_SIZE(p); i++)
			zalloc_free(p[i]);
	}
}

static void zalloc_size_reports_usable(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	enum zalloc_strategy s;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		u8 *p = zalloc_alloc_strategy(size, GFP_KERNEL, s);
		size_t usable;

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		usable = zalloc_size(p);
		KUNIT_EXPECT_GE(test, usable, size);
		if (za_ops(&za_classes[class_of(p)])->strategy == ZALLOC_STANDARD)
			KUNIT_EXPECT_EQ(test, usable, ksize(p));
		else
			KUNIT_EXPECT_EQ(test, usable,
					(size_t)za_classes[class_of(p)].size);
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
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, objs[i].p);
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
		zalloc_free(objs[i].p);
}

/* === Context === */

static DEFINE_SPINLOCK(test_lock);

/* GFP_ATOMIC with a spinlock held and IRQs off, forcing new spans. */
static void zalloc_atomic_under_spinlock(struct kunit *test)
{
	static const size_t sizes[] = { 8, 200, 300, 5000, 40000, 70000 };
	void *p[ARRAY_SIZE(sizes)][8];
	unsigned long flags;
	int i, j, failed = 0;

	spin_lock_irqsave(&test_lock, flags);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(p[0]); j++) {
			p[i][j] = zalloc_alloc_strategy(sizes[i], GFP_ATOMIC,
							j % 4);
			failed += !p[i][j];
		}
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < ARRAY_SIZE(p[0]); j++)
			zalloc_free(p[i][j]);
	spin_unlock_irqrestore(&test_lock, flags);
	KUNIT_EXPECT_EQ(test, failed, 0);
}

/* === Statistics === */

static const struct size_param stats_sizes[] = {
	{ 48 }, { 3000 }, { 100000 },
};

KUNIT_ARRAY_PARAM(stats, stats_sizes, size_param_desc);

static void zalloc_stats_count_own_operations(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	unsigned int cls = expected_class(size);
	struct za_class_stats before, mid, after;
	void *p[10];
	size_t bytes = 0;
	int i;

	read_stats(cls, &before);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = zalloc_alloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
		bytes += zalloc_size(p[i]);
	}
	for (i = 0; i < 4; i++)
		zalloc_free(p[i]);
	read_stats(cls, &mid);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 10);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_FREE] - before.ev[ZE_FREE], 4);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_FAIL], before.ev[ZE_FAIL]);
	KUNIT_EXPECT_EQ(test, mid.live_objs - before.live_objs, 6);
	KUNIT_EXPECT_EQ(test, mid.live_bytes - before.live_bytes,
			(s64)(bytes / 10 * 6));
	KUNIT_EXPECT_LE(test, mid.ev[ZE_MISS] - before.ev[ZE_MISS], 10);
	for (i = 4; i < ARRAY_SIZE(p); i++)
		zalloc_free(p[i]);
	read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE], 10);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes);
}

static void zalloc_stats_reset_keeps_gauges(struct kunit *test)
{
	unsigned int cls = expected_class(100);
	struct za_class_stats before, after;
	void *p;

	p = zalloc_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	za_stats_read(cls, &before, true);
	KUNIT_EXPECT_GE(test, before.ev[ZE_ALLOC], 1);
	za_stats_reset();
	za_stats_read(cls, &after, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC], 0);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], 0);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes);
	zalloc_free(p);
	za_stats_read(cls, &after, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], 1);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs - 1);
}

/*
 * Once freed and drained, spans go back to the page allocator, down to the
 * reserve.
 */
static void zalloc_pages_returned_after_free(struct kunit *test)
{
	unsigned int cls = expected_class(5000);
	const struct za_class *c = &za_classes[cls];
	unsigned int n = 4 * c->per_span + 1, i;
	struct za_class_stats st;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(5000, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
	read_stats(cls, &st);
	KUNIT_EXPECT_GE(test, st.pages, 5UL << c->order);
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	za_cache_drain_all();
	read_stats(cls, &st);
	KUNIT_EXPECT_EQ(test, st.cached, 0);
	KUNIT_EXPECT_EQ(test, st.live_objs, 0);
	/* The floor: no live object, no page held. */
	KUNIT_EXPECT_EQ(test, st.pages, 0);
}

/*
 * At the page level too, an extended class keeps close to the class
 * table's promise: the span bytes no object covers are at most 1/16 of the
 * span, except for 56 KiB, which leaves 1/8 over at every order up to
 * ZA_SPAN_MAX_ORDER. (An independent bound, looser than the rule that
 * picks the orders.)
 */
static void zalloc_span_waste_bounded(struct kunit *test)
{
	unsigned int cls;

	for (cls = ZA_FIRST_EXT; cls < ZA_CLASS_STD; cls++) {
		const struct za_class *c = &za_classes[cls];
		unsigned long span = PAGE_SIZE << c->order;

		KUNIT_EXPECT_LE(test, c->order, ZA_SPAN_MAX_ORDER);
		KUNIT_EXPECT_EQ(test, c->per_span, span / c->size);
		KUNIT_EXPECT_LE_MSG(test,
				    (span - c->per_span * c->size) *
				    (c->size == 57344 ? 8 : 16),
				    span, "class %u: %u objects in %lu bytes",
				    c->size, c->per_span, span);
	}
}

/*
 * The bytes a class holds add up (handed out + idle in magazines + free
 * in spans + span rounding), and match a walk of its spans.
 */
static void zalloc_accounting_adds_up(struct kunit *test)
{
	static const size_t sizes[] = { 700, 5000, 20000, 40000, 65536 };
	struct za_class_stats before, st;
	unsigned long pages, objs, free;
	unsigned int i, k, n;
	void **p;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		unsigned int cls = expected_class(sizes[k]);
		struct za_class *c = &za_classes[cls];

		n = 3 * c->per_span + 5;
		p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		za_cache_drain_all();
		read_stats(cls, &before);
		for (i = 0; i < n; i++) {
			p[i] = zalloc_alloc(sizes[k], GFP_KERNEL);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
		}
		for (i = 0; i < n; i += 2)
			zalloc_free(p[i]);
		read_stats(cls, &st);
		KUNIT_EXPECT_EQ(test, st.live_objs - before.live_objs, n / 2);
		KUNIT_EXPECT_EQ(test, st.held_bytes,
				st.live_bytes + st.cached_bytes +
				st.span_free_bytes + st.tail_bytes);
		KUNIT_EXPECT_EQ(test, st.held_bytes, (u64)st.pages << PAGE_SHIFT);
		if (c->per_span > 1) {
			za_class_walk(c, &pages, &objs, &free);
			KUNIT_EXPECT_EQ(test, st.pages, pages);
			KUNIT_EXPECT_EQ(test, st.span_free_bytes,
					(s64)free * c->size);
			KUNIT_EXPECT_EQ(test, st.tail_bytes,
					(s64)(pages << PAGE_SHIFT) -
					(s64)objs * c->size);
		} else {
			/* A single-object span is one object, out or idle. */
			KUNIT_EXPECT_EQ(test, st.pages,
					(unsigned long)(st.live_objs + st.cached)
					<< c->order);
		}
		for (i = 1; i < n; i += 2)
			zalloc_free(p[i]);
		za_cache_drain_all();
	}
}

/* === The strategy parameter === */

static void zalloc_strategy_param_change_with_live_objects(struct kunit *test)
{
	static const char * const values[] = {
		"object_pool", "extended_pool", "standard", "auto",
	};
	static const size_t sizes[] = { 40, 700, 9000 };
	struct za_class_stats st;
	s64 live_before = 0, live_after = 0;
	void *p[ARRAY_SIZE(values)][ARRAY_SIZE(sizes)];
	unsigned int cls;
	int v, i;

	KUNIT_ASSERT_EQ(test, za_set_strategy("standard\n"), 0);
	KUNIT_EXPECT_EQ(test, za_set_strategy("fastest"), -EINVAL);
	KUNIT_EXPECT_EQ(test, za_set_strategy(""), -EINVAL);

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		read_stats(cls, &st);
		live_before += st.live_objs;
	}
	for (v = 0; v < ARRAY_SIZE(values); v++) {
		KUNIT_ASSERT_EQ(test, za_set_strategy(values[v]), 0);
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[v][i] = zalloc_alloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[v][i]);
			memset(p[v][i], v, sizes[i]);
		}
	}
	/* Standard objects are kmalloc's whatever the size. */
	KUNIT_EXPECT_EQ(test, class_of(p[2][0]), ZA_CLASS_STD);
	KUNIT_EXPECT_EQ(test, class_of(p[0][0]), expected_class(sizes[0]));

	/* Free under another setting than the one they were made with. */
	KUNIT_ASSERT_EQ(test, za_set_strategy("extended_pool"), 0);
	for (v = 0; v < ARRAY_SIZE(values); v++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			KUNIT_EXPECT_FALSE(test, memchr_inv(p[v][i], v,
							    sizes[i]));
			zalloc_free(p[v][i]);
		}
	}
	KUNIT_EXPECT_EQ(test, za_set_strategy("auto"), 0);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		read_stats(cls, &st);
		live_after += st.live_objs;
	}
	KUNIT_EXPECT_EQ(test, live_after, live_before);
}

/* === The per-CPU caches (fast path) === */

static const struct size_param pool_sizes[] = {
	{ 8 }, { 256 }, { 300 }, { 4096 }, { 20000 }, { 65536 },
};

KUNIT_ARRAY_PARAM(pool, pool_sizes, size_param_desc);

/* Free then allocate on one CPU: the same object, from the cache. */
static void zalloc_cache_hit_reuses_object(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	unsigned int cls = expected_class(size);
	struct za_class_stats before, after;
	void *p, *q;

	p = zalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	preempt_disable();
	read_stats(cls, &before);
	zalloc_free(p);
	q = zalloc_alloc(size, GFP_ATOMIC);
	read_stats(cls, &after);
	preempt_enable();
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 1);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_MISS], before.ev[ZE_MISS]);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT], before.ev[ZE_OUT]);
	zalloc_free(q);
}

/* Objects of @cls idle in @cpu's two magazines. */
static unsigned int cpu_cached(int cpu, unsigned int cls)
{
	const struct za_pcpu_class *pcc = &per_cpu_ptr(za_pcpu, cpu)->cls[cls];

	return READ_ONCE(pcc->loaded->count) + READ_ONCE(pcc->prev->count);
}

/*
 * Freeing more than the magazines and the depot hold gives the rest back
 * to the backend: the depot fills to its bound and no further.
 */
static void zalloc_depot_bounded(struct kunit *test)
{
	size_t size = ((const struct size_param *)test->param_value)->size;
	unsigned int cls = expected_class(size);
	const struct za_class *c = &za_classes[cls];
	/* More than the depot and every CPU's two magazines can hold. */
	unsigned int n = (c->depot.max_full + 2 * num_possible_cpus() + 2) *
			 c->mag_size, i;
	struct za_class_stats before, st;
	void **p;

	p = kvcalloc(n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	za_cache_drain_all();
	read_stats(cls, &before);
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(size, GFP_KERNEL);
		KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	kvfree(p);
	read_stats(cls, &st);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->depot.nr_full), c->depot.max_full);
	KUNIT_EXPECT_LE(test, st.cached,
			(s64)(c->depot.max_full + 2 * num_possible_cpus()) *
			c->mag_size);
	/* What did not fit went back. */
	KUNIT_EXPECT_GE(test, st.ev[ZE_IN] - before.ev[ZE_IN],
			(u64)2 * c->mag_size);
	KUNIT_EXPECT_EQ(test, st.live_objs, before.live_objs);
	za_cache_drain_all();
}

/* Runs on one CPU: a burst of frees and allocations, through the depot. */
static long depot_burst(void *arg)
{
	struct za_class *c = arg;
	unsigned int cls = c - za_classes, n = 6 * c->mag_size, i;
	struct za_class_stats before, after;
	void **p;
	long ret = 0;

	p = kvcalloc(n, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(c->size, GFP_KERNEL);
		if (!p[i])
			ret = -ENOMEM;
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	if (!ret && READ_ONCE(c->depot.nr_full) < 4)
		ret = -ENOSPC;
	read_stats(cls, &before);
	for (i = 0; !ret && i < n; i++) {
		p[i] = zalloc_alloc(c->size, GFP_KERNEL);
		if (!p[i])
			ret = -ENOMEM;
	}
	read_stats(cls, &after);
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
	size_t size = ((const struct size_param *)test->param_value)->size;
	struct za_class *c = &za_classes[expected_class(size)];

	za_cache_drain_all();
	KUNIT_EXPECT_EQ(test, work_on_cpu(raw_smp_processor_id(), depot_burst,
					  c), 0);
	za_cache_drain_all();
}

/* Runs on one CPU: frees objects of @arg's class there. */
static long free_here(void *arg)
{
	void **p = arg;
	unsigned int i;

	for (i = 0; p[i]; i++)
		zalloc_free(p[i]);
	return 0;
}

/* Objects freed on one CPU are allocated on another through the depot. */
static void zalloc_depot_crosses_cpus(struct kunit *test)
{
	struct za_class *c = &za_classes[expected_class(700)];
	unsigned int n = 6 * c->mag_size, i, other;
	struct za_class_stats before, after;
	void **p;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	p = kunit_kcalloc(test, n + 1, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	za_cache_drain_all();
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(700, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
	other = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	KUNIT_ASSERT_EQ(test, work_on_cpu(other, free_here, p), 0);
	KUNIT_EXPECT_GE(test, READ_ONCE(c->depot.nr_full), 4);
	read_stats(c - za_classes, &before);
	for (i = 0; i < 4 * c->mag_size; i++) {
		p[i] = zalloc_alloc(700, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
	read_stats(c - za_classes, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT], before.ev[ZE_OUT]);
	for (i = 0; i < 4 * c->mag_size; i++)
		zalloc_free(p[i]);
	za_cache_drain_all();
}

/*
 * What the depot and the reserve hold decays: a trim gives back what sat
 * unused since the one before. Objects go magazine -> span -> page
 * allocator one stage per trim, so three trims with no use between them
 * leave neither the depot nor the reserve anything.
 */
static void zalloc_trim_decays_idle(struct kunit *test)
{
	unsigned int cls = expected_class(5000);
	struct za_class *c = &za_classes[cls];
	unsigned int n = 6 * c->mag_size + 2 * c->per_span, i;
	struct za_class_stats st;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(5000, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
	KUNIT_EXPECT_GT(test, READ_ONCE(c->depot.nr_full), 0);
	za_trim();
	za_trim();
	za_trim();
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->depot.nr_full), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->depot.nr_empty), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->nr_empty), 0);
	/* Only the CPUs' magazines may still hold objects, and no more. */
	read_stats(cls, &st);
	KUNIT_EXPECT_LE(test, st.cached,
			(s64)2 * c->mag_size * num_possible_cpus());
	KUNIT_EXPECT_LE(test, st.pages,
			(unsigned long)DIV_ROUND_UP(st.cached, c->per_span)
			<< c->order);
	za_cache_drain_all();
}

static void zalloc_cache_drain_empties_all(struct kunit *test)
{
	void *p = zalloc_alloc(64, GFP_KERNEL);
	unsigned int cls;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	zalloc_free(p);
	KUNIT_EXPECT_GE(test, za_cache_drain_all(), 1);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++)
		KUNIT_EXPECT_EQ(test, za_class_cached(cls), 0);
}

/* With the fast path off every allocation goes to the backend. */
static void zalloc_fastpath_off_always_misses(struct kunit *test)
{
	unsigned int cls = expected_class(128);
	struct za_class_stats before, after;
	int i;

	za_set_switch(&za_fastpath_key, false);
	read_stats(cls, &before);
	KUNIT_EXPECT_EQ(test, before.cached, 0);
	for (i = 0; i < 10; i++)
		zalloc_free(zalloc_alloc(128, GFP_KERNEL));
	read_stats(cls, &after);
	za_set_switch(&za_fastpath_key, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_MISS] - before.ev[ZE_MISS], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_OUT] - before.ev[ZE_OUT], 10);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_IN] - before.ev[ZE_IN], 10);
	KUNIT_EXPECT_EQ(test, after.cached, 0);
}

/* Statistics off: no event moves, the gauges still do. */
static void zalloc_stats_off_keeps_gauges(struct kunit *test)
{
	unsigned int cls = expected_class(700);
	struct za_class_stats before, mid, after;
	void *p;

	read_stats(cls, &before);
	za_set_switch(&za_stats_key, false);
	p = zalloc_alloc(700, GFP_KERNEL);
	read_stats(cls, &mid);
	zalloc_free(p);
	read_stats(cls, &after);
	za_set_switch(&za_stats_key, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_ALLOC], before.ev[ZE_ALLOC]);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], before.ev[ZE_FREE]);
	KUNIT_EXPECT_EQ(test, mid.live_objs, before.live_objs + 1);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
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
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned int cls;
	long ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	ret = work_on_cpu(cpu, fill_this_cpu_cache, NULL);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_GT(test, cpu_cached(cpu, expected_class(64)), 0);
	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU %u cannot go offline: %ld", cpu, ret);
	for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++)
		KUNIT_EXPECT_EQ(test, cpu_cached(cpu, cls), 0);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

/* Runs on one CPU: frees objects into its magazines, then decays twice. */
static long decay_here(void *arg)
{
	struct za_class *c = arg;
	unsigned int i, n = c->mag_size;
	void *p[ZA_MAG_MAX];
	int cpu = raw_smp_processor_id();
	long ret = 0;

	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc(c->size, GFP_KERNEL);
		if (!p[i])
			ret = -ENOMEM;
	}
	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
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
	struct za_class *c = &za_classes[expected_class(700)];

	KUNIT_EXPECT_EQ(test, work_on_cpu(raw_smp_processor_id(), decay_here,
					  c), 0);
	za_cache_drain_all();
}

/* === The bulk API === */

/* Sum of live objects over every class. */
static s64 live_objects(void)
{
	struct za_class_stats st;
	unsigned int cls;
	s64 n = 0;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		read_stats(cls, &st);
		n += st.live_objs;
	}
	return n;
}

static void zalloc_bulk_alloc_free(struct kunit *test)
{
	static const size_t sizes[] = { 64, 700, 20000, 100000 };
	unsigned int cls, n = 100, i, j, k;
	struct za_class_stats before, after;
	void **p;

	p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		cls = expected_class(sizes[k]);
		read_stats(cls, &before);
		KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(sizes[k], GFP_KERNEL,
							n, p), n);
		read_stats(cls, &after);
		KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC],
				n);
		KUNIT_EXPECT_EQ(test, after.live_objs - before.live_objs, n);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, class_of(p[i]), cls);
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
			zalloc_free(p[i]);
		zalloc_free_bulk(n - n / 2, p + n / 2);
		read_stats(cls, &after);
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
	s64 live = live_objects();
	void *p[ARRAY_SIZE(sizes) * (ZALLOC_STANDARD + 1) + 16];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (st = ZALLOC_AUTO; st <= ZALLOC_STANDARD; st++) {
			p[n] = zalloc_alloc_strategy(sizes[i], GFP_KERNEL, st);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[n]);
			n++;
		}
	}
	KUNIT_ASSERT_EQ(test, zalloc_alloc_bulk(1000, GFP_KERNEL, 8, p + n), 8);
	n += 8;
	p[n++] = NULL;
	p[n++] = ZERO_SIZE_PTR;
	KUNIT_EXPECT_EQ(test, live_objects(), live + n - 2);
	zalloc_free_bulk(n, p);
	KUNIT_EXPECT_EQ(test, live_objects(), live);
}

/* Nothing allocated: zero count, no array, zone modifiers, no memory. */
static void zalloc_bulk_refused(struct kunit *test)
{
	void *p[4] = { NULL, NULL, NULL, NULL };
	s64 live = live_objects();
	unsigned int i;

	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL, 0, p), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL, 4, NULL), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(64, GFP_KERNEL | GFP_DMA, 4,
						p), 0);
	KUNIT_EXPECT_EQ(test, zalloc_alloc_bulk(SIZE_MAX - 1,
						GFP_KERNEL | __GFP_NOWARN,
						4, p), 0);
	KUNIT_EXPECT_EQ(test, live_objects(), live);
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
	KUNIT_EXPECT_EQ(test, live_objects(), live);
}

/* === Interrupt context === */

/*
 * An irq_work runs in hard interrupt context (from the timer tick where the
 * architecture has no self-interrupt, as on UML). Not IRQ_WORK_HARD_IRQ:
 * that one stays a hard interrupt on PREEMPT_RT too, where kmalloc() may
 * not be called, and lockdep's wait-context check flags kmalloc() there.
 */

/*
 * In interrupt context: allocate and free every size and strategy with
 * GFP_ATOMIC, free what process context allocated, and allocate what
 * process context will free.
 */
struct irq_ctx {
	struct completion done;
	void *from_task[4];
	void *to_task[4];
	int failed;
	bool hardirq;
	bool softirq;
};

static void irq_ctx_work(struct irq_ctx *ctx)
{
	static const size_t sizes[] = { 8, 200, 300, 5000, 40000, 70000 };
	int i, s;

	ctx->hardirq = in_hardirq();
	ctx->softirq = in_serving_softirq();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
			u8 *p = zalloc_alloc_strategy(sizes[i], GFP_ATOMIC, s);

			if (!p) {
				ctx->failed++;
				continue;
			}
			memset(p, 0x77, sizes[i]);
			zalloc_free(p);
		}
	}
	for (i = 0; i < ARRAY_SIZE(ctx->from_task); i++)
		zalloc_free(ctx->from_task[i]);
	for (i = 0; i < ARRAY_SIZE(ctx->to_task); i++) {
		ctx->to_task[i] = zalloc_alloc(64 << (3 * i), GFP_ATOMIC);
		ctx->failed += !ctx->to_task[i];
	}
	complete(&ctx->done);
}

static void irq_ctx_prepare(struct kunit *test, struct irq_ctx *ctx)
{
	int i;

	init_completion(&ctx->done);
	for (i = 0; i < ARRAY_SIZE(ctx->from_task); i++) {
		ctx->from_task[i] = zalloc_alloc(100 << (3 * i), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->from_task[i]);
	}
}

static void irq_ctx_check(struct kunit *test, struct irq_ctx *ctx)
{
	int i;

	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&ctx->done,
							    10 * HZ));
	KUNIT_EXPECT_EQ(test, ctx->failed, 0);
	for (i = 0; i < ARRAY_SIZE(ctx->to_task); i++)
		zalloc_free(ctx->to_task[i]);
}

struct timer_ctx {
	struct timer_list timer;
	struct irq_ctx ctx;
};

static void timer_ctx_fn(struct timer_list *timer)
{
	irq_ctx_work(&container_of(timer, struct timer_ctx, timer)->ctx);
}

/* A timer_list callback runs in softirq context. */
static void zalloc_alloc_free_in_timer(struct kunit *test)
{
	struct timer_ctx *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	irq_ctx_prepare(test, &t->ctx);
	timer_setup(&t->timer, timer_ctx_fn, 0);
	mod_timer(&t->timer, jiffies + 1);
	irq_ctx_check(test, &t->ctx);
	timer_delete_sync(&t->timer);
	KUNIT_EXPECT_TRUE(test, t->ctx.softirq);
}

struct irq_work_ctx {
	struct irq_work work;
	struct irq_ctx ctx;
};

static void irq_work_ctx_fn(struct irq_work *work)
{
	irq_ctx_work(&container_of(work, struct irq_work_ctx, work)->ctx);
}

static void zalloc_alloc_free_in_irq_work(struct kunit *test)
{
	struct irq_work_ctx *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	irq_ctx_prepare(test, &w->ctx);
	init_irq_work(&w->work, irq_work_ctx_fn);
	irq_work_queue(&w->work);
	irq_ctx_check(test, &w->ctx);
	irq_work_sync(&w->work);
	KUNIT_EXPECT_TRUE(test, w->ctx.hardirq);
}

static struct kunit_case zalloc_test_cases[] = {
	KUNIT_CASE(zalloc_class_table_matches_doc),
	KUNIT_CASE(zalloc_class_waste_at_most_quarter),
	KUNIT_CASE(zalloc_size_class_matches_search),
	KUNIT_CASE_PARAM(zalloc_alloc_boundary, boundary_gen_params),
	KUNIT_CASE_PARAM(zalloc_alloc_class_edge, edge_gen_params),
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
	KUNIT_CASE(zalloc_atomic_under_spinlock),
	KUNIT_CASE_PARAM(zalloc_stats_count_own_operations,
			 stats_gen_params),
	KUNIT_CASE(zalloc_stats_reset_keeps_gauges),
	KUNIT_CASE(zalloc_pages_returned_after_free),
	KUNIT_CASE(zalloc_span_waste_bounded),
	KUNIT_CASE(zalloc_accounting_adds_up),
	KUNIT_CASE(zalloc_strategy_param_change_with_live_objects),
	KUNIT_CASE_PARAM(zalloc_cache_hit_reuses_object, pool_gen_params),
	KUNIT_CASE_PARAM(zalloc_depot_bounded, pool_gen_params),
	KUNIT_CASE_PARAM(zalloc_depot_serves_burst, pool_gen_params),
	KUNIT_CASE(zalloc_depot_crosses_cpus),
	KUNIT_CASE(zalloc_trim_decays_idle),
	KUNIT_CASE(zalloc_decay_empties_idle_cpu),
	KUNIT_CASE(zalloc_bulk_alloc_free),
	KUNIT_CASE(zalloc_bulk_free_mixed),
	KUNIT_CASE(zalloc_bulk_refused),
	KUNIT_CASE(zalloc_cache_drain_empties_all),
	KUNIT_CASE(zalloc_fastpath_off_always_misses),
	KUNIT_CASE(zalloc_stats_off_keeps_gauges),
	KUNIT_CASE(zalloc_cpu_offline_drains_cache),
	KUNIT_CASE(zalloc_alloc_free_in_timer),
	KUNIT_CASE(zalloc_alloc_free_in_irq_work),
	{}
};

static struct kunit_suite zalloc_test_suite = {
	.name = "zalloc",
	.test_cases = zalloc_test_cases,
};

kunit_test_suite(zalloc_test_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
