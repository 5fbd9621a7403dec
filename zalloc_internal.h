/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc internals shared by zalloc_main.c, zalloc_pool.c, the backends
 * (zalloc_object.c, zalloc_extended.c, zalloc_standard.c), zalloc_mag.c,
 * zalloc_reclaim.c, zalloc_stats.c, zalloc_debug.c and the test and benchmark
 * modules (kunit/, bench/). Not part of the public API: the za_* symbols that zalloc exports
 * are in the ZALLOC_INTERNAL namespace, for those modules only, and may
 * change with any release.
 */
#ifndef _ZALLOC_INTERNAL_H
#define _ZALLOC_INTERNAL_H

#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/jump_label.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/rcupdate.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/reciprocal_div.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <zalloc.h>

/*
 * zalloc's internals are exported for its own test and benchmark modules
 * only, in a symbol namespace that no other module imports by accident
 * (EXPORT_SYMBOL_NS_GPL(sym, ZA_NS), MODULE_IMPORT_NS(ZA_NS)). Kernels up
 * to 6.12 take the namespace as an identifier, later ones as a string: the
 * Kbuild file tells them apart by their export.h.
 */
#ifdef ZA_NS_IDENTIFIER
#define ZA_NS			ZALLOC_INTERNAL
#else
#define ZA_NS			"ZALLOC_INTERNAL"
#endif

/*
 * Size classes. Index 0 .. ZA_NR_OBJ_CLASSES-1 are object pools (kmem_cache),
 * then ZA_NR_EXT_CLASSES extended pools, then one row for the standard
 * backend (kmalloc), which has no fixed size.
 */
#define ZA_OBJ_MAX		256
#define ZA_EXT_MAX		(64 * 1024)
#define ZA_NR_OBJ_CLASSES	14
#define ZA_NR_EXT_CLASSES	32
#define ZA_FIRST_EXT		ZA_NR_OBJ_CLASSES
#define ZA_CLASS_STD		(ZA_NR_OBJ_CLASSES + ZA_NR_EXT_CLASSES)
#define ZA_NR_CLASSES		(ZA_CLASS_STD + 1)
/* The pool classes, which have magazines, come first. */
#define ZA_NR_POOL_CLASSES	ZA_CLASS_STD

/*
 * Extended-pool spans (zalloc_extended.c): objects a span of objects no larger
 * than a page holds at least, the largest order, and the share of a span
 * that may be left over (1/ZA_SPAN_WASTE for objects larger than a page,
 * twice that for smaller ones).
 */
#define ZA_SPAN_MIN_OBJS	8
#define ZA_SPAN_MAX_ORDER	6
#define ZA_SPAN_WASTE		32
/*
 * Objects a span holds at most: objects of up to a page (at least 257 B)
 * in spans of up to PAGE_ALLOC_COSTLY_ORDER, larger ones (more than a
 * page) in spans of up to ZA_SPAN_MAX_ORDER. ext_class_init() checks it.
 */
#define ZA_SPAN_SMALL_OBJS	((PAGE_SIZE << PAGE_ALLOC_COSTLY_ORDER) / \
				 (ZA_OBJ_MAX + 1))
#define ZA_SPAN_MAX_OBJS	(ZA_SPAN_SMALL_OBJS > 1UL << ZA_SPAN_MAX_ORDER ? \
				 ZA_SPAN_SMALL_OBJS : 1UL << ZA_SPAN_MAX_ORDER)

/*
 * Magazines (zalloc_mag.c): objects per magazine at most, and bytes of
 * objects per magazine, which sets the size of the larger classes' ones.
 */
#define ZA_MAG_MAX		32
#define ZA_MAG_BYTES		(64 * 1024)
/* Per class: bytes of full magazines a depot keeps, bytes of empty spans. */
#define ZA_DEPOT_BYTES		(512 * 1024)
#define ZA_RESERVE_BYTES	(512 * 1024)

struct za_mag;
struct za_class;
struct za_class_stats;

/*
 * The backends. A private notion: the public enum zalloc_strategy names
 * what a caller may ask for; each backend says which strategy forces it.
 */
enum za_backend {
	ZA_BE_OBJECT,	/* object pools: a kmem_cache per class */
	ZA_BE_EXTENDED,	/* extended pools: spans zalloc carves */
	ZA_BE_STANDARD,	/* kmalloc() */
	ZA_NR_BACKENDS,
};

