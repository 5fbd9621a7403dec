/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc's pointer lookup: from a pointer a caller passes back to the
 * class that handed it out, in O(1), without trusting the pointer
 * (za_ptr_lookup()). zalloc_free() and zalloc_size() start here, and the
 * free fast path inlines it. What each kind of page leads to:
 *
 *   ptr --virt_to_folio()--> folio
 *
 *   not slab, not large: an extended-pool page (zalloc_extended.c)
 *     page->private --> struct za_span --cls--> struct za_class
 *                       (base, order,           (extended, size,
 *                        capacity, out[])        recip, self)
 *     every page of a span points to the same descriptor; the object
 *     index is (ptr - base) / size, and out[] says whether it is out;
 *   a single-object span (classes of one object per span):
 *     page->private ------------------------> struct za_class
 *     straight to the class (its @self), with no descriptor; the object
 *     starts the page;
 *
 *   not slab, large: a kmalloc() above the slab sizes (zalloc_standard.c),
 *     if ptr starts the folio --> the standard class
 *
 *   slab: ksize(ptr) --> za_slab_class()
 *     an object class's size  --> that object class (zalloc_object.c)
 *     more than ZA_OBJ_MAX     --> the standard class (kmalloc())
 *     anything else            --> not zalloc's
 *
 * Each arrow is checked before it is followed ("Telling the backends
 * apart" in zalloc_pool.c has why the slab sizes tell the backends apart).
 */
#ifndef _ZALLOC_LOOKUP_H
#define _ZALLOC_LOOKUP_H

#include <linux/bitops.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>

#include "zalloc_internal.h"

/**
 * struct za_span - descriptor of an extended-pool span
 * @cls: the class; constant; first, see za_class.@self
 * @node: on one of the class's lists; protected by the class lock
 * @base: first byte of the span; constant
 * @freelist: freed objects, linked through their first word; class lock
 * @order: the span is 2^@order pages; constant
 * @capacity: objects it holds; constant
 * @inuse: objects handed out; class lock
 * @fresh: objects carved so far, from @base on; class lock
 * @out: one bit per object, set while it is out of the span (handed out,
 *	or idle in a magazine or depot); written under the class lock, read
 *	without it by za_span_lookup()
 *
 * page->private of every page of the span points here. @out is what lets
 * the span refuse an object it does not have out (never carved, or
 * given back already) instead of trusting @inuse and freeing its pages
 * under live objects.
 */
struct za_span {
	/* What za_span_lookup() reads, first: one cache line with 4 KiB pages. */
	struct za_class *cls;
	void *base;
	unsigned short order;
	unsigned short capacity;
	DECLARE_BITMAP(out, ZA_SPAN_MAX_OBJS);
	/* The backend's, under the class lock. */
	struct list_head node;
	void *freelist;
	unsigned int inuse;
	unsigned int fresh;
};

/*
 * Whether object @idx of @span is out. A plain load and shift: x86's
 * test_bit() of a variable index is a "bt" with a memory operand, which
 * made the lookup markedly slower (commit c9354d8 has the figures).
 */
static __always_inline bool za_span_has_out(const struct za_span *span,
					    unsigned long idx)
{
	unsigned long word = READ_ONCE(span->out[BIT_WORD(idx)]);

	return (word >> (idx % BITS_PER_LONG)) & 1;
}

/*
 * Whether @c, read from a page that is not trusted, is a class of the
 * extended pools: a class in the table whose @self points to it, which
 * only the extended backend sets (ext_class_init()).
 */
static __always_inline bool za_is_span_class(const struct za_class *c)
{
	/* Within the table: reading @self stays inside it. */
	return (unsigned long)c - (unsigned long)za_classes <=
	       sizeof(za_classes) - sizeof(*c) && READ_ONCE(c->self) == c;
}

/*
 * The class of an object on a page that is neither slab nor large, checked
 * without trusting the page: its private field must point to a class's
 * @self (a single-object span, whose object starts the page) or to a span
 * descriptor whose class is an extended one, whose objects @ptr starts
 * one of, and which has that object out. Anything else is not zalloc's (or
 * not out: a slot never carved, an object already given back): NULL.
 */
static __always_inline struct za_class *za_span_lookup(struct folio *folio,
						       const void *ptr)
{
	unsigned long priv = (unsigned long)folio_get_private(folio);
	const struct za_span *span = (const void *)priv;
	unsigned long off, idx;
	struct za_class *c;

	if (priv - (unsigned long)za_classes < sizeof(za_classes)) {
		c = (struct za_class *)priv;
		if (za_is_span_class(c) && c->per_span == 1 &&
		    ptr == folio_address(folio))
			return c;
		return NULL;
	}
	if (unlikely(!priv || !virt_addr_valid(priv)))
		return NULL;
	/* A foreign page's private field may point anywhere: read quietly. */
	kasan_disable_current();
	c = READ_ONCE(span->cls);
	kasan_enable_current();
	if (unlikely(!za_is_span_class(c)))
		return NULL;
	off = (unsigned long)ptr - (unsigned long)span->base;
	idx = reciprocal_divide(off, c->recip);
	if (unlikely(off >= (unsigned long)span->capacity * c->size ||
		     idx * c->size != off || !za_span_has_out(span, idx)))
		return NULL;
	return c;
}

/* Whether a large folio that is not slab is a kmalloc() allocation. */
static inline bool za_large_kmalloc(struct folio *folio)
{
#ifdef ZA_HAVE_LARGE_KMALLOC_TYPE
	return folio_test_large_kmalloc(folio);
#else
	/* 6.1-6.16 leave no mark on a large kmalloc(): trust the caller. */
	return true;
#endif
}

/*
 * The class of a slab object whose ksize() is @usable, at least 1: an
 * object pool's if it is that class's size (ksize() of an object-pool
 * object is its class size: za_obj_check_classes() checks it at load),
 * the standard row's above ZA_OBJ_MAX, else NULL.
 */
static __always_inline struct za_class *za_slab_class(size_t usable)
{
	struct za_class *c;

	if (usable > ZA_OBJ_MAX)
		return &za_classes[ZA_CLASS_STD];
	c = &za_classes[za_obj_index[(usable + 7) >> 3]];
	return c->size == usable ? c : NULL;
}

/* za_ptr_lookup() once @ptr, a valid address, is known to be on @folio. */
static __always_inline struct za_class *
za_folio_lookup(struct folio *folio, const void *ptr, size_t *usable)
{
	struct za_class *c;

	if (likely(!folio_test_slab(folio) && !folio_test_large(folio))) {
		c = za_span_lookup(folio, ptr);
		if (likely(c))
			*usable = c->size;
		return c;
	}
	if (!folio_test_slab(folio)) {
		if (ptr != folio_address(folio) || !za_large_kmalloc(folio))
			return NULL;
		*usable = folio_size(folio);
		return &za_classes[ZA_CLASS_STD];
	}
	*usable = ksize(ptr);
	return za_slab_class(*usable);
}

/**
 * za_ptr_lookup() - the class that owns a pointer, and its usable size
 * @ptr: a pointer a caller passed, not NULL or ZERO_SIZE_PTR
 * @usable: where to store the usable size
 *
 * Not a slab folio and not large: an extended-pool page, checked by
 * za_span_lookup(). Large and not slab: kmalloc() above the slab sizes,
 * if @ptr starts the folio (and, where the kernel marks them, the folio is
 * a large kmalloc). A slab object: ksize() of an object-pool size is an
 * object pool, more is kmalloc() ("Telling the backends apart" in
 * zalloc_pool.c); a slab object of another size is not zalloc's.
 *
 * Return: the class, or NULL if @ptr is not the start of an object that
 * zalloc could have handed out. A kmalloc() object that zalloc did not
 * hand out is taken for one of its own: only the debug mode's table of
 * live objects tells them apart.
 */
static __always_inline struct za_class *
za_ptr_lookup(const void *ptr, size_t *usable)
{
	if (unlikely(!virt_addr_valid(ptr)))
		return NULL;
	return za_folio_lookup(virt_to_folio(ptr), ptr, usable);
}

/**
 * struct za_lookup_hint - what a bulk free learnt of the slab of the pointer
 *	before: a slab object on the same folio is in the same cache, so it
 *	has the same class and usable size
 * @slab: that pointer's slab folio, or NULL
 * @c: its class
 * @usable: its usable size
 */
struct za_lookup_hint {
	struct folio *slab;
	struct za_class *c;
	size_t usable;
};

/**
 * za_ptr_lookup_hinted() - za_ptr_lookup() of the next pointer of a bulk
 *	free
 * @ptr: as for za_ptr_lookup()
 * @usable: likewise
 * @h: the hint, zeroed before the first pointer; updated
 *
 * A slab object on the folio of the slab object before it needs no
 * ksize(): the cache is the same. Anything else is looked up in full, and
 * becomes the hint if it is a slab object of a class.
 *
 * Return: as za_ptr_lookup().
 */
static __always_inline struct za_class *
za_ptr_lookup_hinted(const void *ptr, size_t *usable,
		     struct za_lookup_hint *h)
{
	struct folio *folio;
	struct za_class *c;

	if (unlikely(!virt_addr_valid(ptr)))
		return NULL;
	folio = virt_to_folio(ptr);
	if (h->slab == folio) {
		*usable = h->usable;
		return h->c;
	}
	c = za_folio_lookup(folio, ptr, usable);
	if (c && folio_test_slab(folio)) {
		h->slab = folio;
		h->c = c;
		h->usable = *usable;
	}
	return c;
}

#endif /* _ZALLOC_LOOKUP_H */
