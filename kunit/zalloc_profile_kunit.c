// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_profile: the "profile" parameter (zalloc_profile.c).
 *
 * Each case reads the call sites as the callers file shows them
 * (za_profile_read()), before and after what it does, and checks the
 * differences: every object a call site of this module allocates is
 * counted by that site, with the bytes the statistics count; the objects
 * no site holds ("(before-profiling)") change only when an object from
 * before the switch is freed; and the module totals plus that row add up
 * to the statistics' live bytes. Three call sites in two modules: two
 * functions here, and a mempool's allocation callback in zalloc (or the
 * kernel's mempool code that calls it), whichever module kallsyms names.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/* Objects each call site of a case allocates. */
#define ZP_A_OBJS	5
#define ZP_B_OBJS	3
#define ZP_POOL_MIN	4
#define ZP_POOL_SIZE	300
#define ZP_BULK		16

/* What a case reads: the sites, and the row of no site. */
struct zp_snap {
	struct za_profile_row *rows;
	struct za_profile_row before;
	int n;
	s64 stats_objs;
	s64 stats_bytes;
};

/* === Call sites of this module === */

/*
 * Each allocates with its own return address: the barrier() after the call
 * keeps the compiler from making it a tail call, which would charge the
 * allocation to the case that called the site; each calls something the
 * others do not, so that the compiler cannot fold two into one. A site may
 * be a clone the compiler made ("zp_site_bulk.constprop.0").
 */
static noinline void *zp_site_a(size_t size)
{
	void *p = zalloc_alloc(size, GFP_KERNEL);

	barrier();
	return p;
}

static noinline void *zp_site_b(size_t size)
{
	void *p = zalloc_alloc_strategy(size, GFP_KERNEL, ZALLOC_AUTO);

	barrier();
	return p;
}

static noinline int zp_site_bulk(size_t size, size_t nr, void **objs)
{
	int n = zalloc_alloc_bulk(size, GFP_KERNEL, nr, objs);

	barrier();
	return n;
}

static noinline void *zp_site_realloc(void *p, size_t size)
{
	void *q = zalloc_realloc(p, size, GFP_KERNEL);

	barrier();
	return q;
}

/* === Helpers === */

static int zp_init(struct kunit *test)
{
	int err = zk_init(test);

	if (err)
		return err;
	/* Each case starts from a table of its own. */
	za_set_profile(false);
	return za_set_profile(true);
}

/* Reads the rows and the statistics' totals into @s. */
static void zp_read(struct kunit *test, struct zp_snap *s)
{
	struct za_class_stats st;
	unsigned int cls;

	if (!s->rows) {
		s->rows = kunit_kcalloc(test, ZA_PROF_SITES, sizeof(*s->rows),
					GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s->rows);
	}
	s->n = za_profile_read(s->rows, &s->before);
	s->stats_objs = 0;
	s->stats_bytes = 0;
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &st);
		s->stats_objs += st.live_objs;
		s->stats_bytes += st.live_bytes;
	}
}

/* The row of the site in function @func of this module, or NULL. */
static const struct za_profile_row *zp_site(const struct zp_snap *s,
					    const char *func)
{
	size_t len = strlen(func);
	int i;

	for (i = 0; i < s->n; i++)
		if (!strncmp(s->rows[i].sym, func, len) &&
		    (s->rows[i].sym[len] == '+' || s->rows[i].sym[len] == '.') &&
		    !strcmp(s->rows[i].module, KBUILD_MODNAME))
			return &s->rows[i];
	return NULL;
}

static s64 zp_site_objs(const struct zp_snap *s, const char *func)
{
	const struct za_profile_row *r = zp_site(s, func);

	return r ? r->live_objs : 0;
}

static s64 zp_site_bytes(const struct zp_snap *s, const char *func)
{
	const struct za_profile_row *r = zp_site(s, func);

	return r ? r->live_bytes : 0;
}

/* Live objects and bytes of module @module's rows (@mine: of the others). */
static void zp_module(const struct zp_snap *s, const char *module, bool mine,
		      s64 *objs, s64 *bytes)
{
	int i;

	*objs = 0;
	*bytes = 0;
	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->rows[i].module, module) != mine)
			continue;
		*objs += s->rows[i].live_objs;
		*bytes += s->rows[i].live_bytes;
	}
}

/*
 * The rows add up: every module's live bytes and objects, plus the row of
 * no site, are the statistics' totals; no row is negative.
 */
