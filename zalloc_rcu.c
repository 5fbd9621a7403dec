// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_free_rcu(): free an object after an RCU grace period, as
 * kfree_rcu() does, batched per CPU.
 *
 *   zalloc_free_rcu(p, rcu)           the caller's object, with its rcu_head
 *     looked up now (refused now if it is not zalloc's), then, with this
 *     CPU's magazines claimed, pushed on this CPU's open chain of its class:
 *
 *   CPU n: open  class 3: [p3]->[p1]  linked through the objects' own
 *                class 9: [p2]        rcu_heads: ->next the link, ->func
 *                                     the object's address
 *          batch class 3: [q2]->[q1]  handed to call_rcu() once, for all
 *                busy
 *
 * Each CPU has one batch: a struct rcu_head of its own and a chain per
 * class. When the batch is idle, the free that finds it so moves the open
 * chains into it and calls call_rcu() once; while it waits for its grace
 * period, every object freed on that CPU joins the open chains. So a CPU
 * makes one call_rcu() per grace period however many objects it frees,
 * and no object waits longer than two grace periods and the time it takes
 * to free the batch before it. The callback (batch_done()) counts each
 * chain and frees it by zalloc's free path, a pool class's in runs onto
 * the callback CPU's magazines with no second lookup (the chain says the
 * class), marks the batch idle and, if objects wait on the open chains,
 * has the CPU hand them on (a work item on that CPU, where the claim can
 * be taken).
 *
 * Nothing is allocated to queue an object: the rcu_head inside it holds
 * the link and the object's address, which zalloc does not learn
 * otherwise (the rcu_head may be anywhere in the object, not only in its
 * first 4096 bytes as kvfree_rcu()'s offset needed; it must lie wholly
 * inside the object's usable size, which is checked). The caller gives
 * the rcu_head up with the object; the object's other bytes are not
 * touched until the grace period has ended, so readers see them intact.
 *
 * The lookup is done at call time, so the caller learns at once of a
 * pointer zalloc did not hand out (refused, counted in invalid_frees, a
 * ratelimited error naming it, as zalloc_free() does) and a batch holds
 * objects of zalloc only. A second zalloc_free_rcu() of the object last
 * queued on this CPU in its class is refused as a double free; other double frees
 * during the grace period are the caller's bug, as with kfree_rcu(): the
 * callback walks no more objects than were queued, so a chain that one
 * corrupted cannot make it loop. The debug mode's budget of untracked
 * frees is checked when the object is freed, after the grace period.
 *
 * Context and protection. The open chains, their count and the per-class
 * counts beside them are protected by this CPU's magazine claim
 * (mags_claim(), zalloc_mag.c: a per-CPU flag, preemption off, no
 * interrupt disabling and no atomic operation): they are the claim's as
 * the magazines are. A free from an interrupt that finds the claim taken
 * (it interrupted a claimant) pushes its object on @unclaimed with a
 * cmpxchg instead and asks the CPU's work item to take it in: rare, and
 * still no lock. The batch is the CPU's while idle (taken with the claim)
 * and the callback's while busy; @busy hands it over (release, acquire).
 * So zalloc_free_rcu() may be called wherever kfree_rcu() may: any
 * context but NMI.
 *
 * CPU hotplug: a dead CPU's open chains and unclaimed objects join the
 * chains of the CPU that runs the teardown (which hands them to its
 * batch); a dead CPU's busy batch completes where RCU moved its callback.
 * Unload (za_rcu_exit()): every CPU hands its open chains on, rcu_barrier() waits
 * for the callbacks, and again, until no batch is busy and no chain holds
 * an object; only then are the magazines drained and the classes torn
 * down.
 *
 * Statistics: an object waiting for its grace period is neither live nor
 * cached: it is counted as queued (under the claim, or this_cpu_inc() where
 * the claim was taken) and, once freed, as done (this_cpu_add()); the
 * difference is the rcu_waiting gauge, which za_stats_read() takes out of
 * live_objects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "zalloc_internal.h"
#include "zalloc_lookup.h"
#include "zalloc_mag.h"

/* Rounds of hand-on and rcu_barrier() at unload before giving up. */
#define ZA_RCU_EXIT_ROUNDS	8
/* Objects the callback frees per call of za_free_run(). */
#define ZA_RCU_RUN		32

/* === Data === */

/**
 * struct za_rcu_chain - objects of one class, linked through their
 *	rcu_heads (->next the link, ->func the object's address)
 * @head: the newest
 * @tail: the oldest
 * @nr: how many
 */
struct za_rcu_chain {
	struct rcu_head *head;
	struct rcu_head *tail;
	unsigned int nr;
};

/**
 * struct za_rcu_batch - one CPU's objects in one grace period
 * @rcu: handed to call_rcu(), once for the whole batch
 * @objs: the objects, a chain per class
 * @cpu: the CPU whose batch it is; constant
 * @busy: waiting for its grace period or being freed; set by its CPU with
 *	the claim held, cleared by batch_done() with a release
 */
struct za_rcu_batch {
	struct rcu_head rcu;
	struct za_rcu_chain objs[ZA_NR_CLASSES];
	int cpu;
	bool busy;
};

/**
 * struct za_rcu_cpu - one CPU's objects that zalloc_free_rcu() was given
 * @open: objects waiting for @batch to be idle, a chain per class; the
 *	claim (mags_claim()) protects @open, @nr, @queued and @queued_bytes
 * @nr: objects on @open, all classes
 * @queued: per class, objects queued with the claim held
 * @queued_bytes: their usable bytes, for the class of no fixed size
 * @unclaimed: objects queued where the claim was taken already (an
 *	interrupt), of any class: pushed with cmpxchg, taken with xchg
 * @batch: the batch in a grace period
 * @work: takes @unclaimed in and hands @open to @batch, on this CPU
 */
struct za_rcu_cpu {
	struct za_rcu_chain open[ZA_NR_CLASSES];
	unsigned int nr;
	u64 queued[ZA_NR_CLASSES];
	long queued_bytes;
	struct rcu_head *unclaimed;
	struct za_rcu_batch batch;
	struct work_struct work;
};

/**
 * struct za_rcu_counts - what is counted without the claim, with this_cpu
 *	operations
 * @queued: per class, objects queued on @unclaimed
 * @done: per class, objects freed after their grace period
 * @bytes: usable bytes of the class of no fixed size queued here, minus
 *	those freed
 */
struct za_rcu_counts {
	u64 queued[ZA_NR_CLASSES];
	u64 done[ZA_NR_CLASSES];
	long bytes;
};

static DEFINE_PER_CPU(struct za_rcu_cpu, za_rcu_cpu);
static DEFINE_PER_CPU(struct za_rcu_counts, za_rcu_counts);
static enum cpuhp_state za_rcu_cpuhp_state;
/*
 * The work items' queue: per CPU (7.x warns on system_wq, and 6.1 has no
 * system_percpu_wq), and WQ_MEM_RECLAIM: handing objects on frees memory.
 */
static struct workqueue_struct *za_rcu_wq;

/* === Internals === */

/* The object whose rcu_head @head is: kept in ->func while it waits. */
static void *head_obj(const struct rcu_head *head)
{
	return (void *)(unsigned long)head->func;
}

static void head_set_obj(struct rcu_head *head, const void *obj)
{
	head->func = (rcu_callback_t)(unsigned long)obj;
}

/*
 * The class that counts @ptr, and its usable size: a live object of the
 * debug mode's table (@table), or what za_ptr_lookup() finds. NULL if it
 * is neither.
 */
static struct za_class *find(const void *ptr, size_t *usable, bool *table)
{
	struct za_class *c;

	*table = false;
	if (static_branch_unlikely(&za_table_key)) {
		c = za_debug_find(ptr, usable);
		if (c) {
			*table = true;
			return c;
		}
	}
	return za_ptr_lookup(ptr, usable);
}

/* Whether @head lies wholly inside the @usable bytes at @ptr. */
static bool head_inside(const void *ptr, size_t usable,
			const struct rcu_head *head)
{
	unsigned long off = (unsigned long)head - (unsigned long)ptr;

	return (unsigned long)head >= (unsigned long)ptr &&
	       usable >= sizeof(*head) && off <= usable - sizeof(*head);
}

/* Pushes @head on chain @ch. */
static void chain_push(struct za_rcu_chain *ch, struct rcu_head *head)
{
	head->next = ch->head;
	if (!ch->head)
		ch->tail = head;
	ch->head = head;
	ch->nr++;
}

/*
 * Moves @from's unclaimed objects onto @rc's open chains; @rc's claim is
 * held, and @from is @rc or a dead CPU's. Their class is found again: the
 * list is of every class, and rare.
 */
static void take_unclaimed(struct za_rcu_cpu *rc, struct za_rcu_cpu *from)
{
	struct rcu_head *head = xchg(&from->unclaimed, NULL), *next;
	struct za_class *c;
	size_t usable;
	bool table;

	for (; head; head = next) {
		next = head->next;
		c = find(head_obj(head), &usable, &table);
		/*
		 * Checked as it was queued, so freed since, by the caller: a
		 * double free, refused; it stays counted as waiting.
		 */
		if (unlikely(!c)) {
			za_refuse_free(head_obj(head), ZR_DOUBLE_FREE,
				       _THIS_IP_);
			continue;
		}
		chain_push(&rc->open[c->index], head);
		WRITE_ONCE(rc->nr, rc->nr + 1);
	}
}

/*
 * Moves @rc's open chains into its batch if the batch is idle; the claim
 * is held. Returns whether it did: the caller then calls call_rcu(), once
 * the claim is released.
 */
static bool open_to_batch(struct za_rcu_cpu *rc)
{
	struct za_rcu_batch *b = &rc->batch;
	unsigned int cls;

	/* Pairs with the release in batch_done(): it is done with @b. */
	if (!rc->nr || smp_load_acquire(&b->busy))
		return false;
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		if (!rc->open[cls].nr)
			continue;
		b->objs[cls].tail = rc->open[cls].tail;
		b->objs[cls].nr = rc->open[cls].nr;
		WRITE_ONCE(b->objs[cls].head, rc->open[cls].head);
		rc->open[cls] = (struct za_rcu_chain){};
	}
	b->busy = true;
	WRITE_ONCE(rc->nr, 0);
	return true;
}

