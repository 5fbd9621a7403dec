// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_example: how another module uses zalloc.
 *
 * On load it allocates a mix of sizes through every strategy, stamps each
 * object, checks every stamp, frees all but one round and prints one
 * summary line. The round it keeps is freed when the module is removed, so
 * zalloc's live gauges show it while the module is loaded. Before that it
 * grows a table of descriptors as a driver grows a ring, with
 * zalloc_calloc() and zalloc_realloc(), and frees it.
 *
 * Build it against zalloc's header and Module.symvers as README.md shows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <zalloc.h>

static unsigned int rounds = 32;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Rounds over the size/strategy table (default 32)");

/* A test of zalloc's unload path: a user that forgot to free. */
static bool leak_on_unload;
module_param(leak_on_unload, bool, 0444);
MODULE_PARM_DESC(leak_on_unload,
		 "Do not free the kept objects at unload (tests zalloc's unload; default N)");

struct example_case {
	size_t size;
	enum zalloc_strategy strategy;
};

static const struct example_case cases[] = {
	{ 24,		ZALLOC_AUTO },
	{ 200,		ZALLOC_OBJECT_POOL },
	{ 1000,		ZALLOC_AUTO },
	{ 4096,		ZALLOC_EXTENDED_POOL },
	{ 20000,	ZALLOC_AUTO },
	{ 100000,	ZALLOC_AUTO },
	{ 64,		ZALLOC_STANDARD },
	{ 3000,		ZALLOC_STANDARD },
	{ 5000,		ZALLOC_OBJECT_POOL },	/* served by an extended pool */
};

/* The last round's objects, kept until unload. */
static void *kept[ARRAY_SIZE(cases)];

static u8 stamp(unsigned int round, unsigned int i)
{
	return (u8)(round * ARRAY_SIZE(cases) + i) | 1;
}

/* Number of bytes of @p (of @size) that do not hold @val. */
static size_t count_bad(const u8 *p, size_t size, u8 val)
{
	size_t i, bad = 0;

	for (i = 0; i < size; i++)
		bad += p[i] != val;
	return bad;
}

/* A descriptor of a driver's ring: what zalloc_calloc() is for. */
struct example_desc {
	u64 addr;
	u32 len;
	u32 flags;
};

#define EXAMPLE_RING_FIRST	16
#define EXAMPLE_RING_LAST	8192

/* Descriptors of @ring, @from up to @to, that do not hold what they should. */
static unsigned int ring_bad(const struct example_desc *ring, unsigned int from,
			     unsigned int to, bool zero)
{
	unsigned int i, bad = 0;

	for (i = from; i < to; i++)
		bad += zero ? ring[i].addr || ring[i].len || ring[i].flags :
			      ring[i].addr != i || ring[i].len != i;
	return bad;
}

/*
 * A ring that doubles whenever it is full, as a driver's does: zeroed
 * descriptors from zalloc_calloc(), each doubling by zalloc_realloc() with
 * __GFP_ZERO (kept on every call, so the new half comes zeroed) and
 * array_size(), which saturates instead of wrapping. From 16 to 8192
 * descriptors of 16 bytes the ring goes through all three backends.
 * Returns 0, -ENOMEM, or -EIO if a descriptor was lost or not zeroed.
 */
static noinline int example_ring(void)
{
	struct example_desc *ring, *bigger;
	unsigned int nr = EXAMPLE_RING_FIRST, i, bad;

	ring = zalloc_calloc(nr, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	bad = ring_bad(ring, 0, nr, true);
	while (!bad && nr < EXAMPLE_RING_LAST) {
		for (i = 0; i < nr; i++) {
			ring[i].addr = i;
			ring[i].len = i;
		}
		bigger = zalloc_realloc(ring, array_size(2 * nr, sizeof(*ring)),
					GFP_KERNEL | __GFP_ZERO);
		if (!bigger) {
			/* The old ring is still ours: free it. */
			zalloc_free(ring);
			return -ENOMEM;
		}
		ring = bigger;
		bad = ring_bad(ring, 0, nr, false) +
		      ring_bad(ring, nr, 2 * nr, true);
		nr *= 2;
	}
	zalloc_free(ring);
	pr_info("ring grown from %u to %u descriptors: %u wrong\n",
		EXAMPLE_RING_FIRST, nr, bad);
	return bad ? -EIO : 0;
}

/*
 * The work of module init, out of the init section: zalloc's tracepoints
 * name it as call_site, and its symbol stays known after init.
 */
static noinline int example_run(void)
{
	unsigned int n = rounds * ARRAY_SIZE(cases);
	unsigned int r, i, failed = 0, corrupted = 0;
	void **objs;

	objs = kcalloc(n, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			void *p = zalloc_alloc_strategy(cases[i].size,
							GFP_KERNEL,
							cases[i].strategy);

			if (!p) {
				failed++;
				continue;
			}
			memset(p, stamp(r, i), cases[i].size);
			objs[r * ARRAY_SIZE(cases) + i] = p;
		}
	}

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			void *p = objs[r * ARRAY_SIZE(cases) + i];

			if (p && count_bad(p, cases[i].size, stamp(r, i)))
				corrupted++;
			if (r == rounds - 1)
				kept[i] = p;
			else
				zalloc_free(p);
		}
	}
	kfree(objs);

	pr_info("%u allocations of %zu sizes: %u failed, %u corrupted, %zu kept until unload\n",
		n, ARRAY_SIZE(cases), failed, corrupted, ARRAY_SIZE(kept));
	if (failed || corrupted) {
		for (i = 0; i < ARRAY_SIZE(kept); i++)
			zalloc_free(kept[i]);
		return -EIO;
	}
	return 0;
}

static int __init zalloc_example_init(void)
{
	int err;

	if (!rounds)
		return -EINVAL;
	err = example_ring();
	if (err)
		return err;
	return example_run();
}

static void __exit zalloc_example_exit(void)
{
	unsigned int i;

	if (leak_on_unload) {
		pr_info("leaving %zu objects allocated, as asked\n",
			ARRAY_SIZE(kept));
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kept); i++)
		zalloc_free(kept[i]);
}

module_init(zalloc_example_init);
module_exit(zalloc_example_exit);

MODULE_DESCRIPTION("Example user of the zalloc allocator");
MODULE_LICENSE("GPL");
