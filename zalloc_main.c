// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc: module setup, the strategy parameter and the public API.
 *
 * zalloc_alloc_strategy() validates its arguments, picks a size class
 * (za_size_class(), O(1)) and takes an object from that class's magazines
 * (zalloc_pcpu.h, zalloc_pcpu.c) or its backend (zalloc_pool.c's
 * za_backends[]). zalloc_free() and zalloc_size() find the class from the
 * pointer alone (za_ptr_lookup()), so a pointer goes back where it came
 * from whatever the strategy is when it is freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"
#include "zalloc_pcpu.h"

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
static inline bool trace_zalloc_alloc_enabled(void)
{
	return false;
}

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

/* Statistics' event counters, and the magazines: both on by default. */
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
		za_cache_drain_all();
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

/* === Internals === */

/* The class that serves @size for @strategy, and whether it fell through. */
static __always_inline unsigned int pick_class(size_t size,
					       enum zalloc_strategy strategy,
					       bool *fell)
{
	unsigned int cls = za_size_class(size);

	switch (strategy) {
	case ZALLOC_OBJECT_POOL:
		*fell = size > ZA_OBJ_MAX;
		break;
	case ZALLOC_EXTENDED_POOL:
		*fell = size <= ZA_OBJ_MAX || size > ZA_EXT_MAX;
		break;
	case ZALLOC_STANDARD:
		cls = ZA_CLASS_STD;
		fallthrough;
	default:
		*fell = false;
		break;
	}
	return cls;
}

/* === Public interface === */

/*
 * The zalloc_alloc event. @usable is 0 where only a lookup tells it (the
 * standard backend's objects), which is done only while the event is on.
 */
static __always_inline void trace_alloc(unsigned long caller, const void *obj,
					size_t size, size_t usable, gfp_t gfp,
					const struct za_class *c, bool hit)
{
	if (!trace_zalloc_alloc_enabled())
		return;
	if (obj && !usable)
		za_ptr_lookup(obj, &usable);
	trace_zalloc_alloc(caller, obj, size, obj ? usable : 0, gfp, c->index,
			   za_ops(c)->strategy, hit);
}

/*
 * Every allocation that the fast path below does not serve; @caller is
 * the return address of the exported function, for the tracepoint. The
 * debug mode's objects are traced and their failures counted like any.
 */
static noinline void *zalloc_alloc_slow(size_t size, gfp_t gfp,
					enum zalloc_strategy strategy,
					unsigned long caller)
{
	struct za_class *c;
	unsigned int cls;
	bool fell, hit = false;
	size_t usable;
	void *obj;

	might_alloc(gfp);
	if (unlikely((unsigned int)strategy > ZALLOC_STANDARD)) {
		za_count_refusal(ZR_STRATEGY);
		return NULL;
	}
	if (unlikely(!size))
		return ZERO_SIZE_PTR;

	cls = pick_class(size, strategy, &fell);
	c = &za_classes[cls];
	if (unlikely(gfp & GFP_ZONEMASK))
		goto fail;
	if (static_branch_unlikely(&za_debug_key) &&
	    za_debug_alloc(size, gfp, strategy, caller, &obj)) {
		usable = size;
	} else {
		if (cls == ZA_CLASS_STD)
			obj = za_std_alloc(size, gfp);
		else
			obj = za_cache_alloc(c, gfp, &hit);
		if (likely(obj)) {
			za_track_alloc(c, obj, gfp);
			za_debug_adopt(c, &obj, 1);
		}
		usable = c->size;
	}
	if (unlikely(!obj))
		goto fail;
	if (unlikely(fell))
		za_stat_inc(cls, ZE_FALLTHROUGH);
	trace_alloc(caller, obj, size, usable, gfp, c, hit);
	return obj;
fail:
	za_stat_inc(cls, ZE_FAIL);
	trace_alloc(caller, NULL, size, 0, gfp, c, false);
	return NULL;
}

/*
 * Both allocation entry points, inlined into each. The fast path: a pool
 * size that the strategy sends to its own class, nothing to zero, nothing
 * to register with kmemleak, no debug mode or tracing (za_divert_key), and
 * an object on this CPU's loaded magazine. All else is zalloc_alloc_slow().
 */
static __always_inline void *__zalloc_alloc(size_t size, gfp_t gfp,
					    enum zalloc_strategy strategy,
					    unsigned long caller)
{
	struct za_class *c;
	void *obj;

	if (likely(size - 1 < ZA_EXT_MAX && !(gfp & GFP_ZONEMASK) &&
		   !want_init_on_alloc(gfp) && !IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) &&
		   !static_branch_unlikely(&za_divert_key))) {
		c = &za_classes[za_size_class(size)];
		if (likely(strategy == ZALLOC_AUTO ||
			   strategy == za_ops(c)->strategy)) {
			obj = za_cache_pop(c);
			if (likely(obj)) {
				might_alloc(gfp);
				return obj;
			}
		}
	}
	return zalloc_alloc_slow(size, gfp, strategy, caller);
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
	return __zalloc_alloc(size, gfp, strategy, _RET_IP_);
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
	return __zalloc_alloc(size, gfp, za_get_strategy(), _RET_IP_);
}
EXPORT_SYMBOL_GPL(zalloc_alloc);

