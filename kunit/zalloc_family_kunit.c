// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_family: the calls that stand in for the rest of the
 * kmalloc family. Built as zalloc_family_kunit.ko; load it after
 * zalloc.ko.
 *
 * zalloc_array() and zalloc_calloc(): an n * size that overflows is
 * refused and counted, never a short object; an array of 0; calloc zeroes
 * recycled objects of every backend. zalloc_realloc() with krealloc()'s
 * semantics: NULL allocates, a size the class holds keeps the pointer,
 * growing copies across backends, __GFP_ZERO, failure keeps the old
 * object, size 0 frees, the debug mode's exact sizes. __free(zalloc),
 * where the kernel has <linux/cleanup.h>. A foreign pointer passed to
 * zalloc_realloc() is refused in zalloc_safety, which the harness expects
 * refusals from.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/* Events of class @cls since @before. */
static u64 events_since(unsigned int cls, const struct za_class_stats *before,
			enum za_event ev)
{
	struct za_class_stats now;

	zk_read_stats(cls, &now);
	return now.ev[ev] - before->ev[ev];
}

/* === zalloc_array() and zalloc_calloc() === */

struct array_param {
	size_t n;
	size_t size;
	bool overflows;		/* n * size does not fit in a size_t */
};

/*
 * Products just over SIZE_MAX, far over it, and at and just under it (no
 * overflow, but no backend serves them: a failure, not an overflow).
 */
static const struct array_param array_edges[] = {
	{ SIZE_MAX,		2,			true },
	{ 2,			SIZE_MAX,		true },
	{ SIZE_MAX / 2 + 1,	2,			true },
	{ SIZE_MAX,		SIZE_MAX,		true },
	{ SIZE_MAX / 3 + 1,	3,			true },
	{ (size_t)1 << (BITS_PER_LONG / 2),
	  (size_t)1 << (BITS_PER_LONG / 2),		true },
	{ SIZE_MAX / 64 + 1,	64,			true },
	{ 1,			SIZE_MAX,		false },
	{ SIZE_MAX,		1,			false },
	{ SIZE_MAX / 2,		2,			false },
	{ SIZE_MAX / 3,		3,			false },
};

static void zalloc_array_overflow_refused(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	u64 overflows = za_stats_refusals(ZR_OVERFLOW);
	u64 failures = zk_failures();
	s64 live = zk_live_objects();
	unsigned int i, want_over = 0, want_fail = 0;

	for (i = 0; i < ARRAY_SIZE(array_edges); i++) {
		const struct array_param *a = &array_edges[i];

		KUNIT_EXPECT_NULL_MSG(test, zalloc_array(a->n, a->size, gfp),
				      "zalloc_array(%zu, %zu)", a->n, a->size);
		KUNIT_EXPECT_NULL_MSG(test, zalloc_calloc(a->n, a->size, gfp),
				      "zalloc_calloc(%zu, %zu)", a->n,
				      a->size);
		if (a->overflows)
			want_over += 2;
		else
			want_fail += 2;
	}
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_OVERFLOW) - overflows,
			want_over);
	KUNIT_EXPECT_EQ(test, zk_failures() - failures, want_fail);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* A product that fits is one object of that size, in its class. */
static void zalloc_array_sized_as_product(struct kunit *test)
{
	static const size_t n[] = { 3, 7, 100, 1000 };
	static const size_t size[] = { 8, 100, 24, 70 };
	u64 overflows = za_stats_refusals(ZR_OVERFLOW);
	struct za_class_stats before;
	unsigned int i, cls;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(n); i++) {
		cls = zk_expected_class(n[i] * size[i]);
		zk_read_stats(cls, &before);
		p = zk_track(test, zalloc_array(n[i], size[i], GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zk_class_of(p), cls);
		KUNIT_EXPECT_GE(test, zalloc_size(p), n[i] * size[i]);
		KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_ALLOC), 1);
		memset(p, 0x3c, n[i] * size[i]);
		zk_free(test, p);
	}
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_OVERFLOW), overflows);
}