/**
 * struct za_backend_ops - a backend: everything in zalloc that differs by
 *	backend, so that nothing outside the backend files asks which one a
 *	class has
 * @strategy: the strategy that forces this backend; its name
 *	(za_strategy_names[]) names the backend in the statistics and the
 *	tracepoint
 * @exact: za_ptr_lookup() finds this backend's objects exactly (an
 *	extended pool's span knows which of its objects are out). Without it,
 *	a kmalloc() object that zalloc did not hand out passes for one of the
 *	backend's own, so the debug mode counts its own kmalloc() objects in
 *	such a class, and a free of an object from before the mode was
 *	switched on is taken on a budget (zalloc_debug.c); with it, the debug
 *	mode's objects are counted in the class of no fixed size instead
 * @setup: optional; called once at load, before any class is set up
 * @teardown: optional; called once at unload after every class's
 *	@exit_class; @leaked: some class of this backend still has objects
 * @init_class: sets up class @c for objects of @size bytes (0: the class
 *	has no fixed size)
 * @exit_class: gives back what @c holds; @leaked: users still hold objects
 *	of @c, whose memory must be left alone
 * @get: pool backends: takes up to @n objects of @c, returns how many;
 *	of @node's memory, as kmalloc_node() gives (NUMA_NO_NODE: of this
 *	CPU's node, as far as the allocator can); sets @zeroed if each is
 *	known to be zero: new memory that its allocator zeroed because @gfp
 *	has __GFP_ZERO, never used since
 * @put: pool backends: gives @n objects of @c back
 * @alloc: a backend of no fixed size: one object of @size bytes, of
 *	@node's memory as kmalloc_node() gives, and its usable size in
 *	@usable (what za_ptr_lookup() will find for it)
 * @free: a backend of no fixed size: frees @ptr of @usable bytes
 * @track: optional: registers an object of @c, as it is handed out, with
 *	kmemleak (called only where the kernel has kmemleak)
 * @untrack: optional: unregisters an object of @c, as it comes back, from
 *	kmemleak; before any other CPU can take it again
 * @trim: optional: gives back the pages @c holds idle (all of them, if
 *	@all), returns how many units it gave back
 * @account: optional: completes @st, whose events, live, cached and
 *	rcu_waiting figures are filled in, with what only the backend knows
 *
 * A pool backend (@get and @put) has magazines and a depot in front of
 * each of its classes (zalloc_mag.c); a backend of no fixed size (@alloc
 * and @free) has neither. zalloc_pool.c's za_backends[] holds one per enum
 * za_backend; each backend's file defines its own. How a pointer is traced
 * back to its backend is the one thing not in here: za_ptr_lookup()
 * (zalloc_lookup.h) is inline on the free fast path, where an indirect
 * call per backend would cost more than the free.
 */
struct za_backend_ops {
	enum zalloc_strategy strategy;
	bool exact;
	int (*setup)(void);
	void (*teardown)(bool leaked);
	int (*init_class)(struct za_class *c, unsigned int size);
	void (*exit_class)(struct za_class *c, bool leaked);
	unsigned int (*get)(struct za_class *c, gfp_t gfp, int node,
			    void **objs, unsigned int n, bool *zeroed);
	void (*put)(struct za_class *c, void **objs, unsigned int n);
	void *(*alloc)(struct za_class *c, size_t size, gfp_t gfp, int node,
		       size_t *usable);
	void (*free)(struct za_class *c, const void *ptr, size_t usable);
	void (*track)(const struct za_class *c, void *obj, gfp_t gfp);
	void (*untrack)(const struct za_class *c, const void *obj);
	unsigned long (*trim)(struct za_class *c, bool all);
	void (*account)(const struct za_class *c, struct za_class_stats *st);
};

extern const struct za_backend_ops za_object_ops;
extern const struct za_backend_ops za_extended_ops;
extern const struct za_backend_ops za_standard_ops;
extern const struct za_backend_ops *const za_backends[ZA_NR_BACKENDS];

