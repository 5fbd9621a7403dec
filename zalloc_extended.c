// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's extended pools: the backend of the classes of 257 B .. 64 KiB,
 * whose objects zalloc carves from pages of its own.
 *
 * A span is 2^order pages from the page allocator (not compound: every
 * page is zalloc's, and page->private of each page points to the span's
 * descriptor). The order is chosen by ext_span_order() so that the span
 * bytes no object covers stay a small share of the span: 1/16 for objects
 * of up to a page (in spans of at least ZA_SPAN_MIN_OBJS objects, up to
 * PAGE_ALLOC_COSTLY_ORDER), 1/32 for larger ones (up to ZA_SPAN_MAX_ORDER,
 * 256 KiB): the rounding the class table avoided must not come back at the
 * page level (a 20 KiB object alone in 32 KiB wastes 37.5%, three in 64
 * KiB 6.25%). Where no order does, the one that wastes the least: 6.25% at
 * most, 12.5% for 56 KiB. Above the smallest order that fits one object
 * the page allocator is asked not to try hard; if it fails the
 * span falls back to that order (as SLUB falls back to its minimum order),
 * so each span records its own order and capacity. The span table is in
 * Documentation/zalloc.rst and the pools file. Objects are carved lazily
 * from the start of the span; freed objects go on the span's free list,
 * linked through their first word. A class keeps its spans on three lists
 * (partial, full, empty) per node, those of the node of the span's pages
 * (struct za_span_lists), under one spinlock per class and node, taken
 * with IRQs off, so that the pools can be used from any context
 * kmalloc(GFP_ATOMIC) can; the lock is dropped to ask the page allocator
 * for a new span. Objects for a node come from that node's lists, and
 * a span for it from its memory. A span whose last object is freed stays
 * on its node's empty list (the reserve) while that node has fewer than
 * max_empty empty spans of the class (ZA_RESERVE_BYTES of them, at least
 * one); otherwise its pages go back to the page allocator at once. The
 * reserve decays: ext_trim(), called by the periodic trim in
 * zalloc_reclaim.c, frees the empty spans that sat unused since the
 * previous trim, and all of them under memory pressure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "zalloc_internal.h"
#include "zalloc_lookup.h"

/* Descriptors of spans of more than one object. */
static struct kmem_cache *span_cache;

/*
 * The span order of an extended class: the smallest one that leaves at most
 * a small share of the span over, where the span is not too large. Objects
 * of up to a page: at most 1/(ZA_SPAN_WASTE / 2) over and at least
 * ZA_SPAN_MIN_OBJS objects, up to PAGE_ALLOC_COSTLY_ORDER (the orders the
 * page allocator keeps per-CPU lists of). Larger objects: at most
 * 1/ZA_SPAN_WASTE over, up to ZA_SPAN_MAX_ORDER. If no order does, the one
 * that leaves the smallest share over (the smaller on a tie). A larger
 * object gets a span of at least PAGE_ALLOC_COSTLY_ORDER, so that a burst
 * of 8 or 16 KiB objects takes pages four or two objects at a time (with
 * a span of 8 KiB each, such bursts were slower than kmalloc's: commit
 * 70cca1a has the figures); 32, 56 and 64 KiB objects get a span of their
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

/* === Extended pools === */

static void span_set_owner(struct za_span *span, struct za_span *owner)
{
	struct page *page = virt_to_page(span->base);
	unsigned int i;

	for (i = 0; i < (1U << span->order); i++)
		set_page_private(page + i, (unsigned long)owner);
}

/*
 * Pages for a span of @c, of @node's memory: its order, or if the page
 * allocator cannot give that without trying hard, the smallest order
 * that holds an object.
 */
static struct page *span_pages(struct za_class *c, gfp_t gfp, int node,
			       unsigned int *order)
{
	unsigned int min_order = get_order(c->size);
	struct page *page;

	*order = c->order;
	if (c->order > min_order) {
		/*
		 * Opportunistic: without __GFP_NOFAIL, which would make the
		 * page allocator retry this order for ever (NOFAIL wins over
		 * NORETRY) and never reach the fallback, as in SLUB.
		 */
		page = alloc_pages_node(node, (gfp | __GFP_NORETRY |
					       __GFP_NOWARN) & ~__GFP_NOFAIL,
					c->order);
		if (page)
			return page;
		*order = min_order;
	}
	return alloc_pages_node(node, gfp, *order);
}

