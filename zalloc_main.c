// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc: module setup, the strategy parameter and the public API.
 *
 * zalloc_alloc_strategy() validates its arguments, picks a size class
 * (za_size_class(), O(1)) and takes an object from that class's magazines
 * (zalloc_mag.h, zalloc_mag.c) or its backend (zalloc_pool.c's
 * za_backends[]). zalloc_free() and zalloc_size() find the class from the
 * pointer alone (za_ptr_lookup()), so a pointer goes back where it came
 * from whatever the strategy is when it is freed. The rest of the kmalloc
 * family is built on the same two paths: zalloc_array() and
 * zalloc_calloc() inline the allocation's, zalloc_realloc() looks its
 * pointer up once and continues on both.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"
#include "zalloc_lookup.h"
#include "zalloc_mag.h"

#ifndef ZALLOC_NO_TRACEPOINTS
#define CREATE_TRACE_POINTS
#include "zalloc_trace.h"
/* For modules that attach probes of their own (the KUnit suites). */
EXPORT_TRACEPOINT_SYMBOL_GPL(zalloc_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(zalloc_free);
#else
/*
 * Built with ZALLOC_NO_TRACEPOINTS=y: the tracepoints compiled out, as the
 * baseline of their cost when disabled (tools/testing/trace-cost.sh).
 */
static inline void trace_zalloc_alloc(unsigned long call_site,
				      const void *ptr, size_t bytes_req,
				      size_t bytes_alloc, gfp_t gfp_flags,
				      unsigned int class, int backend, bool hit)
{
}

static inline void trace_zalloc_free(unsigned long call_site,
				     const void *ptr, size_t bytes_alloc,
				     unsigned int class)
{
}
#endif

/* === Data === */

/* PACKAGE_VERSION in dkms.conf says the same: "make check" compares them. */
#define ZALLOC_VERSION "0.9.0"

const char * const za_strategy_names[] = {
	[ZALLOC_AUTO]		= "auto",
	[ZALLOC_OBJECT_POOL]	= "object_pool",
	[ZALLOC_EXTENDED_POOL]	= "extended_pool",
	[ZALLOC_STANDARD]	= "standard",
};
EXPORT_SYMBOL_NS_GPL(za_strategy_names, ZA_NS);

static_assert(ARRAY_SIZE(za_strategy_names) == ZALLOC_STANDARD + 1);

/* The strategy zalloc_alloc() uses; the parameter's setter validates it. */
static int za_default_strategy = ZALLOC_AUTO;

/*
 * Statistics' event counters, and the magazines: both on by default.
 * Exported because the inline paths that the test and benchmark modules
 * compile in test them; they are switched only by za_set_switch().
 */
DEFINE_STATIC_KEY_TRUE(za_stats_key);
EXPORT_SYMBOL_NS_GPL(za_stats_key, ZA_NS);
DEFINE_STATIC_KEY_TRUE(za_fastpath_key);
EXPORT_SYMBOL_NS_GPL(za_fastpath_key, ZA_NS);

/* === Module parameters === */

/*
 * Set by zalloc_exit() under the parameters' lock before it tears anything
 * down. The parameters' sysfs files outlive exit() (the kernel removes them
 * after it returns), so from then on their setters, which run under that
 * lock, refuse with -ENODEV: the module is going away.
 */
static bool za_unloading;

/**
 * za_params_closed() - whether the parameters no longer take writes
 *
 * Context: a parameter's ->set, under kernel_param_lock(THIS_MODULE).
 * Return: true once zalloc_exit() has begun.
 */
bool za_params_closed(void)
{
	return za_unloading;
}

/**
 * za_set_strategy() - set the strategy zalloc_alloc() uses, by name
 * @name: "auto", "object_pool", "extended_pool" or "standard", as written
 *	to /sys/module/zalloc/parameters/strategy (a trailing newline is fine)
 *
 * Context: any.
 * Return: 0, or -EINVAL for any other name.
 */
int za_set_strategy(const char *name)
{
	int i = sysfs_match_string(za_strategy_names, name);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(za_default_strategy, i);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(za_set_strategy, ZA_NS);

/**
 * za_get_strategy() - the strategy zalloc_alloc() uses now
 *
 * Context: any.
 * Return: the strategy, as set by za_set_strategy() or the parameter.
 */
enum zalloc_strategy za_get_strategy(void)
{
	return READ_ONCE(za_default_strategy);
}
EXPORT_SYMBOL_NS_GPL(za_get_strategy, ZA_NS);

static int strategy_set(const char *val, const struct kernel_param *kp)
{
	if (za_params_closed())
		return -ENODEV;
	return za_set_strategy(val);
}

static int strategy_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", za_strategy_names[za_get_strategy()]);
}

static const struct kernel_param_ops strategy_ops = {
	.set = strategy_set,
	.get = strategy_get,
};
module_param_cb(strategy, &strategy_ops, NULL, 0644);
MODULE_PARM_DESC(strategy,
		 "Backend of zalloc_alloc(): auto (by size, default), object_pool, extended_pool or standard");

/**
 * za_set_switch() - turn the statistics or the magazines on or off
 * @key: &za_stats_key or &za_fastpath_key
 * @on: the new state
 *
 * Turning the caches off also empties them; an allocation or free that was
 * under way may still leave an object cached, until the next drain.
 *
 * Context: process; may sleep.
 */
void za_set_switch(struct static_key_true *key, bool on)
{
	if (on)
		static_branch_enable(key);
	else
		static_branch_disable(key);
	if (key == &za_fastpath_key && !on)
		za_mag_drain_all();
}
EXPORT_SYMBOL_NS_GPL(za_set_switch, ZA_NS);

static int switch_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (za_params_closed())
		return -ENODEV;
	za_set_switch(kp->arg, on);
	return 0;
}