/**
 * struct za_depot - a pool class's magazines of one node's objects that no
 *	CPU holds
 * @lock: protects the fields below; taken with bottom halves off, never
 *	from hard interrupt context or with interrupts off (see "Lock order"
 *	in zalloc_mag.c)
 * @full: full magazines, linked through their @next
 * @empty: empty magazines, likewise
 * @nr_full: magazines on @full
 * @nr_empty: magazines on @empty
 * @min_full: the fewest magazines on @full since the last trim: that many
 *	sat idle for a whole trim interval
 * @min_empty: the same for @empty
 * @max_full: @nr_full at most (ZA_DEPOT_BYTES of objects, at least 2)
 *
 * One per class and node: the CPUs of a node trade magazines with their
 * node's depot only, so that no CPU is handed another node's objects.
 */
struct za_depot {
	spinlock_t lock;	/* see @lock above */
	struct za_mag *full;
	struct za_mag *empty;
	unsigned int nr_full;
	unsigned int nr_empty;
	unsigned int min_full;
	unsigned int min_empty;
	unsigned int max_full;
} ____cacheline_aligned_in_smp;

/**
 * struct za_span_lists - an extended pool's spans of one node's pages
 * @lock: protects the lists and counters below, and the free lists and
 *	counts of the spans on them; taken with interrupts off
 * @partial: spans with both free and used objects
 * @full: spans with no free object
 * @empty: spans with no used object: the reserve, at most the class's
 *	@max_empty
 * @span_pages: pages of the spans on all three lists
 * @span_objs: objects those spans hold, used or not
 * @nr_empty: spans on @empty
 * @min_empty: the fewest spans on @empty since the last trim
 *
 * One per class and node: a span is on the lists of its pages' node.
 */
struct za_span_lists {
	spinlock_t lock;	/* see @lock above */
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	unsigned long span_pages;
	unsigned long span_objs;
	unsigned int nr_empty;
	unsigned int min_empty;
} ____cacheline_aligned_in_smp;

/**
 * struct za_class - one size class
 * @self: points to this class: page->private of a single-object span
 *	points here (zalloc_extended.c), as it points to a span's @cls
 * @index: this class's index in za_classes[]
 * @size: object size in bytes (0 for the standard row)
 * @backend: the backend that serves this class (za_backends[])
 * @pooled: its backend is a pool backend: magazines sit in front
 * @strategy: the strategy that forces its backend; @pooled and @strategy
 *	are copied from the backend's ops at load, for the fast path
 * @name: "object-64", "extended-5120", "standard"
 * @mag_size: pool classes: objects per magazine
 * @depots: pool classes: the magazines no CPU holds, a depot per node
 *	(nr_node_ids of them, by node id)
 * @kmem_cache: object pools: the kmem_cache of this class
 * @order: extended pools: a span is 2^@order pages (or, where the page
 *	allocator cannot give that, the smallest order that holds an object)
 * @per_span: extended pools: objects carved from a span of @order
 * @recip: extended pools: the reciprocal of @size, to check in O(1) that
 *	a pointer starts an object
 * @spans: extended pools of more than one object per span: the spans,
 *	a struct za_span_lists per node (nr_node_ids of them, by node id)
 * @max_empty: empty spans a node's lists keep at most (ZA_RESERVE_BYTES
 *	of spans, at least 1)
 */
struct za_class {
	/* Read on every allocation and free: one cache line. */
	struct za_class *self;
	unsigned int index;
	unsigned int size;
	/* Three bytes where one enum was. */
	u8 backend;		/* enum za_backend */
	u8 strategy;		/* enum zalloc_strategy */
	bool pooled;
	unsigned int mag_size;
	unsigned int order;
	unsigned int per_span;
	struct reciprocal_value recip;
	struct kmem_cache *kmem_cache;
	char name[24];
	/* Written by the slow paths: lines of their own, per node. */
	struct za_depot *depots;
	struct za_span_lists *spans;
	unsigned int max_empty;
};

extern struct za_class za_classes[ZA_NR_CLASSES];

/* "auto", "object_pool", ...: indexed by enum zalloc_strategy */
extern const char * const za_strategy_names[];

/* === Size classes and routing (zalloc_pool.c has the design) === */

/* (size + 7) / 8 -> object class, for 1 <= size <= ZA_OBJ_MAX */
extern u8 za_obj_index[ZA_OBJ_MAX / 8 + 1];

