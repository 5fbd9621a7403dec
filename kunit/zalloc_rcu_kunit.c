// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_rcu: zalloc_free_rcu(). Built as zalloc_rcu_kunit.ko;
 * load it after zalloc.ko.
 *
 * A reader inside rcu_read_lock() sees an object it was reading intact
 * until it leaves, for an object of each backend with its rcu_head at the
 * end (past 4096 bytes for the large ones); the object is neither live nor
 * cached meanwhile, but counted as waiting, and afterwards freed. 100,000
 * objects freed in a burst come back within a few rcu_barrier() calls.
 * Pointers zalloc did not hand out, and rcu_heads outside their object,
 * are refused at call time. One thread frees under RCU while another, on
 * another CPU where there are two, reads and allocates objects of the same
 * class: no reader ever sees an object reused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

/* Objects of the burst, and rcu_barrier() calls they may take to return. */
#define ZR_BURST		100000
#define ZR_BARRIERS		5

/* An object of the burst and of the SMP case: 64 bytes, an object pool. */
struct zr_obj {
	u32 tag;
	u8 fill[36];
	struct rcu_head rcu;
	u64 pad;
};

static_assert(sizeof(struct zr_obj) == 64);

/* Every class's gauges summed: live and waiting objects. */
static void zr_totals(s64 *live, s64 *waiting)
{
	struct za_class_stats st;
	unsigned int cls;

	*live = 0;
	*waiting = 0;
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &st);
		*live += st.live_objs;
		*waiting += st.rcu_waiting;
	}
}

/* Objects of zalloc waiting for a grace period. */
static s64 zr_waiting(void)
{
	s64 live, waiting;

	zr_totals(&live, &waiting);
	return waiting;
}

static const struct zk_size rcu_sizes[] = {
	{ 64 }, { 3000 }, { 20000 }, { 100000 },
};

KUNIT_ARRAY_PARAM(rcu, rcu_sizes, zk_size_desc);

/*
 * zalloc_free_rcu() inside a reader: until the reader leaves, the object
 * keeps its bytes (init_on_free would wipe a freed one), is not handed
 * out again (the magazines are LIFO: a freed object would come back at
 * once), and is counted as waiting, not live; after za_rcu_flush() it is
 * freed and the gauges are back.
 */
static void zalloc_rcu_reader_sees_object_intact(struct kunit *test)
{
	size_t size = zk_param_size(test), usable, off;
	unsigned int cls = zk_expected_class(size);
	struct za_class_stats before, mid, after;
	void *p, *q, *changed;
	u64 end;

	off = ALIGN_DOWN(size - sizeof(struct rcu_head), sizeof(void *));
	p = zalloc_alloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = zalloc_size(p);
	memset(p, 0xa5, off);
	zk_read_stats(cls, &before);

	rcu_read_lock();
	__zalloc_free_rcu(p, p + off);
	zk_read_stats(cls, &mid);
	q = zalloc_alloc(size, GFP_ATOMIC);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	if (q) {
		memset(q, 0x5a, size);
		zalloc_free(q);
	}
	/*
	 * Time for a grace period, had this reader not held it up: spun, as
	 * a reader may not sleep.
	 */
	end = ktime_get_ns() + 2 * NSEC_PER_MSEC;
	do {
		changed = memchr_inv(p, 0xa5, off);
		cpu_relax();
	} while (!changed && ktime_get_ns() < end);
	KUNIT_EXPECT_NULL(test, changed);
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, mid.rcu_waiting - before.rcu_waiting, 1);
	KUNIT_EXPECT_EQ(test, mid.rcu_waiting_bytes - before.rcu_waiting_bytes,
			(s64)usable);
	KUNIT_EXPECT_EQ(test, mid.live_objs, before.live_objs - 1);
	KUNIT_EXPECT_EQ(test, mid.live_bytes, before.live_bytes - (s64)usable);
	KUNIT_EXPECT_EQ(test, mid.cached, before.cached);

	KUNIT_EXPECT_TRUE(test, za_rcu_flush());
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.rcu_waiting, before.rcu_waiting);
	KUNIT_EXPECT_EQ(test, after.rcu_waiting_bytes, before.rcu_waiting_bytes);
	KUNIT_EXPECT_EQ(test, after.live_objs, before.live_objs - 1);
	KUNIT_EXPECT_EQ(test, after.live_bytes, before.live_bytes - (s64)usable);
	if (static_key_enabled(&za_stats_key))
		KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE],
				q ? 2 : 1);
}