static void batch_done(struct rcu_head *rcu);

/*
 * Takes this CPU's unclaimed objects in and hands its open chains to its
 * batch, if idle. In task context the claim is always free: a claimant
 * has preemption off.
 */
static void hand_on_this_cpu(void)
{
	struct za_cpu_mags *cm = mags_claim();
	struct za_rcu_cpu *rc;
	bool submit;

	if (WARN_ON_ONCE(!cm))
		return;
	rc = this_cpu_ptr(&za_rcu_cpu);
	take_unclaimed(rc, rc);
	submit = open_to_batch(rc);
	mags_release(cm);
	if (submit)
		call_rcu(&rc->batch.rcu, batch_done);
}

/*
 * The CPU's work item: runs on that CPU, or, queued as the CPU went
 * offline, on another, whose objects it then hands on (harmless: the dead
 * CPU's were adopted by za_rcu_cpu_dead()).
 */
static void hand_on_work(struct work_struct *work)
{
	hand_on_this_cpu();
}

/*
 * Frees the @n objects of chain @head, of class @c, whose grace period has
 * ended. A pool class's go onto the magazines in runs, with no second
 * lookup; each object on its own where something must see each one (the
 * debug table, a tracepoint, kmemleak) or where the class is of no fixed
 * size, whose free needs the object's size. The link and the address are
 * read before an object is freed, which may wipe it; no more than @n
 * objects are walked, whatever a double free did to the chain.
 */
