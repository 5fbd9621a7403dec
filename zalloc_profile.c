// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc profiling: who holds the memory, by call site and by module.
 *
 * The "profile" parameter (off by default, switchable at run time) makes
 * every allocation and free go through the slow paths (za_divert_key, as a
 * tracepoint does), which call za_profile_alloc() and za_profile_free().
 * While it is off nothing here runs and nothing is allocated; the fast
 * paths are the same code either way.
 *
 * What is kept while it is on (struct za_prof, one per switch on):
 *
 *   sites[]     the call sites seen: the caller's return address (the
 *               _RET_IP_ the exported functions pass down), its symbol and
 *               its module as kallsyms named them when the site was first
 *               seen, and the classes it took objects from; entry 0 takes
 *               the call sites that came after the table was full
 *   map[]       caller -> site, open addressing, read with no lock; a new
 *               site is added under site_lock (once per call site)
 *   counts      per CPU, per site, per context level (task, softirq,
 *               hardirq): allocations, frees, live bytes. Each level's
 *               counters are written only by that level on that CPU with
 *               preemption off, and a level interrupts only the ones below
 *               it, so plain increments are exact: no atomic, no interrupt
 *               disabling (both cost hundreds of ns on UML SMP)
 *   tags[]      the object -> site tag that a free needs: object-pool and
 *               kmalloc() objects have no header, so a table hashed by the
 *               object's address, open addressing with a probe window of
 *               ZA_PROF_PROBE slots, each claimed and released with one
 *               cmpxchg: no lock, one shared cache line per object, and a
 *               free on another CPU finds the tag as the allocating CPU
 *               left it. A slot goes empty -> object -> ZA_PROF_TOMB ->
 *               object ...; never back to empty, so a lookup stops at the
 *               first empty slot. An object whose window is full is not
 *               tagged (counted in "untagged"), and counts as below
 *
 * "(before-profiling)": the objects no site holds: those allocated before
 * the switch, and the untagged ones. It is derived, not counted: the
 * statistics' live objects and bytes (za_stats_read()) minus what the
 * sites hold. Every object is either tagged (counted by its site from its
 * allocation to its free) or not (then its free finds no tag and changes
 * no site), so the derived row is exact whenever no allocation or free is
 * under way, whatever raced with the switch: nothing needs a grace period
 * on the way on, and no object is ever refused or charged to a site that
 * did not allocate it. Rows with live bytes therefore add up, per module
 * and in total, to the stats file's live_bytes.
 *
 * Switching off: the key off, the table unpublished, a grace period (every
 * hook runs with preemption off), then everything is freed; objects still
 * tagged are forgotten, and counted as before-profiling if it is switched
 * on again. A module that goes away (MODULE_STATE_GOING, after its exit
 * function) is reported if its call sites still hold objects, and its
 * sites are unlinked from the map, so that a module loaded at the same
 * addresses gets sites of its own; zalloc's own unload reports every site
 * that still holds objects.
 *
 * Files: /sys/kernel/debug/zalloc/callers (format in Documentation/zalloc.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/spinlock.h>

#include "zalloc_internal.h"

/* Caller -> site map slots: ZA_PROF_SITES at most are used. */
#define ZA_PROF_MAP_BITS	10
#define ZA_PROF_MAP_SIZE	BIT(ZA_PROF_MAP_BITS)
/* A map slot of a site whose module went away. */
#define ZA_PROF_MAP_TOMB	U16_MAX
/* Tag table: slots at least and at most, and the probe window. */
#define ZA_PROF_TAG_MIN_BITS	16
#define ZA_PROF_TAG_MAX_BITS	22
#define ZA_PROF_PROBE		32
/* A tag slot whose object was freed: never an object's address. */
#define ZA_PROF_TOMB		1UL
/* Context levels with counters of their own: task, softirq, hardirq. */
#define ZA_PROF_LEVELS		3
/* Sites reported one by one when a module or zalloc goes away. */
#define ZA_PROF_REPORT_SITES	16

static_assert(ZA_PROF_SITES < ZA_PROF_MAP_SIZE);
static_assert(ZA_PROF_MAP_SIZE <= U16_MAX);

/* === Data === */

/* Profiling is on: the slow paths account each object. */
DEFINE_STATIC_KEY_FALSE(za_profile_key);

/* A tag: the object at @ptr was allocated by site @site, @bytes counted. */
struct za_prof_tag {
	unsigned long ptr;
	u32 site;
	u32 bytes;
};

/* One site's counters at one context level on one CPU. */
struct za_prof_count {
	u64 allocs;
	u64 frees;
	s64 bytes;
};

/**
 * struct za_prof_site - a call site
 * @caller: the return address of the zalloc call; 0 for the overflow site
 * @classes: the classes its objects were counted in
 * @gone: its module went away; @caller may now be someone else's
 * @module: its module's name, "vmlinux" if built in
 * @sym: its symbol and offset, as %pS printed them when it was first seen
 */
struct za_prof_site {
	unsigned long caller;
	DECLARE_BITMAP(classes, ZA_NR_CLASSES);
	bool gone;
	char module[MODULE_NAME_LEN];
	char sym[ZA_PROF_SYM_LEN];
};

/**
 * struct za_prof - everything profiling keeps while it is on
 * @tags: the tag table, 1 << @tag_bits slots
 * @tag_bits: its size
 * @counts: per CPU, ZA_PROF_SITES * ZA_PROF_LEVELS counters
 * @untagged: per CPU, objects handed out with no tag (window full)
 * @site_lock: serialises adding sites and unlinking a module's; taken with
 *	interrupts off (allocations come from any context), nothing inside
 * @nr_sites: sites in use; written under @site_lock
 * @map: caller -> site + 1 (0: empty, ZA_PROF_MAP_TOMB: unlinked); written
 *	under @site_lock with release, read with acquire and no lock
 * @sites: the sites; a site's fields but @gone and @classes are written
 *	before its map slot is published, and never again
 * @symbuf: sprint_symbol()'s buffer, under @site_lock
 */
struct za_prof {
	struct za_prof_tag *tags;
	unsigned int tag_bits;
	struct za_prof_count __percpu *counts;
	unsigned long __percpu *untagged;
	spinlock_t site_lock;	/* see @site_lock above */
	unsigned int nr_sites;
	u16 map[ZA_PROF_MAP_SIZE];
	struct za_prof_site sites[ZA_PROF_SITES];
	char symbuf[KSYM_SYMBOL_LEN];
};

/* Published while profiling is on; freed after a grace period. */
static struct za_prof __rcu *za_prof;
/* Serialises switching, the module notifier, and readers of the sites. */
static DEFINE_MUTEX(za_profile_mutex);
/*
 * The parameter's value: what it was set to at load until zalloc_init()
 * applies it, then whether profiling is on; written under za_profile_mutex
 * once za_profile_ready.
 */
static bool za_profile_on;
static bool za_profile_ready;

/* === Internals === */

static unsigned int prof_level(void)
{
	if (in_hardirq() || in_nmi())
		return 2;
	return in_serving_softirq() ? 1 : 0;
}

static struct za_prof_count *prof_count(struct za_prof *p, unsigned int site)
{
	return this_cpu_ptr(p->counts) + site * ZA_PROF_LEVELS + prof_level();
}

/* The site of @caller, or ZA_PROF_SITES if it has none; no lock. */
static unsigned int site_find(struct za_prof *p, unsigned long caller)
{
	unsigned int h = hash_long(caller, ZA_PROF_MAP_BITS), i;
	u16 v;

	for (i = 0; i < ZA_PROF_MAP_SIZE; i++) {
		/* Pairs with the release in site_add(): the site is filled. */
		v = smp_load_acquire(&p->map[h]);
		if (!v)
			break;
		if (v != ZA_PROF_MAP_TOMB && p->sites[v - 1].caller == caller)
			return v - 1;
		h = (h + 1) & (ZA_PROF_MAP_SIZE - 1);
	}
	return ZA_PROF_SITES;
}

/* Fills @s from what kallsyms says of @caller; site_lock held. */
static void site_name(struct za_prof *p, struct za_prof_site *s,
		      unsigned long caller)
{
	char *mod, *end;

	lockdep_assert_held(&p->site_lock);
	s->caller = caller;
	sprint_symbol(p->symbuf, caller);
	/* "sym+off/len [module]" for a module's code, no brackets for vmlinux. */
	mod = strrchr(p->symbuf, '[');
	end = mod ? strchr(mod, ']') : NULL;
	if (mod && end && mod > p->symbuf) {
		*end = '\0';
		strscpy(s->module, mod + 1, sizeof(s->module));
		mod[-1] = '\0';
	} else {
		strscpy(s->module, "vmlinux", sizeof(s->module));
	}
	strscpy(s->sym, p->symbuf, sizeof(s->sym));
}

/*
 * The site of @caller, added if it is new; the overflow site 0 once the
 * table is full. Any context: site_lock is taken with interrupts off, once
 * per call site.
 */
static unsigned int site_get(struct za_prof *p, unsigned long caller)
{
	unsigned int site = site_find(p, caller), h, i;
	unsigned long flags;
	u16 v;

	if (likely(site < ZA_PROF_SITES))
		return site;
	if (READ_ONCE(p->nr_sites) == ZA_PROF_SITES)
		return 0;
	spin_lock_irqsave(&p->site_lock, flags);
	site = site_find(p, caller);
	if (site < ZA_PROF_SITES || p->nr_sites == ZA_PROF_SITES) {
		spin_unlock_irqrestore(&p->site_lock, flags);
		return site < ZA_PROF_SITES ? site : 0;
	}
	site = p->nr_sites;
	site_name(p, &p->sites[site], caller);
	h = hash_long(caller, ZA_PROF_MAP_BITS);
	for (i = 0; i < ZA_PROF_MAP_SIZE; i++) {
		v = p->map[h];
		if (!v || v == ZA_PROF_MAP_TOMB)
			break;
		h = (h + 1) & (ZA_PROF_MAP_SIZE - 1);
	}
	/* More slots than sites: there is always one. */
	WRITE_ONCE(p->nr_sites, site + 1);
	/* The site filled in first: pairs with the acquire in site_find(). */
	smp_store_release(&p->map[h], site + 1);
	spin_unlock_irqrestore(&p->site_lock, flags);
	return site;
}

/* Slot @i of the probe window of @key, which starts at @key's hash. */
static struct za_prof_tag *tag_slot(struct za_prof *p, unsigned long key,
				    unsigned int i)
{
	return &p->tags[(hash_long(key, p->tag_bits) + i) &
			(BIT(p->tag_bits) - 1)];
}

/* Tags @obj with @site and @bytes; false if its window is full. */
static bool tag_add(struct za_prof *p, const void *obj, unsigned int site,
		    size_t bytes)
{
	unsigned long key = (unsigned long)obj, old;
	struct za_prof_tag *t;
	unsigned int i;

	for (i = 0; i < ZA_PROF_PROBE; i++) {
		t = tag_slot(p, key, i);
		old = READ_ONCE(t->ptr);
		if (old && old != ZA_PROF_TOMB)
			continue;
		if (cmpxchg(&t->ptr, old, key) != old)
			continue;
		/*
		 * Read by the free, which comes after the object was handed
		 * out, and so after these stores, on any CPU.
		 */
		WRITE_ONCE(t->site, site);
		WRITE_ONCE(t->bytes, bytes);
		return true;
	}
	return false;
}

/* Takes the tag of @obj: true, with its site and bytes, if it had one. */
static bool tag_take(struct za_prof *p, const void *obj, unsigned int *site,
		     u32 *bytes)
{
	unsigned long key = (unsigned long)obj, cur = key;
	unsigned int i;

	for (i = 0; i < ZA_PROF_PROBE && cur; i++) {
		struct za_prof_tag *t = tag_slot(p, key, i);

		cur = READ_ONCE(t->ptr);
		if (cur != key)
			continue;
		*site = READ_ONCE(t->site);
		*bytes = READ_ONCE(t->bytes);
		/* Once only, should two CPUs free the object at once. */
		return cmpxchg(&t->ptr, key, ZA_PROF_TOMB) == key;
	}
	return false;
}

/**
 * __za_profile_alloc() - account an object to its call site
 * @c: the class za_route() picked
 * @obj: the object, handed out
 * @usable: its usable size as the allocation path has it
 * @caller: the return address of the zalloc call
 *
 * Counted in the class and by the bytes the statistics count it with: a
 * pool class counts its size; the debug mode's objects (usable: the size
 * asked for) are counted in za_kmalloc_class().
 *
 * Context: any; called with the object not yet seen by anyone else.
 */
void __za_profile_alloc(struct za_class *c, const void *obj, size_t usable,
			unsigned long caller)
{
	struct za_prof_count *pc;
	unsigned int site;
	struct za_prof *p;

	if (c->pooled && usable != c->size)
		c = za_kmalloc_class(c);
	if (c->pooled)
		usable = c->size;
	preempt_disable();
	p = rcu_dereference_sched(za_prof);
	if (likely(p)) {
		site = site_get(p, caller);
		if (unlikely(!test_bit(c->index, p->sites[site].classes)))
			set_bit(c->index, p->sites[site].classes);
		if (likely(tag_add(p, obj, site, usable))) {
			pc = prof_count(p, site);
			WRITE_ONCE(pc->allocs, pc->allocs + 1);
			WRITE_ONCE(pc->bytes, pc->bytes + usable);
		} else {
			this_cpu_inc(*p->untagged);
		}
	}
	preempt_enable();
}

/**
 * __za_profile_free() - take an object off its call site, if it has one
 * @obj: the object, before its memory goes back anywhere (a tag left on an
 *	address that is handed out again would be found by the wrong free)
 *
 * An object with no tag (allocated before profiling, or untagged) changes
 * no site. Refused frees find no tag: a double free's object lost it at
 * the first free, a foreign pointer never had one.
 *
 * Context: any.
 */
void __za_profile_free(const void *obj)
{
	struct za_prof_count *pc;
	unsigned int site;
	struct za_prof *p;
	u32 bytes;

	preempt_disable();
	p = rcu_dereference_sched(za_prof);
	if (likely(p) && tag_take(p, obj, &site, &bytes)) {
		pc = prof_count(p, site);
		WRITE_ONCE(pc->frees, pc->frees + 1);
		WRITE_ONCE(pc->bytes, pc->bytes - bytes);
	}
	preempt_enable();
}

/* Site @site's counters summed over CPUs and levels into @r. */
static void site_sum(struct za_prof *p, unsigned int site,
		     struct za_profile_row *r)
{
	const struct za_prof_count *pc;
	u64 allocs = 0, frees = 0;
	s64 bytes = 0;
	int cpu, l;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(p->counts, cpu) + site * ZA_PROF_LEVELS;
		for (l = 0; l < ZA_PROF_LEVELS; l++) {
			allocs += READ_ONCE(pc[l].allocs);
			frees += READ_ONCE(pc[l].frees);
			bytes += READ_ONCE(pc[l].bytes);
		}
	}
	r->allocs = allocs;
	r->live_objs = (s64)(allocs - frees);
	r->live_bytes = bytes;
}

