// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc safety: frees of what zalloc did not hand out, and the debug mode.
 *
 * Every mode: zalloc_free() and zalloc_size() check a pointer before they
 * trust it (za_ptr_lookup()): an extended-pool pointer must lead, through
 * its page, to one of zalloc's span descriptors (or a class's own pointer,
 * for a single-object span) and start one of that span's objects; a large
 * folio must be a large kmalloc() that the pointer starts (where the
 * kernel marks them: 6.17 on); a slab object must have an object-pool size
 * or be larger. A pointer that fails is refused: one ratelimited pr_err()
 * naming the caller and the pointer, counted as invalid_frees, never put
 * back into circulation. With the magazines on, a free of the object on
 * top of this CPU's loaded magazine (a double free with nothing between)
 * is refused and counted as double_frees: one compare, on the fast path.
 * What the normal mode cannot see: a kmalloc() object of an object-pool
 * size, or larger, that zalloc did not hand out (SLUB does not tell a
 * module which cache an object is from; ksize() gives the size only); a
 * pointer into the middle of an object-pool object; a double free with
 * other frees between. Objects in magazines and spans are invisible to
 * KASAN and KFENCE; extended-pool objects are registered with kmemleak as
 * they are handed out (zalloc_main.c).
 *
 * Debug mode (the "debug" parameter; on by default where the kernel has
 * KASAN): every allocation is a kmalloc() of exactly the size asked for,
 * bypassing the magazines, the depots and the spans, so that KASAN,
 * KFENCE, kmemleak, slub_debug and failslab see every object with its
 * caller's stack, and KASAN catches an overflow into what the class size
 * would have rounded up (20 B asked, 24 B class); and zalloc keeps a table
 * of the objects it handed out (pointer, size, caller), so that a free of
 * anything else is refused and counted before SLUB sees it, foreign
 * kmalloc() objects included. While the mode is on, freed entries stay in
 * a quarantine of the last ZA_QUARANTINE frees: a second free of one of
 * them, whatever came between, is a double free. At unload the objects
 * still in the table are reported, one line per call site. The objects
 * are counted in the class za_route() picks if its backend takes kmalloc()
 * objects of its sizes for its own anyway (the object pools), else in the
 * standard row, by the bytes asked for (za_kmalloc_class()).
 *
 * Switching. The table's own state (whether allocations are tracked,
 * whether untracked frees are checked, how many entries are live or being
 * made) is read and written under za_table_lock; the static keys only
 * send the paths here. On: the table key first (frees look in the table),
 * then the debug key, then allocations are tracked, then, after a grace
 * period, each class's
 * untracked budget is set to the objects it has live, and only then are
 * frees outside the table checked against it: every object that the
 * normal paths handed out is either in that count (its allocation ended
 * before the grace period: the fast path pops with preemption off and
 * looks at the key again there, the slow paths look after counting, under
 * rcu_read_lock()) or adds itself to the budget (za_debug_adopt()). The
 * budget may exceed the untracked objects (frees in flight, the table's
 * own objects): it never refuses a legitimate free, it may let a foreign
 * object of a budgeted class through, which the backend then frees into
 * its own cache (zalloc_object.c). An extended-pool object needs no budget:
 * its span tells. While the debug key is on, an object of the normal paths
 * may reuse the address of a debug object freed meanwhile (both come from
 * the kernel's allocators): za_debug_adopt() drops that quarantined entry,
 * which would refuse the object's free as a double free; quarantined
 * entries exist only while the key is on. Off: tracking and checking stop
 * at once (frees of table entries are no longer quarantined, frees outside
 * the table take the normal path), the quarantine is emptied, then the
 * debug key goes off, and the table key goes off
 * once no entry is live or being made, so an allocation that reserved its
 * entry before the switch still finds the table there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "zalloc_internal.h"

/* Freed entries kept to tell a double free from an invalid one. */
#define ZA_QUARANTINE		1024
#define ZA_TABLE_BITS		12
/* Call sites reported one by one at unload; the rest are summed. */
#define ZA_LEAK_SITES		32

/* === Data === */

/* Allocations go to SLUB and the table (the "debug" parameter). */
DEFINE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_debug_key);
/*
 * The inline fast path looks at it (zalloc_mag.h), in the benchmark too;
 * it is switched only by za_set_debug().
 */