static void free_chain(struct za_class *c, struct rcu_head *head,
		       unsigned int n)
{
	bool each = !c->pooled || za_each_object() ||
		    static_branch_unlikely(&za_table_key);
	void *objs[ZA_RCU_RUN];
	struct za_class *found;
	unsigned int k = 0;
	size_t usable;
	bool table;
	void *obj;

	for (; n && head; n--) {
		obj = head_obj(head);
		head = head->next;
		if (!each) {
			objs[k++] = obj;
			if (k == ZA_RCU_RUN) {
				za_free_run(c, objs, k, _THIS_IP_);
				k = 0;
			}
			continue;
		}
		found = find(obj, &usable, &table);
		/* The bytes queue() counted for the class of no fixed size. */
		if (found && !found->pooled)
			this_cpu_sub(za_rcu_counts.bytes, usable);
		za_free_known(obj, table ? NULL : found, usable, _THIS_IP_);
	}
	if (k)
		za_free_run(c, objs, k, _THIS_IP_);
}

/*
 * The RCU callback of a batch: every object's grace period has ended.
 * Each class's objects are counted as done, then freed.
 */
static void batch_done(struct rcu_head *rcu)
{
	struct za_rcu_batch *b = container_of(rcu, struct za_rcu_batch, rcu);
	struct za_rcu_cpu *rc = per_cpu_ptr(&za_rcu_cpu, b->cpu);
	struct za_rcu_chain *ch;
	struct rcu_head *head;
	unsigned int cls, n;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		ch = &b->objs[cls];
		if (!ch->nr)
			continue;
		head = ch->head;
		n = ch->nr;
		/*
		 * Forgotten before any object is freed: one freed and handed
		 * out again (by an interrupt, on this CPU) may be queued again
		 * at once, and is no double free of the one queued last.
		 */
		WRITE_ONCE(ch->head, NULL);
		ch->tail = NULL;
		ch->nr = 0;
		this_cpu_add(za_rcu_counts.done[cls], n);
		free_chain(&za_classes[cls], head, n);
	}
	/* Pairs with the acquire in open_to_batch(): the batch is idle. */
	smp_store_release(&b->busy, false);
	/*
	 * Objects that came while the batch was busy: on this CPU a free
	 * that we interrupted sees @busy false or had queued its object,
	 * which @nr shows (queue() counts it, then looks at @busy); from
	 * another CPU (callbacks offloaded, or moved off a dead CPU) the
	 * work item looks, ordered after the store above by queue_work_on().
	 */
	if (cpu_online(b->cpu) &&
	    (b->cpu != raw_smp_processor_id() || READ_ONCE(rc->nr) ||
	     READ_ONCE(rc->unclaimed)))
		queue_work_on(b->cpu, za_rcu_wq, &rc->work);
}

