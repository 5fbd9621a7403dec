// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite zalloc_contexts: zalloc in the contexts kmalloc(GFP_ATOMIC)
 * serves. Built as zalloc_contexts_kunit.ko; load it after zalloc.ko.
 *
 * GFP_ATOMIC with a spinlock held and interrupts off; with bottom halves
 * disabled; in a timer (softirq) and in an irq_work (hard interrupt): every
 * size and strategy allocated and freed there, objects of process context
 * freed there and objects allocated there freed in process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/bottom_half.h>
#include <linux/completion.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>

#include "zalloc_kunit.h"

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

/**
 * struct irq_ctx - one run of irq_ctx_work() in another context
 * @timer: runs it in softirq context (a timer_list callback)
 * @work: runs it in hard interrupt context (an irq_work)
 * @done: completed by irq_ctx_work()
 * @from_task: allocated in process context, freed by irq_ctx_work()
 * @to_task: allocated by irq_ctx_work(), freed in process context
 * @failed: allocations that failed in irq_ctx_work()
 * @hardirq: irq_ctx_work() ran in hard interrupt context
 * @softirq: irq_ctx_work() ran in softirq context
 * @bh_off: irq_ctx_work() ran with bottom halves off (or in softirq)
 */
struct irq_ctx {
	struct timer_list timer;
	struct irq_work work;
	struct completion done;
	void *from_task[4];
	void *to_task[4];
	int failed;
	bool hardirq;
	bool softirq;
	bool bh_off;
};

/*
 * In another context: allocate and free every size and strategy with
 * GFP_ATOMIC, free what process context allocated, and allocate what
 * process context will free.
 */
static void irq_ctx_work(struct irq_ctx *ctx)
{
	static const size_t sizes[] = { 8, 200, 300, 5000, 40000, 70000 };
	int i, s;

	ctx->hardirq = in_hardirq();
	ctx->softirq = in_serving_softirq();
	ctx->bh_off = in_softirq();
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

static void free_all(void **p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		zalloc_free(p[i]);
}

/* Start irq_ctx_work() on @ctx in some context; the stop functions wait. */
struct ctx_ops {
	void (*start)(struct irq_ctx *ctx);
	void (*stop)(struct irq_ctx *ctx);
};

/*
 * Run irq_ctx_work() as @ops says, and check what it did. If it never
 * ran, the objects it was to free are freed here.
 *
 * Return: the context, for the caller to check where it ran.
 */
static struct irq_ctx *run_in_ctx(struct kunit *test,
				  const struct ctx_ops *ops)
{
	struct irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int i, failed = 0;
	bool done;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	init_completion(&ctx->done);
	for (i = 0; i < ARRAY_SIZE(ctx->from_task); i++) {
		ctx->from_task[i] = zalloc_alloc(100 << (3 * i), GFP_KERNEL);
		failed += !ctx->from_task[i];
	}
	if (failed)
		free_all(ctx->from_task, ARRAY_SIZE(ctx->from_task));
	KUNIT_ASSERT_EQ(test, failed, 0);
	ops->start(ctx);
	done = wait_for_completion_timeout(&ctx->done, 10 * HZ);
	ops->stop(ctx);
	done = done || completion_done(&ctx->done);
	if (!done)
		free_all(ctx->from_task, ARRAY_SIZE(ctx->from_task));
	KUNIT_ASSERT_TRUE(test, done);
	KUNIT_EXPECT_EQ(test, ctx->failed, 0);
	free_all(ctx->to_task, ARRAY_SIZE(ctx->to_task));
	return ctx;
}

static void timer_ctx_fn(struct timer_list *timer)
{
	irq_ctx_work(container_of(timer, struct irq_ctx, timer));
}

static void timer_start(struct irq_ctx *ctx)
{
	timer_setup(&ctx->timer, timer_ctx_fn, 0);
	mod_timer(&ctx->timer, jiffies + 1);
}

static void timer_stop(struct irq_ctx *ctx)
{
	timer_delete_sync(&ctx->timer);
}

/* A timer_list callback runs in softirq context. */
static void zalloc_alloc_free_in_timer(struct kunit *test)
{
	static const struct ctx_ops ops = { timer_start, timer_stop };

	KUNIT_EXPECT_TRUE(test, run_in_ctx(test, &ops)->softirq);
}

static void irq_work_ctx_fn(struct irq_work *work)
{
	irq_ctx_work(container_of(work, struct irq_ctx, work));
}

/*
 * An irq_work runs in hard interrupt context (from the timer tick where the
 * architecture has no self-interrupt, as on UML). Not IRQ_WORK_HARD_IRQ:
 * that one stays a hard interrupt on PREEMPT_RT too, where kmalloc() may
 * not be called, and lockdep's wait-context check flags kmalloc() there.
 */

static void irq_work_start(struct irq_ctx *ctx)
{
	init_irq_work(&ctx->work, irq_work_ctx_fn);
	irq_work_queue(&ctx->work);
}

static void irq_work_stop(struct irq_ctx *ctx)
{
	irq_work_sync(&ctx->work);
}

static void zalloc_alloc_free_in_irq_work(struct kunit *test)
{
	static const struct ctx_ops ops = { irq_work_start, irq_work_stop };

	KUNIT_EXPECT_TRUE(test, run_in_ctx(test, &ops)->hardirq);
}

/* In process context, with bottom halves disabled. */
static void bh_start(struct irq_ctx *ctx)
{
	local_bh_disable();
	irq_ctx_work(ctx);
	local_bh_enable();
}

static void bh_stop(struct irq_ctx *ctx)
{
}

static void zalloc_alloc_free_bh_disabled(struct kunit *test)
{
	static const struct ctx_ops ops = { bh_start, bh_stop };
	struct irq_ctx *ctx = run_in_ctx(test, &ops);

	KUNIT_EXPECT_TRUE(test, ctx->bh_off);
	KUNIT_EXPECT_FALSE(test, ctx->hardirq);
}

static struct kunit_case zalloc_contexts_cases[] = {
	KUNIT_CASE(zalloc_atomic_under_spinlock),
	KUNIT_CASE(zalloc_alloc_free_bh_disabled),
	KUNIT_CASE(zalloc_alloc_free_in_timer),
	KUNIT_CASE(zalloc_alloc_free_in_irq_work),
	{}
};

static struct kunit_suite zalloc_contexts_suite = {
	.name = "zalloc_contexts",
	.init = zk_init,
	.exit = zk_exit,
	.test_cases = zalloc_contexts_cases,
};

kunit_test_suite(zalloc_contexts_suite);

MODULE_DESCRIPTION("KUnit tests for zalloc in atomic, softirq and hardirq context");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