/**
 * za_size_class() - the class that serves @size under ZALLOC_AUTO, in O(1)
 * @size: requested size, at least 1
 *
 * Return: an object class up to 256 B, an extended class up to 64 KiB,
 * else ZA_CLASS_STD.
 */
static inline unsigned int za_size_class(size_t size)
{
	unsigned int k, m;

	if (size <= ZA_OBJ_MAX)
		return za_obj_index[(size + 7) >> 3];
	if (size > ZA_EXT_MAX)
		return ZA_CLASS_STD;
	/* 2^k < size <= 2^(k+1); m quarters of 2^k, rounded up. */
	k = fls(size - 1) - 1;
	m = DIV_ROUND_UP(size, 1U << (k - 2));
	return ZA_FIRST_EXT + (k - 8) * 4 + (m - 5);
}

/*
 * Per strategy, the class it forces whatever the size (that of a backend
 * of no fixed size), or NULL for a strategy whose backend serves only its
 * own classes' sizes; set at load from za_backends[] (zalloc_pool.c).
 */
extern struct za_class *za_strategy_class[ZALLOC_STANDARD + 1];

/*
 * Whether @strategy takes @c, the class ZALLOC_AUTO picks for a size, as
 * it is: the first rule of za_route(), and all the fast path needs.
 */
static __always_inline bool za_strategy_takes(const struct za_class *c,
					      enum zalloc_strategy strategy)
{
	return strategy == ZALLOC_AUTO || strategy == c->strategy;
}

/**
 * za_route() - the class that serves a request for @strategy: the one place
 *	requests are routed
 * @c: the class ZALLOC_AUTO picks for the size (za_size_class())
 * @strategy: a valid strategy
 * @gfp: the caller's flags
 * @fell: set if @strategy's backend cannot serve the request, so that
 *	another class serves it instead, and is counted so
 *
 * A request with __GFP_ACCOUNT goes to kmalloc() (the standard class),
 * which charges it to the caller's memory cgroup and uncharges it when
 * zalloc_free() gives it back with kfree(): the pools' objects are shared
 * through the magazines, and charge no one (Documentation/zalloc.rst,
 * "Memory cgroups").
 *
 * Context: any.
 * Return: the class.
 */
static __always_inline struct za_class *za_route(struct za_class *c,
						 enum zalloc_strategy strategy,
						 gfp_t gfp, bool *fell)
{
	struct za_class *kmalloc_class;

	*fell = false;
	if (unlikely(gfp & __GFP_ACCOUNT)) {
		kmalloc_class = za_strategy_class[ZALLOC_STANDARD];
		*fell = strategy != ZALLOC_AUTO &&
			!za_strategy_takes(kmalloc_class, strategy);
		return kmalloc_class;
	}
	if (likely(za_strategy_takes(c, strategy)))
		return c;
	if (za_strategy_class[strategy])
		return za_strategy_class[strategy];
	*fell = true;
	return c;
}

/* Events counted per CPU and per class; gauges are derived on read. */
enum za_event {
	ZE_ALLOC,	/* objects handed out */
	ZE_FREE,	/* objects given back */
	ZE_MISS,	/* allocations that went to the backend */
	ZE_REFILL,	/* backend refills: a magazine's worth or one */
	ZE_FALLTHROUGH,	/* served here for a strategy that could not */
	ZE_FAIL,	/* allocations that returned NULL */
	ZE_REMOTE,	/* another node's: allocations and frees, past the caches */
	ZE_NR_SHOWN,
	/* Always counted, whatever the stats switch says; never reset. */
	ZE_OUT = ZE_NR_SHOWN,	/* objects taken from the backend */
	ZE_IN,		/* objects given back to the backend */
	ZE_NR,
};