/* A span of @c on @node's memory, if the page allocator can give it. */
static struct za_span *span_new(struct za_class *c, gfp_t gfp, int node)
{
	struct za_span *span;
	struct page *page;
	unsigned int order;

	/* The pages zeroed if @gfp asks (za_backend_get()); not the descriptor. */
	gfp &= ~(__GFP_COMP | __GFP_ACCOUNT);
	span = kmem_cache_alloc_node(span_cache, gfp & ~__GFP_ZERO, node);
	if (!span)
		return NULL;
	page = span_pages(c, gfp, node, &order);
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
	bitmap_zero(span->out, ZA_SPAN_MAX_OBJS);
	span_set_owner(span, span);
	return span;
}

static void span_free(struct za_span *span)
{
	span_set_owner(span, NULL);
	__free_pages(virt_to_page(span->base), span->order);
	kmem_cache_free(span_cache, span);
}

/* The lists of the node of @span's pages. */
static struct za_span_lists *span_lists(const struct za_span *span)
{
	return &span->cls->spans[page_to_nid(virt_to_page(span->base))];
}

/* A span joins or leaves its lists: their page and object counts. */
static void span_account(struct za_span_lists *sl, struct za_span *span,
			 int sign)
{
	lockdep_assert_held(&sl->lock);
	sl->span_pages += sign * (1L << span->order);
	sl->span_objs += sign * (long)span->capacity;
}

/* The index of @obj, an object that starts a slot of @span. */
static unsigned int span_index(const struct za_span *span, const void *obj)
{
	return reciprocal_divide(obj - span->base, span->cls->recip);
}

/*
 * The next object of @span: a freed one first, else the next never carved
 * (as new as the span's pages). Sets @used for a freed one.
 */
static void *span_take(struct za_span *span, bool *used)
{
	void *obj = span->freelist;

	if (obj) {
		*used = true;
		span->freelist = *(void **)obj;
		/* init_on_free promised a wiped object: wipe the link too. */
		if (want_init_on_free())
			*(void **)obj = NULL;
	} else {
		obj = span->base + span->fresh++ * span->cls->size;
	}
	__set_bit(span_index(span, obj), span->out);
	span->inuse++;
	return obj;
}

/*
 * Single-object spans (per_span == 1: 32, 56 and 64 KiB, whose objects
 * fill their pages or leave least over alone): the span is the object. It
 * needs no descriptor and no list: page->private of its first page points to the class's @self,
 * which za_ptr_lookup() reads as it reads a descriptor's @cls. Its pages
 * come from and go back to the page allocator directly, with no lock; the
 * depot above it plays the part of the reserve.
 */
static unsigned int solo_get(struct za_class *c, gfp_t gfp, int node,
			     void **objs, unsigned int n, bool *zeroed)
{
	unsigned int got;
	struct page *page;

	/* New pages each: zeroed by the page allocator if @gfp asks. */
	*zeroed = gfp & __GFP_ZERO;
	for (got = 0; got < n; got++) {
		page = alloc_pages_node(node, gfp & ~__GFP_COMP, c->order);
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
		/* Given back already (a double free the magazines held). */
		if (page_private(page) != (unsigned long)&c->self) {
			za_backend_refuse(c->index, objs[n]);
			continue;
		}
		set_page_private(page, 0);
		__free_pages(page, c->order);
	}
}

/* A span with a free object, from the partial list or the reserve. */
static struct za_span *ext_pick_span(struct za_span_lists *sl)
{
	struct za_span *span;

	lockdep_assert_held(&sl->lock);
	span = list_first_entry_or_null(&sl->partial, struct za_span, node);
	if (span)
		return span;
	span = list_first_entry_or_null(&sl->empty, struct za_span, node);
	if (span) {
		list_move(&span->node, &sl->partial);
		sl->nr_empty--;
		sl->min_empty = min(sl->min_empty, sl->nr_empty);
	}
	return span;
}