/*
 * 100,000 objects freed with zalloc_free_rcu() in a burst: none is live
 * once the burst is done, and all are freed within ZR_BARRIERS calls of
 * rcu_barrier(), each of which waits for a grace period: the batches hand
 * on by themselves, nothing forces them. NULL is ignored.
 */
static void zalloc_rcu_burst_comes_back(struct kunit *test)
{
	unsigned int cls = zk_expected_class(sizeof(struct zr_obj)), i, n;
	struct za_class_stats before, after;
	s64 live0, waiting0, live, waiting;
	struct zr_obj **objs, *none = NULL;

	objs = kvmalloc_array(ZR_BURST, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_TRUE(test, za_rcu_flush());
	zr_totals(&live0, &waiting0);
	zk_read_stats(cls, &before);
	for (n = 0; n < ZR_BURST; n++) {
		objs[n] = zalloc_alloc(sizeof(**objs), GFP_KERNEL);
		if (!objs[n])
			break;
		cond_resched();
	}
	if (n < ZR_BURST) {
		zalloc_free_bulk(n, (void **)objs);
		kvfree(objs);
		KUNIT_FAIL(test, "only %u of %u objects allocated", n, ZR_BURST);
		return;
	}
	for (i = 0; i < ZR_BURST; i++)
		zalloc_free_rcu(objs[i], rcu);
	zalloc_free_rcu(none, rcu);
	kvfree(objs);
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, live, live0);
	KUNIT_EXPECT_GT(test, waiting - waiting0, 0);
	KUNIT_EXPECT_LE(test, waiting - waiting0, ZR_BURST);

	for (i = 0; i < ZR_BARRIERS && zr_waiting() != waiting0; i++)
		rcu_barrier();
	kunit_info(test, "the burst came back after %u rcu_barrier() calls\n",
		   i);
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, waiting, waiting0);
	KUNIT_EXPECT_EQ(test, live, live0);
	zk_read_stats(cls, &after);
	KUNIT_EXPECT_EQ(test, after.rcu_waiting, before.rcu_waiting);
	if (static_key_enabled(&za_stats_key))
		KUNIT_EXPECT_EQ(test, after.ev[ZE_FREE] - before.ev[ZE_FREE],
				ZR_BURST);
	KUNIT_EXPECT_TRUE(test, za_rcu_flush());
}

/* A module variable: no page of zalloc's. */
static struct zr_obj zr_static;

/*
 * Refused at call time, counted, never queued: a pointer zalloc did not
 * hand out, a pointer into an object, an rcu_head outside the object
 * (just past its end; before its start), and the object queued last on
 * this CPU queued again (a double free). Nothing waits, nothing is freed.
 */