EXPORT_SYMBOL_NS_GPL(za_debug_key, ZA_NS);
/* The table may hold objects: frees look there first. */
DEFINE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_table_key);
/*
 * Sends every allocation and free to the slow paths (zalloc_main.c): one
 * reference while the table may hold objects, one per enabled tracepoint.
 */
DEFINE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_divert_key);
/* The table's entries. */
static struct kmem_cache *za_live_cache;

/**
 * struct za_live - an object the debug mode handed out
 * @node: in za_table, by @ptr
 * @qnode: on za_quarantine while @freed
 * @ptr: the object
 * @size: its usable size
 * @caller: the return address of the zalloc call that allocated it
 * @cls: its class (an object pool or the standard row)
 * @freed: freed, kept to recognise a second free
 */
struct za_live {
	struct hlist_node node;
	struct list_head qnode;
	const void *ptr;
	size_t size;
	unsigned long caller;
	unsigned int cls;
	bool freed;
};

/*
 * za_table_lock protects the table, the quarantine and the state below.
 * It is taken with interrupts off (frees come from any context) and
 * nothing is taken inside it.
 */
static DEFINE_SPINLOCK(za_table_lock);
static DEFINE_HASHTABLE(za_table, ZA_TABLE_BITS);
static LIST_HEAD(za_quarantine);
static unsigned int za_nr_quarantined;
/* Entries live, and entries being made (see table_reserve()). */
static unsigned long za_nr_live;
/*
 * Allocations are tracked, and freed entries quarantined; frees outside
 * the table are checked against the budget below. At load both are what
 * the keys are: on with KASAN, where nothing is live yet to budget.
 */
static bool za_tracking = IS_ENABLED(CONFIG_KASAN);
static bool za_checking = IS_ENABLED(CONFIG_KASAN);
/* Untracked objects each budgeted class may still free (see the top). */
static atomic64_t za_untracked[ZA_NR_CLASSES];
/* Serialises switches of the mode. */
static DEFINE_MUTEX(za_debug_mutex);

static void table_off_fn(struct work_struct *work);
static DECLARE_WORK(za_table_off_work, table_off_fn);

/* === Refusals === */

/**
 * za_refuse_free() - report and count a free that zalloc refuses
 * @ptr: the pointer
 * @why: ZR_INVALID_FREE or ZR_DOUBLE_FREE
 * @caller: the return address of the zalloc call
 *
 * Context: any.
 */
void za_refuse_free(const void *ptr, enum za_refusal why, unsigned long caller)
{
	za_count_refusal(why);
	if (why == ZR_DOUBLE_FREE)
		pr_err_ratelimited("%pS: double free of %p refused\n",
				   (void *)caller, ptr);
	else
		pr_err_ratelimited("%pS: free of %p refused: not an object zalloc handed out\n",
				   (void *)caller, ptr);
}

/* === The table === */

static struct za_live *table_find(const void *ptr)
{
	struct za_live *e;

	lockdep_assert_held(&za_table_lock);
	hash_for_each_possible(za_table, e, node, (unsigned long)ptr)
		if (e->ptr == ptr)
			return e;
	return NULL;
}

/* Drops quarantined entries, oldest first, down to @keep; lock held. */
static void quarantine_trim(unsigned int keep, struct list_head *drop)
{
	struct za_live *e, *next;

	lockdep_assert_held(&za_table_lock);
	list_for_each_entry_safe(e, next, &za_quarantine, qnode) {
		if (za_nr_quarantined <= keep)
			break;
		hash_del(&e->node);
		list_move(&e->qnode, drop);
		za_nr_quarantined--;
	}
}

static void free_entries(struct list_head *list)
{
	struct za_live *e, *next;

	list_for_each_entry_safe(e, next, list, qnode)
		kmem_cache_free(za_live_cache, e);
}

