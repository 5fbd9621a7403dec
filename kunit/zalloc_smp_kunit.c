// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_smp: an SMP stress test. Built as zalloc_smp_kunit.ko;
 * load it after zalloc.ko.
 *
 * One kthread per online CPU, bound to it, all released at once, allocates
 * and frees objects of mixed sizes (8 B .. 100 KiB) through every strategy
 * for a bounded time. Every object is stamped over its requested size with
 * a pattern derived from (thread, sequence number) and checked before it is
 * freed. A share of the objects is handed to the next CPU's thread through
 * a single-producer, single-consumer ring and freed there, so that objects
 * allocated on one CPU are freed on another. With one CPU (UML) the only
 * thread hands objects to itself.
 *
 * Like every zalloc suite, it assumes that nothing else allocates from
 * zalloc while it runs: it compares zalloc's live gauges before and after.
 * Each case runs for duration_ms per parameter: marked slow.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "zalloc_kunit.h"

static unsigned int duration_ms = 1000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms, "How long each case allocates, in ms (default 1000)");

/* Objects in flight from one thread to the next; a power of two. */
#define ZS_RING_SIZE		256
/* Objects a thread keeps live at random before it frees them. */
#define ZS_LOCAL_SLOTS		32
/* One object in ZS_HANDOFF_SHARE goes to the next thread. */
#define ZS_HANDOFF_SHARE	4
#define ZS_MAX_SIZE		(100 * 1024)
/* One step in ZS_BULK_SHARE also allocates ZS_BULK objects at once. */
#define ZS_BULK_SHARE		8
#define ZS_BULK			4

static const enum zalloc_strategy zs_strategies[] = {
	ZALLOC_AUTO, ZALLOC_OBJECT_POOL, ZALLOC_EXTENDED_POOL, ZALLOC_STANDARD,
};

/* Request sizes: a range of each backend, picked by weight (of 8). */
static const struct {
	u32 min;
	u32 max;
	u32 weight;
} zs_sizes[] = {
	{ 8, ZA_OBJ_MAX, 4 },
	{ ZA_OBJ_MAX + 1, 4096, 2 },
	{ 4097, ZA_EXT_MAX, 1 },
	{ ZA_EXT_MAX + 1, ZS_MAX_SIZE, 1 },
};

#define ZS_WEIGHTS		8

/**
 * struct zs_obj - a live object and what its stamp was made from
 * @p: the object
 * @size: its requested size; the stamp covers all of it
 * @thread: the thread that allocated and stamped it
 * @seq: that thread's sequence number for it
 */
struct zs_obj {
	void *p;
	u32 size;
	u32 thread;
	u32 seq;
};

/**
 * struct zs_ring - single-producer, single-consumer ring of objects
 * @head: next slot to fill; written by the producer only
 * @tail: next slot to empty; written by the consumer only
 * @closed: the producer will push no more
 * @slot: the objects in flight, from @tail to @head
 */
struct zs_ring {
	unsigned int head ____cacheline_aligned_in_smp;
	unsigned int tail ____cacheline_aligned_in_smp;
	bool closed;
	struct zs_obj slot[ZS_RING_SIZE];
};

struct zs_run;

/**
 * struct zs_thread - one stress thread, bound to one CPU
 * @run: what the threads share
 * @id: index in @run->threads
 * @task: the kthread
 * @ring: objects from this thread to the next
 * @in: objects from the previous thread (its @ring)
 * @rnd: this thread's random state
 * @seq: next sequence number
 * @local: objects this thread keeps live for a while
 * @allocs: objects allocated here
 * @frees: objects freed here, wherever they were allocated
 * @remote: of @frees, objects that another thread allocated
 * @handed: objects pushed to @ring
 * @failed: allocations that returned NULL
 * @bad: objects whose stamp or usable size was wrong
 * @first_bad: the first of them
 * @bad_off: offset of the first wrong byte in @first_bad
 */
struct zs_thread {
	struct zs_run *run;
	unsigned int id;
	struct task_struct *task;
	struct zs_ring ring;
	struct zs_ring *in;
	struct rnd_state rnd;
	u32 seq;
	struct zs_obj local[ZS_LOCAL_SLOTS];
	u64 allocs;
	u64 frees;
	u64 remote;
	u64 handed;
	u64 failed;
	u64 bad;
	struct zs_obj first_bad;
	size_t bad_off;
};