/**
 * struct za_class_stats - a class's counters summed over all CPUs
 * @ev: event counters since load (minus the last reset's baseline if
 *	@since_reset was asked for)
 * @live_objs: objects allocated by users and not yet freed
 * @live_bytes: their usable size in bytes
 * @cached: objects idle in the magazines and depot
 * @rcu_waiting: objects given to zalloc_free_rcu() whose grace period has
 *	not ended or that are not freed yet: neither live nor cached
 * @rcu_waiting_bytes: their usable size in bytes
 * @pages: pages the class holds (extended pools only)
 * @held_bytes: those pages in bytes
 * @cached_bytes: @cached in bytes
 * @span_free_bytes: bytes of the objects free in the class's spans
 *	(extended pools only)
 * @tail_bytes: span bytes no object covers (extended pools only)
 *
 * For an extended pool, @held_bytes = @live_bytes + @cached_bytes +
 * @rcu_waiting_bytes + @span_free_bytes + @tail_bytes: every byte held is
 * handed out, idle in a magazine or depot, waiting for a grace period,
 * free in a span, or lost to the span's rounding.
 */
struct za_class_stats {
	u64 ev[ZE_NR];
	s64 live_objs;
	s64 live_bytes;
	s64 cached;
	s64 rcu_waiting;
	s64 rcu_waiting_bytes;
	unsigned long pages;
	u64 held_bytes;
	s64 cached_bytes;
	s64 span_free_bytes;
	s64 tail_bytes;
};

/**
 * za_gauge() - a gauge from the event counts it is derived from
 * @out: objects that went out (summed over the CPUs)
 * @in: objects that came back
 * @idle: objects that came back but sit in a cache
 *
 * The counts only grow, and may wrap at 2^64; a gauge is small. Its value
 * is therefore exact in unsigned long arithmetic on the counts' low words,
 * whatever their upper halves are: on a 32-bit kernel a 64-bit count read
 * while another CPU carries into its upper half may be torn (one load per
 * half), but the lower half of each, and of their sums, is always right.
 *
 * Return: @out - @in - @idle, if it lies in the range of a long.
 */
static inline long za_gauge(u64 out, u64 in, s64 idle)
{
	return (long)((unsigned long)out - (unsigned long)in -
		      (unsigned long)idle);
}

/* The backend of class @c. */
static inline const struct za_backend_ops *za_ops(const struct za_class *c)
{
	return za_backends[c->backend];
}

/*
 * What kmalloc() does to an object of a pool class as it hands it out and
 * as it takes it back, done once, where the object is popped or pushed:
 * zeroed if @gfp or init_on_alloc asks, wiped if init_on_free asks (a
 * backend of no fixed size, kmalloc(), does its own). An object new from
 * the backend, whose allocator zeroed it (za_backend_get()), is not zeroed
 * again: a refill hands it out as it is, or stacks it in a magazine slot
 * that says so (ZA_SLOT_ZEROED, zalloc_mag.h).
 */
static inline void za_obj_zero(const struct za_class *c, void *obj)
{
	void *end = obj + c->size, *page = PTR_ALIGN(obj, PAGE_SIZE);

	if (c->size < PAGE_SIZE) {
		memset(obj, 0, c->size);
		return;
	}
	/*
	 * The whole pages inside the object as the page allocator zeroes
	 * them: with clear_page(), whose fill of a known size can be faster
	 * than a memset() of a variable one (on UML, twice as fast; objects of
	 * 10 and 14 KiB start mid-page every other one). memset() does the
	 * partial pages at either end.
	 */
	memset(obj, 0, page - obj);
	for (; page + PAGE_SIZE <= end; page += PAGE_SIZE)
		clear_page(page);
	memset(page, 0, end - page);
}

static __always_inline void za_obj_alloc_init(const struct za_class *c,
					      void *obj, gfp_t gfp)
{
	if (want_init_on_alloc(gfp))
		za_obj_zero(c, obj);
}

static __always_inline void za_obj_free_init(const struct za_class *c,
					     void *obj)
{
	if (want_init_on_free())
		za_obj_zero(c, obj);
}

/* zalloc_pool.c: the class table and the calls into the backends */
int za_pools_init(void);
void za_pools_exit(const bool *leaked);
unsigned int za_backend_get(struct za_class *c, gfp_t gfp, int node,
			    void **objs, unsigned int n, bool *zeroed);
void za_backend_put(struct za_class *c, void **objs, unsigned int n);
void *za_backend_alloc(struct za_class *c, size_t size, gfp_t gfp,
		       int node, size_t *usable);
void za_backend_free(struct za_class *c, void *obj, size_t usable);
void za_count_out(struct za_class *c, size_t bytes);
void za_count_in(struct za_class *c, size_t bytes);
struct za_class *za_kmalloc_class(struct za_class *c);
unsigned long za_backend_trim(struct za_class *c, bool all);