/* Enters a reserved object; a stale entry for its address is dropped. */
static void table_add(struct za_live *e)
{
	struct za_live *old;
	unsigned long flags;
	LIST_HEAD(drop);

	spin_lock_irqsave(&za_table_lock, flags);
	old = table_find(e->ptr);
	if (old) {
		/* SLUB gave the address out again: the old entry is stale. */
		hash_del(&old->node);
		if (old->freed) {
			list_move(&old->qnode, &drop);
			za_nr_quarantined--;
		} else {
			za_nr_live--;
			list_add(&old->qnode, &drop);
		}
	}
	hash_add(za_table, &e->node, (unsigned long)e->ptr);
	spin_unlock_irqrestore(&za_table_lock, flags);
	free_entries(&drop);
}

/*
 * Reserves a live entry for an allocation about to be made, if the mode
 * still tracks allocations: the table key stays on until the entry is
 * added and freed, or given back. Returns false if the mode is off.
 */
static bool table_reserve(void)
{
	unsigned long flags;
	bool on;

	spin_lock_irqsave(&za_table_lock, flags);
	on = za_tracking;
	if (on)
		za_nr_live++;
	spin_unlock_irqrestore(&za_table_lock, flags);
	return on;
}

/* Drops one live entry or reservation; lock held. True: turn the key off. */
static bool table_put_live(void)
{
	lockdep_assert_held(&za_table_lock);
	return !--za_nr_live && !za_tracking;
}

/* Gives back a reservation whose allocation failed. */
static void table_unreserve(void)
{
	unsigned long flags;
	bool none_left;

	spin_lock_irqsave(&za_table_lock, flags);
	none_left = table_put_live();
	spin_unlock_irqrestore(&za_table_lock, flags);
	if (none_left)
		schedule_work(&za_table_off_work);
}

/* === Allocation and free === */

/**
 * za_debug_alloc() - allocate in debug mode: kmalloc(), into the table
 * @c: the class za_route() picked; the object is counted in
 *	za_kmalloc_class() of it (see the top)
 * @size: bytes wanted, at least 1
 * @gfp: the caller's flags, no zone modifier
 * @node: the node whose memory is wanted, or NUMA_NO_NODE
 * @caller: the return address of the zalloc call
 * @objp: where to store the object, zeroed if @gfp or init_on_alloc asks
 *	(kmalloc() does it), or NULL if none could be had
 *
 * Context: as kmalloc() with @gfp.
 * Return: false if the mode was switched off meanwhile (nothing done: the
 * normal paths serve the call), else true.
 */
bool za_debug_alloc(struct za_class *c, size_t size, gfp_t gfp, int node,
		    unsigned long caller, void **objp)
{
	struct za_class *counted = za_kmalloc_class(c);
	struct za_live *e;
	void *obj = NULL;

	if (!table_reserve())
		return false;
	*objp = NULL;
	/* zalloc's own bookkeeping: charged to no memory cgroup. */
	e = kmem_cache_alloc(za_live_cache, gfp & ~(__GFP_ZERO | __GFP_ACCOUNT));
	if (e)
		obj = kmalloc_node(size, gfp, node);
	if (!obj) {
		if (e)
			kmem_cache_free(za_live_cache, e);
		table_unreserve();
		return true;
	}
	e->ptr = obj;
	e->size = size;
	e->caller = caller;
	e->cls = counted->index;
	e->freed = false;
	za_count_out(counted, size);
	table_add(e);
	*objp = obj;
	return true;
}

/* Whether a class's untracked objects are counted against a budget. */
static bool budgeted(const struct za_class *c)
{
	/* An exact backend's object is known by its lookup. */
	return !za_ops(c)->exact;
}

/**
 * __za_debug_adopt() - see za_debug_adopt()
 * @c: the class
 * @objs: objects the normal paths handed out as the mode was switched on
 * @n: how many
 *
 * Context: any.
 */
