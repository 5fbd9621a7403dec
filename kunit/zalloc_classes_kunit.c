// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_classes: the size classes. Built as
 * zalloc_classes_kunit.ko; load it after zalloc.ko.
 *
 * The class table is not written out here: it is checked against
 * properties derived from first principles (sorted, smallest class that
 * holds a size, object classes up to ZA_OBJ_MAX and extended ones up to
 * ZA_EXT_MAX, at most 25% waste in the extended classes, power-of-two
 * sizes kept for natural alignment), the O(1) lookup against a linear
 * search of the table, and allocations at every class edge against both.
 * Object classes are told apart by ksize() on this kernel, and the check
 * at load refuses a kernel where they would not be; an object of another
 * cache that zalloc takes for an object class's goes back to its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/*
 * The table as a whole: indexed in order, sizes strictly increasing and
 * multiples of 8, object pools up to ZA_OBJ_MAX, then extended pools up
 * to ZA_EXT_MAX, then the standard backend.
 */
static void zalloc_class_table_sound(struct kunit *test)
{
	unsigned int i, prev = 0;

	for (i = 0; i < ZA_CLASS_STD; i++) {
		const struct za_class *c = &za_classes[i];
		bool obj = i < ZA_NR_OBJ_CLASSES;

		KUNIT_EXPECT_EQ(test, c->index, i);
		KUNIT_EXPECT_GT_MSG(test, c->size, prev, "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, c->size % 8, 0, "class %u", c->size);
		KUNIT_EXPECT_EQ_MSG(test, zk_backend(c),
				    obj ? ZALLOC_OBJECT_POOL :
					  ZALLOC_EXTENDED_POOL,
				    "class %u", c->size);
		if (obj)
			KUNIT_EXPECT_LE(test, c->size, ZA_OBJ_MAX);
		else
			KUNIT_EXPECT_GT(test, c->size, ZA_OBJ_MAX);
		prev = c->size;
	}
	/* The last class of each pool covers the pool's whole range. */
	KUNIT_EXPECT_EQ(test, za_classes[ZA_NR_OBJ_CLASSES - 1].size,
			ZA_OBJ_MAX);
	KUNIT_EXPECT_EQ(test, za_classes[ZA_CLASS_STD - 1].size, ZA_EXT_MAX);
	KUNIT_EXPECT_EQ(test, za_classes[ZA_CLASS_STD].index, ZA_CLASS_STD);
	KUNIT_EXPECT_EQ(test, zk_backend(&za_classes[ZA_CLASS_STD]),
			ZALLOC_STANDARD);
}

/*
 * Every power of two from 8 B to ZA_OBJ_MAX is an object class of its own:
 * such a request is served without waste, aligned to its size (checked on
 * objects in zalloc_class_pow2_aligned()).
 */
static void zalloc_class_pow2_exact(struct kunit *test)
{
	size_t size;

	for (size = 8; size <= ZA_OBJ_MAX; size <<= 1)
		KUNIT_EXPECT_EQ_MSG(test,
				    za_classes[za_size_class(size)].size,
				    size, "size %zu", size);
}

/* Internal waste of the extended classes: at most 25% of any request. */
static void zalloc_class_waste_at_most_quarter(struct kunit *test)
{
	unsigned int cls;
	size_t size;

	for (size = ZA_OBJ_MAX + 1; size <= ZA_EXT_MAX; size++) {
		unsigned int csize = za_classes[za_size_class(size)].size;

		KUNIT_ASSERT_GE(test, csize, size);
		KUNIT_ASSERT_LE_MSG(test, (csize - size) * 4, size,
				    "size %zu in class %u", size, csize);
	}
	/* The same of each class, from the smallest size it serves. */
	for (cls = ZA_FIRST_EXT; cls < ZA_CLASS_STD; cls++) {
		unsigned int least = za_classes[cls - 1].size + 1;

		KUNIT_EXPECT_LE_MSG(test, (za_classes[cls].size - least) * 4,
				    least, "class %u", za_classes[cls].size);
	}
}

/*
 * The O(1) lookup gives, for every size, the smallest class that holds
 * it, of the pool the size belongs to.
 */
static void zalloc_size_class_matches_search(struct kunit *test)
{
	size_t size;

	for (size = 1; size <= ZA_EXT_MAX + 1; size++) {
		unsigned int cls = za_size_class(size);

		KUNIT_ASSERT_EQ_MSG(test, cls, zk_expected_class(size),
				    "size %zu", size);
		if (cls == ZA_CLASS_STD) {
			KUNIT_ASSERT_GT(test, size, ZA_EXT_MAX);
			continue;
		}
		KUNIT_ASSERT_GE(test, za_classes[cls].size, size);
		if (cls > 0)
			KUNIT_ASSERT_LT_MSG(test, za_classes[cls - 1].size,
					    size, "size %zu", size);
		KUNIT_ASSERT_EQ_MSG(test, size <= ZA_OBJ_MAX,
				    cls < ZA_NR_OBJ_CLASSES, "size %zu", size);
	}
	KUNIT_EXPECT_EQ(test, za_size_class(SIZE_MAX), ZA_CLASS_STD);
}

/* Auto: the right class, the whole usable size writable, freed back. */
static void check_auto_alloc(struct kunit *test, size_t size)
{
	unsigned int cls = zk_expected_class(size);
	struct za_class_stats before, after;
	size_t usable;
	u8 *p;

	zk_read_stats(cls, &before);
	p = zk_track(test, zalloc_alloc_strategy(size, GFP_KERNEL,
						 ZALLOC_AUTO));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zk_class_of(p), cls);
	usable = zalloc_size(p);
	KUNIT_EXPECT_GE(test, usable, size);
	if (cls != ZA_CLASS_STD)
		KUNIT_EXPECT_EQ(test, usable, (size_t)za_classes[cls].size);
	memset(p, 0x5a, usable);
	KUNIT_EXPECT_EQ(test, p[usable - 1], 0x5a);
	zk_free(test, p);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 1);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE], 1);
}