static void zalloc_rcu_refuses_at_call_time(struct kunit *test)
{
	u64 inv = za_stats_refusals(ZR_INVALID_FREE);
	u64 dbl = za_stats_refusals(ZR_DOUBLE_FREE);
	s64 live0, waiting0, live, waiting;
	size_t usable;
	u8 *ext, *obj;

	KUNIT_ASSERT_TRUE(test, za_rcu_flush());
	ext = zk_track(test, zalloc_alloc(3000, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ext);
	obj = zk_track(test, zalloc_alloc(64, GFP_KERNEL));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	usable = zalloc_size(obj);
	zr_totals(&live0, &waiting0);

	zalloc_free_rcu(&zr_static, rcu);
	__zalloc_free_rcu(ext + 64, (struct rcu_head *)(ext + 128));
	__zalloc_free_rcu(obj, (struct rcu_head *)(obj + usable));
	__zalloc_free_rcu(obj, (struct rcu_head *)(obj + usable - 8));
	__zalloc_free_rcu(obj, (struct rcu_head *)(obj - 16));
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE) - inv, 5);
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, live, live0);
	KUNIT_EXPECT_EQ(test, waiting, waiting0);

	/* Its last possible place is inside; a second call is refused. */
	zk_untrack(test, obj);
	__zalloc_free_rcu(obj, (struct rcu_head *)(obj + usable - 16));
	__zalloc_free_rcu(obj, (struct rcu_head *)(obj + usable - 16));
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_DOUBLE_FREE) - dbl, 1);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE) - inv, 5);
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, live, live0 - 1);
	KUNIT_EXPECT_EQ(test, waiting, waiting0 + 1);
	KUNIT_EXPECT_TRUE(test, za_rcu_flush());
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, waiting, waiting0);
	KUNIT_EXPECT_EQ(test, live, live0 - 1);
}

/* === One CPU frees under RCU while another reads and allocates === */

#define ZR_SLOTS		16
#define ZR_ROUNDS		20000
#define ZR_HELD			64

/**
 * struct zr_smp - the shared state of the SMP case
 * @slot: objects published to the reader; the writer replaces them
 * @done: the writer has finished
 * @bad: objects the reader found changed under it
 * @reads: objects the reader checked
 * @cpu: the CPU each thread ran on (writer, reader)
 * @reading: the reader has started; the writer waits for it
 * @exited: each thread's end
 */
struct zr_smp {
	struct zr_obj __rcu *slot[ZR_SLOTS];
	bool done;
	unsigned long bad;
	unsigned long reads;
	int cpu[2];
	struct completion reading;
	struct completion exited[2];
};

static void zr_stamp(struct zr_obj *o, u32 tag)
{
	o->tag = tag;
	memset(o->fill, (u8)tag, sizeof(o->fill));
}

/* Publishes a new object per round and frees the one it replaces. */
static int zr_writer(void *arg)
{
	struct zr_smp *s = arg;
	struct zr_obj *o, *old;
	unsigned int i;

	s->cpu[0] = raw_smp_processor_id();
	wait_for_completion(&s->reading);
	for (i = 0; i < ZR_ROUNDS; i++) {
		/* Where both share one CPU, the reader's turn. */
		if (!(i % 256))
			usleep_range(10, 20);
		o = zalloc_alloc(sizeof(*o), GFP_KERNEL);
		if (o) {
			zr_stamp(o, i);
			old = rcu_replace_pointer(s->slot[i % ZR_SLOTS], o, true);
			zalloc_free_rcu(old, rcu);
		}
		cond_resched();
	}
	WRITE_ONCE(s->done, true);
	/* Not a line of this module runs after the case sees it. */
	kthread_complete_and_exit(&s->exited[0], 0);
}

/*
 * Takes every published object under rcu_read_lock(), waits a little
 * and checks that each still has the stamp it had; meanwhile allocates
 * objects of the same class, stamps them otherwise and holds them a
 * while: an object freed before its reader left would be handed out here,
 * or to the writer, and restamped under the reader.
 */