void __za_debug_adopt(const struct za_class *c, void *const *objs,
		      unsigned int n)
{
	struct za_live *e;
	unsigned long flags;
	unsigned int i;
	LIST_HEAD(drop);

	if (budgeted(c))
		atomic64_add(n, &za_untracked[c->index]);
	/*
	 * A debug object freed meanwhile went back to the kernel, which may
	 * have given its address to this allocation: its quarantined entry is
	 * stale, and would refuse this object's free as a double free.
	 */
	spin_lock_irqsave(&za_table_lock, flags);
	for (i = 0; i < n; i++) {
		e = table_find(objs[i]);
		if (e && e->freed) {
			hash_del(&e->node);
			list_move(&e->qnode, &drop);
			za_nr_quarantined--;
		}
	}
	spin_unlock_irqrestore(&za_table_lock, flags);
	free_entries(&drop);
}

/**
 * za_debug_free_untracked() - debug mode: free an object that is not in
 *	the table, if it may be one from before the switch
 * @c: its class as za_ptr_lookup() found it, or NULL
 * @obj: the pointer
 * @usable: its usable size, as za_ptr_lookup() found it
 * @caller: the return address of the zalloc call
 *
 * An object from before the switch is freed straight to its backend (an
 * exact backend's is known by its lookup; another while its class has
 * untracked objects left); anything else is refused.
 *
 * Context: any context kfree() may be called from.
 * Return: true if @obj was freed, false if refused.
 */
bool za_debug_free_untracked(struct za_class *c, void *obj, size_t usable,
			     unsigned long caller)
{
	if (c && (!budgeted(c) ||
		  atomic64_dec_if_positive(&za_untracked[c->index]) >= 0)) {
		za_backend_free(c, obj, usable);
		return true;
	}
	za_refuse_free(obj, ZR_INVALID_FREE, caller);
	return false;
}

/**
 * za_debug_free() - free through the table
 * @ptr: the pointer, not NULL or ZERO_SIZE_PTR
 * @caller: the return address of the zalloc call
 * @cp: where to store the class of the object freed, NULL if refused
 * @usable: where to store its usable size
 *
 * An object in the table is freed with kfree() and, while the mode is on,
 * quarantined; one already quarantined is refused as a double free. The
 * table is all this looks at: the caller looks a pointer that is not in it
 * up, once.
 *
 * Context: any context kfree() may be called from.
 * Return: ZA_TABLE_DONE if @ptr was dealt with; ZA_TABLE_CHECK if it is not
 * in the table and the mode checks such frees (za_debug_free_untracked());
 * ZA_TABLE_MISS if the normal path should free it.
 */
enum za_table_free za_debug_free(const void *ptr, unsigned long caller,
				 struct za_class **cp, size_t *usable)
{
	bool twice = false, none_left = false, checking;
	unsigned int cls = ZA_NR_CLASSES;
	struct za_live *e;
	unsigned long flags;
	LIST_HEAD(drop);

	*cp = NULL;
	spin_lock_irqsave(&za_table_lock, flags);
	e = table_find(ptr);
	if (e && e->freed) {
		twice = true;
	} else if (e) {
		cls = e->cls;
		*usable = e->size;
		if (za_tracking) {
			e->freed = true;
			list_add_tail(&e->qnode, &za_quarantine);
			za_nr_quarantined++;
			quarantine_trim(ZA_QUARANTINE, &drop);
		} else {
			/* No quarantine once the mode is off: forget it. */
			hash_del(&e->node);
			list_add(&e->qnode, &drop);
		}
		none_left = table_put_live();
	}
	checking = za_checking;
	spin_unlock_irqrestore(&za_table_lock, flags);
	free_entries(&drop);

	if (twice) {
		za_refuse_free(ptr, ZR_DOUBLE_FREE, caller);
		return ZA_TABLE_DONE;
	}
	if (cls < ZA_NR_CLASSES) {
		kfree(ptr);
		*cp = &za_classes[cls];
		za_count_in(*cp, *usable);
		if (none_left)
			schedule_work(&za_table_off_work);
		return ZA_TABLE_DONE;
	}
	return checking ? ZA_TABLE_CHECK : ZA_TABLE_MISS;
}

/**
 * za_debug_find() - the class and usable size of an object the table holds
 * @ptr: the pointer
 * @usable: where to store the size it was allocated with
 *
 * Not ksize(), which would unpoison the bytes past the size asked for.
 *
 * Context: any.
 * Return: the class that counts @ptr (za_kmalloc_class()), or NULL if
 * @ptr is not a live object of the table.
 */