/* zalloc_object.c: the load-time check that za_ptr_lookup() relies on */
int za_obj_check_sizes(const unsigned int *ksizes, unsigned int *cls,
		       unsigned int *other);
int za_obj_check_classes(void);

/* zalloc_extended.c: a check for tests */
/**
 * struct za_span_census - what za_class_walk() counts of a class's spans
 * @pages: pages of its spans
 * @objs: objects they hold, used or not
 * @free: objects free in them
 * @short_spans: spans of less than the class's order (the page allocator
 *	could not give that order without trying hard)
 */
struct za_span_census {
	unsigned long pages;
	unsigned long objs;
	unsigned long free;
	unsigned long short_spans;
};

void za_class_walk(struct za_class *c, struct za_span_census *cs);
unsigned int za_ext_empty_spans(const struct za_class *c, int node);

/* zalloc_mag.c: the magazines' slow paths, the depots (fast path: inline) */
void *za_mag_alloc_slow(struct za_class *c, gfp_t gfp, int node,
			bool *zeroed);
bool za_mag_free_slow(struct za_class *c, void *obj);
size_t za_mag_alloc_bulk(struct za_class *c, gfp_t gfp, size_t nr,
			 void **objs, size_t *hits);
size_t za_mag_free_bulk(struct za_class *c, void **objs, size_t nr);
void za_mag_events(unsigned int cls, u64 *ev);
long za_mag_std_bytes(void);
s64 za_mag_cached(unsigned int cls);
unsigned int za_depot_full(const struct za_class *c, int node);
int za_mag_init(void);
void za_mag_free_all(void);

/* zalloc_reclaim.c: decay, trim, drains, CPU hotplug, the shrinker */
unsigned long za_mag_drain_all(void);
unsigned long za_trim(void);
unsigned long za_decay_this_cpu(void);
int za_reclaim_init(void);
void za_reclaim_exit(void);
void za_reclaim_free(void);

/* zalloc_rcu.c: zalloc_free_rcu()'s batches */
s64 za_rcu_waiting(unsigned int cls, s64 *bytes);
bool za_rcu_flush(void);
int za_rcu_init(void);
void za_rcu_exit(void);

/* Calls zalloc refused, counted per CPU (names in zalloc_stats.c). */
enum za_refusal {
	ZR_STRATEGY,	/* an allocation with an unknown strategy */
	ZR_INVALID_FREE, /* a free of what is not zalloc's or not an object */
	ZR_DOUBLE_FREE,	/* a free of an object already free */
	ZR_OVERFLOW,	/* an array whose n * size overflows size_t */
	ZR_NODE,	/* an allocation for a node that is not online */
	ZR_NR,
};

/**
 * struct za_pcpu_stats - one CPU's counters
 * @ev: events per class
 * @std_bytes: bytes the standard backend handed out minus bytes it took
 *	back on this CPU (the other classes derive bytes from object counts)
 * @err: refused calls, by kind
 *
 * Only this_cpu operations touch it, so updates are safe from any context
 * with no lock; readers sum all CPUs and may see a count one step behind.
 * Code that holds this CPU's magazines claimed counts in struct
 * za_cpu_mags instead (zalloc_mag.h), with plain increments; readers add
 * both.
 */
struct za_pcpu_stats {
	u64 ev[ZA_NR_CLASSES][ZE_NR];
	long std_bytes;
	u64 err[ZR_NR];
};

/* 64-bit counts on every kernel: see za_gauge() and struct za_mag_class. */
static_assert(sizeof_field(struct za_pcpu_stats, ev[0][0]) == sizeof(u64));

DECLARE_PER_CPU(struct za_pcpu_stats, za_pcpu_stats);

/* Module parameters "stats" and "fastpath" (zalloc_main.c). */
DECLARE_STATIC_KEY_TRUE(za_stats_key);
DECLARE_STATIC_KEY_TRUE(za_fastpath_key);

/* An event, if statistics are on; any context. */
static inline void za_stat_inc(unsigned int cls, enum za_event ev)
{
	if (static_branch_likely(&za_stats_key))
		this_cpu_inc(za_pcpu_stats.ev[cls][ev]);
}