static const struct zk_size boundary_sizes[] = {
	{ 1 }, { 7 }, { 8 }, { 9 }, { 17 }, { 100 }, { 255 }, { 256 },
	{ 257 }, { 319 }, { 320 }, { 321 }, { 1000 }, { 4095 }, { 4096 },
	{ 4097 }, { 8191 }, { 8193 }, { 20000 }, { 32769 }, { 65535 },
	{ 65536 }, { 65537 }, { 100000 }, { 1 << 20 },
};

KUNIT_ARRAY_PARAM(boundary, boundary_sizes, zk_size_desc);

static void zalloc_alloc_boundary(struct kunit *test)
{
	check_auto_alloc(test, zk_param_size(test));
}

static void class_desc(struct za_class *c, char *desc)
{
	if (c->index == ZA_CLASS_STD)
		strscpy(desc, "standard", KUNIT_PARAM_DESC_SIZE);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class %u", c->size);
}

/* zalloc's own table gives the parameters: every class, in order. */
KUNIT_ARRAY_PARAM(edge, za_classes, class_desc);

/*
 * Every class edge: the class size itself, and one byte more; for the
 * standard backend, the first size it serves under ZALLOC_AUTO.
 */
static void zalloc_alloc_class_edge(struct kunit *test)
{
	const struct za_class *c = test->param_value;

	if (c->index == ZA_CLASS_STD) {
		check_auto_alloc(test, ZA_EXT_MAX + 1);
		return;
	}
	check_auto_alloc(test, c->size);
	check_auto_alloc(test, c->size + 1);
}

/*
 * Objects of each power-of-two class up to a page are aligned to their
 * size, several of them, so that not only a span's first is seen.
 */
static void zalloc_class_pow2_aligned(struct kunit *test)
{
	unsigned int cls, i;
	void *p[4];

	for (cls = 0; cls < ZA_CLASS_STD; cls++) {
		unsigned int size = za_classes[cls].size;

		if (!is_power_of_2(size) || size > PAGE_SIZE)
			continue;
		for (i = 0; i < ARRAY_SIZE(p); i++) {
			p[i] = zk_track(test, zalloc_alloc(size, GFP_KERNEL));
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[i] % size,
					    0UL, "class %u", size);
		}
		for (i = 0; i < ARRAY_SIZE(p); i++)
			zk_free(test, p[i]);
	}
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
				    (c->size == 56 * 1024 ? 8 : 16),
				    span, "class %u: %u objects in %lu bytes",
				    c->size, c->per_span, span);
	}
}

/*
 * On this kernel, an object of each object class's cache reports the class
 * size by ksize(), and za_ptr_lookup() finds the class from it: what
 * zalloc_free() relies on, and what za_obj_check_classes() checks at load.
 */
static void zalloc_obj_class_found_by_ksize(struct kunit *test)
{
	unsigned int cls;
	size_t usable;
	void *p;

	for (cls = 0; cls < ZA_NR_OBJ_CLASSES; cls++) {
		struct za_class *c = &za_classes[cls];

		p = kmem_cache_alloc(c->kmem_cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, ksize(p), (size_t)c->size, "%s",
				    c->name);
		usable = 0;
		KUNIT_EXPECT_PTR_EQ_MSG(test, za_ptr_lookup(p, &usable), c,
					"%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, usable, (size_t)c->size, "%s",
				    c->name);
		kmem_cache_free(c->kmem_cache, p);
	}
	KUNIT_EXPECT_EQ(test, za_obj_check_classes(), 0);
}

/* za_obj_check_sizes() of @ksizes, expected to refuse @cls for @other. */
static void expect_refused(struct kunit *test, const unsigned int *ksizes,
			   unsigned int cls, unsigned int other)
{
	unsigned int bad = U32_MAX, found = U32_MAX;

	KUNIT_EXPECT_EQ(test, za_obj_check_sizes(ksizes, &bad, &found),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bad, cls);
	KUNIT_EXPECT_EQ(test, found, other);
}

/*
 * The load-time check refuses the sizes a kernel whose slab objects are
 * 16-byte aligned (ARCH_SLAB_MINALIGN 16: arm64 with MTE) reports, where
 * objects of the 8 B class would be freed to the 16 B class's cache; and a
 * class whose objects report a size no class has, or one above the object
 * classes (taken for kmalloc()'s). It accepts the class sizes themselves.
 */
