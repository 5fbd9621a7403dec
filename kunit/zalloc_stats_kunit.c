// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_stats: the statistics. Built as zalloc_stats_kunit.ko;
 * load it after zalloc.ko.
 *
 * The events and gauges count a case's own operations exactly; a reset
 * clears the events and keeps the gauges; the bytes a class holds add up
 * and match a walk of its spans; with the statistics off the events stand
 * still and the gauges still move; the gauges stay exact when the 64-bit
 * counts they come from pass 2^32 or wrap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "zalloc_kunit.h"
#include "zalloc_mag.h"

static const struct zk_size stats_sizes[] = {
	{ 48 }, { 3000 }, { 100000 },
};

KUNIT_ARRAY_PARAM(stats, stats_sizes, zk_size_desc);

static void zalloc_stats_count_own_operations(struct kunit *test)
{
	size_t size = zk_param_size(test);
	unsigned int cls = zk_expected_class(size);
	struct za_class_stats before, mid, after;
	void *p[10];
	size_t bytes = 0;
	int i;

	zk_read_stats(cls, &before);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = zk_track(test, zalloc_alloc(size, GFP_KERNEL));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
		bytes += zalloc_size(p[i]);
	}
	for (i = 0; i < 4; i++)
		zk_free(test, p[i]);
	zk_read_stats(cls, &mid);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_ALLOC] - before.ev[ZE_ALLOC], 10);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_FREE] - before.ev[ZE_FREE], 4);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_FAIL], before.ev[ZE_FAIL]);
	KUNIT_EXPECT_EQ(test, mid.live_objs - before.live_objs, 6);
	KUNIT_EXPECT_EQ(test, mid.live_bytes - before.live_bytes,
			(s64)(bytes / 10 * 6));
	KUNIT_EXPECT_LE(test, mid.ev[ZE_MISS] - before.ev[ZE_MISS], 10);
	for (i = 4; i < ARRAY_SIZE(p); i++)
		zk_free(test, p[i]);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE], 10);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes);
}

static void zalloc_stats_reset_keeps_gauges(struct kunit *test)
{
	unsigned int cls = zk_expected_class(100);
	struct za_class_stats before, after;
	void *p;

	p = zk_track(test, zalloc_alloc(100, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	za_stats_read(cls, &before, true);
	KUNIT_EXPECT_GE(test, before.ev[ZE_ALLOC], 1);
	za_stats_reset();
	za_stats_read(cls, &after, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_ALLOC], 0);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], 0);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes);
	zk_free(test, p);
	za_stats_read(cls, &after, true);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], 1);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs - 1);
}

/*
 * The bytes a class holds add up (handed out + idle in magazines + free
 * in spans + span rounding), and match a walk of its spans.
 */
static void zalloc_accounting_adds_up(struct kunit *test)
{
	static const size_t sizes[] = { 700, 5000, 20000, 40000, 65536 };
	struct za_class_stats before, st;
	struct za_span_census cs;
	unsigned int i, k, n;
	void **p;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		unsigned int cls = zk_expected_class(sizes[k]);
		struct za_class *c = &za_classes[cls];

		n = 3 * c->per_span + 5;
		p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		za_mag_drain_all();
		zk_read_stats(cls, &before);
		for (i = 0; i < n; i++) {
			p[i] = zk_track(test, zalloc_alloc(sizes[k], GFP_KERNEL));
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
		}
		for (i = 0; i < n; i += 2)
			zk_free(test, p[i]);
		zk_read_stats(cls, &st);
		KUNIT_EXPECT_EQ(test, st.live_objs - before.live_objs, n / 2);
		KUNIT_EXPECT_EQ(test, st.held_bytes,
				st.live_bytes + st.cached_bytes +
				st.rcu_waiting_bytes + st.span_free_bytes +
				st.tail_bytes);
		KUNIT_EXPECT_EQ(test, st.held_bytes, (u64)st.pages << PAGE_SHIFT);
		if (c->per_span > 1) {
			za_class_walk(c, &cs);
			KUNIT_EXPECT_EQ(test, st.pages, cs.pages);
			KUNIT_EXPECT_EQ(test, st.span_free_bytes,
					(s64)cs.free * c->size);
			KUNIT_EXPECT_EQ(test, st.tail_bytes,
					(s64)(cs.pages << PAGE_SHIFT) -
					(s64)cs.objs * c->size);
		} else {
			/* A single-object span is one object, out or idle. */
			KUNIT_EXPECT_EQ(test, st.pages,
					(unsigned long)(st.live_objs + st.cached)
					<< c->order);
		}
		for (i = 1; i < n; i += 2)
			zk_free(test, p[i]);
		za_mag_drain_all();
	}
}

