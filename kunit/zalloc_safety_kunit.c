// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_safety: frees and reallocs of what zalloc did not
 * hand out, double frees, and the debug mode (zalloc_debug.c says what
 * each mode catches). Built as zalloc_safety_kunit.ko; load it after
 * zalloc.ko. Each case checks the refusal counters and that no object is
 * handed out twice.
 * The refusals print ratelimited errors on purpose: the harness expects
 * them from this suite.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "zalloc_kunit.h"
#ifndef ZALLOC_NO_TRACEPOINTS
#include "zalloc_trace.h"
#endif

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

/* Not zalloc's, and not in the kernel's linear map: module data. */
static char module_data[64];

/*
 * A bulk free checks every pointer as zalloc_free() does, not only the
 * first of a run on one folio: an interior pointer, a slot of the span
 * never carved, a vmalloc() address and module data after a valid object
 * are refused, and no object is handed out twice.
 */
static void zalloc_free_bulk_checks_every_pointer(struct kunit *test)
{
	u64 before = refusals(ZR_INVALID_FREE);
	void *vbuf = vmalloc(PAGE_SIZE);
	struct za_span_lists *sl;
	struct za_span *span;
	unsigned long flags;
	struct za_class *c;
	void *objs[2], *slot = NULL;
	char *p, *q;

	KUNIT_ASSERT_NOT_NULL(test, vbuf);
	/* The report's case: {p, p + 8} for a 1 KiB object. */
	p = zalloc_alloc(1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	objs[0] = p;
	objs[1] = p + 8;
	zalloc_free_bulk(2, objs);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before, 1);
	q = zk_track(test, zalloc_alloc(1024, GFP_KERNEL));
	KUNIT_EXPECT_PTR_NE(test, q, p + 8);

	/* A slot the span has not carved yet, after a valid object. */
	p = zalloc_alloc(5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	span = (struct za_span *)page_private(virt_to_page(p));
	c = &za_classes[zk_class_of(p)];
	sl = &c->spans[page_to_nid(virt_to_page(p))];
	spin_lock_irqsave(&sl->lock, flags);
	if (span->fresh < span->capacity)
		slot = span->base + (span->capacity - 1) * c->size;
	spin_unlock_irqrestore(&sl->lock, flags);
	objs[0] = p;
	objs[1] = slot;
	zalloc_free_bulk(2, objs);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before, 1 + !!slot);

	/* Addresses outside the linear map, after a valid object. */
	objs[0] = zalloc_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	objs[1] = vbuf;
	zalloc_free_bulk(2, objs);
	objs[0] = zalloc_alloc(700, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	objs[1] = module_data;
	zalloc_free_bulk(2, objs);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before, 3 + !!slot);
	vfree(vbuf);
}

/*
 * zalloc_realloc() of what zalloc did not hand out (a page of its own, a
 * vmalloc() address, module data, a pointer into an extended-pool
 * object), to any size, 0 included: refused as zalloc_free() refuses it,
 * NULL, the memory left alone and nothing allocated.
 */
static void zalloc_realloc_foreign_refused(struct kunit *test)
{
	static const size_t new_sizes[] = { 0, 10, 10000, 100000 };
	u64 before = refusals(ZR_INVALID_FREE);
	struct page *page = alloc_page(GFP_KERNEL);
	void *vbuf = vmalloc(PAGE_SIZE);
	char *p = zk_track(test, zalloc_alloc(700, GFP_KERNEL));
	void *foreign[4];
	unsigned int i, j;
	s64 live;

	if (!page || !vbuf || !p) {
		if (page)
			__free_page(page);
		vfree(vbuf);
		KUNIT_FAIL(test, "no memory for the case");
		return;
	}
	memset(page_address(page), 0x5a, PAGE_SIZE);
	memset(vbuf, 0x5a, PAGE_SIZE);
	memset(p, 0x33, 700);
	foreign[0] = page_address(page);
	foreign[1] = vbuf;
	foreign[2] = module_data;
	foreign[3] = p + 8;
	live = zk_live_objects();
	for (i = 0; i < ARRAY_SIZE(foreign); i++)
		for (j = 0; j < ARRAY_SIZE(new_sizes); j++)
			KUNIT_EXPECT_NULL_MSG(test,
					      zalloc_realloc(foreign[i],
							     new_sizes[j],
							     GFP_KERNEL),
					      "pointer %u to %zu", i,
					      new_sizes[j]);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - before,
			ARRAY_SIZE(foreign) * ARRAY_SIZE(new_sizes));
	KUNIT_EXPECT_EQ(test, zk_live_objects(), live);
	KUNIT_EXPECT_FALSE(test, memchr_inv(page_address(page), 0x5a,
					    PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, memchr_inv(vbuf, 0x5a, PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, memchr_inv(p, 0x33, 700));
	zk_free(test, p);
	vfree(vbuf);
	__free_page(page);
}

/*
 * A double free with a free between (A, B, A) is not caught in normal
 * mode, and the magazines hold A twice; when they go back to the span,
 * the span refuses the second A rather than count it, which would free
 * its pages under a live object.
 */
static void zalloc_span_refuses_object_it_has(struct kunit *test)
{
	u64 dbl = refusals(ZR_DOUBLE_FREE);
	struct za_span_census cs;
	char *a, *b;

	za_set_switch(&za_fastpath_key, true);
	a = zalloc_alloc(700, GFP_KERNEL);
	b = zalloc_alloc(700, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	preempt_disable();
	zalloc_free(a);
	zalloc_free(b);
	zalloc_free(a);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - dbl, 0);
	/* Off: every magazine goes back to the spans. */
	za_set_switch(&za_fastpath_key, false);
	KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - dbl, 1);
	/* Counted once: no span has more free objects than it holds. */
	za_class_walk(&za_classes[za_size_class(700)], &cs);
	KUNIT_EXPECT_LE(test, cs.free, cs.objs);
}