/* No element, or elements of no size: ZERO_SIZE_PTR, as kmalloc_array(). */
static void zalloc_array_of_zero(struct kunit *test)
{
	u64 overflows = za_stats_refusals(ZR_OVERFLOW);
	s64 live = zk_live_objects();

	KUNIT_EXPECT_PTR_EQ(test, zalloc_array(0, 64, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, zalloc_array(64, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, zalloc_array(0, SIZE_MAX, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, zalloc_calloc(SIZE_MAX, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_OVERFLOW), overflows);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* Sizes of an object pool, an extended pool, a single-object span. */
static const struct zk_size calloc_sizes[] = {
	{ 24 }, { 256 }, { 1000 }, { 5000 }, { 16384 }, { 65536 },
	{ 100000 },
};

KUNIT_ARRAY_PARAM(calloc, calloc_sizes, zk_size_desc);

/*
 * Allocated, dirtied to the last usable byte and freed, then calloc'd
 * again: under every strategy (zalloc_calloc() takes the module's
 * default), so that every backend's recycled objects are seen, and in
 * elements of 8 bytes and of one byte. Under init_on_alloc (the 6.1 test
 * kernel boots with it) every allocation is zeroed anyway: the kernels
 * booted without it are the ones where a calloc that did not zero fails.
 */
static void zalloc_calloc_zeroes_recycled(struct kunit *test)
{
	size_t size = zk_param_size(test);
	enum zalloc_strategy s;
	u8 *p;

	for (s = ZALLOC_AUTO; s <= ZALLOC_STANDARD; s++) {
		KUNIT_ASSERT_EQ(test, za_set_strategy(za_strategy_names[s]), 0);
		p = zk_track(test, zalloc_array(size / 8, 8, GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		memset(p, 0xff, zalloc_size(p));
		zk_free(test, p);
		p = zk_track(test, zalloc_calloc(size / 8, 8, GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(p, 0, size),
				      "strategy %s", zk_strategy_desc(s));
		memset(p, 0xff, zalloc_size(p));
		zk_free(test, p);
		p = zk_track(test, zalloc_calloc(size, 1, GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(p, 0, size),
				      "strategy %s, elements of 1", zk_strategy_desc(s));
		zk_free(test, p);
	}
}

/* === zalloc_realloc() === */

/*
 * zalloc_realloc(@old, @size, @gfp), with the case's tracking kept true:
 * when it returns another object (or ZERO_SIZE_PTR) it freed @old.
 */
static void *realloc_tracked(struct kunit *test, void *old, size_t size,
			     gfp_t gfp)
{
	void *new = zalloc_realloc(old, size, gfp);

	if (new && new != old) {
		zk_untrack(test, old);
		zk_track(test, new);
	}
	return new;
}

static void zalloc_realloc_null_allocates(struct kunit *test)
{
	s64 live = zk_live_objects();
	u8 *p, *q;

	p = zk_track(test, zalloc_realloc(NULL, 300, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zk_class_of(p), zk_expected_class(300));
	q = zk_track(test, zalloc_realloc(ZERO_SIZE_PTR, 40, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, q);
	KUNIT_EXPECT_EQ(test, zk_class_of(q), zk_expected_class(40));
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + 2);
	KUNIT_EXPECT_PTR_EQ(test, zalloc_realloc(NULL, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, zalloc_realloc(ZERO_SIZE_PTR, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	zk_free(test, p);
	zk_free(test, q);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* One object of each backend, and a pool size forced to kmalloc(). */
struct realloc_param {
	size_t size;
	enum zalloc_strategy strategy;
};

static const struct realloc_param realloc_cases[] = {
	{ 24,		ZALLOC_AUTO },
	{ 200,		ZALLOC_AUTO },
	{ 1000,		ZALLOC_AUTO },
	{ 5000,		ZALLOC_AUTO },
	{ 65536,	ZALLOC_AUTO },
	{ 100000,	ZALLOC_AUTO },
	{ 64,		ZALLOC_STANDARD },
	{ 3000,		ZALLOC_STANDARD },
};

static void realloc_param_desc(const struct realloc_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s size %zu",
		 zk_strategy_desc(p->strategy), p->size);
}

KUNIT_ARRAY_PARAM(realloc, realloc_cases, realloc_param_desc);

static u8 *realloc_param_alloc(struct kunit *test, gfp_t gfp)
{
	const struct realloc_param *rp = test->param_value;

	return zk_track(test, zalloc_alloc_strategy(rp->size, gfp,
						    rp->strategy));
}

/*
 * Every size the object's class holds, shrinking and growing up to
 * zalloc_size(): the same pointer, its contents kept up to the new size
 * and, if init_on_alloc is on, zero past it; nothing allocated or freed.
 * One byte more moves it, all of its bytes copied.
 */
static void zalloc_realloc_in_class_keeps_ptr(struct kunit *test)
{
	const struct realloc_param *rp = test->param_value;
	bool zeroes = want_init_on_alloc(GFP_KERNEL);
	struct za_class_stats before;
	size_t usable, sizes[4];
	unsigned int i, cls;
	u8 *p, *q;

	p = realloc_param_alloc(test, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = zalloc_size(p);
	cls = zk_class_of(p);
	sizes[0] = 1;
	sizes[1] = rp->size / 2;
	sizes[2] = rp->size;
	sizes[3] = usable;
	zk_read_stats(cls, &before);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(p, 0x5e, usable);
		q = realloc_tracked(test, p, sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_PTR_EQ_MSG(test, q, p, "to %zu", sizes[i]);
		KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x5e, sizes[i]));
		KUNIT_EXPECT_FALSE_MSG(test, memchr_inv(p + sizes[i],
							zeroes ? 0 : 0x5e,
							usable - sizes[i]),
				       "to %zu, init_on_alloc %d", sizes[i],
				       zeroes);
	}
	KUNIT_EXPECT_EQ(test, zalloc_size(p), usable);
	KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_ALLOC), 0);
	KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_FREE), 0);
	/* Past what the class holds: a new object, the old one freed. */
	memset(p, 0x5e, usable);
	q = realloc_tracked(test, p, usable + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_FREE), 1);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0x5e, usable));
	zk_free(test, q);
}

/* The sizes a buffer grows through, from an object pool to kmalloc(). */
static const size_t grow_sizes[] = {
	8, 24, 200, 256, 257, 1000, 4096, 5000, 16384, 40000, 65536,
	65537, 100000, 300000,
};

/* A byte of the pattern the grow case writes: its offset, mixed. */
static u8 grow_byte(size_t i)
{
	return (u8)(i * 7 + (i >> 8) * 13 + 1);
}

/*
 * One buffer grown through every class range and backend, then shrunk:
 * at each step it is in the class the new size picks, or still in its
 * old one while that holds the size; what it held is kept (all of the old
 * usable size when it moves, up to the new size when it stays); only one
 * object is ever live.
 */
static void zalloc_realloc_grow_keeps_contents(struct kunit *test)
{
	s64 live = zk_live_objects();
	size_t i, j, kept, usable, old_usable;
	u8 *p, *q;
	int bad;

	p = zk_track(test, zalloc_alloc(grow_sizes[0], GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = zalloc_size(p);
	for (i = 1; i < ARRAY_SIZE(grow_sizes); i++) {
		for (j = 0; j < usable; j++)
			p[j] = grow_byte(j);
		old_usable = usable;
		q = realloc_tracked(test, p, grow_sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, q);
		if (q == p)
			KUNIT_EXPECT_LE(test, grow_sizes[i], old_usable);
		else
			KUNIT_EXPECT_EQ_MSG(test, zk_class_of(q),
					    zk_expected_class(grow_sizes[i]),
					    "to %zu", grow_sizes[i]);
		p = q;
		usable = zalloc_size(p);
		KUNIT_EXPECT_GE(test, usable, grow_sizes[i]);
		kept = min(old_usable, grow_sizes[i]);
		for (j = 0, bad = 0; j < kept; j++)
			bad += p[j] != grow_byte(j);
		KUNIT_EXPECT_EQ_MSG(test, bad, 0, "to %zu", grow_sizes[i]);
		KUNIT_EXPECT_EQ(test, zk_live_objects(), live + 1);
	}
	/* Shrinking keeps the object: kmalloc()'s large one too. */
	KUNIT_EXPECT_PTR_EQ(test, realloc_tracked(test, p, 8, GFP_KERNEL), p);
	for (j = 0, bad = 0; j < 8; j++)
		bad += p[j] != grow_byte(j);
	KUNIT_EXPECT_EQ(test, bad, 0);
	zk_free(test, p);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/*
 * __GFP_ZERO on every call: a shrink in place zeroes the tail, which a
 * grow in place then finds zero, and the grown part of a moved object is
 * zero though the object it lands on was dirtied (allocated at the new
 * size, filled and freed just before, so that the magazine hands it back).
 */
static void zalloc_realloc_gfp_zero(struct kunit *test)
{
	const struct realloc_param *rp = test->param_value;
	const gfp_t gfp = GFP_KERNEL | __GFP_ZERO;
	size_t usable, big, half = rp->size / 2;
	u8 *p, *q, *dirty;

	p = realloc_param_alloc(test, gfp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = zalloc_size(p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0, rp->size));
	memset(p, 0xa7, usable);

	KUNIT_ASSERT_PTR_EQ(test, realloc_tracked(test, p, half, gfp), p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0xa7, half));
	KUNIT_EXPECT_FALSE(test, memchr_inv(p + half, 0, usable - half));
	KUNIT_ASSERT_PTR_EQ(test, realloc_tracked(test, p, usable, gfp), p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p + half, 0, usable - half));

	big = 2 * usable + 1;
	dirty = zalloc_alloc(big, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dirty);
	memset(dirty, 0xff, zalloc_size(dirty));
	zalloc_free(dirty);
	q = realloc_tracked(test, p, big, gfp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0xa7, half));
	KUNIT_EXPECT_FALSE(test, memchr_inv(q + half, 0, big - half));
	zk_free(test, q);
}

/*
 * A new size that no backend serves, or flags zalloc refuses: NULL, and
 * the old object as it was, still live and still freeable.
 */
static void zalloc_realloc_failure_keeps_old(struct kunit *test)
{
	static const size_t huge[] = {
		KMALLOC_MAX_SIZE + 1, SIZE_MAX / 2, SIZE_MAX,
	};
	struct za_class_stats before;
	size_t usable;
	unsigned int i, cls;
	s64 live;
	u8 *p;

	p = realloc_param_alloc(test, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = zalloc_size(p);
	cls = zk_class_of(p);
	memset(p, 0x6b, usable);
	live = zk_live_objects();
	zk_read_stats(cls, &before);
	for (i = 0; i < ARRAY_SIZE(huge); i++)
		KUNIT_EXPECT_NULL_MSG(test,
				      zalloc_realloc(p, huge[i],
						     GFP_KERNEL | __GFP_NOWARN),
				      "to %zu", huge[i]);
	KUNIT_EXPECT_NULL(test, zalloc_realloc(p, usable + 1,
					       GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x6b, usable));
	KUNIT_EXPECT_EQ(test, zalloc_size(p), usable);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
	KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_FREE), 0);
	zk_free(test, p);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live - 1);
}

/* Size 0 frees the object, and returns ZERO_SIZE_PTR. */
static void zalloc_realloc_zero_frees(struct kunit *test)
{
	struct za_class_stats before;
	unsigned int cls;
	s64 live;
	u8 *p;

	p = realloc_param_alloc(test, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	cls = zk_class_of(p);
	live = zk_live_objects();
	zk_read_stats(cls, &before);
	KUNIT_EXPECT_PTR_EQ(test, realloc_tracked(test, p, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live - 1);
	KUNIT_EXPECT_EQ(test, events_since(cls, &before, ZE_FREE), 1);
}

/*
 * In debug mode an object is exactly the size asked for: any other size
 * moves it, to an object of exactly the new size, contents kept.
 */
static void zalloc_realloc_debug_exact(struct kunit *test)
{
	s64 live;
	u8 *p, *q;

	za_set_debug(true);
	live = zk_live_objects();
	p = zk_track(test, zalloc_alloc(100, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_ASSERT_EQ(test, zalloc_size(p), 100);
	memset(p, 0x42, 100);
	KUNIT_EXPECT_PTR_EQ(test, realloc_tracked(test, p, 100, GFP_KERNEL), p);

	q = realloc_tracked(test, p, 60, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_EQ(test, zalloc_size(q), 60);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, 0x42, 60));

	p = realloc_tracked(test, q, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zalloc_size(p), 5000);
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x42, 60));
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live + 1);
	KUNIT_EXPECT_PTR_EQ(test, realloc_tracked(test, p, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}

/* === __free(zalloc) === */

#ifdef DEFINE_FREE
/*
 * Fills a buffer under __free(zalloc) and leaves its scope early when
 * @bail (the buffer must then be freed), else hands it on with
 * return_ptr() (the caller's to free). Out of line, so that the scope
 * really ends at its returns.
 */
static noinline void *scoped_buffer(size_t size, bool bail)
{
	u8 *buf __free(zalloc) = zalloc_alloc(size, GFP_KERNEL);

	if (!buf)
		return NULL;
	memset(buf, 0x11, size);
	if (bail)
		return NULL;
	return_ptr(buf);
}

/* Variables that hold no object: their cleanup must not free them. */
static noinline int scoped_nothing(void)
{
	void *err __free(zalloc) = ERR_PTR(-ENOMEM);
	void *none __free(zalloc) = NULL;

	return PTR_ERR_OR_ZERO(none) + (IS_ERR(err) ? 0 : 1);
}

static void zalloc_free_scoped_on_early_return(struct kunit *test)
{
	static const size_t sizes[] = { 64, 700, 65536, 100000 };
	u64 refused = za_stats_refusals(ZR_INVALID_FREE);
	s64 live = zk_live_objects();
	unsigned int i;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_NULL(test, scoped_buffer(sizes[i], true));
		KUNIT_EXPECT_EQ_MSG(test, zk_live_objects(), live,
				    "size %zu left its scope", sizes[i]);
		p = zk_track(test, scoped_buffer(sizes[i], false));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, zk_live_objects(), live + 1,
				    "size %zu handed on", sizes[i]);
		KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x11, sizes[i]));
		zk_free(test, p);
	}
	/* NULL and error pointers leave the scope with nothing to free. */
	KUNIT_EXPECT_EQ(test, scoped_nothing(), 0);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE), refused);
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
}
#endif /* DEFINE_FREE */