static int row_cmp(const void *a, const void *b)
{
	const struct za_profile_row *ra = a, *rb = b;

	if (ra->live_bytes != rb->live_bytes)
		return ra->live_bytes < rb->live_bytes ? 1 : -1;
	if (ra->allocs != rb->allocs)
		return ra->allocs < rb->allocs ? 1 : -1;
	return 0;
}

/* Rows of @p's sites that allocated, sorted; za_profile_mutex held. */
static unsigned int prof_rows(struct za_prof *p, struct za_profile_row *rows,
			      struct za_profile_row *before)
{
	struct za_class_stats st;
	unsigned int i, n = 0, nr = READ_ONCE(p->nr_sites);
	s64 objs = 0, bytes = 0;

	lockdep_assert_held(&za_profile_mutex);
	for (i = 0; i < nr; i++) {
		struct za_profile_row *r = &rows[n];
		const struct za_prof_site *s = &p->sites[i];

		site_sum(p, i, r);
		if (!r->allocs)
			continue;
		r->caller = s->caller;
		r->gone = READ_ONCE(s->gone);
		bitmap_copy(r->classes, s->classes, ZA_NR_CLASSES);
		strscpy(r->module, s->module, sizeof(r->module));
		strscpy(r->sym, s->sym, sizeof(r->sym));
		objs += r->live_objs;
		bytes += r->live_bytes;
		n++;
	}
	sort(rows, n, sizeof(*rows), row_cmp, NULL);
	memset(before, 0, sizeof(*before));
	strscpy(before->sym, ZA_PROF_BEFORE, sizeof(before->sym));
	strscpy(before->module, ZA_PROF_BEFORE, sizeof(before->module));
	for (i = 0; i < ZA_NR_CLASSES; i++) {
		za_stats_read(i, &st, false);
		before->live_objs += st.live_objs;
		before->live_bytes += st.live_bytes;
	}
	before->live_objs -= objs;
	before->live_bytes -= bytes;
	return n;
}