/*
 * Whether @obj is on top of this CPU's magazine: a double free that would
 * otherwise unregister with kmemleak an object it does not know.
 */
static bool kmemleak_double(struct za_class *c, const void *obj)
{
	struct za_pcpu *pc;
	bool top = false;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	    c->backend != ZA_BE_EXTENDED ||
	    !static_branch_likely(&za_fastpath_key))
		return false;
	pc = pcpu_trylock();
	if (pc) {
		top = mag_top_is(pc->cls[c->index].loaded, obj);
		pcpu_unlock(pc);
	}
	return top;
}

/*
 * Every free that the fast path in __zalloc_free() does not take: the debug
 * table, the pointer's checks and refusals, the tracepoint, kmemleak, the
 * magazines' slow path or the standard backend.
 */
static noinline void zalloc_free_slow(const void *ptr, unsigned long caller)
{
	struct za_class *c;
	size_t usable;

	if (static_branch_unlikely(&za_table_key) &&
	    za_debug_free(ptr, caller, &c, &usable)) {
		if (c)
			trace_zalloc_free(caller, ptr, usable, c->index);
		return;
	}
	c = za_ptr_lookup(ptr, &usable);
	if (unlikely(!c)) {
		za_refuse_free(ptr, ZR_INVALID_FREE, caller);
		return;
	}
	trace_zalloc_free(caller, ptr, usable, c->index);
	if (unlikely(kmemleak_double(c, ptr))) {
		za_refuse_free(ptr, ZR_DOUBLE_FREE, caller);
		return;
	}
	za_track_free(c, ptr);
	if (c->backend == ZA_BE_STANDARD)
		za_std_free(ptr, usable);
	else if (!za_cache_free(c, (void *)ptr))
		za_refuse_free(ptr, ZR_DOUBLE_FREE, caller);
}

/*
 * zalloc_free() and zalloc_free_bulk(). The fast path: nothing diverts
 * (debug mode, tracing: za_divert_key), nothing to wipe or unregister, a
 * pointer that passes the checks, to a pool object, with room on this
 * CPU's magazine. Anything else, a refusal included, is decided by
 * zalloc_free_slow(), which looks again.
 */
static __always_inline void __zalloc_free(const void *ptr,
					  unsigned long caller)
{
	struct za_class *c;
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	if (likely(!static_branch_unlikely(&za_divert_key) &&
		   !want_init_on_free() && !IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))) {
		c = za_ptr_lookup(ptr, &usable);
		if (likely(c && c->backend != ZA_BE_STANDARD &&
			   za_cache_push(c, (void *)ptr) == ZA_PUSH_DONE))
			return;
	}
	zalloc_free_slow(ptr, caller);
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
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return 0;
	if (static_branch_unlikely(&za_table_key) &&
	    za_debug_size(ptr, &usable))
		return usable;
	if (unlikely(!za_ptr_lookup(ptr, &usable))) {
		pr_err_ratelimited("%pS: %s() of %p: not an object zalloc handed out\n",
				   (void *)_RET_IP_, __func__, ptr);
		return 0;
	}
	return usable;
}
EXPORT_SYMBOL_GPL(zalloc_size);

static void free_bulk(size_t nr, void **objs, unsigned long caller,
		      bool handed_out);

