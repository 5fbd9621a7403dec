// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc statistics: per-CPU event counters, summed when read, and the
 * debugfs files that show them.
 *
 * Events are counted per CPU, in two places: the fast and slow paths that
 * have their CPU's magazines claimed do plain increments of the counters
 * beside the magazines (struct za_mag_class; struct za_std_counts for the
 * standard class, which has none: zalloc_mag.h), and the paths
 * that do not use this_cpu_inc()/this_cpu_add() on struct
 * za_pcpu_stats. Either way: no lock, no shared cache line, no atomic
 * read-modify-write, and safe in any context. A reader sums both over
 * every possible CPU with READ_ONCE(); it can miss an increment that is
 * under way, which is fine for statistics.
 *
 * Gauges are derived, never counted: live objects = objects taken from the
 * backend - objects given back - objects idle in magazines (za_gauge(),
 * which stays exact when a count wraps, or when a 32-bit kernel reads a
 * 64-bit count half-updated: the counters are 64-bit on every kernel, so
 * that a 32-bit one cannot wrap one CPU's count and not another's), live
 * bytes = live objects * class size; what only a backend knows (the
 * standard backend's byte count, the extended pools' pages and where
 * their bytes are) its struct za_backend_ops' account() fills in. A reset
 * therefore cannot zero the per-CPU counters: it stores a baseline that
 * readers subtract from the event counters, and the gauges keep using the
 * raw sums.
 *
 * Files, in /sys/kernel/debug/zalloc/ (formats in Documentation/zalloc.rst):
 *   stats  0444  "name value" lines, like /proc/vmstat
 *   pools  0444  one row per size class, like /proc/slabinfo
 *   nodes  0444  per node, what each pool class keeps of its memory
 *   reset  0200  write 1 to zero the event counters
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "zalloc_internal.h"

/* === Data === */

DEFINE_PER_CPU(struct za_pcpu_stats, za_pcpu_stats);
/*
 * For the test modules, which count and plant events the way zalloc does.
 * As EXPORT_PER_CPU_SYMBOL_GPL(), hidden from sparse, which loses the
 * variable's address space across an export.
 */
#ifndef __CHECKER__
EXPORT_SYMBOL_NS_GPL(za_pcpu_stats, ZA_NS);
#endif

/* Names as shown in the files; hits are derived from allocs - misses. */
static const char * const event_names[] = {
	[ZE_ALLOC]	 = "allocs",
	[ZE_FREE]	 = "frees",
	[ZE_MISS]	 = "misses",
	[ZE_REFILL]	 = "refills",
	[ZE_FALLTHROUGH] = "fallthroughs",
	[ZE_FAIL]	 = "failures",
	[ZE_REMOTE]	 = "remote",
};

static_assert(ARRAY_SIZE(event_names) == ZE_NR_SHOWN);

static const char * const refusal_names[] = {
	[ZR_STRATEGY]	  = "invalid_strategy",
	[ZR_INVALID_FREE] = "invalid_frees",
	[ZR_DOUBLE_FREE]  = "double_frees",
	[ZR_OVERFLOW]	  = "array_overflows",
	[ZR_NODE]	  = "invalid_nodes",
};

static_assert(ARRAY_SIZE(refusal_names) == ZR_NR);

/* Event sums at the last reset; written under reset_lock. */
static u64 reset_base[ZA_NR_CLASSES][ZE_NR_SHOWN];
static u64 reset_base_err[ZR_NR];
static DEFINE_MUTEX(reset_lock);

static struct dentry *za_debugfs_dir;

/* === Internals === */

static void sum_events(unsigned int cls, u64 *ev)
{
	int cpu, e;

	memset(ev, 0, sizeof(u64) * ZE_NR);
	for_each_possible_cpu(cpu) {
		struct za_pcpu_stats *s = per_cpu_ptr(&za_pcpu_stats, cpu);

		for (e = 0; e < ZE_NR; e++)
			ev[e] += READ_ONCE(s->ev[cls][e]);
	}
}

/**
 * za_stats_std_bytes() - bytes the standard backend has out, over all CPUs
 *
 * Context: any.
 * Return: the usable bytes of the kmalloc() objects users hold.
 */
long za_stats_std_bytes(void)
{
	long bytes = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		bytes += READ_ONCE(per_cpu_ptr(&za_pcpu_stats, cpu)->std_bytes);
	return bytes + za_mag_std_bytes();
}

static u64 sum_refusals(enum za_refusal why)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(&za_pcpu_stats, cpu)->err[why]);
	return n;
}

