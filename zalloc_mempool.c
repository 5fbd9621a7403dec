// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc as the allocator behind a mempool: the two callbacks that
 * mempool_create() and mempool_init() take, as mempool_kmalloc() and
 * mempool_kfree() are kmalloc()'s. The size of an element travels in the
 * pool's pool_data, so one pair serves pools of every size. zalloc.h
 * wraps them in zalloc_mempool_create() and zalloc_mempool_init(), which
 * read as mempool_create_kmalloc_pool() and mempool_init_kmalloc_pool().
 *
 * A pool's preallocated elements are objects zalloc handed out: they count
 * as live objects of their class, as a kmalloc() pool's count as active
 * objects of their kmalloc cache. Documentation/zalloc.rst ("A guaranteed
 * reserve: mempools") has the semantics.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <zalloc.h>

/**
 * zalloc_mempool_alloc() - a mempool's allocation callback, by zalloc
 * @gfp: the flags mempool_alloc() passes on (mempool adds __GFP_NOWARN,
 *	__GFP_NORETRY and __GFP_NOMEMALLOC, and drops __GFP_DIRECT_RECLAIM
 *	on its first try)
 * @pool_data: the size of an element in bytes, cast to a pointer, as
 *	zalloc_mempool_create() passes it
 *
 * Allocates as zalloc_alloc() does, with the module's strategy at the time
 * of the call: the elements a pool preallocates at its creation, and those
 * it allocates later, are served by whatever backend the strategy picks
 * then. Pass it to mempool_create() with zalloc_mempool_free().
 *
 * Context: as zalloc_alloc() with @gfp.
 * Return: the element, or NULL.
 */
void *zalloc_mempool_alloc(gfp_t gfp, void *pool_data)
{
	return zalloc_alloc((size_t)pool_data, gfp);
}
EXPORT_SYMBOL_GPL(zalloc_mempool_alloc);

/**
 * zalloc_mempool_free() - a mempool's free callback, by zalloc
 * @element: an element from zalloc_mempool_alloc()
 * @pool_data: the pool's size of an element (unused: zalloc_free() needs
 *	no size)
 *
 * Frees as zalloc_free() does, whichever backend served @element.
 *
 * Context: any context zalloc_free() may be called from.
 */
void zalloc_mempool_free(void *element, void *pool_data)
{
	zalloc_free(element);
}
EXPORT_SYMBOL_GPL(zalloc_mempool_free);
