// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's standard backend: kmalloc() and kfree(), for sizes above 64 KiB
 * and for callers that force it. It has one class of no fixed size and no
 * magazines; it counts its bytes besides the objects (ZE_OUT, ZE_IN) that
 * every backend counts (za_count_out(), struct za_std_counts).
 *
 * It never asks kmalloc() for less than 257 bytes, so that za_ptr_lookup()
 * tells its objects from the object pools' by their ksize() ("Telling the
 * backends apart" in zalloc_pool.c): a forced request of 256 B or less is
 * served from kmalloc-512.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"

static int std_class_init(struct za_class *c, unsigned int size)
{
	strscpy(c->name, "standard", sizeof(c->name));
	return 0;
}

static void *std_alloc(struct za_class *c, size_t size, gfp_t gfp, int node,
		       size_t *usable)
{
	/* Keep kmalloc objects out of the object pools' ksize() range. */
	size = max_t(size_t, size, ZA_OBJ_MAX + 1);
	/*
	 * Round up only what kmalloc() can serve: on 6.1 the rounding of a
	 * size near SIZE_MAX wraps to 0, and kmalloc(0) does not fail.
	 */
	if (size <= KMALLOC_MAX_SIZE)
		size = kmalloc_size_roundup(size);
	*usable = size;
	return kmalloc_node(size, gfp, node);
}

static void std_free(struct za_class *c, const void *ptr, size_t usable)
{
	kfree(ptr);
}

/*
 * No cache: every allocation is a miss, and the allocs and frees are the
 * objects taken from and given back to kmalloc(), which are always counted
 * (whatever the stats switch says). The live bytes are the usable sizes
 * summed as they went out and came back.
 */
static void std_account(const struct za_class *c, struct za_class_stats *st)
{
	st->ev[ZE_ALLOC] = st->ev[ZE_OUT];
	st->ev[ZE_MISS] = st->ev[ZE_OUT];
	st->ev[ZE_FREE] = st->ev[ZE_IN];
	/* Objects waiting for a grace period are out, but not live. */
	st->live_bytes = za_stats_std_bytes() - st->rcu_waiting_bytes;
}

const struct za_backend_ops za_standard_ops = {
	.strategy	= ZALLOC_STANDARD,
	.init_class	= std_class_init,
	.alloc		= std_alloc,
	.free		= std_free,
	.account	= std_account,
};