/**
 * struct zs_run - one stress run
 * @nr: number of threads
 * @ready: threads waiting for @go
 * @all_ready: completed by the last thread to get ready
 * @go: completed (for all) when the threads may start
 * @deadline: jiffies at which the threads stop allocating
 * @threads: the threads
 */
struct zs_run {
	unsigned int nr;
	atomic_t ready;
	struct completion all_ready;
	struct completion go;
	unsigned long deadline;
	struct zs_thread **threads;
};

/* === Stamps === */

static u64 zs_stamp_key(u32 thread, u32 seq)
{
	return ((u64)thread << 32 | seq) * GOLDEN_RATIO_64;
}

/* Fill @o's object: word i holds key + i, the tail bytes those of key. */
static void zs_stamp(const struct zs_obj *o)
{
	u64 key = zs_stamp_key(o->thread, o->seq);
	size_t i, words = o->size / 8;
	u64 *w = o->p;
	u8 *tail = (u8 *)o->p + words * 8;

	for (i = 0; i < words; i++)
		w[i] = key + i;
	for (i = 0; i < o->size % 8; i++)
		tail[i] = key >> (8 * i);
}

/* Offset of the first byte of @o that does not hold its stamp, or size. */
static size_t zs_stamp_check(const struct zs_obj *o)
{
	u64 key = zs_stamp_key(o->thread, o->seq);
	size_t i, words = o->size / 8;
	const u64 *w = o->p;
	const u8 *tail = (const u8 *)o->p + words * 8;

	for (i = 0; i < words; i++)
		if (w[i] != key + i)
			return i * 8;
	for (i = 0; i < o->size % 8; i++)
		if (tail[i] != (u8)(key >> (8 * i)))
			return words * 8 + i;
	return o->size;
}

/* Check @o's stamp and usable size, then free it on this thread's CPU. */
static void zs_obj_free(struct zs_thread *t, const struct zs_obj *o)
{
	size_t off = zs_stamp_check(o);

	if (off == o->size && zalloc_size(o->p) < o->size)
		off = 0;
	if (off != o->size && !t->bad++) {
		t->first_bad = *o;
		t->bad_off = off;
	}
	zalloc_free(o->p);
	t->frees++;
	t->remote += o->thread != t->id;
}

/* === The ring === */

/* Producer side: false when the ring is full. */
static bool zs_ring_push(struct zs_ring *ring, const struct zs_obj *o)
{
	/* Only this thread writes ->head. */
	unsigned int head = ring->head;
	/*
	 * Pairs with the smp_store_release() of ->tail in zs_ring_pop():
	 * the consumer is done reading a slot before it is filled again.
	 */
	unsigned int tail = smp_load_acquire(&ring->tail);

	if (head - tail >= ZS_RING_SIZE)
		return false;
	ring->slot[head & (ZS_RING_SIZE - 1)] = *o;
	/*
	 * Pairs with the smp_load_acquire() of ->head in zs_ring_pop(): the
	 * slot, and the stamp in the object it points to, are visible to the
	 * consumer before the new head is.
	 */
	smp_store_release(&ring->head, head + 1);
	return true;
}

/* Consumer side: false when the ring is empty. */
static bool zs_ring_pop(struct zs_ring *ring, struct zs_obj *o)
{
	/* Only this thread writes ->tail. */
	unsigned int tail = ring->tail;
	/* Pairs with the smp_store_release() of ->head in zs_ring_push(). */
	unsigned int head = smp_load_acquire(&ring->head);

	if (tail == head)
		return false;
	*o = ring->slot[tail & (ZS_RING_SIZE - 1)];
	/* Pairs with the smp_load_acquire() of ->tail in zs_ring_push(). */
	smp_store_release(&ring->tail, tail + 1);
	return true;
}

/* Producer side: no more pushes. */
static void zs_ring_close(struct zs_ring *ring)
{
	/*
	 * Pairs with the smp_load_acquire() of ->closed in zs_drain(): the
	 * consumer that sees the ring closed sees every push before it.
	 */
	smp_store_release(&ring->closed, true);
}

