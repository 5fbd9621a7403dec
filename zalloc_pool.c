// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc backends: the size-class table, the object pools, the extended
 * pools and the standard backend, and the lookup that takes a pointer back
 * to its class. The magazines and depots in front of the two pool kinds
 * (the fast path) are in zalloc_pcpu.c; they take and give objects in
 * batches through za_backend_get() and za_backend_put().
 *
 * Size classes
 * ------------
 *   object pools    8 16 24 32 48 64 80 96 112 128 160 192 224 256
 *                   one kmem_cache each ("zalloc-<size>"), unmergeable so
 *                   that the class owns its slabs.
 *   extended pools  four classes per power of two, 320 B .. 64 KiB:
 *                   size = m << (k - 2), m = 5..8, k = 8..15, so a request
 *                   of 257 B .. 64 KiB wastes less than 20% of its object
 *                   (less than 25% of what was asked); kmalloc wastes up
 *                   to 50%.
 *   standard        kmalloc; see "Telling the backends apart".
 * za_size_class() maps a size to a class in O(1): a table for the object
 * pools, fls() arithmetic for the extended pools.
 *
 * Extended pools
 * --------------
 * A span is 2^order pages from the page allocator (not compound: every
 * page is zalloc's, and page->private of each page points to the span's
 * descriptor). The order is chosen by ext_span_order() so that the span
 * bytes no object covers stay a small share of the span: 1/16 for objects
 * of up to a page (in spans of at least ZA_SPAN_MIN_OBJS objects, up to
 * PAGE_ALLOC_COSTLY_ORDER), 1/32 for larger ones (up to ZA_SPAN_MAX_ORDER,
 * 256 KiB): the rounding the class table avoided must not come back at the
 * page level (a 20 KiB object alone in 32 KiB wastes 37.5%, three in 64
 * KiB 6.25%). Where no order does, the one that wastes the least: 6.25% at
 * most, 12.5% for 56 KiB. Above the smallest order that fits
 * one object the page allocator is asked not to try hard; if it fails the
 * span falls back to that order (as SLUB falls back to its minimum order),
 * so each span records its own order and capacity. The span table is in
 * Documentation/zalloc.rst and the pools file. Objects are carved lazily
 * from the start of the span; freed objects go on the span's free list,
 * linked through their first word. A class keeps its spans on three lists
 * (partial, full, empty) under one spinlock per class, taken with IRQs
 * off, so that the pools can be used from any context kmalloc(GFP_ATOMIC)
 * can; the lock is dropped to ask the page allocator for a new span. A
 * span whose last object is freed stays on the empty list (the reserve)
 * while the class holds fewer than max_empty empty spans (ZA_RESERVE_BYTES
 * of them, at least one); otherwise its pages go back to the page
 * allocator at once. The reserve decays: za_reserve_trim(), called by the
 * periodic trim in zalloc_pcpu.c, frees the empty spans that sat unused
 * since the previous trim, and all of them under memory pressure.
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
 *     sends such a request to the standard backend.
 * No header is stored in front of objects, so power-of-two sizes keep
 * their natural alignment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"

/* === Data === */

struct za_class za_classes[ZA_NR_CLASSES];
EXPORT_SYMBOL_NS_GPL(za_classes, ZA_NS);

static const unsigned int obj_sizes[ZA_NR_OBJ_CLASSES] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
};

/* Descriptors of extended-pool spans. */
static struct kmem_cache *span_cache;

/* (size + 7) / 8 -> object class, for 1 <= size <= ZA_OBJ_MAX. */
u8 za_obj_index[ZA_OBJ_MAX / 8 + 1];
EXPORT_SYMBOL_NS_GPL(za_obj_index, ZA_NS);

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

/*
 * The span order of an extended class: the smallest one that leaves at most
 * a small share of the span over, where the span is not too large. Objects
 * of up to a page: at most 1/(ZA_SPAN_WASTE / 2) over and at least
 * ZA_SPAN_MIN_OBJS objects, up to PAGE_ALLOC_COSTLY_ORDER (the orders the
 * page allocator keeps per-CPU lists of). Larger objects: at most
 * 1/ZA_SPAN_WASTE over, up to ZA_SPAN_MAX_ORDER. If no order does, the one
 * that leaves the smallest share over (the smaller on a tie). A larger
 * object gets a span of at least PAGE_ALLOC_COSTLY_ORDER, so that a burst
 * of 8 or 16 KiB objects takes pages four or two objects at a time (an
 * 8 KiB span each ran N-pattern bursts at 1.37x kmalloc's time on UML 6.1,
 * 32 KiB spans at 0.99x); 32, 56 and 64 KiB objects get a span of their
 * own.
 */
