// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_footprint: the memory zalloc takes from the page allocator, against
 * kmalloc() in the same run.
 *
 * For each live set (objects of random sizes in a range, about
 * live_mib MiB of requested bytes held at once), the pages taken from the
 * page allocator while the set was allocated, divided by the bytes asked
 * for: pages per live byte, where 1.00 would be no waste at all. The same
 * sizes, in the same order, go through zalloc_alloc() and through
 * kmalloc(). Then, for zalloc: the pages still taken once every object is
 * freed, and once its caches are drained (za_mag_drain_all()), and the
 * pages its extended pools hold then beyond what they held before the
 * set (their own count: the documented floor is 0, other modules' live
 * objects aside).
 *
 * The pages are counted where they are accounted, not as NR_FREE_PAGES
 * (which moves by hundreds of pages with the CPUs' page lists): slab pages
 * (NR_SLAB_UNRECLAIMABLE_B: kmalloc's caches and its large allocations,
 * zalloc's object-pool caches, magazines and span descriptors) plus the
 * pages of zalloc's extended-pool spans (its own exact count). The per-CPU
 * deltas of the slab counter leave an error of a few pages per CPU.
 *
 * Output: one "footprint" line per live set in the kernel log, the same as
 * CSV in /sys/kernel/debug/zalloc/footprint; tools/testing/run.sh judges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "zalloc_bench.h"

static unsigned int live_mib = 32;
module_param(live_mib, uint, 0444);
MODULE_PARM_DESC(live_mib, "Requested bytes held per live set, MiB (default 32)");

/**
 * struct zf_set - a live set and what it cost
 * @name: "8-256", ...
 * @lo: smallest size
 * @hi: largest size
 * @bytes: bytes asked for
 * @pages: pages taken while the set was live: zalloc, kmalloc
 * @freed_pages: zalloc's pages still taken once every object was freed
 * @drained_pages: the same after zalloc's caches were drained
 * @ext_pages: pages zalloc's extended pools hold after the drain, beyond
 *	what they held before the set
 */
struct zf_set {
	const char *name;
	size_t lo, hi;
	u64 bytes;
	long pages[2];
	long freed_pages;
	long drained_pages;
	long ext_pages;
};

static struct zf_set zf_sets[] = {
	{ "8-256", 8, 256 },
	{ "64-1087", 64, 1087 },	/* the seed's "basic" */
	{ "1K-5K", 1024, 5119 },	/* the seed's "Tokio-equivalent" */
	{ "257-16K", 257, 16384 },
	{ "8K-64K", 8193, 65536 },
};

static struct dentry *zf_file;

static unsigned long ext_pages(void)
{
	struct za_class_stats st;
	unsigned long pages = 0;
	unsigned int cls;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		pages += st.pages;
	}
	return pages;
}

/* Pages taken from the page allocator by slab and by zalloc's spans. */
static long pages_taken(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
	       ext_pages();
}

/* Frees what zalloc or kmalloc gave; NULL entries are skipped by both. */
static void zf_free(void **objs, unsigned int n, bool use_zalloc)
{
	while (n--) {
		if (use_zalloc)
			zalloc_free(objs[n]);
		else
			kfree(objs[n]);
	}
}

/* Allocates the live set into @objs; returns how many, 0 on failure. */
static unsigned int zf_fill(struct zf_set *set, void **objs, unsigned int max,
			    bool use_zalloc)
{
	u64 target = (u64)live_mib << 20, bytes = 0;
	u32 state = ZB_RAND_SEED;	/* the same sizes for both */
	unsigned int n = 0;

	while (bytes < target && n < max) {
		size_t size = set->lo + zb_rand(&state) % (set->hi - set->lo + 1);

		objs[n] = use_zalloc ? zalloc_alloc(size, GFP_KERNEL) :
				       kmalloc(size, GFP_KERNEL);
		if (!objs[n]) {
			zf_free(objs, n, use_zalloc);
			return 0;
		}
		n++;
		bytes += size;
	}
	set->bytes = bytes;
	return n;
}

/* Settles what earlier sets left: zalloc's caches, RCU-freed magazines. */
static void zf_settle(void)
{
	za_mag_drain_all();
	rcu_barrier();
}

static int zf_measure(struct zf_set *set)
{
	unsigned int max = div64_u64((u64)live_mib << 21, set->lo + set->hi) + 64;
	unsigned int n, i;
	long before;
	void **objs;

	objs = kvmalloc_array(max, sizeof(void *), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		bool use_zalloc = i == 0;

		zf_settle();
		before = pages_taken();
		if (use_zalloc)
			set->ext_pages = -(long)ext_pages();
		n = zf_fill(set, objs, max, use_zalloc);
		if (!n) {
			kvfree(objs);
			return -ENOMEM;
		}
		set->pages[i] = pages_taken() - before;
		zf_free(objs, n, use_zalloc);
		if (use_zalloc) {
			set->freed_pages = pages_taken() - before;
			zf_settle();
			set->drained_pages = pages_taken() - before;
			set->ext_pages += ext_pages();
		}
	}
	kvfree(objs);
	return 0;
}

/* "1.234" for @pages pages over @bytes bytes. */
static void fmt_ppb(char *buf, size_t len, long pages, u64 bytes)
{
	u64 milli = pages > 0 ? div64_u64((u64)pages * PAGE_SIZE * 1000, bytes) : 0;

	snprintf(buf, len, "%llu.%03llu", milli / 1000, milli % 1000);
}

#define ZF_CSV_HEADER "set,live_bytes,zalloc_pages,kmalloc_pages,zalloc_pages_per_byte,kmalloc_pages_per_byte,zalloc_pages_after_free,zalloc_pages_after_drain,zalloc_ext_pages_after_drain"

static void zf_line(struct seq_file *m, const struct zf_set *set)
{
	char z[24], k[24];

	fmt_ppb(z, sizeof(z), set->pages[0], set->bytes);
	fmt_ppb(k, sizeof(k), set->pages[1], set->bytes);
	if (m)
		seq_printf(m, "%s,%llu,%ld,%ld,%s,%s,%ld,%ld,%ld\n", set->name,
			   set->bytes, set->pages[0], set->pages[1], z, k,
			   set->freed_pages, set->drained_pages, set->ext_pages);
	else
		pr_info("footprint %-8s live %llu B: zalloc %ld pages (%s per byte), kmalloc %ld pages (%s); zalloc after free %ld, after drain %ld, extended pools %ld\n",
			set->name, set->bytes, set->pages[0], z, set->pages[1],
			k, set->freed_pages, set->drained_pages,
			set->ext_pages);
}

static int footprint_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_puts(m, ZF_CSV_HEADER "\n");
	for (i = 0; i < ARRAY_SIZE(zf_sets); i++)
		zf_line(m, &zf_sets[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(footprint);

static int __init zalloc_footprint_init(void)
{
	unsigned int i;
	int err;

	if (!live_mib)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(zf_sets); i++) {
		err = zf_measure(&zf_sets[i]);
		if (err) {
			pr_err("%s: error %d\n", zf_sets[i].name, err);
			return err;
		}
		zf_line(NULL, &zf_sets[i]);
	}
	zf_file = zb_debugfs_create("footprint", &footprint_fops);
	return 0;
}

static void __exit zalloc_footprint_exit(void)
{
	debugfs_remove(zf_file);
}

module_init(zalloc_footprint_init);
module_exit(zalloc_footprint_exit);

MODULE_DESCRIPTION("Footprint benchmark: pages zalloc and kmalloc take for the same live sets");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