static int switch_get(char *buf, const struct kernel_param *kp)
{
	struct static_key_true *key = kp->arg;

	return sysfs_emit(buf, "%c\n", static_key_enabled(&key->key) ? 'Y' : 'N');
}

static const struct kernel_param_ops switch_ops = {
	.set = switch_set,
	.get = switch_get,
};
module_param_cb(stats, &switch_ops, &za_stats_key, 0644);
MODULE_PARM_DESC(stats,
		 "Count events (allocs, frees, hits, ...); gauges are always kept (default Y)");
module_param_cb(fastpath, &switch_ops, &za_fastpath_key, 0644);
MODULE_PARM_DESC(fastpath,
		 "Magazines and depots in front of the pools (default Y); N also empties them");

/* === Allocation === */

/*
 * The zalloc_alloc event: the class's backend by the strategy that forces
 * it, @hit if this CPU's loaded magazine served it.
 */
static __always_inline void trace_alloc(unsigned long caller, const void *obj,
					size_t size, size_t usable, gfp_t gfp,
					const struct za_class *c, bool hit)
{
	trace_zalloc_alloc(caller, obj, size, obj ? usable : 0, gfp, c->index,
			   c->strategy, hit);
}

/*
 * An allocation by the normal paths (not the debug mode's): the magazines
 * of a pool class (@tried: the fast path found the loaded one empty), or
 * the backend of one of no fixed size; of @node's memory, unless it is
 * NUMA_NO_NODE. Registered with kmemleak, and taken in by the debug mode
 * if it was switched on meanwhile.
 */
static __always_inline void *alloc_normal(struct za_class *c, size_t size,
					  gfp_t gfp, int node, bool tried,
					  size_t *usable, bool *hit)
{
	void *obj;

	*hit = false;
	if (c->pooled)
		obj = za_mag_alloc(c, gfp, node, tried, hit);
	else
		obj = za_backend_alloc(c, size, gfp, node, usable);
	if (likely(obj)) {
		za_track_alloc(c, obj, gfp);
		za_debug_adopt(c, &obj, 1);
	}
	return obj;
}

/*
 * Whether @node may be asked for: NUMA_NO_NODE, or a node that is online
 * (the page allocator has no data for another, and SLUB reads past its
 * node mask for a number beyond it).
 */
static bool node_valid(int node)
{
	return node == NUMA_NO_NODE ||
	       ((unsigned int)node < nr_node_ids && node_online(node));
}

/*
 * Every allocation that the fast path below does not serve, continuing
 * from where it stopped: @c is the class za_route() picked (@fell: for a
 * strategy that could not serve @size), @node the node whose memory is
 * wanted or NUMA_NO_NODE, @tried whether this CPU's loaded magazine was
 * tried already. @caller is the return address of the exported function,
 * for the tracepoint. The debug mode's objects are traced and their
 * failures counted like any; a node that is not online is refused and
 * counted (invalid_nodes).
 */
static noinline void *zalloc_alloc_slow(struct za_class *c, size_t size,
					gfp_t gfp, int node, bool fell,
					bool tried, unsigned long caller)
{
	size_t usable = c->size;
	bool hit = false;
	void *obj = NULL;

	might_alloc(gfp);
	if (unlikely(!node_valid(node))) {
		za_count_refusal(ZR_NODE);
		return NULL;
	}
	if (unlikely(gfp & GFP_ZONEMASK))
		goto fail;
	if (static_branch_unlikely(&za_debug_key) &&
	    za_debug_alloc(c, size, gfp, node, caller, &obj))
		usable = size;
	else
		obj = alloc_normal(c, size, gfp, node, tried, &usable, &hit);
	if (unlikely(!obj))
		goto fail;
	za_profile_alloc(c, obj, usable, caller);
	if (unlikely(fell))
		za_stat_inc(c->index, ZE_FALLTHROUGH);
	trace_alloc(caller, obj, size, usable, gfp, c, hit);
	return obj;
fail:
	za_stat_inc(c->index, ZE_FAIL);
	trace_alloc(caller, NULL, size, 0, gfp, c, false);
	return NULL;
}

