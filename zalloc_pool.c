// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's size classes and backends: the class table, the table of
 * backends, the calls through which the rest of zalloc reaches a backend,
 * and the setup and teardown of both. The backends themselves are
 * zalloc_object.c, zalloc_extended.c and zalloc_standard.c. The magazines
 * and depots in front of the two pool backends (zalloc_mag.c, with the
 * fast path in zalloc_mag.h) and their reclaim (zalloc_reclaim.c) take
 * and give objects in batches through za_backend_get() and
 * za_backend_put().
 *
 * Size classes
 * ------------
 *   object pools    up to ZA_OBJ_MAX (256 B): the sizes of obj_sizes[]
 *                   below, multiples of 8; one kmem_cache each.
 *   extended pools  ZA_OBJ_MAX + 1 .. ZA_EXT_MAX (64 KiB): four classes per
 *                   power of two, size m << (k - 2) for m = 5..8, so that a
 *                   request wastes less than 20% of its object (less than
 *                   25% of what was asked); kmalloc wastes up to 50%.
 *   standard        above ZA_EXT_MAX, kmalloc; one class of no fixed size.
 * za_size_class() maps a size to a class in O(1): za_obj_index[] for the
 * object pools, fls() arithmetic for the extended pools. Both directions
 * come from one definition each: za_obj_index[] (size to class) is built
 * from obj_sizes[], and the extended classes' sizes (class to size) are
 * derived from za_size_class() by ext_class_sizes(). Nothing else states a
 * class size: tests check the classes against their properties, and the
 * pools file in debugfs lists them.
 *
 * Backends
 * --------
 * Each backend is a struct za_backend_ops in its own file, and a row of
 * za_backends[]. Class indexes are laid out by backend: object classes,
 * then extended classes, then the standard class (class_backend()).
 *
 * Telling the backends apart
 * --------------------------
 * zalloc_free() gets a bare pointer. Its folio says which backend owns it:
 *   - not slab, not large: an extended-pool page (page->private: the span);
 *   - not slab, large: a kmalloc() allocation above the slab sizes;
 *   - slab: ksize() <= 256 means an object pool (the size picks the class),
 *     larger means kmalloc. For this to hold, the standard backend never
 *     asks kmalloc for less than 257 bytes: a forced ZALLOC_STANDARD
 *     request of 256 B or less is served from kmalloc-512. Auto never
 *     sends such a request to the standard backend. Nor may SLUB round
 *     an object class's objects up (ARCH_SLAB_MINALIGN 16 would make the
 *     8 B class's report 16 B): za_pools_init() refuses to load where a
 *     class's objects report a size that leads to another class
 *     (za_obj_check_classes(), zalloc_object.c).
 * No header is stored in front of objects, so power-of-two sizes keep
 * their natural alignment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"
#include "zalloc_mag.h"

/* === Data === */

/*
 * Exported, like za_obj_index[] below, for the inline routing and lookup
 * (za_route(), zalloc_lookup.h) that the test and benchmark modules
 * compile in; they read the table, and only zalloc writes it.
 */
struct za_class za_classes[ZA_NR_CLASSES];
EXPORT_SYMBOL_NS_GPL(za_classes, ZA_NS);

static const unsigned int obj_sizes[ZA_NR_OBJ_CLASSES] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
};

/* (size + 7) / 8 -> object class, for 1 <= size <= ZA_OBJ_MAX. */
u8 za_obj_index[ZA_OBJ_MAX / 8 + 1];
EXPORT_SYMBOL_NS_GPL(za_obj_index, ZA_NS);

/* One row per backend; adding a backend adds a row and its file. */
const struct za_backend_ops *const za_backends[ZA_NR_BACKENDS] = {
	[ZA_BE_OBJECT]	= &za_object_ops,
	[ZA_BE_EXTENDED]	= &za_extended_ops,
	[ZA_BE_STANDARD]	= &za_standard_ops,
};
EXPORT_SYMBOL_NS_GPL(za_backends, ZA_NS);

/* See za_route(); set by za_pools_init(). */
struct za_class *za_strategy_class[ZALLOC_STANDARD + 1];

