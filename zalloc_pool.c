// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc pools: the size-class table, the object pools and the extended
 * pools, and the lookup that takes a pointer back to its pool.
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
 * descriptor). The order is the smallest one whose tail waste is at most
 * 1/8 of the span, up to the order of 64 KiB. Objects are carved lazily
 * from the start of the span; freed objects go on the span's free list,
 * linked through their first word. A class keeps its spans on three lists
 * (partial, full, empty) under one spinlock per class, taken with IRQs
 * off, so that the pools can be used from any context kmalloc(GFP_ATOMIC)
 * can. A span whose last object is freed stays on the empty list while the
 * class holds fewer than ZA_EXT_RESERVE empty spans; otherwise its pages
 * go back to the page allocator at once.
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
EXPORT_SYMBOL_GPL(za_classes);

static const unsigned int obj_sizes[ZA_NR_OBJ_CLASSES] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
};

/* Descriptors of extended-pool spans. */
static struct kmem_cache *span_cache;

/* (size + 7) / 8 -> object class, for 1 <= size <= ZA_OBJ_MAX. */
static u8 obj_index[ZA_OBJ_MAX / 8 + 1];

/**
 * struct za_span - descriptor of an extended-pool span
 * @node: on one of the class's lists; protected by the class lock
 * @cls: the class; constant
 * @base: first byte of the span; constant
 * @freelist: freed objects, linked through their first word; class lock
 * @inuse: objects handed out; class lock
 * @fresh: objects carved so far, from @base on; class lock
 */
struct za_span {
	struct list_head node;
	struct za_class *cls;
	void *base;
	void *freelist;
	unsigned int inuse;
	unsigned int fresh;
};

/* === Size classes === */

/**
 * za_size_class() - the class that serves @size under ZALLOC_AUTO
 * @size: requested size, at least 1
 *
 * Return: an object class up to 256 B, an extended class up to 64 KiB,
 * else ZA_CLASS_STD.
 */
unsigned int za_size_class(size_t size)
{
	unsigned int k, m;

	if (size <= ZA_OBJ_MAX)
		return obj_index[(size + 7) >> 3];
	if (size > ZA_EXT_MAX)
		return ZA_CLASS_STD;
	/* 2^k < size <= 2^(k+1); m quarters of 2^k, rounded up. */
	k = fls(size - 1) - 1;
	m = DIV_ROUND_UP(size, 1U << (k - 2));
	return ZA_FIRST_EXT + (k - 8) * 4 + (m - 5);
}
EXPORT_SYMBOL_GPL(za_size_class);

static unsigned int ext_class_size(unsigned int i)
{
	return (5 + i % 4) << (8 + i / 4 - 2);
}

/* Smallest order whose tail waste is at most 1/8; else the least waste. */
static unsigned int ext_span_order(unsigned int size)
{
	unsigned int max_order = get_order(ZA_EXT_MAX);
	unsigned int order, best = get_order(size);

	for (order = best; order <= max_order; order++) {
		unsigned long span = PAGE_SIZE << order;
		unsigned long waste = span % size;

		if (waste * 8 <= span)
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

	for (i = 0; i < (1U << span->cls->order); i++)
		set_page_private(page + i, (unsigned long)owner);
}

static struct za_span *span_new(struct za_class *c, gfp_t gfp)
{
	struct za_span *span;
	struct page *page;

	gfp &= ~(__GFP_ZERO | __GFP_COMP | __GFP_ACCOUNT);
	span = kmem_cache_alloc(span_cache, gfp);
	if (!span)
		return NULL;
	page = alloc_pages(gfp, c->order);
	if (!page) {
		kmem_cache_free(span_cache, span);
		return NULL;
	}
	span->cls = c;
	span->base = page_address(page);
	span->freelist = NULL;
	span->inuse = 0;
	span->fresh = 0;
	span_set_owner(span, span);
	return span;
}

static void span_free(struct za_span *span)
{
	span_set_owner(span, NULL);
	__free_pages(virt_to_page(span->base), span->cls->order);
	kmem_cache_free(span_cache, span);
}

static void *span_take(struct za_span *span)
{
	void *obj = span->freelist;

	if (obj)
		span->freelist = *(void **)obj;
	else
		obj = span->base + span->fresh++ * span->cls->size;
	span->inuse++;
	return obj;
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
	}
	return span;
}