static void zp_expect_adds_up(struct kunit *test, const struct zp_snap *s)
{
	s64 objs = s->before.live_objs, bytes = s->before.live_bytes;
	int i;

	KUNIT_ASSERT_GE(test, s->n, 0);
	for (i = 0; i < s->n; i++) {
		KUNIT_EXPECT_GE_MSG(test, s->rows[i].live_objs, 0, "%s",
				    s->rows[i].sym);
		KUNIT_EXPECT_GE_MSG(test, s->rows[i].live_bytes, 0, "%s",
				    s->rows[i].sym);
		objs += s->rows[i].live_objs;
		bytes += s->rows[i].live_bytes;
	}
	KUNIT_EXPECT_GE(test, s->before.live_objs, 0);
	KUNIT_EXPECT_EQ(test, objs, s->stats_objs);
	KUNIT_EXPECT_EQ(test, bytes, s->stats_bytes);
}

/*
 * The bytes the statistics count for live object @p: its class's size, or
 * for the class of no fixed size what kmalloc() gave. Not in debug mode,
 * whose objects are counted by the size asked for.
 */
static s64 zp_bytes(const void *p)
{
	const struct za_class *c;
	size_t usable;

	c = za_ptr_lookup(p, &usable);
	if (!c)
		return -1;
	return c->pooled ? c->size : usable;
}

/* === The cases === */

/*
 * Three call sites in two modules, with the fast path, without it and in
 * debug mode: each site counts exactly the objects it allocated, the row
 * of no site does not move, and the totals add up to the statistics.
 */
struct zp_mode {
	bool fastpath;
	bool debug;
};

static const struct zp_mode zp_modes[] = {
	{ .fastpath = true }, { .fastpath = false },
	{ .fastpath = true, .debug = true },
};

static void zp_mode_desc(const struct zp_mode *m, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", m->debug ? "debug mode" :
		 m->fastpath ? "per-CPU caches on" : "per-CPU caches off");
}

KUNIT_ARRAY_PARAM(zp_mode, zp_modes, zp_mode_desc);

static void zalloc_profile_sites_add_up(struct kunit *test)
{
	static const size_t a_sizes[ZP_A_OBJS] = { 8, 64, 200, 256, 3000 };
	static const size_t b_sizes[ZP_B_OBJS] = { 900, 20000, 100000 };
	const struct zp_mode *mode = test->param_value;
	struct zp_snap s0 = {}, s1 = {}, s2 = {};
	s64 a_bytes = 0, b_bytes = 0, objs0, bytes0, objs1, bytes1;
	void *a[ZP_A_OBJS], *b[ZP_B_OBJS];
	mempool_t *pool;
	int i;

	za_set_switch(&za_fastpath_key, mode->fastpath);
	za_set_debug(mode->debug);
	zp_read(test, &s0);
	KUNIT_ASSERT_GE(test, s0.n, 0);
	zp_expect_adds_up(test, &s0);

	for (i = 0; i < ZP_A_OBJS; i++) {
		a[i] = zk_track(test, zp_site_a(a_sizes[i]));
		KUNIT_ASSERT_NOT_NULL(test, a[i]);
		a_bytes += zp_bytes(a[i]);
	}
	for (i = 0; i < ZP_B_OBJS; i++) {
		b[i] = zk_track(test, zp_site_b(b_sizes[i]));
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
		b_bytes += zp_bytes(b[i]);
	}
	/* Its elements: allocated by zalloc_mempool_alloc(), not here. */
	pool = zalloc_mempool_create(ZP_POOL_MIN, ZP_POOL_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	zp_read(test, &s1);

	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_a"), ZP_A_OBJS);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_b"), ZP_B_OBJS);
	if (!mode->debug) {
		KUNIT_EXPECT_EQ(test, zp_site_bytes(&s1, "zp_site_a"), a_bytes);
		KUNIT_EXPECT_EQ(test, zp_site_bytes(&s1, "zp_site_b"), b_bytes);
	}
	/* This module: its two sites and nothing else. */
	zp_module(&s1, KBUILD_MODNAME, true, &objs1, &bytes1);
	KUNIT_EXPECT_EQ(test, objs1, ZP_A_OBJS + ZP_B_OBJS);
	KUNIT_EXPECT_EQ(test, bytes1, zp_site_bytes(&s1, "zp_site_a") +
			zp_site_bytes(&s1, "zp_site_b"));
	/* The other module: the pool's elements, more than before. */
	zp_module(&s0, KBUILD_MODNAME, false, &objs0, &bytes0);
	zp_module(&s1, KBUILD_MODNAME, false, &objs1, &bytes1);
	KUNIT_EXPECT_EQ(test, objs1 - objs0, ZP_POOL_MIN);
	KUNIT_EXPECT_GE(test, bytes1 - bytes0, ZP_POOL_MIN * ZP_POOL_SIZE);
	/* Every new object went to a site: the row of no site stayed. */
	KUNIT_EXPECT_EQ(test, s1.before.live_objs, s0.before.live_objs);
	KUNIT_EXPECT_EQ(test, s1.before.live_bytes, s0.before.live_bytes);
	zp_expect_adds_up(test, &s1);

	mempool_destroy(pool);
	for (i = 0; i < ZP_A_OBJS; i++)
		zk_free(test, a[i]);
	for (i = 0; i < ZP_B_OBJS; i++)
		zk_free(test, b[i]);
	zp_read(test, &s2);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_a"), 0);
	KUNIT_EXPECT_EQ(test, zp_site_bytes(&s2, "zp_site_a"), 0);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_b"), 0);
	/* Allocations stay counted once freed. */
	KUNIT_ASSERT_NOT_NULL(test, zp_site(&s2, "zp_site_a"));
	KUNIT_EXPECT_EQ(test, zp_site(&s2, "zp_site_a")->allocs, ZP_A_OBJS);
	zp_module(&s2, KBUILD_MODNAME, false, &objs1, &bytes1);
	KUNIT_EXPECT_EQ(test, objs1, objs0);
	KUNIT_EXPECT_EQ(test, bytes1, bytes0);
	KUNIT_EXPECT_EQ(test, s2.before.live_objs, s0.before.live_objs);
	KUNIT_EXPECT_EQ(test, s2.before.live_bytes, s0.before.live_bytes);
	zp_expect_adds_up(test, &s2);
}