/* === Size classes === */

/*
 * The extended classes' sizes, from the one definition of the classes,
 * za_size_class(): each class is the largest size it serves. Returns false
 * if a class serves no size (a broken definition).
 */
static bool ext_class_sizes(unsigned int *sizes)
{
	unsigned int size, i;

	memset(sizes, 0, ZA_NR_EXT_CLASSES * sizeof(*sizes));
	for (size = ZA_OBJ_MAX + 1; size <= ZA_EXT_MAX; size++)
		sizes[za_size_class(size) - ZA_FIRST_EXT] = size;
	for (i = 0; i < ZA_NR_EXT_CLASSES; i++)
		if (WARN_ON_ONCE(!sizes[i]))
			return false;
	return true;
}

/* The backend of class index @i. */
static enum za_backend class_backend(unsigned int i)
{
	if (i < ZA_FIRST_EXT)
		return ZA_BE_OBJECT;
	if (i < ZA_CLASS_STD)
		return ZA_BE_EXTENDED;
	return ZA_BE_STANDARD;
}

/* === Calls into the backends === */

/**
 * za_backend_get() - take objects of a pool class from its backend
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags; __GFP_ZERO and __GFP_ACCOUNT are ignored
 * @node: the node whose memory is wanted, as for kmalloc_node(); or
 *	NUMA_NO_NODE for this CPU's node's, as far as the backend can
 * @objs: where to store them
 * @n: how many are wanted, at least 1
 * @zeroed: set if every object stored is zero, as the backend's allocator
 *	zeroed it and no one used it since
 *
 * Under init_on_alloc the backend's allocator (SLUB, the page allocator)
 * zeroes what it hands out anyway; it is asked to with __GFP_ZERO, which
 * it also honours where a cache poisons instead (slub_debug=P), so that
 * @zeroed can be trusted and the object handed out at once is not zeroed
 * twice. Otherwise the caller zeroes what it hands out, as @gfp asks.
 * Objects are shared through the magazines, depots and spans, so no
 * memory cgroup is charged for them.
 *
 * The caller counts them (ZE_OUT): the gauges need it.
 *
 * Context: as kmalloc() with @gfp.
 * Return: how many were stored, 0 if none could be had.
 */
unsigned int za_backend_get(struct za_class *c, gfp_t gfp, int node,
			    void **objs, unsigned int n, bool *zeroed)
{
	gfp &= ~(__GFP_ZERO | __GFP_ACCOUNT);
	if (want_init_on_alloc(gfp))
		gfp |= __GFP_ZERO;
	*zeroed = false;
	return za_ops(c)->get(c, gfp, node, objs, n, zeroed);
}
EXPORT_SYMBOL_NS_GPL(za_backend_get, ZA_NS);

/**
 * za_backend_put() - give objects of a pool class back to its backend
 * @c: an object-pool or extended-pool class
 * @objs: the objects, all of class @c
 * @n: how many
 *
 * The caller counts them (ZE_IN).
 *
 * Context: any context kfree() may be called from.
 */
void za_backend_put(struct za_class *c, void **objs, unsigned int n)
{
	if (n)
		za_ops(c)->put(c, objs, n);
}
EXPORT_SYMBOL_NS_GPL(za_backend_put, ZA_NS);

/**
 * za_backend_alloc() - one object from a backend of no fixed size, counted
 * @c: a class of such a backend (not @c->pooled)
 * @size: requested size
 * @gfp: the caller's flags, passed on as they are
 * @node: the node whose memory is wanted, or NUMA_NO_NODE, as for
 *	kmalloc_node()
 * @usable: where to store the object's usable size
 *
 * Context: as kmalloc() with @gfp.
 * Return: the object or NULL.
 */
void *za_backend_alloc(struct za_class *c, size_t size, gfp_t gfp,
		       int node, size_t *usable)
{
	void *obj = za_ops(c)->alloc(c, size, gfp, node, usable);

	if (obj)
		za_count_out(c, *usable);
	return obj;
}