struct za_class *za_debug_find(const void *ptr, size_t *usable)
{
	unsigned int cls = ZA_NR_CLASSES;
	struct za_live *e;
	unsigned long flags;

	spin_lock_irqsave(&za_table_lock, flags);
	e = table_find(ptr);
	if (e && !e->freed) {
		cls = e->cls;
		*usable = e->size;
	}
	spin_unlock_irqrestore(&za_table_lock, flags);
	return cls < ZA_NR_CLASSES ? &za_classes[cls] : NULL;
}

/* === Switching === */

/* The table key, and the fast paths' diversion with it; mutex held. */
static void table_key_set(bool on)
{
	lockdep_assert_held(&za_debug_mutex);
	if (on == static_key_enabled(&za_table_key))
		return;
	if (on) {
		static_branch_inc(&za_divert_key);
		static_branch_enable(&za_table_key);
	} else {
		static_branch_disable(&za_table_key);
		static_branch_dec(&za_divert_key);
	}
}

/* The table key off, if the mode is off and no entry is left; mutex held. */
static void table_key_put(void)
{
	unsigned long flags;
	bool idle;

	lockdep_assert_held(&za_debug_mutex);
	spin_lock_irqsave(&za_table_lock, flags);
	idle = !za_tracking && !za_nr_live;
	spin_unlock_irqrestore(&za_table_lock, flags);
	/* Only a switch on, which takes the mutex, makes it busy again. */
	if (idle)
		table_key_set(false);
}

static void table_off_fn(struct work_struct *work)
{
	mutex_lock(&za_debug_mutex);
	table_key_put();
	mutex_unlock(&za_debug_mutex);
}

/* Sets the table's state (see the top); mutex held. */
static void table_state_set(bool tracking, bool checking)
{
	unsigned long flags;

	lockdep_assert_held(&za_debug_mutex);
	spin_lock_irqsave(&za_table_lock, flags);
	za_tracking = tracking;
	za_checking = checking;
	spin_unlock_irqrestore(&za_table_lock, flags);
}

/**
 * za_trace_reg() - a zalloc tracepoint was enabled: divert to the slow
 *	paths, which fire the tracepoints
 *
 * Context: process (tracepoint registration).
 * Return: 0.
 */
int za_trace_reg(void)
{
	static_branch_inc(&za_divert_key);
	return 0;
}

/**
 * za_trace_unreg() - a zalloc tracepoint was disabled
 *
 * Context: process (tracepoint registration).
 */
void za_trace_unreg(void)
{
	static_branch_dec(&za_divert_key);
}

/* Empties the quarantine (leaving debug mode, unloading). */
static void quarantine_drop(void)
{
	unsigned long flags;
	LIST_HEAD(drop);

	spin_lock_irqsave(&za_table_lock, flags);
	quarantine_trim(0, &drop);
	spin_unlock_irqrestore(&za_table_lock, flags);
	free_entries(&drop);
}

/* Each budgeted class's budget from the objects it has live; mutex held. */
static void untracked_budget_set(void)
{
	struct za_class_stats st;
	unsigned int cls;

	lockdep_assert_held(&za_debug_mutex);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		if (!budgeted(&za_classes[cls]))
			continue;
		za_stats_read(cls, &st, false);
		atomic64_add(max_t(s64, st.live_objs, 0), &za_untracked[cls]);
	}
}

/**
 * za_set_debug() - switch the debug mode on or off
 * @on: the new state
 *
 * See the top of this file for the order of the steps and why.
 *
 * Context: process; may sleep (a grace period when switching on).
 */