/*
 * Frees after debug=N enter no quarantine: a legitimate free of an
 * address that a stale entry names is not refused as a double free.
 */
static void zalloc_debug_off_no_quarantine(struct kunit *test)
{
	u64 dbl = refusals(ZR_DOUBLE_FREE), inv = refusals(ZR_INVALID_FREE);
	void *a, *b, **held;
	unsigned int i;

	held = kunit_kcalloc(test, 512, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	za_set_debug(true);
	a = zalloc_alloc(64, GFP_KERNEL);
	b = zk_track(test, zalloc_alloc(64, GFP_KERNEL));
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	za_set_debug(false);
	zalloc_free(a);
	/* Held, so that the magazines refill from the cache that had a. */
	for (i = 0; i < 512; i++)
		held[i] = zk_track(test, zalloc_alloc(64, GFP_KERNEL));
	for (i = 0; i < 512; i++) {
		KUNIT_EXPECT_NOT_NULL(test, held[i]);
		zk_free(test, held[i]);
	}
	zk_free(test, b);
	KUNIT_EXPECT_EQ(test, refusals(ZR_DOUBLE_FREE) - dbl, 0);
	KUNIT_EXPECT_EQ(test, refusals(ZR_INVALID_FREE) - inv, 0);
}

/*
 * Debug mode asks kmalloc() for the size the caller asked for, so that
 * KASAN sees the class's slack as out of bounds, and zalloc_size() says
 * that size.
 */
static void zalloc_debug_exact_size(struct kunit *test)
{
	static const size_t odd[] = { 20, 300, 5000 };
	unsigned int i;
	void *p;

	za_set_debug(true);
	for (i = 0; i < ARRAY_SIZE(odd); i++) {
		p = zk_track(test, zalloc_alloc(odd[i], GFP_KERNEL));
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, zalloc_size(p), odd[i]);
		zk_free(test, p);
	}
}

/* Debug mode counts its failures like the normal mode does. */
static void zalloc_debug_counts_failures(struct kunit *test)
{
	unsigned int cls = ZA_CLASS_STD;
	struct za_class_stats st;
	u64 fails;

	za_set_switch(&za_stats_key, true);
	za_set_debug(true);
	zk_read_stats(cls, &st);
	fails = st.ev[ZE_FAIL];
	KUNIT_EXPECT_NULL(test, zalloc_alloc(KMALLOC_MAX_SIZE + 1,
					     GFP_KERNEL | __GFP_NOWARN));
	zk_read_stats(cls, &st);
	KUNIT_EXPECT_EQ(test, st.ev[ZE_FAIL] - fails, 1);
}

#ifndef ZALLOC_NO_TRACEPOINTS
/* What the probes below saw of the object zk_trace_obj names. */
static const void *zk_trace_obj;
static unsigned int zk_trace_allocs, zk_trace_frees;

static void zk_probe_alloc(void *data, unsigned long call_site,
			   const void *ptr, size_t bytes_req,
			   size_t bytes_alloc, gfp_t gfp_flags,
			   unsigned int class, int backend, bool hit)
{
	if (ptr && bytes_req == 24 && bytes_alloc == 24) {
		WRITE_ONCE(zk_trace_obj, ptr);
		zk_trace_allocs++;
	}
}

static void zk_probe_free(void *data, unsigned long call_site,
			  const void *ptr, size_t bytes_alloc,
			  unsigned int class)
{
	if (ptr == READ_ONCE(zk_trace_obj))
		zk_trace_frees++;
}

/* The zalloc events fire in debug mode too (a KASAN kernel's default). */
static void zalloc_debug_traced(struct kunit *test)
{
	void *p;

	zk_trace_obj = NULL;
	zk_trace_allocs = 0;
	zk_trace_frees = 0;
	KUNIT_ASSERT_EQ(test, register_trace_zalloc_alloc(zk_probe_alloc,
							  NULL), 0);
	if (register_trace_zalloc_free(zk_probe_free, NULL)) {
		unregister_trace_zalloc_alloc(zk_probe_alloc, NULL);
		KUNIT_FAIL(test, "cannot register the zalloc_free probe");
		return;
	}
	za_set_debug(true);
	p = zalloc_alloc(24, GFP_KERNEL);
	zalloc_free(p);
	za_set_debug(false);
	unregister_trace_zalloc_free(zk_probe_free, NULL);
	unregister_trace_zalloc_alloc(zk_probe_alloc, NULL);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, zk_trace_allocs, 1);
	KUNIT_EXPECT_EQ(test, zk_trace_frees, 1);
}
#endif

static struct kunit_case zalloc_safety_cases[] = {
	KUNIT_CASE(zalloc_free_foreign_page_refused),
	KUNIT_CASE(zalloc_free_interior_pointer_refused),
	KUNIT_CASE(zalloc_double_free_refused),
	KUNIT_CASE(zalloc_debug_refuses_all),
	KUNIT_CASE(zalloc_debug_switch_keeps_objects),
	KUNIT_CASE(zalloc_free_bulk_checks_every_pointer),
	KUNIT_CASE(zalloc_realloc_foreign_refused),
	KUNIT_CASE(zalloc_span_refuses_object_it_has),
	KUNIT_CASE(zalloc_debug_off_no_quarantine),
	KUNIT_CASE(zalloc_debug_exact_size),
	KUNIT_CASE(zalloc_debug_counts_failures),
#ifndef ZALLOC_NO_TRACEPOINTS
	KUNIT_CASE(zalloc_debug_traced),
#endif
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