static void zalloc_obj_check_refuses_collision(struct kunit *test)
{
	unsigned int ksizes[ZA_NR_OBJ_CLASSES], cls, other, i;
	const unsigned int last = ZA_NR_OBJ_CLASSES - 1;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		ksizes[i] = za_classes[i].size;
	KUNIT_EXPECT_EQ(test, za_obj_check_sizes(ksizes, &cls, &other), 0);

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		ksizes[i] = ALIGN(za_classes[i].size, 16);
	KUNIT_ASSERT_EQ(test, za_classes[0].size, 8);
	expect_refused(test, ksizes, 0, zk_expected_class(16));

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		ksizes[i] = za_classes[i].size;
	ksizes[last] = za_classes[last].size + 8;
	expect_refused(test, ksizes, last, ZA_CLASS_STD);
	ksizes[last] = za_classes[last].size;
	/* Between two classes: za_ptr_lookup() would refuse the objects. */
	ksizes[1] = za_classes[1].size + 4;
	expect_refused(test, ksizes, 1, ZA_NR_CLASSES);
}

/*
 * A kmalloc() object of an object class's size is taken for one of the
 * class's own (see za_ptr_lookup()): freed through zalloc_free() in normal
 * mode, it is cached, then given back with the class's objects. It must go
 * back to kmalloc's cache, not to the class's: the class's cache then
 * never hands it out, and SLUB, where it checks (SLAB_FREELIST_HARDENED),
 * sees no free to the wrong cache and does not warn.
 *
 * Freed to the class's cache, the object went to that cache's per-CPU
 * sheaf on 7.x, which handed it out next; on 6.1 its slab, full, went to
 * that cache's per-CPU partial list, which handed out the object once the
 * cache's current slab ran out. The slab is full because the case holds
 * the objects kmalloc() gave out after it, a few slabs' worth.
 */
static void zalloc_foreign_object_back_to_own_cache(struct kunit *test)
{
	const unsigned int cls = zk_expected_class(64), n = 256;
	const struct za_class *c = &za_classes[cls];
	bool warned = test_taint(TAINT_WARN);
	void **objs, **held, *p;
	size_t usable;
	s64 cached;
	unsigned int i, k;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	held = kunit_kcalloc(test, n, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, held);
	za_set_debug(false);
	za_set_switch(&za_fastpath_key, true);
	/* The class's caches empty: the object is all the drain gives back. */
	za_mag_drain_all();
	for (k = 0; k < n; k++) {
		held[k] = kmalloc(64, GFP_KERNEL);
		if (!held[k])
			break;
	}
	p = k ? held[0] : NULL;
	if (!p)
		goto out;
	usable = ksize(p);
	if (usable != c->size) {
		KUNIT_FAIL(test, "kmalloc(64) gives %zu bytes here", usable);
		goto out;
	}
	cached = za_mag_cached(cls);
	zalloc_free(p);
	held[0] = NULL;
	KUNIT_EXPECT_EQ(test, za_mag_cached(cls), cached + 1);
	za_mag_drain_all();
	KUNIT_EXPECT_EQ(test, za_mag_cached(cls), 0);
	/*
	 * The object never came out of the backend: count it as if it had, so
	 * that the class's live objects are back where they were.
	 */
	za_count_backend(cls, ZE_OUT, 1);

	for (i = 0; i < n; i++) {
		objs[i] = kmem_cache_alloc(c->kmem_cache, GFP_KERNEL);
		if (!objs[i])
			break;
		KUNIT_EXPECT_PTR_NE_MSG(test, objs[i], p,
					"%s handed out kmalloc()'s object",
					c->name);
	}
	while (i--)
		kmem_cache_free(c->kmem_cache, objs[i]);
	if (!warned)
		KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
				       "the kernel warned");
out:
	KUNIT_EXPECT_EQ(test, k, n);
	while (k--)
		kfree(held[k]);
}

static struct kunit_case zalloc_classes_cases[] = {
	KUNIT_CASE(zalloc_class_table_sound),
	KUNIT_CASE(zalloc_class_pow2_exact),
	KUNIT_CASE(zalloc_class_waste_at_most_quarter),
	KUNIT_CASE(zalloc_size_class_matches_search),
	KUNIT_CASE_PARAM(zalloc_alloc_boundary, boundary_gen_params),
	KUNIT_CASE_PARAM(zalloc_alloc_class_edge, edge_gen_params),
	KUNIT_CASE(zalloc_class_pow2_aligned),
	KUNIT_CASE(zalloc_span_waste_bounded),
	KUNIT_CASE(zalloc_obj_class_found_by_ksize),
	KUNIT_CASE(zalloc_obj_check_refuses_collision),
	KUNIT_CASE(zalloc_foreign_object_back_to_own_cache),
	{}
};

static struct kunit_suite zalloc_classes_suite = {
	.name = "zalloc_classes",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_classes_cases,
};

kunit_test_suite(zalloc_classes_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's size classes");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