/*
 * An allocation the fast path did not route: the strategy checked, size 0
 * answered, then routed once (@c: the class ZALLOC_AUTO picks, if the fast
 * path found it already, else NULL) and on to zalloc_alloc_slow().
 */
static noinline void *zalloc_alloc_route(struct za_class *c, size_t size,
					 gfp_t gfp,
					 enum zalloc_strategy strategy,
					 int node, unsigned long caller)
{
	bool fell;

	if (unlikely((unsigned int)strategy > ZALLOC_STANDARD)) {
		might_alloc(gfp);
		za_count_refusal(ZR_STRATEGY);
		return NULL;
	}
	if (unlikely(!size)) {
		might_alloc(gfp);
		return ZERO_SIZE_PTR;
	}
	if (!c)
		c = &za_classes[za_size_class(size)];
	c = za_route(c, strategy, gfp, &fell);
	return zalloc_alloc_slow(c, size, gfp, node, fell, false, caller);
}

/*
 * Every allocation entry point, inlined into each. The fast path: a pool
 * size, no zone modifier and nothing to charge to a memory cgroup (both
 * routed), nothing that must see each object (za_each_object()), a
 * strategy that takes the size's class as it is (za_strategy_takes()),
 * any node or this CPU's (za_mag_pop() looks; a constant NUMA_NO_NODE
 * compiles the test out), and an object on this CPU's loaded magazine,
 * zeroed there if asked. A miss continues in zalloc_alloc_slow() with the
 * class; anything else is routed by zalloc_alloc_route(). The size class
 * is computed once.
 */
static __always_inline void *__zalloc_alloc(size_t size, gfp_t gfp,
					    enum zalloc_strategy strategy,
					    int node, unsigned long caller)
{
	struct za_class *c = NULL;
	void *obj;

	if (likely(size - 1 < ZA_EXT_MAX &&
		   !(gfp & (GFP_ZONEMASK | __GFP_ACCOUNT)) &&
		   !za_each_object())) {
		c = &za_classes[za_size_class(size)];
		if (likely(za_strategy_takes(c, strategy) && c->pooled)) {
			obj = za_mag_pop(c, node);
			if (likely(obj)) {
				might_alloc(gfp);
				return za_mag_hand_out(c, obj, gfp);
			}
			return zalloc_alloc_slow(c, size, gfp, node, false,
						 true, caller);
		}
	}
	return zalloc_alloc_route(c, size, gfp, strategy, node, caller);
}

/**
 * zalloc_alloc_strategy() - allocate memory with a given backend strategy
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc(); zone modifiers (GFP_DMA,
 *	GFP_DMA32, __GFP_HIGHMEM, __GFP_MOVABLE) are refused
 * @strategy: ZALLOC_AUTO or the backend to use; a request that backend
 *	cannot serve goes where ZALLOC_AUTO would send it, and is counted
 *
 * Semantics follow kmalloc(): __GFP_ZERO zeroes, init_on_alloc and
 * init_on_free are honoured, alignment is at least 8 bytes and a
 * power-of-two size up to PAGE_SIZE is naturally aligned. Free the result
 * with zalloc_free().
 *
 * Context: any context kmalloc() with the same @gfp may be called from:
 * may sleep if @gfp allows it; GFP_ATOMIC and GFP_NOWAIT never sleep.
 * Return: the memory; ZERO_SIZE_PTR if @size is 0; NULL if @strategy is
 * unknown, @gfp has a zone modifier, or no memory could be had.
 */