static void *ext_alloc(struct za_class *c, gfp_t gfp)
{
	unsigned int cls = c - za_classes;
	struct za_span *span;
	unsigned long flags;
	void *obj;

	spin_lock_irqsave(&c->lock, flags);
	span = ext_pick_span(c);
	if (!span) {
		/* May sleep, if @gfp allows: drop the lock. */
		spin_unlock_irqrestore(&c->lock, flags);
		za_stat_inc(cls, ZE_MISS);
		span = span_new(c, gfp);
		if (!span)
			return NULL;
		za_stat_inc(cls, ZE_REFILL);
		spin_lock_irqsave(&c->lock, flags);
		list_add(&span->node, &c->partial);
		c->nr_spans++;
	}
	obj = span_take(span);
	if (span->inuse == c->per_span)
		list_move(&span->node, &c->full);
	spin_unlock_irqrestore(&c->lock, flags);

	if (want_init_on_alloc(gfp))
		memset(obj, 0, c->size);
	return obj;
}

static void ext_free(struct za_span *span, void *obj)
{
	struct za_class *c = span->cls;
	struct za_span *release = NULL;
	unsigned long flags;

	if (want_init_on_free())
		memset(obj, 0, c->size);

	spin_lock_irqsave(&c->lock, flags);
	*(void **)obj = span->freelist;
	span->freelist = obj;
	if (span->inuse-- == c->per_span)
		list_move(&span->node, &c->partial);
	if (!span->inuse) {
		if (c->nr_empty < ZA_EXT_RESERVE) {
			list_move(&span->node, &c->empty);
			c->nr_empty++;
		} else {
			list_del(&span->node);
			c->nr_spans--;
			release = span;
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);

	if (release)
		span_free(release);
}

static void ext_class_init(struct za_class *c, unsigned int size)
{
	c->size = size;
	c->backend = ZALLOC_EXTENDED_POOL;
	snprintf(c->name, sizeof(c->name), "extended-%u", size);
	c->order = ext_span_order(size);
	c->per_span = (PAGE_SIZE << c->order) / size;
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	INIT_LIST_HEAD(&c->empty);
}

/* Frees the empty spans; spans with objects still in use are left alone. */
static void ext_class_exit(struct za_class *c)
{
	struct za_span *span, *next;

	list_for_each_entry_safe(span, next, &c->empty, node) {
		list_del(&span->node);
		span_free(span);
	}
	c->nr_spans -= c->nr_empty;
	c->nr_empty = 0;
}

/**
 * za_class_pages() - pages a class holds
 * @c: the class
 *
 * Return: pages in the spans of an extended class; 0 for the others, whose
 * pages belong to SLUB (object pools) or to their caller (standard).
 */
unsigned long za_class_pages(const struct za_class *c)
{
	if (c->backend != ZALLOC_EXTENDED_POOL)
		return 0;
	return (unsigned long)READ_ONCE(c->nr_spans) << c->order;
}

/* === Allocation and free === */

static void *std_alloc(size_t size, gfp_t gfp)
{
	void *obj;

	/* Keep kmalloc objects out of the object pools' ksize() range. */
	size = kmalloc_size_roundup(max_t(size_t, size, ZA_OBJ_MAX + 1));
	obj = kmalloc(size, gfp);
	if (obj)
		za_stat_add_std_bytes(size);
	return obj;
}

/**
 * za_pool_alloc() - allocate from one class
 * @c: the class
 * @size: requested size; only the standard backend looks at it
 * @gfp: the caller's flags
 *
 * Return: the object, or NULL.
 */
void *za_pool_alloc(struct za_class *c, size_t size, gfp_t gfp)
{
	switch (c->backend) {
	case ZALLOC_OBJECT_POOL:
		za_stat_inc(c - za_classes, ZE_MISS);
		return kmem_cache_alloc(c->cache, gfp);
	case ZALLOC_EXTENDED_POOL:
		return ext_alloc(c, gfp);
	default:
		za_stat_inc(ZA_CLASS_STD, ZE_MISS);
		return std_alloc(size, gfp);
	}
}

/**
 * za_ptr_lookup() - the class that owns a pointer, and its usable size
 * @ptr: an object returned by zalloc_alloc*(), not NULL or ZERO_SIZE_PTR
 * @usable: where to store the usable size
 *
 * Return: the class; see "Telling the backends apart" above.
 */
struct za_class *za_ptr_lookup(const void *ptr, size_t *usable)
{
	struct folio *folio = virt_to_folio(ptr);
	struct za_span *span;
	struct za_class *c;
	size_t size;

	if (folio_test_slab(folio)) {
		size = ksize(ptr);
		if (size > ZA_OBJ_MAX)
			goto standard;
		c = &za_classes[obj_index[(size + 7) >> 3]];
		/* ksize() of an object-pool object is its class size. */
		if (WARN_ON_ONCE(c->size != size))
			goto standard;
		*usable = size;
		return c;
	}
	if (folio_test_large(folio)) {
		size = folio_size(folio);
		goto standard;
	}
	span = (struct za_span *)page_private(virt_to_page(ptr));
	*usable = span->cls->size;
	return span->cls;

standard:
	*usable = size;
	return &za_classes[ZA_CLASS_STD];
}
EXPORT_SYMBOL_GPL(za_ptr_lookup);

/**
 * za_pool_free() - give an object back to the class that owns it
 * @ptr: an object returned by zalloc_alloc*(), not NULL or ZERO_SIZE_PTR
 */
void za_pool_free(const void *ptr)
{
	struct za_class *c;
	size_t usable;

	c = za_ptr_lookup(ptr, &usable);
	za_stat_inc(c - za_classes, ZE_FREE);
	switch (c->backend) {
	case ZALLOC_OBJECT_POOL:
		kmem_cache_free(c->cache, (void *)ptr);
		break;
	case ZALLOC_EXTENDED_POOL:
		ext_free((struct za_span *)page_private(virt_to_page(ptr)),
			 (void *)ptr);
		break;
	default:
		za_stat_add_std_bytes(-(long)usable);
		kfree(ptr);
		break;
	}
}

/* === Setup and teardown === */

/**
 * za_pools_init() - build the class table and create the object caches
 *
 * Return: 0 or -ENOMEM.
 */
int za_pools_init(void)
{
	unsigned int i, cls = 0, size;
	int err;

	span_cache = KMEM_CACHE(za_span, 0);
	if (!span_cache)
		return -ENOMEM;
	for (size = 8; size <= ZA_OBJ_MAX; size += 8) {
		while (obj_sizes[cls] < size)
			cls++;
		obj_index[size >> 3] = cls;
	}
	obj_index[0] = 0;

	for (i = 0; i < ZA_NR_EXT_CLASSES; i++)
		ext_class_init(&za_classes[ZA_FIRST_EXT + i], ext_class_size(i));
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
 * @leaked: per class, true if users still hold objects of it
 *
 * A cache or span that still has objects is left allocated: destroying it
 * would complain and free memory that a user still points to.
 */
void za_pools_exit(const bool *leaked)
{
	bool spans_left = false;
	unsigned int i;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++)
		if (!leaked[i])
			kmem_cache_destroy(za_classes[i].cache);
	for (i = ZA_FIRST_EXT; i < ZA_CLASS_STD; i++) {
		ext_class_exit(&za_classes[i]);
		spans_left |= leaked[i];
	}
	if (!spans_left)
		kmem_cache_destroy(span_cache);
}