/**
 * za_backend_free() - free an object that was handed out straight to its
 *	backend, past the magazines: unregistered from kmemleak, wiped if
 *	init_on_free asks, counted
 * @c: its class, as za_ptr_lookup() found it
 * @obj: the object
 * @usable: its usable size, as za_ptr_lookup() found it
 *
 * Context: any context kfree() may be called from.
 */
void za_backend_free(struct za_class *c, void *obj, size_t usable)
{
	za_track_free(c, obj);
	/* Counted before it goes: a reader may see it early, never lose it. */
	za_count_in(c, usable);
	if (!c->pooled) {
		za_ops(c)->free(c, obj, usable);
		return;
	}
	za_obj_free_init(c, obj);
	za_ops(c)->put(c, &obj, 1);
}

/*
 * Counts one object that class @c handed out (@ev ZE_OUT) or took back
 * (ZE_IN) past its magazines, @bytes its usable size, added or taken off.
 * A pool class counts it as a miss and an allocation, or as a free; a
 * class of no fixed size, whose figures are derived from these counts
 * (zalloc_standard.c), counts its bytes. With plain increments under this
 * CPU's magazines claimed, as the fast path counts; with this_cpu_*() only
 * where the claim is taken already (we interrupted its holder): on UML
 * each this_cpu_*() read-modify-write disables interrupts, and four of
 * them cost a standard pair more than kmalloc() itself.
 */
static void count_past_mags(struct za_class *c, enum za_event ev,
			    long bytes)
{
	enum za_event user = ev == ZE_OUT ? ZE_ALLOC : ZE_FREE;
	struct za_cpu_mags *cm = mags_claim();
	struct za_mag_class *mc;

	if (unlikely(!cm)) {
		za_count_backend(c->index, ev, 1);
		if (!c->pooled) {
			za_stat_add_std_bytes(bytes);
			return;
		}
		za_stat_inc(c->index, user);
		if (ev == ZE_OUT)
			za_stat_inc(c->index, ZE_MISS);
		return;
	}
	if (!c->pooled) {
		cm->std.ev[ev]++;
		cm->std.bytes += bytes;
	} else {
		mc = &cm->cls[c->index];
		mc->ev[ev]++;
		mags_stat(mc, user);
		if (ev == ZE_OUT)
			mags_stat(mc, ZE_MISS);
	}
	mags_release(cm);
}

/**
 * za_count_out() - count one object that class @c handed out past its
 *	magazines (its backend's, or the debug mode's kmalloc())
 * @c: the class
 * @bytes: its usable size
 *
 * Context: any.
 */
void za_count_out(struct za_class *c, size_t bytes)
{
	count_past_mags(c, ZE_OUT, bytes);
}

/**
 * za_count_in() - count one object that came back to class @c past its
 *	magazines
 * @c: the class
 * @bytes: its usable size
 *
 * Context: any.
 */
void za_count_in(struct za_class *c, size_t bytes)
{
	count_past_mags(c, ZE_IN, -(long)bytes);
}

/**
 * za_kmalloc_class() - the class that counts a kmalloc() object routed to
 *	@c (the debug mode hands out nothing else)
 * @c: the class the object was routed to
 *
 * @c itself, if its backend takes a kmalloc() object of its sizes for one
 * of its own anyway (not @exact); else the standard class, whose objects
 * kmalloc() objects are.
 *
 * Context: any.
 * Return: the class.
 */
struct za_class *za_kmalloc_class(struct za_class *c)
{
	return za_ops(c)->exact ? &za_classes[ZA_CLASS_STD] : c;
}

/**
 * za_backend_trim() - let a class's backend give back what it holds idle
 * @c: the class
 * @all: everything idle, not only what sat unused since the last trim
 *
 * Context: process, or any context kfree() may be called from.
 * Return: what the backend gave back, in its units (spans); 0 if it keeps
 * nothing idle of its own.
 */
unsigned long za_backend_trim(struct za_class *c, bool all)
{
	const struct za_backend_ops *ops = za_ops(c);

	return ops->trim ? ops->trim(c, all) : 0;
}

/* === Setup and teardown === */