/**
 * za_profile_read() - the call sites and the before-profiling row
 * @rows: ZA_PROF_SITES rows to fill
 * @before: where to store the row of the objects no site holds
 *
 * Context: process; takes a mutex. Not a snapshot while CPUs allocate.
 * Return: how many rows of @rows were filled (sites that allocated,
 * sorted by live bytes, then allocations), or -ENODATA if profiling is off.
 */
int za_profile_read(struct za_profile_row *rows, struct za_profile_row *before)
{
	struct za_prof *p;
	int n = -ENODATA;

	mutex_lock(&za_profile_mutex);
	p = rcu_dereference_protected(za_prof,
				      lockdep_is_held(&za_profile_mutex));
	if (p)
		n = prof_rows(p, rows, before);
	mutex_unlock(&za_profile_mutex);
	return n;
}
EXPORT_SYMBOL_NS_GPL(za_profile_read, ZA_NS);

/* Objects handed out untagged since profiling was switched on. */
static unsigned long prof_untagged(struct za_prof *p)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(*per_cpu_ptr(p->untagged, cpu));
	return n;
}

/*
 * Reports the rows of @rows whose module is @module (all if NULL) and that
 * hold objects, under @what; returns whether there were any.
 */
static bool report_sites(const struct za_profile_row *rows, unsigned int n,
			 const char *module, const char *what)
{
	unsigned int i, shown = 0;
	s64 objs = 0, bytes = 0;

	for (i = 0; i < n; i++) {
		if (rows[i].live_objs <= 0 ||
		    (module && strcmp(rows[i].module, module)))
			continue;
		objs += rows[i].live_objs;
		bytes += rows[i].live_bytes;
	}
	if (!objs)
		return false;
	pr_warn("profile: %s: %lld objects (%lld bytes) never freed, by call site:\n",
		what, objs, bytes);
	for (i = 0; i < n; i++) {
		if (rows[i].live_objs <= 0 ||
		    (module && strcmp(rows[i].module, module)))
			continue;
		if (shown++ == ZA_PROF_REPORT_SITES) {
			pr_warn("profile:   (more call sites)\n");
			break;
		}
		pr_warn("profile:   %s [%s]: %lld objects (%lld bytes)\n",
			rows[i].sym, rows[i].module, rows[i].live_objs,
			rows[i].live_bytes);
	}
	return true;
}