/*
 * Up to @n objects from the spans on @sl; sets @used if one was freed
 * before. Their lock held, IRQs off.
 */
static unsigned int ext_take(struct za_span_lists *sl, void **objs,
			     unsigned int n, bool *used)
{
	struct za_span *span;
	unsigned int got = 0;

	while (got < n && (span = ext_pick_span(sl))) {
		while (got < n && span->inuse < span->capacity)
			objs[got++] = span_take(span, used);
		if (span->inuse == span->capacity)
			list_move(&span->node, &sl->full);
	}
	return got;
}

/*
 * Objects never carved before are as new as their span's pages, which
 * were zeroed if @gfp asks: za_backend_get() asks for every span or for
 * none, as init_on_alloc is set at boot. A new span goes on the lists of
 * the node the page allocator gave its pages from, which is @node's
 * unless it had to fall back to another.
 */
static unsigned int span_get(struct za_class *c, gfp_t gfp, int node,
			     void **objs, unsigned int n, bool *zeroed)
{
	struct za_span_lists *sl;
	struct za_span *span;
	unsigned long flags;
	bool used = false;
	unsigned int got;

	/* A node without memory: spans come from another's anyway. */
	if (node == NUMA_NO_NODE || !node_state(node, N_MEMORY))
		node = numa_mem_id();
	sl = &c->spans[node];
	spin_lock_irqsave(&sl->lock, flags);
	got = ext_take(sl, objs, n, &used);
	spin_unlock_irqrestore(&sl->lock, flags);
	if (got)
		goto out;

	/* May sleep, if @gfp allows: no lock held. */
	span = span_new(c, gfp, node);
	if (!span)
		return 0;
	sl = span_lists(span);
	spin_lock_irqsave(&sl->lock, flags);
	list_add(&span->node, &sl->partial);
	span_account(sl, span, 1);
	got = ext_take(sl, objs, n, &used);
	spin_unlock_irqrestore(&sl->lock, flags);
out:
	*zeroed = (gfp & __GFP_ZERO) && !used;
	return got;
}

/*
 * Puts @obj, of @span, back on it; moves the span to @release if it goes.
 * An object the span does not have out (given back already: a double free
 * that the magazines held twice) is refused, so that @inuse never counts
 * it twice and the span's pages are never freed under a live object.
 */
static void ext_give(struct za_span_lists *sl, struct za_span *span,
		     void *obj, struct list_head *release)
{
	struct za_class *c = span->cls;

	lockdep_assert_held(&sl->lock);
	if (!__test_and_clear_bit(span_index(span, obj), span->out)) {
		za_backend_refuse(c->index, obj);
		return;
	}
	*(void **)obj = span->freelist;
	span->freelist = obj;
	if (span->inuse-- == span->capacity)
		list_move(&span->node, &sl->partial);
	if (span->inuse)
		return;
	if (sl->nr_empty < c->max_empty) {
		list_move(&span->node, &sl->empty);
		sl->nr_empty++;
	} else {
		list_move(&span->node, release);
		span_account(sl, span, -1);
	}
}

/* The span @obj is in; page->private of its page points to it. */
static struct za_span *span_of(const void *obj)
{
	return (struct za_span *)page_private(virt_to_page(obj));
}

/*
 * The objects go back to the lists of their spans' nodes, each node's
 * lock taken once per run of its objects (a magazine's are one node's).
 */
static void span_put(struct za_class *c, void **objs, unsigned int n)
{
	struct za_span_lists *sl;
	struct za_span *span, *next;
	unsigned long flags;
	LIST_HEAD(release);

	while (n) {
		span = span_of(objs[n - 1]);
		sl = span_lists(span);
		spin_lock_irqsave(&sl->lock, flags);
		do {
			ext_give(sl, span, objs[--n], &release);
		} while (n && (span = span_of(objs[n - 1]),
			       span_lists(span) == sl));
		spin_unlock_irqrestore(&sl->lock, flags);
	}

	list_for_each_entry_safe(span, next, &release, node)
		span_free(span);
}