void *zalloc_alloc_strategy(size_t size, gfp_t gfp,
			    enum zalloc_strategy strategy)
{
	return __zalloc_alloc(size, gfp, strategy, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_alloc_strategy);

/**
 * zalloc_alloc() - allocate memory with the module's default strategy
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * Uses the strategy set by the module parameter "strategy" (default auto).
 * See zalloc_alloc_strategy() for the semantics.
 *
 * Context: as zalloc_alloc_strategy().
 * Return: the memory, ZERO_SIZE_PTR if @size is 0, or NULL.
 */
void *zalloc_alloc(size_t size, gfp_t gfp)
{
	return __zalloc_alloc(size, gfp, za_get_strategy(), NUMA_NO_NODE,
			      _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_alloc);

/**
 * zalloc_alloc_node_strategy() - allocate memory on a NUMA node with a
 *	given backend strategy, like kmalloc_node()
 * @size: bytes wanted
 * @gfp: allocation flags, as for zalloc_alloc_strategy(); with
 *	__GFP_THISNODE, another node's memory is never given instead
 * @strategy: as for zalloc_alloc_strategy()
 * @node: the node whose memory is wanted, or NUMA_NO_NODE for any (this
 *	CPU's node's, as zalloc_alloc() gives)
 *
 * As zalloc_alloc_strategy(), of @node's memory where the page allocator
 * has it (as kmalloc_node(), another node's if @node has none to give,
 * unless @gfp has __GFP_THISNODE). Each CPU's magazines hold its own
 * node's objects: a request for this CPU's node costs what zalloc_alloc()
 * costs; one for another node takes one object from the backend, past the
 * caches, and is counted (remote in the stats file).
 *
 * Context: as zalloc_alloc_strategy().
 * Return: the memory; ZERO_SIZE_PTR if @size is 0; NULL as for
 * zalloc_alloc_strategy(), or if @node is neither NUMA_NO_NODE nor an
 * online node (counted: invalid_nodes).
 */
void *zalloc_alloc_node_strategy(size_t size, gfp_t gfp,
				 enum zalloc_strategy strategy, int node)
{
	return __zalloc_alloc(size, gfp, strategy, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_alloc_node_strategy);

/**
 * zalloc_alloc_node() - allocate memory on a NUMA node, like kmalloc_node()
 * @size: bytes wanted
 * @gfp: allocation flags, as for zalloc_alloc()
 * @node: the node whose memory is wanted, or NUMA_NO_NODE for any
 *
 * zalloc_alloc_node_strategy() with the module's default strategy.
 *
 * Context: as zalloc_alloc_strategy().
 * Return: as zalloc_alloc_node_strategy().
 */
void *zalloc_alloc_node(size_t size, gfp_t gfp, int node)
{
	return __zalloc_alloc(size, gfp, za_get_strategy(), node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_alloc_node);

/* === Arrays === */

/*
 * An array whose bytes do not fit in a size_t: refused, as
 * kmalloc_array() refuses it, and counted (array_overflows). Never a
 * shorter object: size_mul() would saturate at SIZE_MAX, which no backend
 * serves either. Off the inlined path.
 */
static noinline void *alloc_overflow(gfp_t gfp)
{
	might_alloc(gfp);
	za_count_refusal(ZR_OVERFLOW);
	return NULL;
}

/* zalloc_array() and zalloc_calloc(): the product checked, then inlined. */
static __always_inline void *alloc_array(size_t n, size_t size, gfp_t gfp,
					 unsigned long caller)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return alloc_overflow(gfp);
	return __zalloc_alloc(bytes, gfp, za_get_strategy(), NUMA_NO_NODE,
			      caller);
}

/**
 * zalloc_array() - allocate memory for an array, like kmalloc_array()
 * @n: number of elements
 * @size: bytes of each element
 * @gfp: allocation flags, as for zalloc_alloc()
 *
 * As zalloc_alloc(@n * @size, @gfp), by the same path, unless the product
 * overflows a size_t: then nothing is allocated and the refusal is counted
 * (array_overflows in the stats file).
 *
 * Context: as zalloc_alloc_strategy().
 * Return: the memory; ZERO_SIZE_PTR if @n or @size is 0; NULL if @n * @size
 * overflows, or as zalloc_alloc().
 */
void *zalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return alloc_array(n, size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_array);

/**
 * zalloc_calloc() - allocate zeroed memory for an array, like kcalloc()
 * @n: number of elements
 * @size: bytes of each element
 * @gfp: allocation flags, as for zalloc_alloc(); __GFP_ZERO is added
 *
 * zalloc_array() with __GFP_ZERO: the whole object is zeroed, recycled
 * ones too.
 *
 * Context: as zalloc_alloc_strategy().
 * Return: as zalloc_array().
 */
void *zalloc_calloc(size_t n, size_t size, gfp_t gfp)
{
	return alloc_array(n, size, gfp | __GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_calloc);

/* === Free === */

/*
 * The object at @ptr (not NULL or ZERO_SIZE_PTR) as zalloc_size() and
 * zalloc_realloc() find it: a live object of the debug mode's table (*@cp
 * NULL; @usable the size asked for) or one of a class (*@cp;
 * za_ptr_lookup()). False if neither: not an object zalloc handed out.
 */
static __always_inline bool obj_find(const void *ptr, struct za_class **cp,
				     size_t *usable)
{
	*cp = NULL;
	if (static_branch_unlikely(&za_table_key) &&
	    za_debug_find(ptr, usable))
		return true;
	*cp = za_ptr_lookup(ptr, usable);
	return *cp;
}

/* A call of @func that obj_find() found no object for: the caller's bug. */
static void report_foreign(const void *ptr, const char *func,
			   unsigned long caller)
{
	pr_err_ratelimited("%pS: %s() of %p: not an object zalloc handed out\n",
			   (void *)caller, func, ptr);
}

/*
 * A free once its pointer is looked up (@c: its class, NULL if it is not
 * zalloc's), continuing from where the fast path stopped: @pushed is what
 * this CPU's magazine did with it already, if it was offered.
 */
static void free_found(const void *ptr, struct za_class *c, size_t usable,
		       enum za_push pushed, unsigned long caller)
{
	if (unlikely(!c)) {
		za_refuse_free(ptr, ZR_INVALID_FREE, caller);
		return;
	}
	trace_zalloc_free(caller, ptr, usable, c->index);
	if (!c->pooled)
		za_backend_free(c, (void *)ptr, usable);
	else if (!za_mag_free(c, (void *)ptr, pushed))
		za_refuse_free(ptr, ZR_DOUBLE_FREE, caller);
}

/*
 * A free the fast path left alone at once: the debug table (if it may
 * hold objects) decides first; then the pointer is looked up, once.
 */
static noinline void zalloc_free_slow(const void *ptr, unsigned long caller)
{
	enum za_table_free table = ZA_TABLE_MISS;
	struct za_class *c;
	size_t usable;

	za_profile_free(ptr);
	if (static_branch_unlikely(&za_table_key)) {
		table = za_debug_free(ptr, caller, &c, &usable);
		if (table == ZA_TABLE_DONE) {
			if (c)
				trace_zalloc_free(caller, ptr, usable,
						  c->index);
			return;
		}
	}
	c = za_ptr_lookup(ptr, &usable);
	if (table == ZA_TABLE_CHECK) {
		if (za_debug_free_untracked(c, (void *)ptr, usable, caller))
			trace_zalloc_free(caller, ptr, usable, c->index);
		return;
	}
	free_found(ptr, c, usable, ZA_PUSH_UNTRIED, caller);
}

/* After the fast path's lookup and push: a no-inline call, off the path. */
static noinline void zalloc_free_found(const void *ptr, struct za_class *c,
				       size_t usable, enum za_push pushed,
				       unsigned long caller)
{
	free_found(ptr, c, usable, pushed, caller);
}

/*
 * zalloc_free() and each object of zalloc_free_bulk() that is seen on its
 * own. The fast path: nothing must see each object (za_each_object()),
 * a pointer that passes the checks, to a pool class, with room on this
 * CPU's loaded magazine, wiped there if init_on_free asks. Anything else
 * continues in zalloc_free_found() (looked up already) or
 * zalloc_free_slow().
 */
static __always_inline void __zalloc_free(const void *ptr,
					  unsigned long caller)
{
	enum za_push pushed = ZA_PUSH_UNTRIED;
	struct za_class *c;
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	if (unlikely(za_each_object())) {
		zalloc_free_slow(ptr, caller);
		return;
	}
	c = za_ptr_lookup(ptr, &usable);
	if (likely(c && c->pooled)) {
		za_obj_free_init(c, (void *)ptr);
		pushed = za_mag_push(c, (void *)ptr);
		if (likely(pushed == ZA_PUSHED))
			return;
		/* A pool class's usable size: not kept across the push. */
		usable = c->size;
	}
	zalloc_free_found(ptr, c, usable, pushed, caller);
}

/**
 * zalloc_free() - free memory from zalloc_alloc() or zalloc_alloc_strategy()
 * @ptr: the memory; NULL and ZERO_SIZE_PTR are ignored
 *
 * The backend is found from @ptr in O(1), whatever the strategy is now. A
 * pointer that zalloc did not hand out, or a double free, is refused and
 * counted as far as the mode can tell (Documentation/zalloc.rst,
 * "Debugging"): never freed, never a crash.
 *
 * Context: any context kfree() may be called from.
 */
void zalloc_free(const void *ptr)
{
	__zalloc_free(ptr, _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_free);

/**
 * zalloc_size() - usable size of memory from zalloc, like ksize()
 * @ptr: the memory
 *
 * Context: any.
 * Return: bytes that may be used at @ptr (at least what was asked for);
 * 0 for NULL, ZERO_SIZE_PTR and a pointer that is not the start of an
 * object zalloc could have handed out.
 */
size_t zalloc_size(const void *ptr)
{
	struct za_class *c;
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return 0;
	if (unlikely(!obj_find(ptr, &c, &usable))) {
		report_foreign(ptr, __func__, _RET_IP_);
		return 0;
	}
	return usable;
}
EXPORT_SYMBOL_GPL(zalloc_size);

/* === Realloc === */

/**
 * za_free_known() - free an object that was looked up already
 * @ptr: the object
 * @c: its class as za_ptr_lookup() found it; NULL for an object of the
 *	debug mode's table
 * @usable: its usable size
 * @caller: the return address to name if the free is refused
 *
 * The free goes on as zalloc_free() continues, or the whole way when each
 * object must be seen, which the table's objects always are (the table key
 * holds the diversion on while the table has objects). What
 * zalloc_realloc() frees the object it replaced with, and
 * zalloc_free_rcu()'s callback (zalloc_rcu.c), which looks each object up
 * to count it.
 *
 * Context: any context kfree() may be called from.
 */
void za_free_known(const void *ptr, struct za_class *c, size_t usable,
		   unsigned long caller)
{
	if (unlikely(!c || za_each_object()))
		zalloc_free_slow(ptr, caller);
	else
		free_found(ptr, c, usable, ZA_PUSH_UNTRIED, caller);
}

/**
 * zalloc_realloc() - resize memory from zalloc, like krealloc()
 * @ptr: memory from zalloc; NULL or ZERO_SIZE_PTR to allocate
 * @new_size: bytes wanted
 * @gfp: allocation flags, as for zalloc_alloc()
 *
 * If zalloc_size(@ptr) holds @new_size, growing or shrinking, @ptr is
 * returned unchanged; as krealloc() does (6.1, 6.12 and 7.3), with
 * __GFP_ZERO or init_on_alloc the bytes from @new_size to zalloc_size(@ptr)
 * are zeroed, so that a later grow in place finds them zero. Otherwise a
 * new object is allocated as by zalloc_alloc(), by the same path,
 * zalloc_size(@ptr) bytes are copied into it and @ptr is freed as by
 * zalloc_free(). __GFP_ZERO zeroes the grown part only if every
 * allocation and reallocation of the object passed it: zalloc, like
 * krealloc(), does not keep the size first asked for. In debug mode an
 * object is exactly the size asked for, so any other size moves it, and
 * KASAN checks the new size to the byte.
 *
 * A @ptr zalloc did not hand out is refused as zalloc_free() refuses it,
 * as far as the mode can tell (counted in invalid_frees, one ratelimited
 * error) and left alone.
 *
 * Context: as zalloc_alloc_strategy().
 * Return: @ptr or the new object; ZERO_SIZE_PTR if @new_size is 0, @ptr
 * then freed; NULL, @ptr untouched, if @ptr is refused or the new object
 * could not be had.
 */
void *zalloc_realloc(const void *ptr, size_t new_size, gfp_t gfp)
{
	struct za_class *c = NULL;
	size_t usable = 0;
	void *obj;

	if (likely(!ZERO_OR_NULL_PTR(ptr)) &&
	    unlikely(!obj_find(ptr, &c, &usable))) {
		might_alloc(gfp);
		za_count_refusal(ZR_INVALID_FREE);
		report_foreign(ptr, __func__, _RET_IP_);
		return NULL;
	}
	if (unlikely(!new_size)) {
		if (!ZERO_OR_NULL_PTR(ptr))
			za_free_known(ptr, c, usable, _RET_IP_);
		return ZERO_SIZE_PTR;
	}
	/* In place: what the class holds, or the table's exact size. */
	if (new_size == usable || (new_size < usable && c)) {
		might_alloc(gfp);
		if (want_init_on_alloc(gfp)) {
			/* A kmalloc() object's bytes past its size: KASAN's. */
			kasan_disable_current();
			memset((u8 *)ptr + new_size, 0, usable - new_size);
			kasan_enable_current();
		}
		return (void *)ptr;
	}
	obj = __zalloc_alloc(new_size, gfp, za_get_strategy(), NUMA_NO_NODE,
			     _RET_IP_);
	if (unlikely(!obj) || ZERO_OR_NULL_PTR(ptr))
		return obj;
	kasan_disable_current();
	memcpy(obj, ptr, min(usable, new_size));
	kasan_enable_current();
	za_free_known(ptr, c, usable, _RET_IP_);
	return obj;
}
EXPORT_SYMBOL_GPL(zalloc_realloc);

/* === Bulk === */

static void free_bulk(size_t nr, void **objs, unsigned long caller,
		      bool handed_out);

/* zalloc_alloc_bulk() in debug mode: each object on its own; all or none. */
static int alloc_bulk_each(struct za_class *c, size_t size, gfp_t gfp,
			   bool fell, size_t nr, void **objs,
			   unsigned long caller)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		objs[i] = zalloc_alloc_slow(c, size, gfp, NUMA_NO_NODE, fell,
					    false, caller);
		if (unlikely(!objs[i])) {
			free_bulk(i, objs, caller, true);
			return 0;
		}
	}
	return nr;
}

/*
 * @nr objects of class @c by the normal paths, zeroed as @gfp and
 * init_on_alloc ask (by the magazines, or by kmalloc()); returns how
 * many, and in @hits how many the magazines gave, and in @usable the
 * usable size of each.
 */
static size_t alloc_bulk_normal(struct za_class *c, size_t size, gfp_t gfp,
				size_t nr, void **objs, size_t *hits,
				size_t *usable)
{
	size_t i = 0;

	*hits = 0;
	*usable = c->size;
	if (c->pooled)
		i = za_mag_alloc_bulk(c, gfp, nr, objs, hits);
	else
		while (i < nr &&
		       (objs[i] = za_backend_alloc(c, size, gfp, NUMA_NO_NODE,
						   usable)))
			i++;
	za_debug_adopt(c, objs, i);
	return i;
}

/**
 * zalloc_alloc_bulk() - allocate several objects of one size
 * @size: bytes wanted for each
 * @gfp: allocation flags, as for zalloc_alloc()
 * @nr: how many objects
 * @objs: where to store them, @nr slots
 *
 * Uses the module's default strategy, like zalloc_alloc(), and takes the
 * objects from this CPU's magazines in runs where it can. All or nothing:
 * if one allocation fails, the objects already taken are freed. Each
 * object is freed by zalloc_free() or zalloc_free_bulk(), in any grouping.
 *
 * Context: as zalloc_alloc_strategy().
 * Return: @nr on success; 0 if nothing was allocated (@nr is 0 or above
 * INT_MAX, @objs is NULL, @gfp has a zone modifier, no memory could be
 * had).
 */
int zalloc_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **objs)
{
	size_t i, hits, usable;
	struct za_class *c;
	bool fell;

	might_alloc(gfp);
	if (unlikely(!nr || nr > INT_MAX || !objs))
		return 0;
	if (unlikely(!size)) {
		for (i = 0; i < nr; i++)
			objs[i] = ZERO_SIZE_PTR;
		return nr;
	}
	c = za_route(&za_classes[za_size_class(size)], za_get_strategy(), gfp,
		     &fell);
	if (unlikely(gfp & GFP_ZONEMASK)) {
		za_stat_inc(c->index, ZE_FAIL);
		return 0;
	}
	/* Debug mode: one by one, each traced, counted and tracked. */
	if (static_branch_unlikely(&za_debug_key))
		return alloc_bulk_each(c, size, gfp, fell, nr, objs, _RET_IP_);
	i = alloc_bulk_normal(c, size, gfp, nr, objs, &hits, &usable);
	if (unlikely(i < nr)) {
		/* Not handed out: nothing to unregister, nothing to trace. */
		free_bulk(i, objs, _RET_IP_, false);
		za_stat_inc(c->index, ZE_FAIL);
		return 0;
	}
	if (unlikely(za_each_object())) {
		for (i = 0; i < nr; i++) {
			za_track_alloc(c, objs[i], gfp);
			za_profile_alloc(c, objs[i], usable, _RET_IP_);
			trace_alloc(_RET_IP_, objs[i], size, usable, gfp, c,
				    i < hits);
		}
	}
	if (unlikely(fell))
		za_stat_add(c->index, ZE_FALLTHROUGH, nr);
	return nr;
}
EXPORT_SYMBOL_GPL(zalloc_alloc_bulk);

/*
 * One object of a bulk free, looked up once (za_ptr_lookup_hinted(): a
 * slab object on the slab of the one before needs no ksize()). Returns its
 * class if it is a pool class's, for free_bulk() to gather into a run;
 * NULL if it was dealt with here: ignored (NULL, ZERO_SIZE_PTR), refused,
 * or freed to its backend.
 */
static struct za_class *free_bulk_one(const void *ptr, unsigned long caller,
				      struct za_lookup_hint *hint)
{
	struct za_class *c;
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return NULL;
	c = za_ptr_lookup_hinted(ptr, &usable, hint);
	if (c && c->pooled)
		return c;
	free_found(ptr, c, usable, ZA_PUSH_UNTRIED, caller);
	return NULL;
}

/**
 * za_free_run() - free objects of one pool class, looked up already
 * @c: their class, a pool class; NULL: there are none
 * @objs: the objects
 * @n: how many
 * @caller: the return address to name if a free is refused
 *
 * Onto this CPU's magazines, claimed once per run, wiped if init_on_free
 * asks; for zalloc_free_bulk() and zalloc_free_rcu()'s callback, where
 * nothing must see each object (za_each_object()).
 *
 * Context: any context kfree() may be called from.
 */
void za_free_run(struct za_class *c, void **objs, size_t n,
		 unsigned long caller)
{
	size_t done;

	if (!c)
		return;
	if (want_init_on_free())
		for (done = 0; done < n; done++)
			za_obj_free_init(c, objs[done]);
	while (n) {
		done = za_mag_free_bulk(c, objs, n);
		if (done == n)
			return;
		/* No room left, or a double free: this one on its own. */
		if (!za_mag_free_slow(c, objs[done]))
			za_refuse_free(objs[done], ZR_DOUBLE_FREE, caller);
		objs += done + 1;
		n -= done + 1;
	}
}

/*
 * zalloc_free_bulk(), and the undoing of a failed zalloc_alloc_bulk()
 * (@handed_out false: the objects were never registered or traced). Every
 * pointer is looked up once; consecutive objects of one pool class go
 * onto the magazines as a run, claimed once, unless each object must be
 * seen on its own (the debug table's, or za_each_object()).
 */
static void free_bulk(size_t nr, void **objs, unsigned long caller,
		      bool handed_out)
{
	struct za_lookup_hint hint = {};
	struct za_class *c, *run = NULL;
	size_t i, start = 0;

	if (static_branch_unlikely(&za_table_key) ||
	    (handed_out && za_each_object())) {
		for (i = 0; i < nr; i++)
			__zalloc_free(objs[i], caller);
		return;
	}
	for (i = 0; i < nr; i++) {
		c = free_bulk_one(objs[i], caller, &hint);
		if (c != run) {
			za_free_run(run, objs + start, i - start, caller);
			run = c;
			start = i;
		}
	}
	za_free_run(run, objs + start, nr - start, caller);
}

/**
 * zalloc_free_bulk() - free several objects from zalloc
 * @nr: how many
 * @objs: the objects, of any sizes and strategies; NULL and ZERO_SIZE_PTR
 *	entries are ignored
 *
 * Like zalloc_free() on each, with the same checks of every pointer, but
 * a run of consecutive objects of one pool class goes onto this CPU's
 * magazines, claimed once.
 *
 * Context: any context kfree() may be called from.
 */
void zalloc_free_bulk(size_t nr, void **objs)
{
	free_bulk(nr, objs, _RET_IP_, true);
}
EXPORT_SYMBOL_GPL(zalloc_free_bulk);

/* === Module init and exit === */

/* One line for everything users still hold; fills @leaked per class. */
static void report_leaks(bool *leaked)
{
	char buf[512];
	struct za_class_stats st;
	unsigned int cls, len = 0;
	s64 objs = 0, bytes = 0;

	buf[0] = '\0';
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		leaked[cls] = st.live_objs != 0;
		if (!leaked[cls])
			continue;
		objs += st.live_objs;
		bytes += st.live_bytes;
		len += scnprintf(buf + len, sizeof(buf) - len, " %s:%lld/%lldB",
				 za_classes[cls].name, st.live_objs,
				 st.live_bytes);
	}
	if (objs)
		pr_warn("unloading with %lld objects (%lld bytes) still allocated by users; their memory is left alone:%s\n",
			objs, bytes, buf);
}

static int __init zalloc_init(void)
{
	int err;

	err = za_debug_init();
	if (err)
		return err;
	err = za_pools_init();
	if (err)
		goto debug_exit;
	err = za_mag_init();
	if (err)
		goto pools_exit;
	err = za_rcu_init();
	if (err)
		goto mags_free;
	err = za_reclaim_init();
	if (err)
		goto rcu_exit;
	za_stats_init();
	za_profile_init();
	return 0;

rcu_exit:
	za_rcu_exit();
mags_free:
	za_mag_free_all();
pools_exit:
	za_pools_exit(NULL);
debug_exit:
	za_debug_exit();
	return err;
}

static void __exit zalloc_exit(void)
{
	bool leaked[ZA_NR_CLASSES];

	/* A write under way finishes first; later ones are refused. */
	kernel_param_lock(THIS_MODULE);
	za_unloading = true;
	kernel_param_unlock(THIS_MODULE);
	za_stats_exit();
	/* Its callbacks free into the magazines that the next step drains. */
	za_rcu_exit();
	za_reclaim_exit();
	za_debug_exit();
	za_profile_exit();
	report_leaks(leaked);
	za_pools_exit(leaked);
	za_mag_free_all();
	za_reclaim_free();
}

module_init(zalloc_init);
module_exit(zalloc_exit);

MODULE_VERSION(ZALLOC_VERSION);
MODULE_DESCRIPTION("One allocation API over object pools, extended pools and kmalloc");
MODULE_LICENSE("GPL");