/* A module went away: report what its sites hold, unlink them. */
static void prof_module_gone(struct za_prof *p, const char *module)
{
	struct za_profile_row *rows, before;
	unsigned int i, n, h;
	unsigned long flags;
	char what[MODULE_NAME_LEN + 32];

	lockdep_assert_held(&za_profile_mutex);
	rows = kvcalloc(ZA_PROF_SITES, sizeof(*rows), GFP_KERNEL);
	if (rows) {
		n = prof_rows(p, rows, &before);
		snprintf(what, sizeof(what), "module %s removed", module);
		report_sites(rows, n, module, what);
		kvfree(rows);
	}
	spin_lock_irqsave(&p->site_lock, flags);
	for (h = 0; h < ZA_PROF_MAP_SIZE; h++) {
		i = p->map[h];
		if (!i || i == ZA_PROF_MAP_TOMB)
			continue;
		if (p->sites[i - 1].gone || strcmp(p->sites[i - 1].module, module))
			continue;
		WRITE_ONCE(p->sites[i - 1].gone, true);
		WRITE_ONCE(p->map[h], ZA_PROF_MAP_TOMB);
	}
	spin_unlock_irqrestore(&p->site_lock, flags);
}

static int prof_module_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;
	struct za_prof *p;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&za_profile_mutex);
	p = rcu_dereference_protected(za_prof,
				      lockdep_is_held(&za_profile_mutex));
	if (p)
		prof_module_gone(p, mod->name);
	mutex_unlock(&za_profile_mutex);
	return NOTIFY_OK;
}

