// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_bench: zalloc against the kernel's own allocators, in one run.
 * This file: the module, its parameters, the timing harness, the rows and
 * their printing. The scenarios are in zalloc_bench_single.c (one CPU) and
 * zalloc_bench_smp.c (a thread per CPU, or across CPUs).
 *
 * Every scenario times zalloc and, in the same run and on the same sizes,
 * kmalloc()/kfree(), kmem_cache_alloc()/kmem_cache_free() on a private cache
 * of the size, alloc_pages()/__free_pages() where the size is a page
 * multiple, and a floor: a bare per-CPU array pop and push under
 * preempt_disable(), which is what any allocator's fast path has to do at
 * least. The loops differ only in the calls they make, and each is warmed
 * up before it is timed.
 *
 * Each figure is the time of one allocation+free pair (of one iteration
 * where an iteration also memsets), kept in picoseconds so that the
 * fastest rows keep their digits; the report shows nanoseconds. Only
 * ratios from one run mean anything: absolute figures drift on a shared
 * machine, and QEMU timings are emulation artefacts. UML runs kernel code
 * natively: measure there.
 *
 * Output: raw rows (picoseconds per pair, hits per mille), one "row" line
 * each in the kernel log and as CSV in /sys/kernel/debug/zalloc/bench. This
 * module measures; tools/testing/bench-report.py computes the ratios and
 * tables and judges the targets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/timekeeping.h>

#include "zalloc_bench.h"

static unsigned long run_mask = ~0UL;
module_param(run_mask, ulong, 0444);
MODULE_PARM_DESC(run_mask,
		 "Scenarios: 1 seed, 2 hot pairs, 4 N-pattern, 8 churn, 16 threads, 32 stats cost, 64 parts, 128 bulk, 256 producer/consumer, 512 free-rcu, 1024 alloc-node, 2048 profiling cost (default all)");

unsigned int zb_loops = 200000;
module_param_named(loops, zb_loops, uint, 0444);
MODULE_PARM_DESC(loops, "Pairs timed per figure (default 200000)");

#define ZB_MAX_ROWS	192
static struct zb_row zb_rows[ZB_MAX_ROWS];
static unsigned int zb_nr_rows;
static struct dentry *zb_file;

/* === Measuring === */

DEFINE_PER_CPU(struct zb_floor, zb_floor);

/* Fills every CPU's floor stack with objects of @size (or empties it). */
int zb_floor_fill(size_t size)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct zb_floor *f = per_cpu_ptr(&zb_floor, cpu);

		while (f->count)
			kfree(f->objs[--f->count]);
		for (i = 0; size && i < ZB_FLOOR_DEPTH; i++) {
			f->objs[i] = kmalloc(size, GFP_KERNEL);
			if (!f->objs[i])
				return -ENOMEM;
			f->count = i + 1;
		}
	}
	return 0;
}

/* Allocations and fast-path misses of all zalloc classes so far. */
void zb_counts(u64 *allocs, u64 *misses)
{
	struct za_class_stats st;
	unsigned int cls;

	*allocs = 0;
	*misses = 0;
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		*allocs += st.ev[ZE_ALLOC];
		*misses += st.ev[ZE_MISS];
	}
}

/* Hits per mille of the allocations since zb_counts() gave @a0 and @m0. */
int zb_hit_permille(u64 a0, u64 m0)
{
	u64 a1, m1;

	zb_counts(&a1, &m1);
	if (a1 == a0)
		return -1;
	return div64_u64(((a1 - a0) - (m1 - m0)) * 1000, a1 - a0);
}

u64 zb_to_ps(u64 ns, unsigned int pairs)
{
	return pairs && ns ? div64_u64(ns * 1000, pairs) : 0;
}

/* The smaller of two timings; 0 (a failed run) sticks. */
u64 zb_min_ns(u64 best, u64 ns, bool first)
{
	if (first)
		return ns;
	return !ns || !best ? 0 : min(best, ns);
}

struct zb_row *zb_new_row(const char *scenario, const char *label,
			  unsigned int size)
{
	struct zb_row *r;

	if (zb_nr_rows == ZB_MAX_ROWS)
		return NULL;
	r = &zb_rows[zb_nr_rows++];
	r->scenario = scenario;
	strscpy(r->label, label, sizeof(r->label));
	r->size = size;
	r->hit_pm = -1;
	return r;
}

int zb_size_init(struct zb_size *s, size_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "zbench-%zu", size);
	s->size = size;
	s->strategy = ZALLOC_AUTO;
	s->gfp = GFP_KERNEL;
	s->order = (size % PAGE_SIZE) ? -1 : get_order(size);
	s->cache = kmem_cache_create(name, size, 0, 0, NULL);
	return s->cache ? 0 : -ENOMEM;
}

void zb_size_exit(struct zb_size *s)
{
	kmem_cache_destroy(s->cache);
}

/**
 * zb_time_row() - time the allocators of a row
 * @r: the row: gets picoseconds per pair, and hits if @t->hits
 * @s: the size
 * @t: the loop and what to time
 *
 * One warm-up run of each allocator, then ZB_RUNS rounds in which they
 * take turns; the fastest run of each counts.
 */
