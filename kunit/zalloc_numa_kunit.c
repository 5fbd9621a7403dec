// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_numa: zalloc_alloc_node() and the caches' split by
 * node. Built as zalloc_numa_kunit.ko; load it after zalloc.ko.
 *
 * Every backend's objects are checked with page_to_nid(): those asked for
 * a node are on it (for each node with memory, NUMA_NO_NODE and this
 * CPU's), those of plain and bulk allocations on each node's CPUs are on
 * that CPU's node, another node's objects freed on a CPU never come back
 * out of its magazines, and a node that is not online is refused. On a
 * kernel of one node every case but the cross-node free runs with node 0
 * (make check's QEMU target boots a guest of two nodes, one CPU each).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/workqueue.h>

#include "zalloc_kunit.h"

/* Sizes of every backend: object pools, spans, single-object spans, kmalloc. */
static const size_t node_sizes[] = { 8, 256, 700, 5000, 32768, 65536, 200000 };

/* Objects per size: more than a CPU's two magazines of the small classes. */
#define NODE_OBJS	80

static int obj_nid(const void *p)
{
	return page_to_nid(virt_to_page(p));
}

/* The remote events of the class zalloc_alloc() picks for @size. */
static u64 remote_events(size_t size)
{
	struct za_class_stats st;

	zk_read_stats(zk_expected_class(size), &st);
	return st.ev[ZE_REMOTE];
}

/*
 * @n objects of @size for @node (NUMA_NO_NODE: as zalloc_alloc() gives)
 * into @p, each expected on @want; with @strategy forced if it is not
 * ZALLOC_AUTO, and @gfp. Returns how many were allocated.
 */
static unsigned int alloc_on(struct kunit *test, size_t size, gfp_t gfp,
			     enum zalloc_strategy strategy, int node, int want,
			     unsigned int n, void **p)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i] = zalloc_alloc_node_strategy(size, gfp, strategy, node);
		if (!p[i])
			break;
		zk_track(test, p[i]);
		KUNIT_EXPECT_EQ_MSG(test, obj_nid(p[i]), want,
				    "%zu B object %u for node %d", size, i,
				    node);
	}
	KUNIT_EXPECT_EQ_MSG(test, i, n, "%zu B for node %d", size, node);
	return i;
}

static void free_all(struct kunit *test, unsigned int n, void **p)
{
	while (n--)
		zk_free(test, p[n]);
}

/*
 * This CPU's node, asked for by number and as NUMA_NO_NODE, for every
 * backend: from the magazines (freed and taken again) and the backend.
 */
static void zalloc_node_local(struct kunit *test)
{
	int here = numa_mem_id(), round, n;
	unsigned int i, got;
	void **p;

	p = kunit_kcalloc(test, NODE_OBJS, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < ARRAY_SIZE(node_sizes); i++) {
		for (round = 0; round < 2; round++) {
			n = round ? here : NUMA_NO_NODE;
			got = alloc_on(test, node_sizes[i], GFP_KERNEL,
				       ZALLOC_AUTO, n, here, NODE_OBJS, p);
			free_all(test, got, p);
		}
	}
	/* The standard backend for a small size, forced. */
	got = alloc_on(test, 64, GFP_KERNEL, ZALLOC_STANDARD, here, here,
		       NODE_OBJS, p);
	free_all(test, got, p);
}

/*
 * Each node with memory, asked for by number, with and without
 * __GFP_THISNODE, after this CPU's magazines were filled with its own
 * node's objects: the objects are on the node asked for; those for
 * another node than this CPU's are counted as remote (pool classes), as
 * are their frees.
 */