static int ext_class_init(struct za_class *c, unsigned int size)
{
	int nid;

	c->self = c;
	c->size = size;
	snprintf(c->name, sizeof(c->name), "extended-%u", size);
	c->order = ext_span_order(size);
	c->per_span = (PAGE_SIZE << c->order) / size;
	if (WARN_ON_ONCE(c->per_span > ZA_SPAN_MAX_OBJS))
		return -EINVAL;
	c->recip = reciprocal_value(size);
	c->max_empty = max_t(unsigned int, 1,
			     ZA_RESERVE_BYTES >> (PAGE_SHIFT + c->order));
	/* Single-object spans are on no list. */
	if (c->per_span == 1)
		return 0;
	c->spans = kcalloc(nr_node_ids, sizeof(*c->spans), GFP_KERNEL);
	if (!c->spans)
		return -ENOMEM;
	for (nid = 0; nid < nr_node_ids; nid++) {
		struct za_span_lists *sl = &c->spans[nid];

		spin_lock_init(&sl->lock);
		INIT_LIST_HEAD(&sl->partial);
		INIT_LIST_HEAD(&sl->full);
		INIT_LIST_HEAD(&sl->empty);
	}
	return 0;
}

/*
 * The decay of one node's reserve: frees the empty spans on @sl that sat
 * unused since the last trim (every empty span if @all); returns how
 * many.
 */
static unsigned long lists_trim(struct za_span_lists *sl, bool all)
{
	struct za_span *span, *next;
	unsigned long flags, n = 0;
	unsigned int idle;
	LIST_HEAD(release);

	spin_lock_irqsave(&sl->lock, flags);
	idle = all ? sl->nr_empty : sl->min_empty;
	list_for_each_entry_safe(span, next, &sl->empty, node) {
		if (n == idle)
			break;
		list_move(&span->node, &release);
		span_account(sl, span, -1);
		n++;
	}
	sl->nr_empty -= n;
	sl->min_empty = sl->nr_empty;
	spin_unlock_irqrestore(&sl->lock, flags);

	list_for_each_entry_safe(span, next, &release, node)
		span_free(span);
	return n;
}

/*
 * The reserves' decay, every node's (lists_trim()); returns the spans
 * freed. Process context, or any context kfree() may be called from.
 */
static unsigned long ext_trim(struct za_class *c, bool all)
{
	unsigned long n = 0;
	int nid;

	if (!c->spans)
		return 0;
	for_each_node(nid)
		n += lists_trim(&c->spans[nid], all);
	return n;
}

/**
 * za_ext_empty_spans() - empty spans an extended pool keeps in reserve
 * @c: a class
 * @node: the node whose reserve, or NUMA_NO_NODE for all of them
 *
 * Context: any; a racy read.
 * Return: the count; 0 for a class without span lists.
 */
unsigned int za_ext_empty_spans(const struct za_class *c, int node)
{
	unsigned int n = 0;
	int nid;

	if (!c->spans)
		return 0;
	if (node != NUMA_NO_NODE)
		return READ_ONCE(c->spans[node].nr_empty);
	for_each_node(nid)
		n += READ_ONCE(c->spans[nid].nr_empty);
	return n;
}
EXPORT_SYMBOL_NS_GPL(za_ext_empty_spans, ZA_NS);

/**
 * za_class_walk() - count a class's spans by walking its lists
 * @c: an extended-pool class
 * @cs: where to store the counts
 *
 * An independent count, for tests to check the running ones against;
 * single-object spans are on no list and not counted.
 *
 * Context: any; takes the lists' locks.
 */
