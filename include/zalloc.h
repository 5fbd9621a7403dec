/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc: one allocation API over three backends.
 *
 * Object pools (a kmem_cache per size class, up to 256 bytes), extended
 * pools (page-backed pools that zalloc carves itself, 257 bytes up to
 * 64 KiB) and the standard backend (kmalloc). The strategy picks the
 * backend: by size (ZALLOC_AUTO) or forced. zalloc_free() takes no size and
 * no strategy: it finds the backend from the pointer.
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
void zalloc_free(const void *ptr);
size_t zalloc_size(const void *ptr);
int zalloc_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **objs);
void zalloc_free_bulk(size_t nr, void **objs);

#endif /* _ZALLOC_H */