/**
 * za_stats_read() - a class's counters, summed over all CPUs
 * @cls: class index, below ZA_NR_CLASSES
 * @st: where to store them
 * @since_reset: subtract the baseline of the last reset from the events
 *
 * Context: any; the sums are not a consistent snapshot while other CPUs
 * allocate.
 */
void za_stats_read(unsigned int cls, struct za_class_stats *st,
		   bool since_reset)
{
	const struct za_class *c = &za_classes[cls];
	int e;

	sum_events(cls, st->ev);
	za_mag_events(cls, st->ev);
	st->cached = za_mag_cached(cls);
	st->rcu_waiting = za_rcu_waiting(cls, &st->rcu_waiting_bytes);
	st->live_objs = za_gauge(st->ev[ZE_OUT], st->ev[ZE_IN],
				 st->cached + st->rcu_waiting);
	st->live_bytes = st->live_objs * c->size;
	st->cached_bytes = st->cached * c->size;
	st->pages = 0;
	st->held_bytes = 0;
	st->span_free_bytes = 0;
	st->tail_bytes = 0;
	/* What only the backend knows: its pages, how its sizes add up. */
	if (za_ops(c)->account)
		za_ops(c)->account(c, st);
	for (e = 0; since_reset && e < ZE_NR_SHOWN; e++)
		st->ev[e] -= READ_ONCE(reset_base[cls][e]);
}
EXPORT_SYMBOL_NS_GPL(za_stats_read, ZA_NS);

/**
 * za_stats_refusals() - refused calls of a kind since the last reset
 * @why: the kind
 *
 * Context: any; racy while CPUs count.
 * Return: the count.
 */
u64 za_stats_refusals(enum za_refusal why)
{
	return sum_refusals(why) - READ_ONCE(reset_base_err[why]);
}
EXPORT_SYMBOL_NS_GPL(za_stats_refusals, ZA_NS);

/**
 * za_stats_reset() - zero the event counters as seen by readers
 *
 * The gauges (live objects, live bytes, pages) are not affected.
 *
 * Context: process; takes a mutex.
 */
void za_stats_reset(void)
{
	unsigned int cls;
	int e;

	mutex_lock(&reset_lock);
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		struct za_class_stats st;

		za_stats_read(cls, &st, false);
		for (e = 0; e < ZE_NR_SHOWN; e++)
			WRITE_ONCE(reset_base[cls][e], st.ev[e]);
	}
	for (e = 0; e < ZR_NR; e++)
		WRITE_ONCE(reset_base_err[e], sum_refusals(e));
	mutex_unlock(&reset_lock);
}
EXPORT_SYMBOL_NS_GPL(za_stats_reset, ZA_NS);

/* === DebugFS Interface === */

static void add_stats(struct za_class_stats *sum,
		      const struct za_class_stats *st)
{
	int e;

	for (e = 0; e < ZE_NR; e++)
		sum->ev[e] += st->ev[e];
	sum->live_objs += st->live_objs;
	sum->live_bytes += st->live_bytes;
	sum->cached += st->cached;
	sum->rcu_waiting += st->rcu_waiting;
	sum->rcu_waiting_bytes += st->rcu_waiting_bytes;
	sum->pages += st->pages;
	sum->held_bytes += st->held_bytes;
	sum->cached_bytes += st->cached_bytes;
	sum->span_free_bytes += st->span_free_bytes;
	sum->tail_bytes += st->tail_bytes;
}

static void show_group(struct seq_file *m, const char *prefix,
		       const struct za_class_stats *st)
{
	int e;

	for (e = 0; e < ZE_NR_SHOWN; e++) {
		if (e == ZE_MISS)
			seq_printf(m, "%shits %llu\n", prefix,
				   st->ev[ZE_ALLOC] - st->ev[ZE_MISS]);
		else
			seq_printf(m, "%s%s %llu\n", prefix, event_names[e],
				   st->ev[e]);
	}
	seq_printf(m, "%slive_objects %lld\n", prefix, st->live_objs);
	seq_printf(m, "%slive_bytes %lld\n", prefix, st->live_bytes);
	seq_printf(m, "%scached_objects %lld\n", prefix, st->cached);
	seq_printf(m, "%spages %lu\n", prefix, st->pages);
	seq_printf(m, "%sheld_bytes %llu\n", prefix, st->held_bytes);
	seq_printf(m, "%scached_bytes %lld\n", prefix, st->cached_bytes);
	seq_printf(m, "%sspan_free_bytes %lld\n", prefix,
		   st->span_free_bytes);
	seq_printf(m, "%stail_bytes %lld\n", prefix, st->tail_bytes);
	seq_printf(m, "%srcu_waiting %lld\n", prefix, st->rcu_waiting);
	seq_printf(m, "%srcu_waiting_bytes %lld\n", prefix,
		   st->rcu_waiting_bytes);
}