void zb_time_row(struct zb_row *r, const struct zb_size *s,
		 const struct zb_timing *t)
{
	unsigned long a;
	u64 a0, m0;
	int run;

	for_each_set_bit(a, &t->allocs, ZB_NR)
		t->loop(a, s, t->warm, t->ctx);
	zb_counts(&a0, &m0);
	for (run = 0; run < ZB_RUNS; run++)
		for_each_set_bit(a, &t->allocs, ZB_NR)
			r->ps[a] = zb_min_ns(r->ps[a],
					     t->loop(a, s, t->n, t->ctx), !run);
	for_each_set_bit(a, &t->allocs, ZB_NR)
		r->ps[a] = zb_to_ps(r->ps[a], t->pairs);
	if (t->hits)
		r->hit_pm = zb_hit_permille(a0, m0);
}

/**
 * zb_time_sizes() - a row of @t's timings for each size
 * @scenario: the rows' scenario
 * @label: their label
 * @sizes: the sizes
 * @nr: how many
 * @t: the loop and what to time
 *
 * Return: 0, or -ENOMEM if a size's cache could not be made.
 */
int zb_time_sizes(const char *scenario, const char *label,
		  const size_t *sizes, unsigned int nr,
		  const struct zb_timing *t)
{
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++) {
		struct zb_size s;
		struct zb_row *r;

		err = zb_size_init(&s, sizes[i]);
		if (err)
			return err;
		r = zb_new_row(scenario, label, s.size);
		if (r)
			zb_time_row(r, &s, t);
		zb_size_exit(&s);
	}
	return 0;
}

/* === Results === */

/*
 * Raw rows, as lib/test_vmalloc.c prints its: picoseconds per pair for each
 * allocator (0 where not measured) and hits per mille (-1 if unknown). The
 * ratios, tables, targets and plots are made in user space by
 * tools/testing/bench-report.py.
 */
#define ZB_CSV_HEADER "scenario,label,size,zalloc_ps,kmalloc_ps,kmem_cache_ps,pages_ps,floor_ps,hit_permille"

static void row_line(struct seq_file *m, const struct zb_row *r)
{
	const u64 *ps = r->ps;

	if (m)
		seq_printf(m, "%s,%s,%u,%llu,%llu,%llu,%llu,%llu,%d\n",
			   r->scenario, r->label, r->size, ps[ZB_ZALLOC],
			   ps[ZB_KMALLOC], ps[ZB_CACHE], ps[ZB_PAGES],
			   ps[ZB_FLOOR], r->hit_pm);
	else
		pr_info("row %s,%s,%u,%llu,%llu,%llu,%llu,%llu,%d\n",
			r->scenario, r->label, r->size, ps[ZB_ZALLOC],
			ps[ZB_KMALLOC], ps[ZB_CACHE], ps[ZB_PAGES],
			ps[ZB_FLOOR], r->hit_pm);
}

static int bench_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_puts(m, ZB_CSV_HEADER "\n");
	for (i = 0; i < zb_nr_rows; i++)
		row_line(m, &zb_rows[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench);

/* === Module === */

/* The scenarios, in the order they run; the bits of run_mask. */
static const struct {
	unsigned long bit;
	int (*fn)(void);
	const char *name;
} scenarios[] = {
	{ 1, zb_run_seed, "seed" },
	{ 2, zb_run_hot, "hot pairs" },
	{ 4, zb_run_npat, "N-pattern" },
	{ 8, zb_run_churn, "churn" },
	{ 16, zb_run_threads, "threads" },
	{ 32, zb_run_stats_cost, "stats cost" },
	{ 64, zb_run_parts, "parts" },
	{ 128, zb_run_bulk, "bulk" },
	{ 256, zb_run_prodcons, "producer/consumer" },
	{ 512, zb_run_free_rcu, "free-rcu" },
	{ 1024, zb_run_alloc_node, "alloc-node" },
	{ 2048, zb_run_profile, "profiling cost" },
};

/* Runs the scenarios run_mask selects; 0 or the first error. */
static int run_scenarios(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		if (!(run_mask & scenarios[i].bit))
			continue;
		err = scenarios[i].fn();
		if (err) {
			pr_err("%s: error %d\n", scenarios[i].name, err);
			return err;
		}
	}
	return 0;
}

static int __init zalloc_bench_init(void)
{
	unsigned int i;
	int err;

	if (!zb_loops)
		return -EINVAL;
	err = run_scenarios();
	if (err)
		return err;
	pr_info("%u rows, %u online CPUs, " ZB_CSV_HEADER "\n", zb_nr_rows,
		num_online_cpus());
	for (i = 0; i < zb_nr_rows; i++)
		row_line(NULL, &zb_rows[i]);
	zb_file = zb_debugfs_create("bench", &bench_fops);
	return 0;
}

static void __exit zalloc_bench_exit(void)
{
	debugfs_remove(zb_file);
}

module_init(zalloc_bench_init);
module_exit(zalloc_bench_exit);

MODULE_DESCRIPTION("Microbenchmark: zalloc against kmalloc, kmem_cache, pages and a per-CPU floor");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(ZA_NS);