static struct kunit_case zalloc_family_cases[] = {
	KUNIT_CASE(zalloc_array_overflow_refused),
	KUNIT_CASE(zalloc_array_sized_as_product),
	KUNIT_CASE(zalloc_array_of_zero),
	KUNIT_CASE_PARAM(zalloc_calloc_zeroes_recycled, calloc_gen_params),
	KUNIT_CASE(zalloc_realloc_null_allocates),
	KUNIT_CASE_PARAM(zalloc_realloc_in_class_keeps_ptr,
			 realloc_gen_params),
	KUNIT_CASE(zalloc_realloc_grow_keeps_contents),
	KUNIT_CASE_PARAM(zalloc_realloc_gfp_zero, realloc_gen_params),
	KUNIT_CASE_PARAM(zalloc_realloc_failure_keeps_old, realloc_gen_params),
	KUNIT_CASE_PARAM(zalloc_realloc_zero_frees, realloc_gen_params),
	KUNIT_CASE(zalloc_realloc_debug_exact),
#ifdef DEFINE_FREE
	KUNIT_CASE(zalloc_free_scoped_on_early_return),
#endif
	{}
};

static struct kunit_suite zalloc_family_suite = {
	.name = "zalloc_family",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_family_cases,
};

kunit_test_suite(zalloc_family_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's array, calloc, realloc and scoped cleanup calls");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