static int stats_show(struct seq_file *m, void *v)
{
	struct za_class_stats all = {}, per[ZA_NR_BACKENDS] = {}, st;
	char prefix[32];
	unsigned int cls;
	int i;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, true);
		add_stats(&all, &st);
		add_stats(&per[za_classes[cls].backend], &st);
	}
	show_group(m, "", &all);
	for (i = 0; i < ZR_NR; i++)
		seq_printf(m, "%s %llu\n", refusal_names[i],
			   za_stats_refusals(i));
	for (i = 0; i < ZA_NR_BACKENDS; i++) {
		snprintf(prefix, sizeof(prefix), "%s_",
			 za_strategy_names[za_backends[i]->strategy]);
		show_group(m, prefix, &per[i]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int pools_show(struct seq_file *m, void *v)
{
	struct za_class_stats st;
	unsigned int cls;

	seq_printf(m, "%-16s %6s %5s %8s %4s %10s %10s %10s %8s %8s %8s %10s %12s %6s %6s %5s %7s %12s %12s %10s %8s\n",
		   "# name", "size", "order", "per_span", "mag", "allocs",
		   "frees", "hits", "refills", "fallthru", "failures",
		   "live_objs", "live_bytes", "cached", "pages", "depot",
		   "reserve", "held_bytes", "idle_bytes", "tail_bytes",
		   "rcu_wait");
	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		const struct za_class *c = &za_classes[cls];

		za_stats_read(cls, &st, true);
		seq_printf(m, "%-16s %6u %5u %8u %4u %10llu %10llu %10llu %8llu %8llu %8llu %10lld %12lld %6lld %6lu %5u %7u %12llu %12lld %10lld %8lld\n",
			   c->name, c->size, c->order, c->per_span,
			   c->mag_size, st.ev[ZE_ALLOC], st.ev[ZE_FREE],
			   st.ev[ZE_ALLOC] - st.ev[ZE_MISS], st.ev[ZE_REFILL],
			   st.ev[ZE_FALLTHROUGH], st.ev[ZE_FAIL],
			   st.live_objs, st.live_bytes, st.cached, st.pages,
			   za_depot_full(c, NUMA_NO_NODE),
			   za_ext_empty_spans(c, NUMA_NO_NODE), st.held_bytes,
			   st.cached_bytes + st.span_free_bytes,
			   st.tail_bytes, st.rcu_waiting);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pools);

/*
 * Per node, what each pool class keeps there: full magazines in the
 * node's depot, and for extended pools with span lists, the pages of the
 * spans on the node's lists, the objects they hold and the empty spans
 * kept in reserve. Rows where all of them are 0 are left out.
 */
static int nodes_show(struct seq_file *m, void *v)
{
	unsigned long pages, objs;
	unsigned int cls, depot, reserve;
	int nid;

	seq_printf(m, "%-16s %4s %5s %8s %8s %7s\n", "# name", "node",
		   "depot", "pages", "objs", "reserve");
	for_each_node(nid) {
		for (cls = 0; cls < ZA_NR_POOL_CLASSES; cls++) {
			const struct za_class *c = &za_classes[cls];

			depot = za_depot_full(c, nid);
			reserve = za_ext_empty_spans(c, nid);
			pages = c->spans ? READ_ONCE(c->spans[nid].span_pages) : 0;
			objs = c->spans ? READ_ONCE(c->spans[nid].span_objs) : 0;
			if (!depot && !pages && !reserve)
				continue;
			seq_printf(m, "%-16s %4d %5u %8lu %8lu %7u\n", c->name,
				   nid, depot, pages, objs, reserve);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nodes);

static ssize_t reset_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	za_stats_reset();
	return count;
}

static const struct file_operations reset_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= reset_write,
	.llseek	= noop_llseek,
};

/**
 * za_stats_init() - create /sys/kernel/debug/zalloc/ and its files
 *
 * Debugfs failures are not errors (see debugfs_create_dir()).
 */
void za_stats_init(void)
{
	za_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, za_debugfs_dir, NULL,
			    &stats_fops);
	debugfs_create_file("pools", 0444, za_debugfs_dir, NULL,
			    &pools_fops);
	debugfs_create_file("nodes", 0444, za_debugfs_dir, NULL,
			    &nodes_fops);
	debugfs_create_file("reset", 0200, za_debugfs_dir, NULL,
			    &reset_fops);
}

/**
 * za_stats_exit() - remove the debugfs files
 */
void za_stats_exit(void)
{
	debugfs_remove_recursive(za_debugfs_dir);
}