void za_set_debug(bool on)
{
	unsigned int cls;

	mutex_lock(&za_debug_mutex);
	if (on && !static_key_enabled(&za_debug_key)) {
		for (cls = 0; cls < ZA_NR_CLASSES; cls++)
			atomic64_set(&za_untracked[cls], 0);
		table_key_set(true);
		/*
		 * The key before tracking: while entries are quarantined,
		 * every allocation of the normal paths ends in
		 * za_debug_adopt(), which drops those its objects reuse.
		 */
		static_branch_enable(&za_debug_key);
		table_state_set(true, false);
		/* Every allocation that found the mode off is counted now. */
		synchronize_rcu();
		untracked_budget_set();
		table_state_set(true, true);
	} else if (!on && static_key_enabled(&za_debug_key)) {
		table_state_set(false, false);
		/* Emptied while the key still sends allocations to adopt. */
		quarantine_drop();
		static_branch_disable(&za_debug_key);
		table_key_put();
	}
	mutex_unlock(&za_debug_mutex);
}
EXPORT_SYMBOL_NS_GPL(za_set_debug, ZA_NS);

static int debug_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (za_params_closed())
		return -ENODEV;
	za_set_debug(on);
	return 0;
}

static int debug_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n",
			  static_key_enabled(&za_debug_key) ? 'Y' : 'N');
}

static const struct kernel_param_ops debug_ops = {
	.set = debug_set,
	.get = debug_get,
};
module_param_cb(debug, &debug_ops, NULL, 0644);
MODULE_PARM_DESC(debug,
		 "Every object from SLUB and in a table of live objects, for KASAN, KFENCE, kmemleak and exact invalid/double free checks (default Y with KASAN, else N)");

/* === Unload === */

/**
 * struct za_leak_site - objects still in the table, by call site
 * @caller: where they were allocated
 * @objs: how many
 * @bytes: their usable size
 */
struct za_leak_site {
	unsigned long caller;
	unsigned long objs;
	u64 bytes;
};

static void leak_count(struct za_leak_site *sites, unsigned int *nr,
		       struct za_leak_site *rest, const struct za_live *e)
{
	unsigned int i;

	for (i = 0; i < *nr && sites[i].caller != e->caller; i++)
		;
	if (i == *nr && *nr < ZA_LEAK_SITES)
		sites[(*nr)++].caller = e->caller;
	if (i == ZA_LEAK_SITES)
		sites = rest;
	else
		sites += i;
	sites->objs++;
	sites->bytes += e->size;
}

/**
 * za_debug_exit() - report the objects still in the table, one line per
 *	call site, and free the table
 *
 * Context: process, at unload, when no user is left.
 */
void za_debug_exit(void)
{
	struct za_leak_site *sites, rest = {};
	struct za_live *e;
	struct hlist_node *tmp;
	unsigned int nr = 0, i, bkt;

	cancel_work_sync(&za_table_off_work);
	quarantine_drop();
	sites = kcalloc(ZA_LEAK_SITES, sizeof(*sites), GFP_KERNEL);
	hash_for_each_safe(za_table, bkt, tmp, e, node) {
		if (sites)
			leak_count(sites, &nr, &rest, e);
		hash_del(&e->node);
		kmem_cache_free(za_live_cache, e);
	}
	for (i = 0; i < nr; i++)
		pr_warn("debug: %lu objects (%llu bytes) allocated by %pS were never freed\n",
			sites[i].objs, sites[i].bytes, (void *)sites[i].caller);
	if (rest.objs)
		pr_warn("debug: %lu more objects (%llu bytes) from other call sites were never freed\n",
			rest.objs, rest.bytes);
	kfree(sites);
	kmem_cache_destroy(za_live_cache);
}

/**
 * za_debug_init() - create the table's cache
 *
 * Context: process, at load.
 * Return: 0 or -ENOMEM.
 */
int za_debug_init(void)
{
	/*
	 * Not tracked or scanned by kmemleak: an entry's pointer must not
	 * count as a reference, or a leaked object would never be reported.
	 */
	za_live_cache = KMEM_CACHE(za_live, SLAB_NOLEAKTRACE);
	return za_live_cache ? 0 : -ENOMEM;
}

/**
 * za_debug_enabled() - whether the debug mode is on
 *
 * Context: any.
 * Return: the state of the "debug" parameter.
 */
bool za_debug_enabled(void)
{
	return static_key_enabled(&za_debug_key);
}
EXPORT_SYMBOL_NS_GPL(za_debug_enabled, ZA_NS);