/* Queues @head, of class @c and @usable bytes, where the claim is taken. */
static noinline void queue_unclaimed(struct za_class *c,
				     struct rcu_head *head, size_t usable)
{
	struct za_rcu_cpu *rc = get_cpu_ptr(&za_rcu_cpu);
	struct rcu_head *first = READ_ONCE(rc->unclaimed);

	this_cpu_inc(za_rcu_counts.queued[c->index]);
	if (!c->pooled)
		this_cpu_add(za_rcu_counts.bytes, usable);
	do {
		head->next = first;
	} while (!try_cmpxchg(&rc->unclaimed, &first, head));
	/* The first one asks the CPU to take them in; the rest follow it. */
	if (!first)
		queue_work_on(smp_processor_id(), za_rcu_wq, &rc->work);
	put_cpu_ptr(rc);
}

/*
 * Queues @head of @ptr (class @c, @usable bytes) on this CPU's open chain
 * of @c, and hands the chains to the batch if it is idle. Returns false
 * if @head is the one of @c queued last on this CPU: a double free.
 */
static __always_inline bool queue(struct za_class *c, const void *ptr,
				  struct rcu_head *head, size_t usable)
{
	struct za_cpu_mags *cm = mags_claim();
	struct za_rcu_chain *ch;
	struct za_rcu_cpu *rc;
	bool submit;

	head_set_obj(head, ptr);
	if (unlikely(!cm)) {
		queue_unclaimed(c, head, usable);
		return true;
	}
	rc = this_cpu_ptr(&za_rcu_cpu);
	ch = &rc->open[c->index];
	/* On the open chain, or the batch's newest. */
	if (unlikely(head == ch->head ||
		     head == READ_ONCE(rc->batch.objs[c->index].head))) {
		mags_release(cm);
		return false;
	}
	chain_push(ch, head);
	WRITE_ONCE(rc->nr, rc->nr + 1);
	rc->queued[c->index]++;
	if (!c->pooled)
		rc->queued_bytes += usable;
	if (unlikely(READ_ONCE(rc->unclaimed)))
		take_unclaimed(rc, rc);
	/* Counted on @nr before @busy is read: see batch_done(). */
	barrier();
	submit = open_to_batch(rc);
	mags_release(cm);
	if (submit)
		call_rcu(&rc->batch.rcu, batch_done);
	return true;
}