/* Free what the previous thread handed over; with @to_end, until it closed. */
static void zs_drain(struct zs_thread *t, bool to_end)
{
	struct zs_obj o;
	bool closed;

	for (;;) {
		/* Pairs with the smp_store_release() in zs_ring_close(). */
		closed = smp_load_acquire(&t->in->closed);
		while (zs_ring_pop(t->in, &o))
			zs_obj_free(t, &o);
		if (!to_end || closed)
			return;
		usleep_range(50, 100);
	}
}

/* === The threads === */

static u32 zs_pick_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	u32 w = r % ZS_WEIGHTS;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zs_sizes) - 1; i++) {
		if (w < zs_sizes[i].weight)
			break;
		w -= zs_sizes[i].weight;
	}
	r = prandom_u32_state(rnd);
	return zs_sizes[i].min + r % (zs_sizes[i].max - zs_sizes[i].min + 1);
}

/*
 * A bulk allocation with __GFP_ZERO: every object must be zeroed over the
 * size asked for, whatever mode zalloc switches to meanwhile.
 */
static void zs_bulk_zeroed(struct zs_thread *t, u32 size)
{
	void *objs[ZS_BULK];
	unsigned int i;

	if (zalloc_alloc_bulk(size, GFP_KERNEL | __GFP_ZERO, ZS_BULK, objs) !=
	    ZS_BULK) {
		t->failed++;
		return;
	}
	for (i = 0; i < ZS_BULK; i++)
		if (memchr_inv(objs[i], 0, size))
			t->bad++;
	t->allocs += ZS_BULK;
	t->frees += ZS_BULK;
	zalloc_free_bulk(ZS_BULK, objs);
}

/*
 * One step: free a random local object if there is one, allocate another;
 * now and then a bulk allocation too.
 */
static void zs_step(struct zs_thread *t)
{
	u32 r = prandom_u32_state(&t->rnd);
	struct zs_obj *slot = &t->local[r % ZS_LOCAL_SLOTS];
	enum zalloc_strategy s;
	struct zs_obj o;

	if (slot->p) {
		zs_obj_free(t, slot);
		slot->p = NULL;
	}
	s = zs_strategies[(r >> 8) % ARRAY_SIZE(zs_strategies)];
	o.size = zs_pick_size(&t->rnd);
	o.thread = t->id;
	o.seq = t->seq++;
	o.p = zalloc_alloc_strategy(o.size, GFP_KERNEL, s);
	if (!o.p) {
		t->failed++;
		return;
	}
	t->allocs++;
	zs_stamp(&o);
	if ((r >> 24) % ZS_BULK_SHARE == 0)
		zs_bulk_zeroed(t, o.size);
	if ((r >> 16) % ZS_HANDOFF_SHARE == 0 && zs_ring_push(&t->ring, &o)) {
		t->handed++;
		return;
	}
	*slot = o;
}

/* Wait for kthread_stop(), so that the task outlives the thread function. */
static void zs_wait_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static int zs_thread_fn(void *data)
{
	struct zs_thread *t = data;
	struct zs_run *run = t->run;
	unsigned int i;

	if (atomic_inc_return(&run->ready) == run->nr)
		complete(&run->all_ready);
	wait_for_completion(&run->go);

	while (time_before(jiffies, READ_ONCE(run->deadline))) {
		zs_step(t);
		zs_drain(t, false);
		cond_resched();
	}
	for (i = 0; i < ZS_LOCAL_SLOTS; i++) {
		if (t->local[i].p)
			zs_obj_free(t, &t->local[i]);
		t->local[i].p = NULL;
	}
	zs_ring_close(&t->ring);
	zs_drain(t, true);
	zs_wait_stop();
	return 0;
}

/* Create one bound thread per online CPU; false if one could not be. */
static bool zs_create(struct kunit *test, struct zs_run *run)
{
	struct zs_thread *t;
	unsigned int cpu, i = 0;

	for_each_online_cpu(cpu) {
		if (i == run->nr)
			break;
		t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
		if (!t)
			return false;
		t->run = run;
		t->id = i;
		prandom_seed_state(&t->rnd, 0x7a616c6c6f63ULL + i);
		t->task = kthread_create_on_cpu(zs_thread_fn, t, cpu,
						"zalloc_smp/%u");
		if (IS_ERR(t->task))
			return false;
		run->threads[i++] = t;
	}
	return i == run->nr;
}