/* zalloc_alloc_bulk() in debug mode: each object on its own; all or none. */
static int alloc_bulk_each(size_t size, gfp_t gfp,
			   enum zalloc_strategy strategy, size_t nr,
			   void **objs, unsigned long caller)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		objs[i] = zalloc_alloc_slow(size, gfp, strategy, caller);
		if (unlikely(!objs[i])) {
			free_bulk(i, objs, caller, true);
			return 0;
		}
	}
	return nr;
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
	enum zalloc_strategy strategy = za_get_strategy();
	struct za_class *c;
	unsigned int cls;
	size_t i = 0, hits;
	bool fell;

	might_alloc(gfp);
	if (unlikely(!nr || nr > INT_MAX || !objs))
		return 0;
	if (unlikely(!size)) {
		for (i = 0; i < nr; i++)
			objs[i] = ZERO_SIZE_PTR;
		return nr;
	}
	cls = pick_class(size, strategy, &fell);
	if (unlikely(gfp & GFP_ZONEMASK)) {
		za_stat_inc(cls, ZE_FAIL);
		return 0;
	}
	/* Debug mode: one by one, each traced, counted and tracked. */
	if (static_branch_unlikely(&za_debug_key))
		return alloc_bulk_each(size, gfp, strategy, nr, objs, _RET_IP_);
	c = &za_classes[cls];
	hits = 0;
	if (cls == ZA_CLASS_STD) {
		for (; i < nr && (objs[i] = za_std_alloc(size, gfp)); i++)
			;
	} else {
		hits = za_cache_alloc_bulk(c, nr, objs);
		i = hits;
		for (; i < nr && (objs[i] = __za_cache_alloc(c, gfp)); i++)
			;
	}
	za_debug_adopt(c, objs, i);
	if (unlikely(i < nr)) {
		/* Not handed out: nothing to unregister, nothing to trace. */
		free_bulk(i, objs, _RET_IP_, false);
		za_stat_inc(cls, ZE_FAIL);
		return 0;
	}
	/* Zeroing, kmemleak, the tracepoint: each object, if any is on. */
	if (unlikely(want_init_on_alloc(gfp) ||
		     IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
		     static_branch_unlikely(&za_divert_key))) {
		for (i = 0; i < nr; i++) {
			/* kmalloc() zeroes and registers its own. */
			if (cls != ZA_CLASS_STD) {
				if (want_init_on_alloc(gfp))
					memset(objs[i], 0, c->size);
				za_track_alloc(c, objs[i], gfp);
			}
			trace_alloc(_RET_IP_, objs[i], size, c->size, gfp, c,
				    i < hits);
		}
	}
	if (unlikely(fell))
		za_stat_add(cls, ZE_FALLTHROUGH, nr);
	return nr;
}
EXPORT_SYMBOL_GPL(zalloc_alloc_bulk);

/*
 * One object of a bulk free, checked as zalloc_free() checks it. Returns
 * its pool class, for free_bulk() to gather into a run of that class; or
 * NULL if it was dealt with here: ignored (NULL, ZERO_SIZE_PTR), refused,
 * or freed to the standard backend.
 */
static struct za_class *free_bulk_one(const void *ptr, unsigned long caller)
{
	struct za_class *c;
	size_t usable;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return NULL;
	c = za_ptr_lookup(ptr, &usable);
	if (unlikely(!c)) {
		za_refuse_free(ptr, ZR_INVALID_FREE, caller);
		return NULL;
	}
	if (c->backend == ZA_BE_STANDARD) {
		za_std_free(ptr, usable);
		return NULL;
	}
	return c;
}

/* @n objects of pool class @c, checked, onto the magazines (@c NULL: none). */
static void free_run(struct za_class *c, void **objs, size_t n,
		     unsigned long caller)
{
	size_t done;

	if (!c)
		return;
	if (want_init_on_free())
		for (done = 0; done < n; done++)
			memset(objs[done], 0, c->size);
	done = za_cache_free_bulk(c, objs, n);
	for (; done < n; done++)
		if (!za_cache_free(c, objs[done]))
			za_refuse_free(objs[done], ZR_DOUBLE_FREE, caller);
}

/*
 * zalloc_free_bulk(), and the undoing of a failed zalloc_alloc_bulk()
 * (@handed_out false: the objects were never registered or traced). Every
 * pointer is checked on its own; consecutive objects of one pool class go
 * onto the magazines as a run, under one lock, unless the debug table, a
 * tracepoint or kmemleak needs each object seen on its own.
 */
static void free_bulk(size_t nr, void **objs, unsigned long caller,
		      bool handed_out)
{
	struct za_class *c, *run = NULL;
	size_t i, start = 0;

	if (static_branch_unlikely(&za_table_key) ||
	    (handed_out && (static_branch_unlikely(&za_divert_key) ||
			    IS_ENABLED(CONFIG_DEBUG_KMEMLEAK)))) {
		for (i = 0; i < nr; i++)
			__zalloc_free(objs[i], caller);
		return;
	}
	for (i = 0; i < nr; i++) {
		c = free_bulk_one(objs[i], caller);
		if (c != run) {
			free_run(run, objs + start, i - start, caller);
			run = c;
			start = i;
		}
	}
	free_run(run, objs + start, nr - start, caller);
}

/**
 * zalloc_free_bulk() - free several objects from zalloc
 * @nr: how many
 * @objs: the objects, of any sizes and strategies; NULL and ZERO_SIZE_PTR
 *	entries are ignored
 *
 * Like zalloc_free() on each, with the same checks of every pointer, but
 * a run of consecutive objects of one pool class goes onto this CPU's
 * magazines under one lock.
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
	err = za_pcpu_init();
	if (err)
		goto pools_exit;
	err = za_reclaim_init();
	if (err)
		goto pcpu_free;
	za_stats_init();
	return 0;

pcpu_free:
	za_pcpu_free();
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
	za_reclaim_exit();
	za_debug_exit();
	report_leaks(leaked);
	za_pools_exit(leaked);
	za_pcpu_free();
	za_reclaim_free();
}

module_init(zalloc_init);
module_exit(zalloc_exit);

MODULE_VERSION(ZALLOC_VERSION);
MODULE_DESCRIPTION("One allocation API over object pools, extended pools and kmalloc");
MODULE_LICENSE("GPL");