static unsigned int ext_span_order(unsigned int size)
{
	bool small = size <= PAGE_SIZE;
	unsigned int max_order = small ? PAGE_ALLOC_COSTLY_ORDER :
					 ZA_SPAN_MAX_ORDER;
	unsigned int share = small ? ZA_SPAN_WASTE / 2 : ZA_SPAN_WASTE;
	unsigned int order, best = get_order(size);

	/* Objects above a page: spans of at least PAGE_ALLOC_COSTLY_ORDER. */
	if (!small)
		best = max_t(unsigned int, best, PAGE_ALLOC_COSTLY_ORDER);
	for (order = best; order <= max_order; order++) {
		unsigned long span = PAGE_SIZE << order;
		unsigned long waste = span % size;

		if (waste * share <= span &&
		    (!small || span / size >= ZA_SPAN_MIN_OBJS))
			return order;
		/* waste / span < best's waste / best's span */
		if ((u64)waste * (PAGE_SIZE << best) <
		    (u64)((PAGE_SIZE << best) % size) * span)
			best = order;
	}
	return best;
}

/* === Object pools === */

static int obj_class_init(struct za_class *c, unsigned int size)
{
	slab_flags_t flags = 0;
	char cache_name[24];

#ifdef SLAB_NO_MERGE
	flags |= SLAB_NO_MERGE;
#endif
	c->size = size;
	c->backend = ZALLOC_OBJECT_POOL;
	snprintf(c->name, sizeof(c->name), "object-%u", size);
	/*
	 * A usercopy region makes the cache unmergeable on kernels without
	 * SLAB_NO_MERGE, and allows copy_to_user() like a kmalloc cache.
	 */
	snprintf(cache_name, sizeof(cache_name), "zalloc-%u", size);
	c->cache = kmem_cache_create_usercopy(cache_name, size,
					      is_power_of_2(size) ?
					      size : sizeof(void *), flags,
					      0, size, NULL);
	return c->cache ? 0 : -ENOMEM;
}

/* === Extended pools === */

static void span_set_owner(struct za_span *span, struct za_span *owner)
{
	struct page *page = virt_to_page(span->base);
	unsigned int i;

	for (i = 0; i < (1U << span->order); i++)
		set_page_private(page + i, (unsigned long)owner);
}

/*
 * Pages for a span of @c: its order, or if the page allocator cannot give
 * that without trying hard, the smallest order that holds an object.
 */
static struct page *span_pages(struct za_class *c, gfp_t gfp,
			       unsigned int *order)
{
	unsigned int min_order = get_order(c->size);
	struct page *page;

	*order = c->order;
	if (c->order > min_order) {
		page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN,
				   c->order);
		if (page)
			return page;
		*order = min_order;
	}
	return alloc_pages(gfp, *order);
}

static struct za_span *span_new(struct za_class *c, gfp_t gfp)
{
	struct za_span *span;
	struct page *page;
	unsigned int order;

	gfp &= ~(__GFP_ZERO | __GFP_COMP | __GFP_ACCOUNT);
	span = kmem_cache_alloc(span_cache, gfp);
	if (!span)
		return NULL;
	page = span_pages(c, gfp, &order);
	if (!page) {
		kmem_cache_free(span_cache, span);
		return NULL;
	}
	span->cls = c;
	span->base = page_address(page);
	span->freelist = NULL;
	span->order = order;
	span->capacity = (PAGE_SIZE << order) / c->size;
	span->inuse = 0;
	span->fresh = 0;
	span_set_owner(span, span);
	return span;
}

static void span_free(struct za_span *span)
{
	span_set_owner(span, NULL);
	__free_pages(virt_to_page(span->base), span->order);
	kmem_cache_free(span_cache, span);
}

/* A span joins or leaves its class: the class's page and object counts. */
static void span_account(struct za_class *c, struct za_span *span, int sign)
{
	lockdep_assert_held(&c->lock);
	c->span_pages += sign * (1L << span->order);
	c->span_objs += sign * (long)span->capacity;
}

static void *span_take(struct za_span *span)
{
	void *obj = span->freelist;

	if (obj) {
		span->freelist = *(void **)obj;
		/* init_on_free promised a wiped object: wipe the link too. */
		if (want_init_on_free())
			*(void **)obj = NULL;
	} else {
		obj = span->base + span->fresh++ * span->cls->size;
	}
	span->inuse++;
	return obj;
}