/*
 * The object classes' sizes, and za_obj_index[] from them. Returns false
 * if obj_sizes[] is not what the lookup relies on: multiples of 8,
 * strictly increasing, up to ZA_OBJ_MAX exactly.
 */
static bool obj_class_sizes(unsigned int *sizes)
{
	unsigned int cls = 0, size, i;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		if (WARN_ON_ONCE(!obj_sizes[i] || obj_sizes[i] % 8 ||
				 (i && obj_sizes[i] <= obj_sizes[i - 1])))
			return false;
	if (WARN_ON_ONCE(obj_sizes[ZA_NR_OBJ_CLASSES - 1] != ZA_OBJ_MAX))
		return false;
	memcpy(sizes, obj_sizes, sizeof(obj_sizes));
	for (size = 8; size <= ZA_OBJ_MAX; size += 8) {
		while (obj_sizes[cls] < size)
			cls++;
		za_obj_index[size >> 3] = cls;
	}
	za_obj_index[0] = 0;
	return true;
}

/*
 * Sets up class @i of @size bytes (0: no fixed size) with its backend,
 * and what the fast paths and za_route() read of that backend.
 */
static int init_class(struct za_class *c, unsigned int i, unsigned int size)
{
	const struct za_backend_ops *ops;

	c->index = i;
	c->backend = class_backend(i);
	ops = za_ops(c);
	c->pooled = ops->get && ops->put;
	c->strategy = ops->strategy;
	/* A backend of no fixed size serves every size it is forced to. */
	if (!size)
		za_strategy_class[ops->strategy] = c;
	return ops->init_class(c, size);
}

/* Calls each backend's teardown; @leaked as for za_pools_exit(). */
static void teardown_backends(unsigned int nr, const bool *leaked)
{
	bool any[ZA_NR_BACKENDS] = {};
	unsigned int b, i;

	for (i = 0; leaked && i < ZA_NR_CLASSES; i++)
		any[za_classes[i].backend] |= leaked[i];
	for (b = 0; b < nr; b++)
		if (za_backends[b]->teardown)
			za_backends[b]->teardown(any[b]);
}

/* Gives back what classes 0 .. @nr - 1 hold; @leaked as for za_pools_exit(). */
static void exit_classes(unsigned int nr, const bool *leaked)
{
	struct za_class *c;

	while (nr--) {
		c = &za_classes[nr];
		if (za_ops(c)->exit_class)
			za_ops(c)->exit_class(c, leaked && leaked[nr]);
	}
}

/**
 * za_pools_init() - set up the backends and every class
 *
 * Return: 0, -ENOMEM, or -EINVAL if the class definition is broken or
 * this kernel's object caches cannot be told apart (za_obj_check_classes()).
 */
int za_pools_init(void)
{
	unsigned int sizes[ZA_NR_CLASSES] = {}, b, i;
	int err = -EINVAL;

	if (!obj_class_sizes(sizes) || !ext_class_sizes(sizes + ZA_FIRST_EXT))
		return err;
	for (b = 0; b < ZA_NR_BACKENDS; b++) {
		err = za_backends[b]->setup ? za_backends[b]->setup() : 0;
		if (err)
			goto teardown;
	}
	for (i = 0; i < ZA_NR_CLASSES; i++) {
		err = init_class(&za_classes[i], i, sizes[i]);
		if (err)
			goto unwind;
	}
	/* What za_ptr_lookup() relies on, checked before any object is out. */
	err = za_obj_check_classes();
	if (err)
		goto unwind;
	return 0;

unwind:
	exit_classes(i, NULL);
teardown:
	teardown_backends(b, NULL);
	return err;
}

/**
 * za_pools_exit() - give back what the backends hold
 * @leaked: per class, true if users still hold objects of it; NULL if
 *	nothing was ever allocated (a failed load)
 *
 * What still has objects in it is left allocated: freeing it would free
 * memory that a user still points to.
 */
void za_pools_exit(const bool *leaked)
{
	exit_classes(ZA_NR_CLASSES, leaked);
	teardown_backends(ZA_NR_BACKENDS, leaked);
}