/* @n events, if statistics are on; any context. */
static inline void za_stat_add(unsigned int cls, enum za_event ev,
			       unsigned int n)
{
	if (static_branch_likely(&za_stats_key))
		this_cpu_add(za_pcpu_stats.ev[cls][ev], n);
}

/* Objects to or from a backend: always counted, the gauges need them. */
static inline void za_count_backend(unsigned int cls, enum za_event ev,
				    unsigned int n)
{
	this_cpu_add(za_pcpu_stats.ev[cls][ev], n);
}

static inline void za_stat_add_std_bytes(long bytes)
{
	this_cpu_add(za_pcpu_stats.std_bytes, bytes);
}

/* A refused call; always counted (rare, and users read it to debug). */
static inline void za_count_refusal(enum za_refusal why)
{
	this_cpu_inc(za_pcpu_stats.err[why]);
}

/*
 * An object the magazines gave back twice (a double free with frees
 * between, which the normal mode does not see as it happens) is refused by
 * its backend, which can tell: counted, reported without a caller (it is
 * long gone), and taken out of ZE_IN again, so that the gauges count it
 * once. Any context.
 */
static inline void za_backend_refuse(unsigned int cls, const void *obj)
{
	this_cpu_dec(za_pcpu_stats.ev[cls][ZE_IN]);
	za_count_refusal(ZR_DOUBLE_FREE);
	pr_err_ratelimited("double free of %p refused as its class took it back from the caches\n",
			   obj);
}

/* zalloc_main.c: the parameters' setters and getter */
int za_set_strategy(const char *name);
enum zalloc_strategy za_get_strategy(void);
void za_set_switch(struct static_key_true *key, bool on);
bool za_params_closed(void);
void za_free_known(const void *ptr, struct za_class *c, size_t usable,
		   unsigned long caller);
void za_free_run(struct za_class *c, void **objs, size_t n,
		 unsigned long caller);

/*
 * kmemleak, where the kernel has it (nothing elsewhere): each backend says
 * what its objects need (@track, @untrack): an extended-pool object is
 * registered as it is handed out and unregistered as it is freed, so that
 * a leak is reported with its allocation stack and pointers kept in it are
 * scanned; an object-pool object is SLUB's, tracked already, and gets the
 * caller's stack as mempool does; kmalloc() registers its own. Objects
 * idle in magazines and spans are not registered. Never a span and its
 * objects both: kmemleak turns itself off on overlapping registrations.
 */
static __always_inline void za_track_alloc(const struct za_class *c,
					   void *obj, gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && za_ops(c)->track)
		za_ops(c)->track(c, obj, gfp);
}

static __always_inline void za_track_free(const struct za_class *c,
					  const void *obj)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && za_ops(c)->untrack)
		za_ops(c)->untrack(c, obj);
}

/* zalloc_debug.c: refused frees and the debug mode */
DECLARE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_debug_key);
DECLARE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_table_key);
DECLARE_STATIC_KEY_MAYBE(CONFIG_KASAN, za_divert_key);
void za_refuse_free(const void *ptr, enum za_refusal why,
		    unsigned long caller);

/*
 * Whether each object must be seen on its own, by the slow paths: the debug
 * table or a tracepoint is on (za_divert_key), or the kernel has kmemleak.
 * The one test of it; the fast paths also leave zeroing and wiping to the
 * slow paths (want_init_on_alloc(), want_init_on_free()).
 */
static __always_inline bool za_each_object(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	       static_branch_unlikely(&za_divert_key);
}

/* What za_debug_free() did with a pointer. */
enum za_table_free {
	ZA_TABLE_DONE,	/* freed from the table, or refused as a double free */
	ZA_TABLE_CHECK,	/* not in it, and the mode checks such frees */
	ZA_TABLE_MISS,	/* not in it: the normal path frees it */
};

bool za_debug_alloc(struct za_class *c, size_t size, gfp_t gfp, int node,
		    unsigned long caller, void **objp);
enum za_table_free za_debug_free(const void *ptr, unsigned long caller,
				 struct za_class **cp, size_t *usable);
bool za_debug_free_untracked(struct za_class *c, void *obj, size_t usable,
			     unsigned long caller);