/* Stop the threads that were created, none of which was woken. */
static void zs_destroy(struct zs_run *run)
{
	unsigned int i;

	for (i = 0; i < run->nr && run->threads[i]; i++)
		kthread_stop(run->threads[i]->task);
}

/*
 * Run the threads for duration_ms and wait until they have freed all;
 * with @debug_switch, switch the debug mode on and off meanwhile, with
 * @profile_switch profiling.
 */
static void zs_run_threads(struct kunit *test, struct zs_run *run,
			   bool debug_switch, bool profile_switch)
{
	unsigned int i;

	for (i = 0; i < run->nr; i++)
		run->threads[i]->in = &run->threads[(i + run->nr - 1) % run->nr]->ring;
	for (i = 0; i < run->nr; i++)
		wake_up_process(run->threads[i]->task);
	wait_for_completion(&run->all_ready);
	WRITE_ONCE(run->deadline, jiffies + msecs_to_jiffies(duration_ms));
	/* Every thread reads the deadline after this wakes it up. */
	complete_all(&run->go);
	while ((debug_switch || profile_switch) &&
	       time_before(jiffies, READ_ONCE(run->deadline))) {
		if (debug_switch)
			za_set_debug(!za_debug_enabled());
		if (profile_switch)
			za_set_profile(!za_profile_enabled());
		usleep_range(100, 1000);
	}
	for (i = 0; i < run->nr; i++)
		kthread_stop(run->threads[i]->task);
}

/* === The cases === */

static void read_live(s64 *live)
{
	struct za_class_stats st;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &st);
		live[cls] = st.live_objs;
	}
}

/* Sum the threads' counters, report the first bad stamps, check totals. */
static void zs_check(struct kunit *test, struct zs_run *run)
{
	u64 allocs = 0, frees = 0, remote = 0, handed = 0, failed = 0, bad = 0;
	struct zs_thread *t;
	unsigned int i;

	for (i = 0; i < run->nr; i++) {
		t = run->threads[i];
		allocs += t->allocs;
		frees += t->frees;
		remote += t->remote;
		handed += t->handed;
		failed += t->failed;
		bad += t->bad;
		if (t->bad)
			kunit_err(test, "thread %u: %llu bad objects, the first from thread %u seq %u, size %u, at offset %zu",
				  i, t->bad, t->first_bad.thread,
				  t->first_bad.seq, t->first_bad.size,
				  t->bad_off);
	}
	kunit_info(test, "%u threads: %llu objects, %llu handed over, %llu freed by another thread",
		   run->nr, allocs, handed, remote);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, failed, 0);
	KUNIT_EXPECT_GT(test, allocs, 0);
	KUNIT_EXPECT_EQ(test, allocs, frees);
	KUNIT_EXPECT_GT(test, handed, 0);
	if (run->nr > 1)
		KUNIT_EXPECT_GT(test, remote, 0);
}

struct zs_mode {
	const char *desc;
	bool fastpath;
	bool debug_switch;
	bool profile;
	bool profile_switch;
};

static const struct zs_mode zs_modes[] = {
	{ "per-CPU caches on", true, false },
	{ "per-CPU caches off", false, false },
	{ "debug mode switched on and off", true, true },
	{ "profiling on", true, false, true },
	{ "profiling switched on and off", true, false, false, true },
};

/*
 * Profiling on throughout: the threads' objects are each counted by a
 * call site of this module from allocation to free, on whichever CPU it is
 * freed, so that once they are all freed this module's sites hold nothing,
 * the objects no site holds are those of before, and the rows add up to
 * the statistics' live objects and bytes.
 */