/*
 * Objects allocated before the switch belong to no site: freed with
 * profiling on, they leave the row of no site, by their exact bytes, and
 * are neither refused nor taken off a site.
 */
static void zalloc_profile_before_switch_freed(struct kunit *test)
{
	static const size_t sizes[] = { 16, 128, 700, 8192, 70000 };
	void *objs[ARRAY_SIZE(sizes)];
	struct zp_snap s1 = {}, s2 = {};
	u64 inv, dbl;
	s64 bytes = 0;
	int i;

	za_set_profile(false);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		objs[i] = zk_track(test, zp_site_a(sizes[i]));
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		bytes += zp_bytes(objs[i]);
	}
	KUNIT_ASSERT_EQ(test, za_set_profile(true), 0);
	zp_read(test, &s1);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_a"), 0);
	KUNIT_EXPECT_GE(test, s1.before.live_objs, ARRAY_SIZE(sizes));
	zp_expect_adds_up(test, &s1);

	inv = za_stats_refusals(ZR_INVALID_FREE);
	dbl = za_stats_refusals(ZR_DOUBLE_FREE);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		zk_free(test, objs[i]);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE), inv);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_DOUBLE_FREE), dbl);
	zp_read(test, &s2);
	KUNIT_EXPECT_EQ(test, s1.before.live_objs - s2.before.live_objs,
			ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, s1.before.live_bytes - s2.before.live_bytes,
			bytes);
	KUNIT_EXPECT_EQ(test, s2.n, s1.n);
	KUNIT_EXPECT_NULL(test, zp_site(&s2, "zp_site_a"));
	zp_expect_adds_up(test, &s2);
}

/*
 * Switched off with objects still counted by a site: the rows are gone,
 * the objects are freed as any, none refused, and the statistics are back
 * where they were; on again, the objects that remain belong to no site.
 */