static struct notifier_block za_prof_module_nb = {
	.notifier_call = prof_module_notify,
};

/* === Switching === */

static void prof_free(struct za_prof *p)
{
	if (!p)
		return;
	kvfree(p->tags);
	free_percpu(p->counts);
	free_percpu(p->untagged);
	kvfree(p);
}

/* A new table, its tag table sized after the objects live now. */
static struct za_prof *prof_new(void)
{
	struct za_class_stats st;
	unsigned int cls, bits;
	struct za_prof *p;
	s64 live = 0;

	for (cls = 0; cls < ZA_NR_CLASSES; cls++) {
		za_stats_read(cls, &st, false);
		live += max_t(s64, st.live_objs, 0);
	}
	bits = clamp_t(unsigned int, order_base_2(4 * live + 1),
		       ZA_PROF_TAG_MIN_BITS, ZA_PROF_TAG_MAX_BITS);
	p = kvcalloc(1, sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	spin_lock_init(&p->site_lock);
	p->tag_bits = bits;
	p->tags = kvcalloc(1UL << bits, sizeof(*p->tags), GFP_KERNEL);
	p->counts = __alloc_percpu(sizeof(struct za_prof_count) *
				   ZA_PROF_SITES * ZA_PROF_LEVELS,
				   __alignof__(struct za_prof_count));
	p->untagged = alloc_percpu(unsigned long);
	if (!p->tags || !p->counts || !p->untagged) {
		prof_free(p);
		return NULL;
	}
	/* Site 0: the call sites that find the table full. */
	strscpy(p->sites[0].sym, "(other-call-sites)", sizeof(p->sites[0].sym));
	strscpy(p->sites[0].module, "-", sizeof(p->sites[0].module));
	p->nr_sites = 1;
	return p;
}

/* Switch on or off; za_profile_mutex held. */
static int prof_switch(bool on)
{
	struct za_prof *p;

	lockdep_assert_held(&za_profile_mutex);
	p = rcu_dereference_protected(za_prof,
				      lockdep_is_held(&za_profile_mutex));
	if (on && !p) {
		p = prof_new();
		if (!p)
			return -ENOMEM;
		rcu_assign_pointer(za_prof, p);
		WRITE_ONCE(za_profile_on, true);
		static_branch_enable(&za_profile_key);
		/* Every object through the slow paths, which call the hooks. */
		static_branch_inc(&za_divert_key);
	} else if (!on && p) {
		static_branch_dec(&za_divert_key);
		static_branch_disable(&za_profile_key);
		WRITE_ONCE(za_profile_on, false);
		RCU_INIT_POINTER(za_prof, NULL);
		/* Every hook runs with preemption off. */
		synchronize_rcu();
		prof_free(p);
	}
	return 0;
}

/**
 * za_set_profile() - switch profiling on or off
 * @on: the new state
 *
 * On: the accounting memory is allocated, and every object allocated from
 * then on is accounted to its call site; off: it is freed, and nothing is
 * lost (the statistics count every object either way).
 *
 * Context: process; may sleep (a grace period when switching off).
 * Return: 0, -ENOMEM if the tables could not be had, -EOPNOTSUPP if
 * zalloc was built with ZALLOC_NO_PROFILE=y.
 */
int za_set_profile(bool on)
{
	int err;

	if (!ZA_PROFILE && on)
		return -EOPNOTSUPP;
	mutex_lock(&za_profile_mutex);
	err = prof_switch(on);
	mutex_unlock(&za_profile_mutex);
	return err;
}
EXPORT_SYMBOL_NS_GPL(za_set_profile, ZA_NS);

/**
 * za_profile_enabled() - whether profiling is on
 *
 * Context: any.
 * Return: the state of the "profile" parameter.
 */
bool za_profile_enabled(void)
{
	return static_key_enabled(&za_profile_key);
}
EXPORT_SYMBOL_NS_GPL(za_profile_enabled, ZA_NS);

static int profile_set(const char *val, const struct kernel_param *kp)
{
	bool on;

	if (kstrtobool(val, &on))
		return -EINVAL;
	if (za_params_closed())
		return -ENODEV;
	/* Given at load: zalloc_init() applies it once the pools exist. */
	if (za_profile_ready)
		return za_set_profile(on);
	za_profile_on = on;
	return 0;
}

/* Read as a bool parameter reads, from za_profile_on. */
static const struct kernel_param_ops profile_ops = {
	.set = profile_set,
	.get = param_get_bool,
};
module_param_cb(profile, &profile_ops, &za_profile_on, 0644);
MODULE_PARM_DESC(profile,
		 "Account live objects and bytes to call sites and modules, in debugfs zalloc/callers (default N)");

/* === DebugFS Interface === */

/* The module totals of the callers file: a row per module, summed. */
static unsigned int module_totals(const struct za_profile_row *rows,
				  unsigned int n, struct za_profile_row *mods)
{
	unsigned int i, k, nr = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < nr && strcmp(mods[k].module, rows[i].module); k++)
			;
		if (k == nr) {
			memset(&mods[nr], 0, sizeof(mods[nr]));
			strscpy(mods[nr].module, rows[i].module,
				sizeof(mods[nr].module));
			nr++;
		}
		mods[k].live_objs += rows[i].live_objs;
		mods[k].live_bytes += rows[i].live_bytes;
		mods[k].allocs += rows[i].allocs;
	}
	sort(mods, nr, sizeof(*mods), row_cmp, NULL);
	return nr;
}