/*
 * Single-object spans (per_span == 1: 32, 56 and 64 KiB, whose objects
 * fill their pages or leave least over alone): the span is the object. It needs no descriptor and
 * no list: page->private of its first page points to the class's @self,
 * which za_ptr_lookup() reads as it reads a descriptor's @cls. Its pages
 * come from and go back to the page allocator directly, with no lock; the
 * depot above it plays the part of the reserve.
 */
static unsigned int solo_get(struct za_class *c, gfp_t gfp, void **objs,
			     unsigned int n)
{
	unsigned int got;
	struct page *page;

	for (got = 0; got < n; got++) {
		page = alloc_pages(gfp & ~(__GFP_ZERO | __GFP_COMP), c->order);
		if (!page)
			break;
		set_page_private(page, (unsigned long)&c->self);
		objs[got] = page_address(page);
	}
	return got;
}

static void solo_put(struct za_class *c, void **objs, unsigned int n)
{
	struct page *page;

	while (n--) {
		page = virt_to_page(objs[n]);
		set_page_private(page, 0);
		__free_pages(page, c->order);
	}
}

/* A span with a free object, from the partial list or the reserve. */
static struct za_span *ext_pick_span(struct za_class *c)
{
	struct za_span *span;

	lockdep_assert_held(&c->lock);
	span = list_first_entry_or_null(&c->partial, struct za_span, node);
	if (span)
		return span;
	span = list_first_entry_or_null(&c->empty, struct za_span, node);
	if (span) {
		list_move(&span->node, &c->partial);
		c->nr_empty--;
		c->min_empty = min(c->min_empty, c->nr_empty);
	}
	return span;
}

/* Up to @n objects from the class's spans; class lock held, IRQs off. */
static unsigned int ext_take(struct za_class *c, void **objs, unsigned int n)
{
	struct za_span *span;
	unsigned int got = 0;

	while (got < n && (span = ext_pick_span(c))) {
		while (got < n && span->inuse < span->capacity)
			objs[got++] = span_take(span);
		if (span->inuse == span->capacity)
			list_move(&span->node, &c->full);
	}
	return got;
}

static unsigned int ext_get(struct za_class *c, gfp_t gfp, void **objs,
			    unsigned int n)
{
	struct za_span *span;
	unsigned long flags;
	unsigned int got;

	spin_lock_irqsave(&c->lock, flags);
	got = ext_take(c, objs, n);
	spin_unlock_irqrestore(&c->lock, flags);
	if (got)
		return got;

	/* May sleep, if @gfp allows: no lock held. */
	span = span_new(c, gfp);
	if (!span)
		return 0;
	spin_lock_irqsave(&c->lock, flags);
	list_add(&span->node, &c->partial);
	span_account(c, span, 1);
	got = ext_take(c, objs, n);
	spin_unlock_irqrestore(&c->lock, flags);
	return got;
}

/* Puts @obj back on its span; moves the span to @release if it goes. */
static void ext_give(struct za_class *c, void *obj, struct list_head *release)
{
	struct za_span *span = (void *)page_private(virt_to_page(obj));

	lockdep_assert_held(&c->lock);
	*(void **)obj = span->freelist;
	span->freelist = obj;
	if (span->inuse-- == span->capacity)
		list_move(&span->node, &c->partial);
	if (span->inuse)
		return;
	if (c->nr_empty < c->max_empty) {
		list_move(&span->node, &c->empty);
		c->nr_empty++;
	} else {
		list_move(&span->node, release);
		span_account(c, span, -1);
	}
}

static void ext_put(struct za_class *c, void **objs, unsigned int n)
{
	struct za_span *span, *next;
	unsigned long flags;
	LIST_HEAD(release);

	spin_lock_irqsave(&c->lock, flags);
	while (n--)
		ext_give(c, objs[n], &release);
	spin_unlock_irqrestore(&c->lock, flags);

	list_for_each_entry_safe(span, next, &release, node)
		span_free(span);
}

static void ext_class_init(struct za_class *c, unsigned int size)
{
	c->self = c;
	c->size = size;
	c->backend = ZALLOC_EXTENDED_POOL;
	snprintf(c->name, sizeof(c->name), "extended-%u", size);
	c->order = ext_span_order(size);
	c->per_span = (PAGE_SIZE << c->order) / size;
	c->recip = reciprocal_value(size);
	c->max_empty = max_t(unsigned int, 1,
			     ZA_RESERVE_BYTES >> (PAGE_SHIFT + c->order));
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	INIT_LIST_HEAD(&c->empty);
}