void za_class_walk(struct za_class *c, struct za_span_census *cs)
{
	struct za_span_lists *sl;
	struct za_span *span;
	unsigned long flags;
	unsigned int i;
	int nid;

	memset(cs, 0, sizeof(*cs));
	if (!c->spans)
		return;
	for_each_node(nid) {
		struct list_head *lists[3];

		sl = &c->spans[nid];
		lists[0] = &sl->partial;
		lists[1] = &sl->full;
		lists[2] = &sl->empty;
		spin_lock_irqsave(&sl->lock, flags);
		for (i = 0; i < ARRAY_SIZE(lists); i++) {
			list_for_each_entry(span, lists[i], node) {
				cs->pages += 1UL << span->order;
				cs->objs += span->capacity;
				cs->free += span->capacity - span->inuse;
				cs->short_spans += span->order < c->order;
			}
		}
		spin_unlock_irqrestore(&sl->lock, flags);
	}
}
EXPORT_SYMBOL_NS_GPL(za_class_walk, ZA_NS);

/*
 * Frees the empty spans and the lists; spans with objects still in use
 * are left alone (their pages are their users'), and nothing reads the
 * lists they were on once zalloc is gone.
 */
static void ext_class_exit(struct za_class *c, bool leaked)
{
	ext_trim(c, true);
	kfree(c->spans);
	c->spans = NULL;
}

static unsigned int ext_get(struct za_class *c, gfp_t gfp, int node,
			    void **objs, unsigned int n, bool *zeroed)
{
	if (c->per_span == 1)
		return solo_get(c, gfp, node, objs, n, zeroed);
	return span_get(c, gfp, node, objs, n, zeroed);
}

static void ext_put(struct za_class *c, void **objs, unsigned int n)
{
	if (c->per_span == 1)
		solo_put(c, objs, n);
	else
		span_put(c, objs, n);
}

/*
 * The pages a class holds and where their bytes are: handed out, cached
 * (both filled in by the caller), free in a span, or a span's tail that no
 * object covers. Objects out of the backend (ZE_OUT - ZE_IN) include the
 * single-object spans, each of which is its own span.
 */
static void ext_account(const struct za_class *c, struct za_class_stats *st)
{
	s64 out = za_gauge(st->ev[ZE_OUT], st->ev[ZE_IN], 0);
	s64 cap;
	int nid;

	if (c->per_span == 1) {
		st->pages = (unsigned long)out << c->order;
		cap = out;
	} else {
		st->pages = 0;
		cap = 0;
		for_each_node(nid) {
			st->pages += READ_ONCE(c->spans[nid].span_pages);
			cap += READ_ONCE(c->spans[nid].span_objs);
		}
	}
	st->held_bytes = (u64)st->pages << PAGE_SHIFT;
	st->span_free_bytes = (cap - out) * c->size;
	st->tail_bytes = st->held_bytes - cap * c->size;
}

static int ext_setup(void)
{
	/*
	 * Not tracked or scanned by kmemleak: a descriptor's base and free
	 * list point into its span, at objects that are handed out or will
	 * be, and must not count as references to them, or a leaked object
	 * at the start of a span would never be reported.
	 */
	span_cache = KMEM_CACHE(za_span, SLAB_NOLEAKTRACE);
	return span_cache ? 0 : -ENOMEM;
}

/* Descriptors of spans that users still hold objects in stay allocated. */
static void ext_teardown(bool leaked)
{
	if (!leaked)
		kmem_cache_destroy(span_cache);
}

/*
 * Each object handed out is registered with kmemleak on its own, as
 * kmalloc() registers its objects; the spans are not (they would overlap).
 */
static void ext_track(const struct za_class *c, void *obj, gfp_t gfp)
{
	kmemleak_alloc(obj, c->size, 1, gfp);
}

static void ext_untrack(const struct za_class *c, const void *obj)
{
	kmemleak_free(obj);
}

/* Exact: a span knows which of its objects are out (za_span_lookup()). */
const struct za_backend_ops za_extended_ops = {
	.strategy	= ZALLOC_EXTENDED_POOL,
	.exact		= true,
	.track		= ext_track,
	.untrack	= ext_untrack,
	.setup		= ext_setup,
	.teardown	= ext_teardown,
	.init_class	= ext_class_init,
	.exit_class	= ext_class_exit,
	.get		= ext_get,
	.put		= ext_put,
	.trim		= ext_trim,
	.account	= ext_account,
};