static void show_classes(struct seq_file *m, const unsigned long *classes)
{
	unsigned int cls;
	bool first = true;

	for_each_set_bit(cls, classes, ZA_NR_CLASSES) {
		seq_printf(m, "%s%s", first ? " " : ",", za_classes[cls].name);
		first = false;
	}
	if (first)
		seq_puts(m, " -");
}

static void show_row(struct seq_file *m, const struct za_profile_row *r)
{
	seq_printf(m, "%-48s %-20s %10lld %12lld %10llu", r->sym, r->module,
		   r->live_objs, r->live_bytes, r->allocs);
	show_classes(m, r->classes);
	seq_putc(m, '\n');
}

static int callers_show(struct seq_file *m, void *v)
{
	struct za_profile_row *rows, before, all = {};
	unsigned int i, n, nr;
	struct za_prof *p;

	/* Two arrays: the sites, then the modules (at most one per site). */
	rows = kvcalloc(2 * (ZA_PROF_SITES + 1), sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;
	mutex_lock(&za_profile_mutex);
	p = rcu_dereference_protected(za_prof,
				      lockdep_is_held(&za_profile_mutex));
	if (!p) {
		mutex_unlock(&za_profile_mutex);
		kvfree(rows);
		seq_puts(m, "# profile off: echo 1 > /sys/module/zalloc/parameters/profile\n");
		return 0;
	}
	n = prof_rows(p, rows, &before);
	seq_printf(m, "# profile on: %u call sites, %lu objects untagged\n",
		   n, prof_untagged(p));
	mutex_unlock(&za_profile_mutex);

	seq_printf(m, "%-48s %-20s %10s %12s %10s %s\n", "# call_site", "module",
		   "live_objs", "live_bytes", "allocs", "classes");
	for (i = 0; i < n; i++)
		show_row(m, &rows[i]);
	show_row(m, &before);
	rows[n] = before;
	nr = module_totals(rows, n + 1, rows + ZA_PROF_SITES + 1);
	seq_printf(m, "%-6s %-62s %10s %12s %10s\n", "# per", "module",
		   "live_objs", "live_bytes", "allocs");
	for (i = 0; i < nr; i++) {
		const struct za_profile_row *r = &rows[ZA_PROF_SITES + 1 + i];

		seq_printf(m, "%-6s %-62s %10lld %12lld %10llu\n", "module",
			   r->module, r->live_objs, r->live_bytes, r->allocs);
		all.live_objs += r->live_objs;
		all.live_bytes += r->live_bytes;
		all.allocs += r->allocs;
	}
	seq_printf(m, "%-6s %-62s %10lld %12lld %10llu\n", "total", "-",
		   all.live_objs, all.live_bytes, all.allocs);
	kvfree(rows);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(callers);

/* === Setup and teardown === */

/**
 * za_profile_init() - the callers file, the module notifier, and the
 *	parameter's value if it was given at load
 *
 * A "profile=1" given at load that cannot be had (no memory for the
 * tables) leaves profiling off, with a warning: zalloc loads all the same,
 * as it would have without the parameter.
 *
 * Context: process, at load, once the pools and the debugfs directory
 * exist.
 */
void za_profile_init(void)
{
	struct dentry *dir = debugfs_lookup(KBUILD_MODNAME, NULL);
	int err = 0;

	/* Removed with the directory by za_stats_exit(). */
	debugfs_create_file("callers", 0400, dir, NULL, &callers_fops);
	dput(dir);
	/* Cannot fail: the block is not on the chain yet. */
	register_module_notifier(&za_prof_module_nb);
	mutex_lock(&za_profile_mutex);
	za_profile_ready = true;
	if (za_profile_on) {
		za_profile_on = false;
		err = ZA_PROFILE ? prof_switch(true) : -EOPNOTSUPP;
	}
	mutex_unlock(&za_profile_mutex);
	if (err)
		pr_warn("profile: not switched on at load: error %d\n", err);
}

/**
 * za_profile_exit() - report what the call sites still hold, switch
 *	profiling off
 *
 * Context: process, at unload, once the parameters take no more writes
 * and zalloc_free_rcu()'s callbacks have run.
 */
void za_profile_exit(void)
{
	struct za_profile_row *rows, before;
	struct za_prof *p;
	int n;

	unregister_module_notifier(&za_prof_module_nb);
	mutex_lock(&za_profile_mutex);
	p = rcu_dereference_protected(za_prof,
				      lockdep_is_held(&za_profile_mutex));
	rows = p ? kvcalloc(ZA_PROF_SITES, sizeof(*rows), GFP_KERNEL) : NULL;
	if (rows) {
		n = prof_rows(p, rows, &before);
		report_sites(rows, n, NULL, "zalloc unloaded");
		kvfree(rows);
	}
	prof_switch(false);
	mutex_unlock(&za_profile_mutex);
}
