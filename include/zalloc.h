/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc: one allocation API over three backends.
 *
 * Object pools (a kmem_cache per size class, up to 256 bytes), extended
 * pools (page-backed pools that zalloc carves itself, 257 bytes up to
 * 64 KiB) and the standard backend (kmalloc). The strategy picks the
 * backend: by size (ZALLOC_AUTO) or forced. zalloc_alloc_node() is
 * kmalloc_node(). zalloc_free() takes no size and no strategy: it finds
 * the backend from the pointer. zalloc_array(),
 * zalloc_calloc() and zalloc_realloc() are kmalloc_array(), kcalloc() and
 * krealloc(); where the kernel has <linux/cleanup.h>, __free(zalloc) frees
 * a variable as it goes out of scope, as __free(kfree) does, and
 * zalloc_free_rcu() frees after an RCU grace period, as kfree_rcu() does.
 * zalloc_mempool_create() is mempool_create_kmalloc_pool(): a pool whose
 * preallocated elements mempool_alloc() hands out when zalloc cannot
 * allocate.
 *
 * Build against this header with -I<zalloc>/include and add zalloc's
 * Module.symvers to KBUILD_EXTRA_SYMBOLS; see README.md.
 */
#ifndef _ZALLOC_H
#define _ZALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>

/**
 * enum zalloc_strategy - which backend serves an allocation
 * @ZALLOC_AUTO: by size: up to 256 B object pool, up to 64 KiB extended
 *	pool, larger standard.
 * @ZALLOC_OBJECT_POOL: a kmem_cache size class; larger sizes are served as
 *	by ZALLOC_AUTO, and counted.
 * @ZALLOC_EXTENDED_POOL: zalloc's page-backed pools; sizes up to 256 B and
 *	above 64 KiB are served as by ZALLOC_AUTO (and counted).
 * @ZALLOC_STANDARD: kmalloc()/kfree().
 */
enum zalloc_strategy {
	ZALLOC_AUTO,
	ZALLOC_OBJECT_POOL,
	ZALLOC_EXTENDED_POOL,
	ZALLOC_STANDARD,
};

void *zalloc_alloc(size_t size, gfp_t gfp);
void *zalloc_alloc_strategy(size_t size, gfp_t gfp,
			    enum zalloc_strategy strategy);
void *zalloc_alloc_node(size_t size, gfp_t gfp, int node);
void *zalloc_alloc_node_strategy(size_t size, gfp_t gfp,
				 enum zalloc_strategy strategy, int node);
void zalloc_free(const void *ptr);
size_t zalloc_size(const void *ptr);
int zalloc_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **objs);
void zalloc_free_bulk(size_t nr, void **objs);
void *zalloc_array(size_t n, size_t size, gfp_t gfp);
void *zalloc_calloc(size_t n, size_t size, gfp_t gfp);
void *zalloc_realloc(const void *ptr, size_t new_size, gfp_t gfp);
void *zalloc_mempool_alloc(gfp_t gfp, void *pool_data);
void zalloc_mempool_free(void *element, void *pool_data);

/*
 * A mempool of zalloc objects: macros, as <linux/mempool.h>'s
 * mempool_create_kmalloc_pool() is one on 7.x, so that this header needs
 * nothing of <linux/mempool.h> (whose struct is "struct mempool_s" up to
 * 6.x and "struct mempool" on 7.x) and a 7.x kernel's allocation profiling
 * names the caller; the module that uses them includes <linux/mempool.h>,
 * for mempool_alloc() and mempool_free() anyway.
 */

/**
 * zalloc_mempool_create() - a mempool of zalloc objects, as
 *	mempool_create_kmalloc_pool()
 * @min_nr: elements preallocated, which mempool_alloc() hands out when
 *	zalloc cannot allocate
 * @size: bytes of each element
 *
 * mempool_create() with zalloc_mempool_alloc() and zalloc_mempool_free().
 * Take elements with mempool_alloc() (never with __GFP_ZERO, which mempool
 * does not support), give them back with mempool_free(), and destroy the
 * pool with mempool_destroy(). The preallocated elements count as live
 * objects of their zalloc class while the pool has them.
 *
 * Context: process context; may sleep (GFP_KERNEL).
 * Return: the pool (a mempool_t *), or NULL if its @min_nr elements could
 * not be allocated.
 */