static void zalloc_profile_switch_off_loses_nothing(struct kunit *test)
{
	struct zp_snap s0 = {}, s1 = {};
	void *objs[ZP_A_OBJS], *kept;
	s64 kept_bytes, objs1, bytes1;
	u64 inv, dbl;
	int i;

	zp_read(test, &s0);
	s1.rows = s0.rows;
	for (i = 0; i < ZP_A_OBJS; i++) {
		objs[i] = zk_track(test, zp_site_a(64 << i));
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	kept = zk_track(test, zp_site_b(5000));
	KUNIT_ASSERT_NOT_NULL(test, kept);
	kept_bytes = zp_bytes(kept);
	KUNIT_ASSERT_EQ(test, za_set_profile(false), 0);
	KUNIT_EXPECT_FALSE(test, za_profile_enabled());
	KUNIT_EXPECT_EQ(test, za_profile_read(s1.rows, &s1.before), -ENODATA);

	inv = za_stats_refusals(ZR_INVALID_FREE);
	dbl = za_stats_refusals(ZR_DOUBLE_FREE);
	for (i = 0; i < ZP_A_OBJS; i++)
		zk_free(test, objs[i]);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE), inv);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_DOUBLE_FREE), dbl);

	KUNIT_ASSERT_EQ(test, za_set_profile(true), 0);
	zp_read(test, &s1);
	zp_module(&s1, KBUILD_MODNAME, true, &objs1, &bytes1);
	KUNIT_EXPECT_EQ(test, objs1, 0);
	KUNIT_EXPECT_EQ(test, bytes1, 0);
	KUNIT_EXPECT_NULL(test, zp_site(&s1, "zp_site_b"));
	KUNIT_EXPECT_EQ(test, s1.stats_objs, s0.stats_objs + 1);
	KUNIT_EXPECT_EQ(test, s1.stats_bytes, s0.stats_bytes + kept_bytes);
	KUNIT_EXPECT_EQ(test, s1.before.live_objs, s0.before.live_objs + 1);
	zp_expect_adds_up(test, &s1);
	zk_free(test, kept);
}

/* An object freed with zalloc_free_rcu(). */
struct zp_rcu_obj {
	struct rcu_head rcu;
	char data[200];
};

/*
 * The other ways in and out: a bulk allocation counts each object, a bulk
 * free takes each off; a moving zalloc_realloc() charges the new object
 * to its own call site and takes the old one off; zalloc_free_rcu() takes
 * the object off at once, as the statistics do.
 */
static void zalloc_profile_bulk_realloc_rcu(struct kunit *test)
{
	struct zp_snap s0 = {}, s1 = {}, s2 = {};
	void *objs[ZP_BULK], *p, *q;
	struct zp_rcu_obj *r;

	zp_read(test, &s0);
	KUNIT_ASSERT_EQ(test, zp_site_bulk(128, ZP_BULK, objs), ZP_BULK);
	zk_track_bulk(test, ZP_BULK, objs);
	p = zk_track(test, zp_site_a(100));
	KUNIT_ASSERT_NOT_NULL(test, p);
	zk_untrack(test, p);
	q = zk_track(test, zp_site_realloc(p, 3000));
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, p, q);
	r = zk_track(test, zp_site_b(sizeof(*r)));
	KUNIT_ASSERT_NOT_NULL(test, r);
	zp_read(test, &s1);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_bulk"), ZP_BULK);
	KUNIT_EXPECT_EQ(test, zp_site_bytes(&s1, "zp_site_bulk"),
			ZP_BULK * zp_bytes(objs[0]));
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_a"), 0);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_realloc"), 1);
	KUNIT_EXPECT_EQ(test, zp_site_bytes(&s1, "zp_site_realloc"),
			zp_bytes(q));
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s1, "zp_site_b"), 1);
	KUNIT_EXPECT_EQ(test, s1.before.live_objs, s0.before.live_objs);
	zp_expect_adds_up(test, &s1);

	zk_free_bulk(test, ZP_BULK, objs);
	zk_free(test, q);
	zk_untrack(test, r);
	zalloc_free_rcu(r, rcu);
	zp_read(test, &s2);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_bulk"), 0);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_realloc"), 0);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_b"), 0);
	KUNIT_EXPECT_EQ(test, s2.before.live_objs, s0.before.live_objs);
	zp_expect_adds_up(test, &s2);
	/* Freed by the callback: no site, and not the row of no site, moves. */
	KUNIT_EXPECT_TRUE(test, za_rcu_flush());
	zp_read(test, &s2);
	KUNIT_EXPECT_EQ(test, zp_site_objs(&s2, "zp_site_b"), 0);
	KUNIT_EXPECT_EQ(test, s2.before.live_objs, s0.before.live_objs);
	zp_expect_adds_up(test, &s2);
}

static struct kunit_case zalloc_profile_cases[] = {
	KUNIT_CASE_PARAM(zalloc_profile_sites_add_up, zp_mode_gen_params),
	KUNIT_CASE(zalloc_profile_before_switch_freed),
	KUNIT_CASE(zalloc_profile_switch_off_loses_nothing),
	KUNIT_CASE(zalloc_profile_bulk_realloc_rcu),
	{}
};

static struct kunit_suite zalloc_profile_suite = {
	.name = "zalloc_profile",
	.init = zp_init,
	.exit = zk_exit,
	.test_cases = zalloc_profile_cases,
};

kunit_test_suite(zalloc_profile_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc's profiling by call site and module");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