struct za_class *za_debug_find(const void *ptr, size_t *usable);
void __za_debug_adopt(const struct za_class *c, void *const *objs,
		      unsigned int n);

/**
 * za_debug_adopt() - take in objects the normal paths handed out, if the
 *	debug mode was switched on meanwhile
 * @c: their class
 * @objs: the objects
 * @n: how many
 *
 * Called after the objects are taken and counted. za_set_debug() waits
 * for a grace period between turning the mode on and reading how many
 * objects each class has live, so an allocation that found the mode off
 * here was counted in that figure; one that finds it on adds its objects
 * to the untracked budget itself, and drops any quarantined entry of the
 * table at their addresses, which the kernel has given out again
 * (zalloc_debug.c). Costs one static branch while the mode is off.
 *
 * Context: any.
 */
static __always_inline void za_debug_adopt(const struct za_class *c,
					   void *const *objs, unsigned int n)
{
	rcu_read_lock();
	if (static_branch_unlikely(&za_debug_key))
		__za_debug_adopt(c, objs, n);
	rcu_read_unlock();
}

void za_set_debug(bool on);
bool za_debug_enabled(void);
int za_trace_reg(void);
void za_trace_unreg(void);
int za_debug_init(void);
void za_debug_exit(void);

/*
 * zalloc_profile.c: live objects and bytes by call site and by module (the
 * "profile" parameter). Built with ZALLOC_NO_PROFILE=y, the hooks below are
 * compiled out: the baseline of what they cost while profiling is off.
 */
#ifdef ZALLOC_NO_PROFILE
#define ZA_PROFILE		0
#else
#define ZA_PROFILE		1
#endif
/* Call sites a profile keeps apart; later ones share the first row. */
#define ZA_PROF_SITES		256
#define ZA_PROF_SYM_LEN		96
/* The call site and module of the objects no call site holds. */
#define ZA_PROF_BEFORE		"(before-profiling)"

/**
 * struct za_profile_row - a call site's figures, as the callers file shows
 *	them (za_profile_read())
 * @caller: the return address of its zalloc calls; 0 for a row that is
 *	not a call site
 * @classes: the classes its objects were counted in
 * @live_objs: its objects not freed yet
 * @live_bytes: their bytes, as the statistics count them (a pool class's
 *	size, or what kmalloc() gave)
 * @allocs: its allocations since profiling was switched on
 * @gone: its module was removed
 * @module: its module, "vmlinux" for built-in code
 * @sym: its symbol and offset (%pS without the module)
 */
struct za_profile_row {
	unsigned long caller;
	DECLARE_BITMAP(classes, ZA_NR_CLASSES);
	s64 live_objs;
	s64 live_bytes;
	u64 allocs;
	bool gone;
	char module[MODULE_NAME_LEN];
	char sym[ZA_PROF_SYM_LEN];
};

DECLARE_STATIC_KEY_FALSE(za_profile_key);
void __za_profile_alloc(struct za_class *c, const void *obj, size_t usable,
			unsigned long caller);
void __za_profile_free(const void *obj);
int za_set_profile(bool on);
bool za_profile_enabled(void);
int za_profile_read(struct za_profile_row *rows,
		    struct za_profile_row *before);
void za_profile_init(void);
void za_profile_exit(void);

/*
 * An object handed out, to account to @caller if profiling is on: where
 * the slow paths see each object (profiling diverts every one there).
 */
static __always_inline void za_profile_alloc(struct za_class *c,
					     const void *obj, size_t usable,
					     unsigned long caller)
{
	if (ZA_PROFILE && static_branch_unlikely(&za_profile_key))
		__za_profile_alloc(c, obj, usable, caller);
}

/* An object being freed, before its memory goes back anywhere. */
static __always_inline void za_profile_free(const void *obj)
{
	if (ZA_PROFILE && static_branch_unlikely(&za_profile_key))
		__za_profile_free(obj);
}

/* zalloc_stats.c */
void za_stats_read(unsigned int cls, struct za_class_stats *st,
		   bool since_reset);
long za_stats_std_bytes(void);
u64 za_stats_refusals(enum za_refusal why);
void za_stats_reset(void);
void za_stats_init(void);
void za_stats_exit(void);

#endif /* _ZALLOC_INTERNAL_H */