#define zalloc_mempool_create(min_nr, size)				\
	mempool_create((min_nr), zalloc_mempool_alloc, zalloc_mempool_free, \
		       (void *)(unsigned long)(size))

/**
 * zalloc_mempool_init() - set up a mempool of zalloc objects in place, as
 *	mempool_init_kmalloc_pool()
 * @pool: the mempool_t to set up, embedded in the caller's structure
 * @min_nr: elements preallocated, as for zalloc_mempool_create()
 * @size: bytes of each element
 *
 * As zalloc_mempool_create(), into @pool; mempool_exit() undoes it.
 *
 * Context: process context; may sleep (GFP_KERNEL).
 * Return: 0, or -ENOMEM if the @min_nr elements could not be allocated.
 */
#define zalloc_mempool_init(pool, min_nr, size)				\
	mempool_init((pool), (min_nr), zalloc_mempool_alloc,		\
		     zalloc_mempool_free, (void *)(unsigned long)(size))

void __zalloc_free_rcu(const void *ptr, struct rcu_head *head);

/**
 * zalloc_free_rcu() - free an object from zalloc after an RCU grace period,
 *	like kfree_rcu()
 * @ptr: pointer to the object, a structure that embeds a struct rcu_head;
 *	NULL is ignored
 * @rcu_field: the name of that struct rcu_head member
 *
 * The object is freed, as by zalloc_free(), once every RCU read-side
 * critical section that began before the call has ended; readers inside
 * rcu_read_lock() see it intact until then. The rcu_head may be anywhere
 * in the object (no 4096-byte bound on its offset: zalloc keeps the
 * object's address, not an offset), but the object must be at least as
 * large as the structure up to the end of it. The caller gives up the
 * rcu_head with the object; nothing else in it is written before the
 * grace period ends. Frees are batched per CPU: one call_rcu() per CPU
 * and grace period however many objects are freed.
 *
 * @ptr is looked up at once: a pointer zalloc did not hand out (or one the
 * rcu_head is not inside) is refused and counted like a refused
 * zalloc_free(), never queued. Only <linux/types.h> is needed, which
 * defines struct rcu_head (the offset is the compiler's
 * __builtin_offsetof(), not <linux/stddef.h>'s offsetof()); @ptr is
 * evaluated once. As with kfree_rcu(), the field's type is not checked.
 *
 * Context: any context kfree_rcu() may be called from: not NMI.
 */
#define zalloc_free_rcu(ptr, rcu_field)					\
	do {								\
		typeof(ptr) ___zalloc_p = (ptr);			\
									\
		if (___zalloc_p)					\
			__zalloc_free_rcu(___zalloc_p,			\
				(struct rcu_head *)((void *)___zalloc_p + \
				__builtin_offsetof(typeof(*___zalloc_p), \
						   rcu_field)));	\
	} while (0)

/*
 * Scoped cleanup, as DEFINE_FREE(kfree, ...) in <linux/slab.h>:
 *
 *	void *buf __free(zalloc) = zalloc_alloc(size, GFP_KERNEL);
 *
 * zalloc_free()s buf whenever it goes out of scope; no_free_ptr(buf) or
 * return_ptr(buf) hands it on instead. Only where the kernel has
 * <linux/cleanup.h>: mainline 6.5 on, and stable series it was backported
 * to (Debian 12's 6.1.192 has it). A kernel without it has no __free() at all;
 * a caller that must build on both tests DEFINE_FREE.
 */
#ifdef __has_include
#if __has_include("linux/cleanup.h")
#include <linux/cleanup.h>
#include <linux/err.h>

DEFINE_FREE(zalloc, void *, if (!IS_ERR_OR_NULL(_T)) zalloc_free(_T))
#endif
#endif

#endif /* _ZALLOC_H */
