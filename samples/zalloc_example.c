// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_example: how another module uses zalloc.
 *
 * On load it allocates a mix of sizes through every strategy, stamps each
 * object, checks every stamp, frees all but one round and prints one
 * summary line. The round it keeps is freed when the module is removed, so
 * zalloc's live gauges show it while the module is loaded. Before that it
 * grows a table of descriptors as a driver grows a ring, with
 * zalloc_calloc() and zalloc_realloc(), and frees it; and it sets up what
 * a multi-queue driver keeps: a queue on each NUMA node's memory
 * (zalloc_alloc_node()) in an array of them (zalloc_array()), and a lookup
 * table that readers walk under rcu_read_lock() while its entries are
 * replaced and the old ones freed with zalloc_free_rcu(). Queues and table
 * stay until unload.
 *
 * Build it against zalloc's header and Module.symvers as README.md shows.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
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

/* A queue of a multi-queue driver: one per NUMA node, on its memory. */
struct example_queue {
	int node;
	unsigned int nr;
	u64 slots[];
};

#define EXAMPLE_QUEUE_SLOTS	512

/* The queues by node id (nr_node_ids of them; NULL for a node offline). */
static struct example_queue **queues;

static void example_queues_free(void)
{
	unsigned int nid;

	if (!queues)
		return;
	for (nid = 0; nid < nr_node_ids; nid++)
		zalloc_free(queues[nid]);
	zalloc_free(queues);
	queues = NULL;
}

/*
 * A queue on each online node's memory, in an array of nr_node_ids from
 * zalloc_array(). Returns how many queues there are, or -ENOMEM.
 */
static noinline int example_queues(void)
{
	struct example_queue *q;
	int nid, nr = 0;

	queues = zalloc_array(nr_node_ids, sizeof(*queues),
			      GFP_KERNEL | __GFP_ZERO);
	if (!queues)
		return -ENOMEM;
	for_each_online_node(nid) {
		q = zalloc_alloc_node(struct_size(q, slots, EXAMPLE_QUEUE_SLOTS),
				      GFP_KERNEL | __GFP_ZERO, nid);
		if (!q) {
			example_queues_free();
			return -ENOMEM;
		}
		q->node = nid;
		q->nr = EXAMPLE_QUEUE_SLOTS;
		queues[nid] = q;
		nr++;
	}
	return nr;
}

/* An entry of a lookup table that readers walk under RCU. */
struct example_entry {
	u32 key;
	u32 check;	/* ~key: a reader that sees a torn entry sees it */
	struct rcu_head rcu;
};

#define EXAMPLE_TABLE_SIZE	64
#define EXAMPLE_TABLE_ROUNDS	8

static struct example_entry __rcu *table[EXAMPLE_TABLE_SIZE];

/* Entries a reader finds wrong: each must be whole and in its slot. */
static unsigned int table_read(void)
{
	const struct example_entry *e;
	unsigned int i, bad = 0;

	rcu_read_lock();
	for (i = 0; i < EXAMPLE_TABLE_SIZE; i++) {
		e = rcu_dereference(table[i]);
		bad += !e || e->key % EXAMPLE_TABLE_SIZE != i ||
		       e->check != ~e->key;
	}
	rcu_read_unlock();
	return bad;
}

/*
 * Fills the table, then replaces every entry EXAMPLE_TABLE_ROUNDS times
 * as an updater does: the new entry published with rcu_assign_pointer(),
 * the old one freed with zalloc_free_rcu() once readers are done with
 * it; a reader walks the table between rounds. Returns the entries
 * replaced, -ENOMEM, or -EIO if a reader found one wrong.
 */
static noinline int example_table(unsigned int *bad)
{
	struct example_entry *e, *old;
	unsigned int r, i, n = 0;

	*bad = 0;
	for (r = 0; r <= EXAMPLE_TABLE_ROUNDS; r++) {
		for (i = 0; i < EXAMPLE_TABLE_SIZE; i++) {
			e = zalloc_alloc(sizeof(*e), GFP_KERNEL);
			if (!e)
				return -ENOMEM;
			e->key = r * EXAMPLE_TABLE_SIZE + i;
			e->check = ~e->key;
			old = rcu_replace_pointer(table[i], e, true);
			if (old) {
				zalloc_free_rcu(old, rcu);
				n++;
			}
		}
		*bad += table_read();
	}
	return *bad ? -EIO : n;
}

/* At unload: no reader is left, but the entries still wait for one. */
static void example_table_free(void)
{
	struct example_entry *e;
	unsigned int i;

	for (i = 0; i < EXAMPLE_TABLE_SIZE; i++) {
		e = rcu_replace_pointer(table[i], NULL, true);
		zalloc_free_rcu(e, rcu);
	}
}

/* The queues and the table, and their line in the log. */
static noinline int example_driver(void)
{
	unsigned int bad, wrong = 0;
	int nid, nr, replaced;

	nr = example_queues();
	if (nr < 0)
		return nr;
	for_each_online_node(nid)
		wrong += queues[nid]->node != nid;
	replaced = example_table(&bad);
	pr_info("node queues: %d, on another node: %u; table entries replaced under RCU: %d, found wrong: %u\n",
		nr, wrong, replaced, bad);
	if (replaced >= 0 && !wrong)
		return 0;
	example_table_free();
	example_queues_free();
	return replaced < 0 ? replaced : -EIO;
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
	err = example_driver();
	if (err)
		return err;
	err = example_run();
	if (err) {
		example_table_free();
		example_queues_free();
	}
	return err;
}

static void __exit zalloc_example_exit(void)
{
	unsigned int i;

	example_table_free();
	example_queues_free();
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