static int zr_reader(void *arg)
{
	struct zr_smp *s = arg;
	struct zr_obj *held[ZR_HELD] = {}, *seen[ZR_SLOTS], *o;
	unsigned int i, k = 0;
	u32 tag[ZR_SLOTS];
	u64 end;

	s->cpu[1] = raw_smp_processor_id();
	complete(&s->reading);
	while (!READ_ONCE(s->done)) {
		rcu_read_lock();
		for (i = 0; i < ZR_SLOTS; i++) {
			seen[i] = rcu_dereference(s->slot[i]);
			if (seen[i])
				tag[i] = READ_ONCE(seen[i]->tag);
		}
		/* Long enough for the writer to replace and reuse them. */
		end = ktime_get_ns() + 20 * NSEC_PER_USEC;
		while (ktime_get_ns() < end)
			cpu_relax();
		for (i = 0; i < ZR_SLOTS; i++) {
			o = seen[i];
			if (!o)
				continue;
			s->reads++;
			if (READ_ONCE(o->tag) != tag[i] ||
			    memchr_inv(o->fill, (u8)tag[i], sizeof(o->fill)))
				s->bad++;
		}
		rcu_read_unlock();
		zalloc_free(held[k]);
		held[k] = zalloc_alloc(sizeof(*o), GFP_KERNEL);
		if (held[k]) {
			held[k]->tag = 0x11;
			memset(held[k]->fill, 0x77, sizeof(held[k]->fill));
		}
		k = (k + 1) % ZR_HELD;
		cond_resched();
	}
	for (i = 0; i < ZR_HELD; i++)
		zalloc_free(held[i]);
	kthread_complete_and_exit(&s->exited[1], 0);
}

static void zalloc_rcu_free_while_other_cpu_allocates(struct kunit *test)
{
	unsigned int cpu0 = cpumask_first(cpu_online_mask), cpu1, i;
	struct task_struct *w, *r;
	struct zr_obj *o;
	s64 live0, waiting0, live, waiting;
	struct zr_smp *s;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(&s->reading);
	init_completion(&s->exited[0]);
	init_completion(&s->exited[1]);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	if (cpu1 >= nr_cpu_ids)
		cpu1 = cpu0;
	KUNIT_ASSERT_TRUE(test, za_rcu_flush());
	zr_totals(&live0, &waiting0);

	w = kthread_create_on_cpu(zr_writer, s, cpu0, "zalloc_rcu_w/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	r = kthread_create_on_cpu(zr_reader, s, cpu1, "zalloc_rcu_r/%u");
	if (IS_ERR(r)) {
		kthread_stop(w);
		KUNIT_FAIL(test, "no reader thread");
		return;
	}
	wake_up_process(r);
	wake_up_process(w);
	wait_for_completion(&s->exited[0]);
	wait_for_completion(&s->exited[1]);

	for (i = 0; i < ZR_SLOTS; i++) {
		o = rcu_replace_pointer(s->slot[i], NULL, true);
		zalloc_free_rcu(o, rcu);
	}
	KUNIT_EXPECT_TRUE(test, za_rcu_flush());
	kunit_info(test, "writer on CPU %d, reader on CPU %d: %lu reads\n",
		   s->cpu[0], s->cpu[1], s->reads);
	KUNIT_EXPECT_EQ(test, s->bad, 0);
	KUNIT_EXPECT_GT(test, s->reads, 0);
	if (num_online_cpus() > 1)
		KUNIT_EXPECT_NE(test, s->cpu[0], s->cpu[1]);
	zr_totals(&live, &waiting);
	KUNIT_EXPECT_EQ(test, waiting, waiting0);
	KUNIT_EXPECT_EQ(test, live, live0);
}

static struct kunit_case zalloc_rcu_cases[] = {
	KUNIT_CASE_PARAM(zalloc_rcu_reader_sees_object_intact,
			 rcu_gen_params),
	KUNIT_CASE_SLOW(zalloc_rcu_burst_comes_back),
	KUNIT_CASE(zalloc_rcu_refuses_at_call_time),
	KUNIT_CASE_SLOW(zalloc_rcu_free_while_other_cpu_allocates),
	{}
};

static struct kunit_suite zalloc_rcu_suite = {
	.name = "zalloc_rcu",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_rcu_cases,
};

kunit_test_suite(zalloc_rcu_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc_free_rcu()");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