static void zs_check_profile(struct kunit *test, const s64 *before_row)
{
	struct za_profile_row *rows, before;
	struct za_class_stats st;
	s64 objs = 0, bytes = 0, mine = 0, stats_objs = 0, stats_bytes = 0;
	u64 allocs = 0;
	unsigned int cls;
	int i, n;

	rows = kunit_kcalloc(test, ZA_PROF_SITES, sizeof(*rows), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rows);
	n = za_profile_read(rows, &before);
	KUNIT_ASSERT_GE(test, n, 0);
	for (i = 0; i < n; i++) {
		objs += rows[i].live_objs;
		bytes += rows[i].live_bytes;
		if (strcmp(rows[i].module, KBUILD_MODNAME))
			continue;
		mine += rows[i].live_objs;
		allocs += rows[i].allocs;
	}
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		zk_read_stats(cls, &st);
		stats_objs += st.live_objs;
		stats_bytes += st.live_bytes;
	}
	KUNIT_EXPECT_GT(test, allocs, 0);
	KUNIT_EXPECT_EQ(test, mine, 0);
	KUNIT_EXPECT_EQ(test, before.live_objs, before_row[0]);
	KUNIT_EXPECT_EQ(test, before.live_bytes, before_row[1]);
	KUNIT_EXPECT_EQ(test, objs + before.live_objs, stats_objs);
	KUNIT_EXPECT_EQ(test, bytes + before.live_bytes, stats_bytes);
}

static void zs_mode_desc(const struct zs_mode *m, char *desc)
{
	strscpy(desc, m->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(zs_mode, zs_modes, zs_mode_desc);

/*
 * Every online CPU allocates, stamps, checks and frees through every
 * strategy at once, freeing a share of the objects another CPU allocated;
 * no stamp may change, every object is freed, no free is refused, and
 * zalloc's live gauges are back where they started. With the debug mode
 * switched on and off meanwhile, objects cross every switch both ways,
 * while allocations and frees are under way.
 */
static void zalloc_smp_cross_cpu_free(struct kunit *test)
{
	const struct zs_mode *mode = test->param_value;
	s64 *before, *after, before_row[2] = {};
	u64 inv, dbl;
	struct zs_run *run;
	unsigned int cls;
	bool created;

	before = kunit_kcalloc(test, ZA_NR_CLASSES, sizeof(*before), GFP_KERNEL);
	after = kunit_kcalloc(test, ZA_NR_CLASSES, sizeof(*after), GFP_KERNEL);
	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, before);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, after);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, run);
	run->nr = num_online_cpus();
	run->threads = kunit_kcalloc(test, run->nr, sizeof(*run->threads),
				     GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, run->threads);
	atomic_set(&run->ready, 0);
	init_completion(&run->all_ready);
	init_completion(&run->go);

	read_live(before);
	cpus_read_lock();
	created = zs_create(test, run);
	if (!created)
		zs_destroy(run);
	cpus_read_unlock();
	KUNIT_ASSERT_TRUE_MSG(test, created, "cannot start %u threads", run->nr);

	inv = za_stats_refusals(ZR_INVALID_FREE);
	dbl = za_stats_refusals(ZR_DOUBLE_FREE);
	if (!mode->fastpath)
		za_set_switch(&za_fastpath_key, false);
	if (mode->profile) {
		struct za_profile_row *rows, row;

		rows = kunit_kcalloc(test, ZA_PROF_SITES, sizeof(*rows),
				     GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rows);
		KUNIT_ASSERT_EQ(test, za_set_profile(true), 0);
		KUNIT_ASSERT_GE(test, za_profile_read(rows, &row), 0);
		before_row[0] = row.live_objs;
		before_row[1] = row.live_bytes;
	}
	zs_run_threads(test, run, mode->debug_switch, mode->profile_switch);
	if (!mode->fastpath)
		za_set_switch(&za_fastpath_key, true);
	za_set_debug(false);

	zs_check(test, run);
	if (mode->profile)
		zs_check_profile(test, before_row);
	za_set_profile(false);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_INVALID_FREE) - inv, 0);
	KUNIT_EXPECT_EQ(test, za_stats_refusals(ZR_DOUBLE_FREE) - dbl, 0);
	read_live(after);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++)
		KUNIT_EXPECT_EQ_MSG(test, after[cls], before[cls],
				    "live objects of %s", za_classes[cls].name);
}

static struct kunit_case zalloc_smp_cases[] = {
	ZK_CASE_PARAM_SLOW(zalloc_smp_cross_cpu_free, zs_mode_gen_params),
	{}
};

static struct kunit_suite zalloc_smp_suite = {
	.name = "zalloc_smp",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_smp_cases,
};

kunit_test_suite(zalloc_smp_suite);

MODULE_DESCRIPTION("SMP stress test for zalloc: cross-CPU frees, stamps");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
