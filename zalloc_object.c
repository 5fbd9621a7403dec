// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc's object pools: the backend of the classes of up to 256 bytes, a
 * kmem_cache each ("zalloc-<size>"), unmergeable so that the class owns
 * its slabs and za_ptr_lookup() can tell its objects by their ksize()
 * (which za_obj_check_classes() checks at load).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kfence.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "zalloc_internal.h"
#include "zalloc_lookup.h"

static int obj_class_init(struct za_class *c, unsigned int size)
{
	slab_flags_t flags = 0;
	char cache_name[24];
	unsigned int align;

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
	align = is_power_of_2(size) ? size : sizeof(void *);
	c->kmem_cache = kmem_cache_create_usercopy(cache_name, size, align,
						   flags, 0, size, NULL);
	return c->kmem_cache ? 0 : -ENOMEM;
}

/*
 * A cache with objects still out is left allocated: destroying it would
 * complain and free memory that a user still points to.
 */
static void obj_class_exit(struct za_class *c, bool leaked)
{
	if (!leaked)
		kmem_cache_destroy(c->kmem_cache);
}

/* === Telling the classes apart by ksize() === */

/*
 * The class za_ptr_lookup() finds for a slab object whose ksize() is
 * @reported: an object class, ZA_CLASS_STD (kmalloc) above ZA_OBJ_MAX, or
 * ZA_NR_CLASSES where it finds none.
 */
static unsigned int class_of_ksize(unsigned int reported)
{
	struct za_class *c = reported ? za_slab_class(reported) : NULL;

	return c ? c->index : ZA_NR_CLASSES;
}

/**
 * za_obj_check_sizes() - check that each object class's objects lead back
 *	to it
 * @ksizes: per object class, ZA_NR_OBJ_CLASSES of them, the ksize() of an
 *	object of its cache
 * @cls: set to the first class whose objects would be taken for another's
 * @other: set to the class they would be taken for: another object class,
 *	ZA_CLASS_STD (kmalloc()) or ZA_NR_CLASSES (none: refused as foreign)
 *
 * za_ptr_lookup() finds an object pool's class by ksize(), which is the
 * class size only where SLUB adds no alignment of its own: where
 * ARCH_SLAB_MINALIGN is 16 (arm64 with MTE or tag-based KASAN), the
 * objects of the 8 B class report 16 B and would be freed to the 16 B
 * class's cache.
 *
 * Context: any.
 * Return: 0 if every class's objects lead to that class, else -EINVAL
 * with @cls and @other set.
 */