/* === Public interface === */

/**
 * __zalloc_free_rcu() - free an object from zalloc after an RCU grace
 *	period; called by zalloc_free_rcu()
 * @ptr: the object; NULL and ZERO_SIZE_PTR are ignored
 * @head: a struct rcu_head inside the object, which zalloc uses until
 *	the object is freed
 *
 * @ptr is looked up at once, as zalloc_free() looks it up: a pointer
 * zalloc did not hand out, or whose @head does not lie inside it, is
 * refused (counted in invalid_frees, one ratelimited error) and left
 * alone; a second call for the object queued last on this CPU is refused
 * as a double free. Otherwise the object is freed, as by zalloc_free(),
 * once every RCU read-side critical section that began before this call
 * has ended; until then only @head is written.
 *
 * Context: any context kfree_rcu() may be called from: not NMI.
 */
void __zalloc_free_rcu(const void *ptr, struct rcu_head *head)
{
	struct za_class *c;
	size_t usable;
	bool table;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	c = find(ptr, &usable, &table);
	if (unlikely(!c || !head_inside(ptr, usable, head))) {
		za_refuse_free(ptr, ZR_INVALID_FREE, _RET_IP_);
		return;
	}
	/* Not live from now on, for the profile as for the statistics. */
	za_profile_free(ptr);
	if (unlikely(!queue(c, ptr, head, usable)))
		za_refuse_free(ptr, ZR_DOUBLE_FREE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__zalloc_free_rcu);

/* === Statistics, hotplug, setup and teardown === */

/**
 * za_rcu_waiting() - objects of a class that wait for a grace period
 * @cls: the class
 * @bytes: where to store their usable bytes
 *
 * Context: any; racy while CPUs queue and free, like every counter.
 * Return: the objects zalloc_free_rcu() took and has not freed yet.
 */
s64 za_rcu_waiting(unsigned int cls, s64 *bytes)
{
	const struct za_class *c = &za_classes[cls];
	u64 queued = 0, done = 0;
	long sum_bytes = 0;
	s64 n;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct za_rcu_cpu *rc = per_cpu_ptr(&za_rcu_cpu, cpu);
		struct za_rcu_counts *k = per_cpu_ptr(&za_rcu_counts, cpu);

		queued += READ_ONCE(rc->queued[cls]) + READ_ONCE(k->queued[cls]);
		done += READ_ONCE(k->done[cls]);
		sum_bytes += READ_ONCE(rc->queued_bytes) + READ_ONCE(k->bytes);
	}
	n = za_gauge(queued, done, 0);
	*bytes = c->pooled ? n * c->size : sum_bytes;
	return n;
}
EXPORT_SYMBOL_NS_GPL(za_rcu_waiting, ZA_NS);

/* Whether any CPU still has a busy batch or objects not yet in one. */
static bool rcu_pending(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct za_rcu_cpu *rc = per_cpu_ptr(&za_rcu_cpu, cpu);

		if (READ_ONCE(rc->nr) || READ_ONCE(rc->unclaimed))
			return true;
		/* Pairs with the release in batch_done(). */
		if (smp_load_acquire(&rc->batch.busy))
			return true;
	}
	return false;
}

/**
 * za_rcu_flush() - free every object zalloc_free_rcu() was given before
 *	this call, after its grace period
 *
 * Each online CPU hands its open chain on, then rcu_barrier() waits for
 * the batches; again, while a batch was busy when its CPU handed on.
 *
 * Context: process; sleeps.
 * Return: true if nothing waits any more, false if objects were still
 * queued after ZA_RCU_EXIT_ROUNDS rounds (being queued meanwhile).
 */
