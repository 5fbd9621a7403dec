// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's object pools: the backend of the classes of up to 256 bytes, a
 * kmem_cache each ("zalloc-<size>"), unmergeable so that the class owns
 * its slabs and za_ptr_lookup() can tell its objects by their ksize().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"

static int obj_class_init(struct za_class *c, unsigned int size)
{
	slab_flags_t flags = 0;
	char cache_name[24];

#ifdef SLAB_NO_MERGE
	flags |= SLAB_NO_MERGE;
#endif
	c->size = size;
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

/*
 * A cache with objects still out is left allocated: destroying it would
 * complain and free memory that a user still points to.
 */
static void obj_class_exit(struct za_class *c, bool leaked)
{
	if (!leaked)
		kmem_cache_destroy(c->cache);
}

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

/* SLUB holds the pages: the class holds none of its own. */
const struct za_backend_ops za_object_ops = {
	.strategy	= ZALLOC_OBJECT_POOL,
	.init_class	= obj_class_init,
	.exit_class	= obj_class_exit,
	.get		= obj_get,
	.put		= obj_put,
};