static void zalloc_node_each(struct kunit *test)
{
	int here = numa_mem_id(), nid;
	unsigned int i, got;
	u64 before;
	void **p;

	p = kunit_kcalloc(test, NODE_OBJS, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for_each_node_state(nid, N_MEMORY) {
		for (i = 0; i < ARRAY_SIZE(node_sizes); i++) {
			size_t size = node_sizes[i];
			bool pooled = size <= ZA_EXT_MAX;

			/* This CPU's magazines full of its node's objects. */
			got = alloc_on(test, size, GFP_KERNEL, ZALLOC_AUTO,
				       NUMA_NO_NODE, here, NODE_OBJS, p);
			free_all(test, got, p);
			before = remote_events(size);
			got = alloc_on(test, size, GFP_KERNEL, ZALLOC_AUTO,
				       nid, nid, NODE_OBJS / 2, p);
			got += alloc_on(test, size,
					GFP_KERNEL | __GFP_THISNODE,
					ZALLOC_AUTO, nid, nid, NODE_OBJS / 2,
					p + got);
			free_all(test, got, p);
			if (pooled && nid != here)
				KUNIT_EXPECT_EQ_MSG(test,
						    remote_events(size) - before,
						    (u64)2 * got, "%zu B", size);
			else
				KUNIT_EXPECT_EQ_MSG(test,
						    remote_events(size), before,
						    "%zu B", size);
		}
	}
}

/* What node_cpu_run() runs on a node's CPU, and what it finds. */
struct node_cpu_arg {
	struct kunit *test;
	int want;
	void **p;
	size_t size;	/* the size it stopped at */
	bool bulk;	/* whether it was a bulk allocation */
};

/* 0, or the node + 1 of the first of @n objects not on node @want. */
static long first_wrong(void **p, unsigned int n, int want)
{
	while (n--)
		if (obj_nid(p[n]) != want)
			return obj_nid(p[n]) + 1;
	return 0;
}

/*
 * On a CPU of the node: plain and bulk allocations of every backend are
 * on the CPU's node (the magazines, the depot and the backend's); returns
 * 0, -ENOMEM, or the first wrong node + 1, with the size and kind in @a.
 * Everything is freed again.
 */
static long node_cpu_run(void *data)
{
	struct node_cpu_arg *a = data;
	unsigned int i, j;
	long wrong = 0;

	for (i = 0; i < ARRAY_SIZE(node_sizes) && !wrong; i++) {
		size_t size = node_sizes[i];

		a->size = size;
		a->bulk = false;
		for (j = 0; j < NODE_OBJS; j++) {
			a->p[j] = zalloc_alloc(size, GFP_KERNEL);
			if (!a->p[j])
				break;
		}
		wrong = j < NODE_OBJS ? -ENOMEM : first_wrong(a->p, j, a->want);
		zalloc_free_bulk(j, a->p);
		if (wrong)
			break;
		a->bulk = true;
		if (!zalloc_alloc_bulk(size, GFP_KERNEL, NODE_OBJS, a->p))
			return -ENOMEM;
		wrong = first_wrong(a->p, NODE_OBJS, a->want);
		zalloc_free_bulk(NODE_OBJS, a->p);
	}
	return wrong;
}

/* Plain and bulk allocations on the first online CPU of each node. */
static void zalloc_node_cpu_local(struct kunit *test)
{
	struct node_cpu_arg a = { .test = test };
	int nid, cpu;
	long ret;

	a.p = kunit_kcalloc(test, NODE_OBJS, sizeof(*a.p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a.p);
	for_each_online_node(nid) {
		cpu = cpumask_first_and(cpumask_of_node(nid), cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			continue;
		a.want = cpu_to_mem(cpu);
		ret = work_on_cpu(cpu, node_cpu_run, &a);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0,
				    "CPU %d of node %d (memory of node %d), %zu B%s: negative: an error, positive: an object of node ret - 1",
				    cpu, nid, a.want, a.size,
				    a.bulk ? " in bulk" : "");
	}
}

/* What free_there() frees on a CPU of another node. */
struct free_there_arg {
	unsigned int n;
	void **p;
};

/* Half of them in bulk, half one by one. */
static long free_there(void *data)
{
	struct free_there_arg *a = data;
	unsigned int i, half = a->n / 2;

	zalloc_free_bulk(half, a->p);
	for (i = half; i < a->n; i++)
		zalloc_free(a->p[i]);
	return 0;
}

/*
 * Objects of this CPU's node freed on a CPU of another node go back to
 * their backend, past that CPU's magazines: once that CPU's caches are
 * drained, every object it takes is its own node's.
 */
static void zalloc_numa_remote_free(struct kunit *test)
{
	int here = numa_mem_id(), nid, cpu = nr_cpu_ids;
	struct node_cpu_arg a = { .test = test };
	struct free_there_arg f;
	unsigned int i, j;
	u64 before;

	for_each_online_node(nid) {
		if (cpu_to_mem(cpumask_first(cpumask_of_node(nid))) == here)
			continue;
		cpu = cpumask_first_and(cpumask_of_node(nid), cpu_online_mask);
		if (cpu < nr_cpu_ids)
			break;
	}
	if (cpu >= nr_cpu_ids)
		kunit_skip(test, "needs an online CPU of a second node");
	a.p = kunit_kcalloc(test, NODE_OBJS, sizeof(*a.p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a.p);
	f.p = kunit_kcalloc(test, NODE_OBJS, sizeof(*f.p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f.p);
	za_mag_drain_all();
	for (i = 0; i < ARRAY_SIZE(node_sizes); i++) {
		size_t size = node_sizes[i];

		f.n = alloc_on(test, size, GFP_KERNEL, ZALLOC_AUTO,
			       NUMA_NO_NODE, here, NODE_OBJS, f.p);
		/* Freed there: zk_exit() must not free them again. */
		for (j = 0; j < f.n; j++)
			zk_untrack(test, f.p[j]);
		before = remote_events(size);
		KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, free_there, &f), 0);
		if (size <= ZA_EXT_MAX)
			KUNIT_EXPECT_EQ_MSG(test, remote_events(size) - before,
					    (u64)f.n, "%zu B", size);
	}
	a.want = cpu_to_mem(cpu);
	KUNIT_EXPECT_EQ_MSG(test, work_on_cpu(cpu, node_cpu_run, &a), 0,
			    "CPU %d, %zu B%s: negative: an error, positive: an object of node ret - 1",
			    cpu, a.size, a.bulk ? " in bulk" : "");
}

/* A node that is neither NUMA_NO_NODE nor online: refused, counted. */
static void zalloc_node_invalid(struct kunit *test)
{
	int nodes[] = { nr_node_ids, MAX_NUMNODES, MAX_NUMNODES + 1, -2,
			INT_MAX, INT_MIN, -1 };
	unsigned int i, refused = 0;
	u64 before = za_stats_refusals(ZR_NODE);
	int nid;
	void *p;

	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		p = zalloc_alloc_node(64, GFP_KERNEL, nodes[i]);
		if (nodes[i] == NUMA_NO_NODE) {
			KUNIT_EXPECT_NOT_NULL(test, p);
			zalloc_free(p);
			continue;
		}
		KUNIT_EXPECT_NULL_MSG(test, p, "node %d", nodes[i]);
		zalloc_free(p);
		refused++;
	}
	/* Possible nodes that are not online, if the machine has any. */
	for_each_node(nid) {
		if (node_online(nid))
			continue;
		p = zalloc_alloc_node(5000, GFP_KERNEL, nid);
		KUNIT_EXPECT_NULL_MSG(test, p, "offline node %d", nid);
		zalloc_free(p);
		refused++;
	}
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_NODE) - before, (u64)refused);
}

static struct kunit_case zalloc_numa_cases[] = {
	KUNIT_CASE(zalloc_node_local),
	KUNIT_CASE(zalloc_node_each),
	KUNIT_CASE(zalloc_node_cpu_local),
	KUNIT_CASE(zalloc_numa_remote_free),
	KUNIT_CASE(zalloc_node_invalid),
	{}
};

static struct kunit_suite zalloc_numa_suite = {
	.name = "zalloc_numa",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_numa_cases,
};

kunit_test_suite(zalloc_numa_suite);

MODULE_DESCRIPTION("KUnit tests of zalloc_alloc_node() and the caches' split by node");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