bool za_rcu_flush(void)
{
	unsigned int round;
	int cpu;

	for (round = 0; round < ZA_RCU_EXIT_ROUNDS; round++) {
		for_each_online_cpu(cpu)
			queue_work_on(cpu, za_rcu_wq,
				      &per_cpu_ptr(&za_rcu_cpu, cpu)->work);
		for_each_online_cpu(cpu)
			flush_work(&per_cpu_ptr(&za_rcu_cpu, cpu)->work);
		rcu_barrier();
		if (!rcu_pending())
			return true;
	}
	return false;
}
EXPORT_SYMBOL_NS_GPL(za_rcu_flush, ZA_NS);

/*
 * CPU hotplug teardown, once @cpu is dead: its open chains and unclaimed
 * objects join this CPU's chains, which go to this CPU's batch. Nothing
 * on @cpu touches its chains any more; its busy batch, if any, completes
 * where RCU moved its callback.
 */
static int za_rcu_cpu_dead(unsigned int cpu)
{
	struct za_rcu_cpu *dead = per_cpu_ptr(&za_rcu_cpu, cpu);
	struct za_rcu_chain *from, *to;
	struct za_cpu_mags *cm;
	struct za_rcu_cpu *rc;
	unsigned int cls;
	bool submit;

	cm = mags_claim();
	/* Task context: see hand_on_this_cpu(). */
	if (WARN_ON_ONCE(!cm))
		return 0;
	rc = this_cpu_ptr(&za_rcu_cpu);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		from = &dead->open[cls];
		to = &rc->open[cls];
		if (!from->nr)
			continue;
		from->tail->next = to->head;
		if (!to->head)
			to->tail = from->tail;
		to->head = from->head;
		to->nr += from->nr;
		WRITE_ONCE(rc->nr, rc->nr + from->nr);
		*from = (struct za_rcu_chain){};
	}
	WRITE_ONCE(dead->nr, 0);
	/* Its unclaimed objects, then this CPU's: one list, one walk. */
	take_unclaimed(rc, dead);
	take_unclaimed(rc, rc);
	submit = open_to_batch(rc);
	mags_release(cm);
	if (submit)
		call_rcu(&rc->batch.rcu, batch_done);
	return 0;
}

/**
 * za_rcu_init() - set up the batches and hook CPU hotplug
 *
 * Context: process, at load, once the magazines exist (the claim is
 * theirs).
 * Return: 0 or a negative errno.
 */
int za_rcu_init(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu) {
		struct za_rcu_cpu *rc = per_cpu_ptr(&za_rcu_cpu, cpu);

		rc->batch.cpu = cpu;
		INIT_WORK(&rc->work, hand_on_work);
	}
	za_rcu_wq = create_workqueue("zalloc_rcu");
	if (!za_rcu_wq)
		return -ENOMEM;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "zalloc:rcu_dead",
					NULL, za_rcu_cpu_dead);
	if (ret < 0) {
		destroy_workqueue(za_rcu_wq);
		return ret;
	}
	za_rcu_cpuhp_state = ret;
	return 0;
}

/**
 * za_rcu_exit() - free everything zalloc_free_rcu() still holds
 *
 * Before the magazines are drained and the classes torn down: no callback
 * of zalloc's may run once the module is gone, and the objects must be
 * back in their classes for the unload's leak check. The hotplug hook
 * goes last, so that a CPU that goes down meanwhile still gives its
 * chain to another.
 *
 * Context: process, at unload, when no user is left.
 */
void za_rcu_exit(void)
{
	s64 bytes, n = 0;
	unsigned int cls;
	int cpu;

	if (!za_rcu_flush())
		pr_warn("objects were still queued by zalloc_free_rcu() at unload\n");
	cpuhp_remove_state_nocalls(za_rcu_cpuhp_state);
	/* Queued by the last callbacks, with nothing left to hand on. */
	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(&za_rcu_cpu, cpu)->work);
	destroy_workqueue(za_rcu_wq);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++)
		n += za_rcu_waiting(cls, &bytes);
	if (n)
		pr_warn("%lld objects given to zalloc_free_rcu() were never freed (freed twice while waiting?)\n",
			n);
}