/* Statistics off: no event moves, the gauges still do. */
static void zalloc_stats_off_keeps_gauges(struct kunit *test)
{
	unsigned int cls = zk_expected_class(700);
	struct za_class_stats before, mid, after;
	void *p;

	zk_read_stats(cls, &before);
	za_set_switch(&za_stats_key, false);
	p = zalloc_alloc(700, GFP_KERNEL);
	zk_read_stats(cls, &mid);
	zalloc_free(p);
	zk_read_stats(cls, &after);
	za_set_switch(&za_stats_key, true);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_ALLOC], before.ev[ZE_ALLOC]);
	KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE], before.ev[ZE_FREE]);
	KUNIT_EXPECT_EQ(test, mid.live_objs, before.live_objs + 1);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
}

/* One derivation of a gauge: its counts and the gauge they give. */
struct gauge_case {
	u64 out;
	u64 in;
	s64 idle;
	long live;
	const char *what;
};

static const struct gauge_case gauge_cases[] = {
	{ 7, 3, 1, 3, "small" },
	{ BIT_ULL(32) + 5, BIT_ULL(32) - 3, 2, 6, "out past 2^32" },
	{ BIT_ULL(32) - 1, BIT_ULL(32) + 1, 0, -2, "in past 2^32" },
	{ BIT_ULL(33) + 1, BIT_ULL(33) - 1, 2, 0, "zero across 2^33" },
	{ 3, U64_MAX - 4, 1, 7, "out wrapped at 2^64" },
	{ 1, U64_MAX, 3, -1, "in wrapped at 2^64" },
};

/*
 * The gauges stay exact where the counts straddle 2^32 or wrap at 2^64;
 * on a 32-bit kernel, also where a count's upper half was read before a
 * carry into it reached it (a torn read), which a 64-bit kernel never sees.
 */
static void zalloc_stats_gauge_wraps(struct kunit *test)
{
	const struct gauge_case *g;

	for (g = gauge_cases; g < gauge_cases + ARRAY_SIZE(gauge_cases); g++)
		KUNIT_EXPECT_EQ_MSG(test, za_gauge(g->out, g->in, g->idle),
				    g->live, "%s", g->what);
	if (BITS_PER_LONG == 32) {
		/* out is 2^32 + 2, read before the carry into its upper half */
		KUNIT_EXPECT_EQ(test, za_gauge(2, BIT_ULL(32) - 3, 1), 4);
		/* in is 2^33 + 1, read as 2^32 + 1 for the same reason */
		KUNIT_EXPECT_EQ(test,
				za_gauge(BIT_ULL(33) + 9, BIT_ULL(32) + 1, 0),
				8);
	}
}

/*
 * 2^32 - 1 objects out of a class's backend counted on this CPU's cache
 * (struct za_mag_class) and as many back through the other counters
 * (struct za_pcpu_stats), as when objects taken on one CPU come back on
 * another: the live objects do not move. With counters of 32 bits, the
 * first sum would have wrapped and the second not.
 */
static void zalloc_stats_counts_past_2_32(struct kunit *test)
{
	const u64 n = U32_MAX;
	unsigned int cls = zk_expected_class(64);
	struct za_class_stats before, mid, after;
	struct za_cpu_mags *pc;

	zk_read_stats(cls, &before);
	pc = mags_claim();
	KUNIT_ASSERT_NOT_NULL(test, pc);
	pc->cls[cls].ev[ZE_OUT] += n;
	this_cpu_add(za_pcpu_stats.ev[cls][ZE_IN], n);
	mags_release(pc);
	zk_read_stats(cls, &mid);
	pc = mags_claim();
	KUNIT_ASSERT_NOT_NULL(test, pc);
	pc->cls[cls].ev[ZE_OUT] -= n;
	this_cpu_sub(za_pcpu_stats.ev[cls][ZE_IN], n);
	mags_release(pc);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_OUT] - before.ev[ZE_OUT], n);
	KUNIT_EXPECT_EQ(test, mid.ev[ZE_IN] - before.ev[ZE_IN], n);
	KUNIT_EXPECT_EQ(test, mid.live_objs, before.live_objs);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs);
}

static struct kunit_case zalloc_stats_cases[] = {
	KUNIT_CASE_PARAM(zalloc_stats_count_own_operations,
			 stats_gen_params),
	KUNIT_CASE(zalloc_stats_reset_keeps_gauges),
	KUNIT_CASE(zalloc_accounting_adds_up),
	KUNIT_CASE(zalloc_stats_off_keeps_gauges),
	KUNIT_CASE(zalloc_stats_gauge_wraps),
	KUNIT_CASE(zalloc_stats_counts_past_2_32),
	{}
};

static struct kunit_suite zalloc_stats_suite = {
	.name = "zalloc_stats",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_stats_cases,
};

kunit_test_suite(zalloc_stats_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's statistics");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