int za_obj_check_sizes(const unsigned int *ksizes, unsigned int *cls,
		       unsigned int *other)
{
	unsigned int i, found;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++) {
		found = class_of_ksize(ksizes[i]);
		if (ksizes[i] != za_classes[i].size || found != i) {
			*cls = i;
			*other = found;
			return -EINVAL;
		}
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(za_obj_check_sizes, ZA_NS);

/*
 * The ksize() of an object of @c's cache, taken and given back; 0 if none
 * could be had. KFENCE answers the size its cache was created with, not
 * what SLUB's own objects report: such an object is kept aside while
 * another is taken (KFENCE samples one allocation in many).
 */
static unsigned int obj_ksize(struct za_class *c)
{
	unsigned int n, reported = 0;
	void *objs[4];

	for (n = 0; n < ARRAY_SIZE(objs); n++) {
		objs[n] = kmem_cache_alloc(c->kmem_cache, GFP_KERNEL);
		if (!objs[n])
			break;
		if (!is_kfence_address(objs[n])) {
			reported = ksize(objs[n]);
			n++;
			break;
		}
	}
	while (n--)
		kmem_cache_free(c->kmem_cache, objs[n]);
	return reported;
}

/**
 * za_obj_check_classes() - check that za_ptr_lookup() can tell every
 *	object class's objects apart, on this kernel
 *
 * Called once at load, after every class is set up: zalloc refuses to load
 * on a kernel whose object caches report sizes that za_ptr_lookup() would
 * map to the wrong class (za_obj_check_sizes()).
 *
 * Context: process; may sleep.
 * Return: 0, -ENOMEM, or -EINVAL after an error message that names the
 * classes.
 */
int za_obj_check_classes(void)
{
	unsigned int ksizes[ZA_NR_OBJ_CLASSES], i, cls, other;
	const char *name, *fate;

	for (i = 0; i < ZA_NR_OBJ_CLASSES; i++) {
		ksizes[i] = obj_ksize(&za_classes[i]);
		if (!ksizes[i])
			return -ENOMEM;
	}
	if (!za_obj_check_sizes(ksizes, &cls, &other))
		return 0;
	name = za_classes[cls].name;
	if (other < ZA_CLASS_STD) {
		pr_err("classes %s and %s collide: the objects of %s report ksize() %u (ARCH_SLAB_MINALIGN %u), so that zalloc_free() would give them to %s's cache; not loading\n",
		       name, za_classes[other].name, name, ksizes[cls],
		       (unsigned int)ARCH_SLAB_MINALIGN, za_classes[other].name);
		return -EINVAL;
	}
	fate = other == ZA_CLASS_STD ? "take them for kmalloc()'s" :
				       "refuse them";
	pr_err("class %s: its objects report ksize() %u (ARCH_SLAB_MINALIGN %u), so that zalloc_free() would %s; not loading\n",
	       name, ksizes[cls], (unsigned int)ARCH_SLAB_MINALIGN, fate);
	return -EINVAL;
}
EXPORT_SYMBOL_NS_GPL(za_obj_check_classes, ZA_NS);

/* === Backend operations === */

/*
 * SLUB's bulk calls want interrupts enabled, and take no node: one by one
 * otherwise, and for a node named (SLUB's choice for NUMA_NO_NODE may be
 * a partial slab of another node's, which a plain kmalloc() gets too).
 * The bulk allocation gives all or nothing: it returns the count on 6.1
 * and a bool on later kernels. SLUB zeroes every object with __GFP_ZERO.
 */
static unsigned int obj_get(struct za_class *c, gfp_t gfp, int node,
			    void **objs, unsigned int n, bool *zeroed)
{
	unsigned int got;

	*zeroed = gfp & __GFP_ZERO;
	if (n > 1 && node == NUMA_NO_NODE && !irqs_disabled())
		return kmem_cache_alloc_bulk(c->kmem_cache, gfp, n, objs) ? n : 0;
	if (irqs_disabled())
		n = 1;
	for (got = 0; got < n; got++) {
		objs[got] = kmem_cache_alloc_node(c->kmem_cache, gfp, node);
		if (!objs[got])
			break;
	}
	return got;
}

/*
 * Objects go back with kfree(), which finds each one's cache from its
 * slab, not with kmem_cache_free() of @c's: zalloc_free() takes a
 * kmalloc() object of a class's size for one of the class's own
 * (za_ptr_lookup()), and freeing that into @c's cache corrupts SLUB
 * wherever it does not check (no SLAB_FREELIST_HARDENED; 7.x's per-CPU
 * sheaves never check).
 */
static void obj_put(struct za_class *c, void **objs, unsigned int n)
{
	if (!irqs_disabled()) {
		kfree_bulk(n, objs);
		return;
	}
	while (n--)
		kfree(objs[n]);
}

/* SLUB tracks the object already: it gets its caller's stack, as mempool's. */
static void obj_track(const struct za_class *c, void *obj, gfp_t gfp)
{
	kmemleak_update_trace(obj);
}

/*
 * SLUB holds the pages: the class holds none of its own. Not exact: a
 * kmalloc() object of a class's size passes for one of the class's own.
 */
const struct za_backend_ops za_object_ops = {
	.strategy	= ZALLOC_OBJECT_POOL,
	.track		= obj_track,
	.init_class	= obj_class_init,
	.exit_class	= obj_class_exit,
	.get		= obj_get,
	.put		= obj_put,
};