/**
 * za_reserve_trim() - free the empty spans of a class that sat unused
 * @c: a pool class (nothing happens for an object pool)
 * @all: free every empty span, not only those unused since the last trim
 *
 * Context: process, or any context kfree() may be called from.
 * Return: spans freed.
 */
unsigned long za_reserve_trim(struct za_class *c, bool all)
{
	struct za_span *span, *next;
	unsigned long flags, n = 0;
	unsigned int idle;
	LIST_HEAD(release);

	if (c->backend != ZALLOC_EXTENDED_POOL)
		return 0;
	spin_lock_irqsave(&c->lock, flags);
	idle = all ? c->nr_empty : c->min_empty;
	list_for_each_entry_safe(span, next, &c->empty, node) {
		if (n == idle)
			break;
		list_move(&span->node, &release);
		span_account(c, span, -1);
		n++;
	}
	c->nr_empty -= n;
	c->min_empty = c->nr_empty;
	spin_unlock_irqrestore(&c->lock, flags);

	list_for_each_entry_safe(span, next, &release, node)
		span_free(span);
	return n;
}

/**
 * za_class_walk() - count a class's spans by walking its lists
 * @c: an extended-pool class
 * @pages: where to store the pages of its spans
 * @objs: where to store the objects they hold, used or not
 * @free: where to store the objects free in them
 *
 * An independent count, for tests to check the running ones against;
 * single-object spans are on no list and not counted.
 *
 * Context: any; takes the class lock.
 */
void za_class_walk(struct za_class *c, unsigned long *pages,
		   unsigned long *objs, unsigned long *free)
{
	struct list_head *lists[] = { &c->partial, &c->full, &c->empty };
	struct za_span *span;
	unsigned long flags;
	unsigned int i;

	*pages = 0;
	*objs = 0;
	*free = 0;
	spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry(span, lists[i], node) {
			*pages += 1UL << span->order;
			*objs += span->capacity;
			*free += span->capacity - span->inuse;
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);
}
EXPORT_SYMBOL_NS_GPL(za_class_walk, ZA_NS);

/* Frees the empty spans; spans with objects still in use are left alone. */
static void ext_class_exit(struct za_class *c)
{
	za_reserve_trim(c, true);
}

/**
 * za_class_pages() - pages a class holds
 * @c: the class
 * @out: objects the class's backend has handed out and not taken back
 *	(ZE_OUT - ZE_IN): a single-object span is one of them
 *
 * Return: pages in the spans of an extended class; 0 for the others, whose
 * pages belong to SLUB (object pools) or to their caller (standard).
 */
unsigned long za_class_pages(const struct za_class *c, u64 out)
{
	if (c->backend != ZALLOC_EXTENDED_POOL)
		return 0;
	if (c->per_span == 1)
		return (unsigned long)out << c->order;
	return READ_ONCE(c->span_pages);
}

/* === Object pools: batches === */

/*
 * SLUB's bulk calls want interrupts enabled; one by one otherwise. The bulk
 * allocation gives all or nothing: it returns the count on 6.1 and a bool
 * on later kernels.
 */
static unsigned int obj_get(struct za_class *c, gfp_t gfp, void **objs,
			    unsigned int n)
{
	if (n > 1 && !irqs_disabled())
		return kmem_cache_alloc_bulk(c->cache, gfp, n, objs) ? n : 0;
	objs[0] = kmem_cache_alloc(c->cache, gfp);
	return objs[0] ? 1 : 0;
}

static void obj_put(struct za_class *c, void **objs, unsigned int n)
{
	if (!irqs_disabled()) {
		kmem_cache_free_bulk(c->cache, n, objs);
		return;
	}
	while (n--)
		kmem_cache_free(c->cache, objs[n]);
}

/* === Backend interface === */

/**
 * za_backend_get() - take objects of a pool class from its backend
 * @c: an object-pool or extended-pool class
 * @gfp: the caller's flags; __GFP_ZERO and __GFP_ACCOUNT are ignored
 * @objs: where to store them
 * @n: how many are wanted, at least 1
 *
 * The caller counts them (ZE_OUT): the gauges need it.
 *
 * Context: as kmalloc() with @gfp.
 * Return: how many were stored, 0 if none could be had.
 */
unsigned int za_backend_get(struct za_class *c, gfp_t gfp, void **objs,
			    unsigned int n)
{
	/*
	 * The caller zeroes what it hands out. Objects are shared through the
	 * magazines, depots and spans, so no memory cgroup is charged for them.
	 */
	gfp &= ~(__GFP_ZERO | __GFP_ACCOUNT);
	if (c->backend == ZALLOC_OBJECT_POOL)
		return obj_get(c, gfp, objs, n);
	if (c->per_span == 1)
		return solo_get(c, gfp, objs, n);
	return ext_get(c, gfp, objs, n);
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
	if (!n)
		return;
	if (c->backend == ZALLOC_OBJECT_POOL)
		obj_put(c, objs, n);
	else if (c->per_span == 1)
		solo_put(c, objs, n);
	else
		ext_put(c, objs, n);
}
EXPORT_SYMBOL_NS_GPL(za_backend_put, ZA_NS);

/**
 * za_std_alloc() - allocate from the standard backend (kmalloc)
 * @size: requested size
 * @gfp: the caller's flags
 *
 * Context: as kmalloc() with @gfp.
 * Return: the object or NULL.
 */
void *za_std_alloc(size_t size, gfp_t gfp)
{
	void *obj;

	/* Keep kmalloc objects out of the object pools' ksize() range. */
	size = max_t(size_t, size, ZA_OBJ_MAX + 1);
	/*
	 * Round up only what kmalloc() can serve: on 6.1 the rounding of a
	 * size near SIZE_MAX wraps to 0, and kmalloc(0) does not fail.
	 */
	if (size <= KMALLOC_MAX_SIZE)
		size = kmalloc_size_roundup(size);
	obj = kmalloc(size, gfp);
	if (!obj)
		return NULL;
	/* Its allocs and misses are this count (zalloc_stats.c). */
	za_count_backend(ZA_CLASS_STD, ZE_OUT, 1);
	za_stat_add_std_bytes(size);
	return obj;
}

/**
 * za_std_free() - free an object of the standard backend
 * @ptr: the object
 * @usable: its size, as za_ptr_lookup() found it
 *
 * Context: any context kfree() may be called from.
 */
void za_std_free(const void *ptr, size_t usable)
{
	za_count_backend(ZA_CLASS_STD, ZE_IN, 1);
	za_stat_add_std_bytes(-(long)usable);
	kfree(ptr);
}

/* === Setup and teardown === */

/**
 * za_pools_init() - build the class table and create the object caches
 *
 * Return: 0, -ENOMEM, or -EINVAL if the class definition is broken.
 */
int za_pools_init(void)
{
	unsigned int i, cls = 0, size, ext_sizes[ZA_NR_EXT_CLASSES];
	int err;

	if (!ext_class_sizes(ext_sizes))
		return -EINVAL;
	span_cache = KMEM_CACHE(za_span, 0);
	if (!span_cache)
		return -ENOMEM;
	for (size = 8; size <= ZA_OBJ_MAX; size += 8) {
		while (obj_sizes[cls] < size)
			cls++;
		za_obj_index[size >> 3] = cls;
	}
	za_obj_index[0] = 0;

	for (i = 0; i < ZA_NR_EXT_CLASSES; i++)
		ext_class_init(&za_classes[ZA_FIRST_EXT + i], ext_sizes[i]);
	for (i = 0; i < ZA_NR_CLASSES; i++)
		za_classes[i].index = i;
	za_classes[ZA_CLASS_STD].backend = ZALLOC_STANDARD;
	strscpy(za_classes[ZA_CLASS_STD].name, "standard",
		sizeof(za_classes[ZA_CLASS_STD].name));

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++) {
		err = obj_class_init(&za_classes[i], obj_sizes[i]);
		if (err)
			goto unwind;
	}
	return 0;

unwind:
	while (i--)
		kmem_cache_destroy(za_classes[i].cache);
	kmem_cache_destroy(span_cache);
	return err;
}

/**
 * za_pools_exit() - give back what the pools hold
 * @leaked: per class, true if users still hold objects of it; NULL if
 *	nothing was ever allocated (a failed load)
 *
 * A cache or span that still has objects is left allocated: destroying it
 * would complain and free memory that a user still points to.
 */
void za_pools_exit(const bool *leaked)
{
	bool spans_left = false;
	unsigned int i;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		if (!leaked || !leaked[i])
			kmem_cache_destroy(za_classes[i].cache);
	for (i = ZA_FIRST_EXT; i < ZA_CLASS_STD; i++) {
		ext_class_exit(&za_classes[i]);
		spans_left |= leaked && leaked[i];
	}
	if (!spans_left)
		kmem_cache_destroy(span_cache);
}
