// SPDX-License-Identifier: GPL-2.0
/*
 * zallocstat: show zalloc's per-class statistics, once or refreshed.
 *
 * Reads the debugfs files of the zalloc module (Documentation/zalloc.rst):
 * "pools", one row per size class under a header line naming the columns,
 * and "stats", "name value" lines. Columns and lines it does not know are
 * skipped, so that a newer zalloc can add some. With -c it reads "callers"
 * instead, the call sites that hold live objects (the "profile" parameter):
 * one row per call site, then one per module. The kernel gives raw
 * counters; the percentages are computed here:
 *
 *   hit %    allocations this CPU's cache served, of all allocations
 *   waste %  of the pages an extended pool holds, the share not in live
 *            objects (cached objects, free slots, span tails); "-" for the
 *            other backends, whose pages belong to SLUB or to kmalloc()
 *
 * Options: zallocstat --help.
 */
#define pr_fmt(fmt) "zallocstat: " fmt

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define DEBUGFS		"/sys/kernel/debug"
#define ZALLOC_DIR	DEBUGFS "/zalloc"
#define DEBUGFS_MAGIC	0x64626720
#define MAX_CLASSES	256
#define MAX_COLS	64
#define MAX_SITES	1024
/* Call sites -c shows, the largest first (all of them with -a). */
#define TOP_SITES	20

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define err(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)

/* === Data === */

/*
 * What zallocstat knows of a class, each field with the name of the pools
 * column it is read from (NULL: computed here) and of the --sort key that
 * orders by it (NULL: none). "class" keeps the order of the pools file.
 */
enum zs_field { ZF_NAME, ZF_SIZE, ZF_ALLOCS, ZF_HITS, ZF_LIVE, ZF_BYTES,
		ZF_CACHED, ZF_PAGES, ZF_HIT, ZF_WASTE, ZF_NR };

static const struct {
	const char *col;
	const char *key;
} fields[] = {
	[ZF_NAME]	= { "name",		"class" },
	[ZF_SIZE]	= { "size",		"size" },
	[ZF_ALLOCS]	= { "allocs",		"allocs" },
	[ZF_HITS]	= { "hits",		NULL },
	[ZF_LIVE]	= { "live_objs",	"live" },
	[ZF_BYTES]	= { "live_bytes",	"bytes" },
	[ZF_CACHED]	= { "cached",		"cached" },
	[ZF_PAGES]	= { "pages",		"pages" },
	[ZF_HIT]	= { NULL,		"hit" },
	[ZF_WASTE]	= { NULL,		"waste" },
};

static_assert(ARRAY_SIZE(fields) == ZF_NR, "names for every field");

/* A class: its name, and the value of each field read (val[ZF_NAME] unused). */
struct zs_class {
	char name[32];
	long long val[ZF_NR];
};

static struct zs_class classes[MAX_CLASSES];
static int nr_classes;
static enum zs_field sort_key = ZF_NAME;
static bool show_all;
static long page_size;

/*
 * A row of the callers file: a call site (or "(before-profiling)"), or a
 * module's total; @val has ZF_LIVE, ZF_BYTES and ZF_ALLOCS.
 */
struct zs_site {
	char site[128];
	char module[64];
	char classes[256];
	long long val[ZF_NR];
};

static struct zs_site sites[MAX_SITES], modules[MAX_SITES], site_total;
static int nr_sites, nr_modules;
static bool show_callers;

/* === Reading === */

static void print_help(FILE *f)
{
	fprintf(f,
		"Usage: zallocstat [OPTION]...\n"
		"Show zalloc's size classes: live objects and bytes, cached objects,\n"
		"pages held, per-CPU cache hit %% and waste %%, and their totals.\n"
		"Reads " ZALLOC_DIR "/{pools,stats}; needs root.\n"
		"\n"
		"  -o, --once           print once and exit\n"
		"  -d, --delay=SECONDS  refresh every SECONDS (default 3) until interrupted\n"
		"  -s, --sort=KEY       sort the classes by KEY, largest first (class order\n"
		"                       by default): class, size, live, bytes, cached,\n"
		"                       pages, hit, waste, allocs\n"
		"  -a, --all            show every class, also those never used; with -c,\n"
		"                       every call site, not the top %d\n"
		"  -c, --callers        show the call sites that hold live objects, and\n"
		"                       their modules (needs zalloc's profile parameter on);\n"
		"                       sort keys: bytes (default), live, allocs\n"
		"  -h, --help           show this help and exit\n"
		"\n"
		"hit %%: allocations served by a per-CPU cache, of all allocations.\n"
		"waste %%: of the pages an extended pool holds, the share not in live\n"
		"objects; \"-\" where zalloc holds no pages of its own.\n"
		"Exit status: 0 on success, 1 when the statistics cannot be read (or,\n"
		"with -c, profiling is off), 2 on a usage error.\n", TOP_SITES);
}

/*
 * Open a file of ZALLOC_DIR, or say why not: debugfs not mounted, zalloc not
 * loaded, or not root.
 */
static FILE *open_stat(const char *name)
{
	char path[128];
	struct statfs sfs;
	FILE *f;

	if (statfs(DEBUGFS, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		err("debugfs is not mounted on %s; mount it with: mount -t debugfs none %s\n",
		    DEBUGFS, DEBUGFS);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", ZALLOC_DIR, name);
	f = fopen(path, "r");
	if (f)
		return f;
	if (errno == EACCES || errno == EPERM)
		err("cannot read %s: %s; debugfs is for root only: run zallocstat as root\n",
		    path, strerror(errno));
	else if (errno == ENOENT)
		err("zalloc is not loaded (no %s): load it with modprobe zalloc\n",
		    path);
	else
		err("cannot read %s: %s\n", path, strerror(errno));
	return NULL;
}

/* Which field each column of a row is; -1 for those not read. */
static int parse_header(char *line, int *col_of)
{
	unsigned int found = 0, want = 0;
	char *tok, *save;
	int i, k;

	for (i = 0; i < MAX_COLS; i++)
		col_of[i] = -1;
	tok = strtok_r(line, " \t\n", &save);
	if (!tok || strcmp(tok, "#"))
		return -1;
	for (i = 0; (tok = strtok_r(NULL, " \t\n", &save)) && i < MAX_COLS; i++) {
		for (k = 0; k < ZF_NR; k++) {
			if (fields[k].col && !strcmp(tok, fields[k].col)) {
				col_of[i] = k;
				found |= 1U << k;
			}
		}
	}
	for (k = 0; k < ZF_NR; k++)
		if (fields[k].col)
			want |= 1U << k;
	return found == want ? 0 : -1;
}

static void parse_row(char *line, const int *col_of, struct zs_class *c)
{
	char *tok, *save;
	int i = 0;

	memset(c, 0, sizeof(*c));
	tok = strtok_r(line, " \t\n", &save);
	for (; tok && i < MAX_COLS; tok = strtok_r(NULL, " \t\n", &save), i++) {
		if (col_of[i] == ZF_NAME)
			snprintf(c->name, sizeof(c->name), "%s", tok);
		else if (col_of[i] >= 0)
			c->val[col_of[i]] = strtoll(tok, NULL, 10);
	}
}

/* Read the pools file into classes[]; 0, or -1 with a message. */
static int read_pools(void)
{
	int col_of[MAX_COLS];
	char line[1024];
	FILE *f;

	f = open_stat("pools");
	if (!f)
		return -1;
	nr_classes = 0;
	if (!fgets(line, sizeof(line), f) || parse_header(line, col_of)) {
		err("%s/pools: no header line naming the columns zallocstat reads\n",
		    ZALLOC_DIR);
		fclose(f);
		return -1;
	}
	while (nr_classes < MAX_CLASSES && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		parse_row(line, col_of, &classes[nr_classes++]);
	}
	fclose(f);
	return 0;
}

/* The value of the line "@name value" of the stats file, or -1. */
static long long read_stat(const char *name)
{
	char line[256], key[128];
	long long val, ret = -1;
	FILE *f;

	f = open_stat("stats");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", key, &val) == 2 &&
		    !strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Read the callers file into sites[] and modules[]; 0, or -1 with a
 * message (profiling off, or a file zallocstat cannot read).
 */
static int read_callers(void)
{
	char line[1024], kind[16];
	struct zs_site *r;
	int header = 0;
	FILE *f;

	f = open_stat("callers");
	if (!f)
		return -1;
	nr_sites = 0;
	nr_modules = 0;
	memset(&site_total, 0, sizeof(site_total));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# profile off", 13)) {
			err("profiling is off: echo 1 > /sys/module/zalloc/parameters/profile\n");
			fclose(f);
			return -1;
		}
		if (!strncmp(line, "# call_site", 11))
			header = 1;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s", kind) != 1)
			continue;
		if (!strcmp(kind, "module") || !strcmp(kind, "total")) {
			r = !strcmp(kind, "total") ? &site_total :
			    nr_modules < MAX_SITES ? &modules[nr_modules++] : NULL;
			if (r && sscanf(line, "%*s %63s %lld %lld %lld", r->module,
					&r->val[ZF_LIVE], &r->val[ZF_BYTES],
					&r->val[ZF_ALLOCS]) != 4)
				memset(r, 0, sizeof(*r));
			continue;
		}
		if (nr_sites == MAX_SITES)
			continue;
		r = &sites[nr_sites];
		r->classes[0] = '\0';
		if (sscanf(line, "%127s %63s %lld %lld %lld %255s", r->site,
			   r->module, &r->val[ZF_LIVE], &r->val[ZF_BYTES],
			   &r->val[ZF_ALLOCS], r->classes) >= 5)
			nr_sites++;
	}
	fclose(f);
	if (!header) {
		err("%s/callers: no header line naming the columns zallocstat reads\n",
		    ZALLOC_DIR);
		return -1;
	}
	return 0;
}

/* === Output === */

static const char *backend(const struct zs_class *c)
{
	if (!strncmp(c->name, "object-", 7))
		return "object_pool";
	if (!strncmp(c->name, "extended-", 9))
		return "extended_pool";
	if (!strcmp(c->name, "standard"))
		return "standard";
	return "?";
}

/* Percentages times 10, or -1 where they mean nothing. */
static long long hit_pm(long long hits, long long allocs)
{
	return allocs > 0 ? hits * 1000 / allocs : -1;
}

static long long waste_pm(long long pages, long long live_bytes)
{
	long long held = pages * page_size;

	if (held <= 0)
		return -1;
	if (live_bytes > held)
		return 0;
	return (held - live_bytes) * 1000 / held;
}

static long long key_of(const struct zs_class *c, enum zs_field k)
{
	switch (k) {
	case ZF_HIT:	return hit_pm(c->val[ZF_HITS], c->val[ZF_ALLOCS]);
	case ZF_WASTE:	return waste_pm(c->val[ZF_PAGES], c->val[ZF_BYTES]);
	case ZF_NAME:	return 0;
	default:	return c->val[k];
	}
}

static int cmp_class(const void *a, const void *b)
{
	long long ka = key_of(a, sort_key), kb = key_of(b, sort_key);

	return ka < kb ? 1 : ka > kb ? -1 : 0;
}

static void print_pm(long long pm)
{
	if (pm < 0)
		printf(" %7s", "-");
	else
		printf(" %5lld.%lld", pm / 10, pm % 10);
}

static void print_row(const char *name, const char *size, const char *be,
		      const struct zs_class *c, long long waste)
{
	printf("%-16s %6s %-13s %10lld %12lld %8lld %7lld", name, size, be,
	       c->val[ZF_LIVE], c->val[ZF_BYTES], c->val[ZF_CACHED],
	       c->val[ZF_PAGES]);
	print_pm(key_of(c, ZF_HIT));
	print_pm(waste);
	putchar('\n');
}

/* One screen: a summary line, the table, the totals; 0 or -1. */
static int show(void)
{
	struct zs_class sorted[MAX_CLASSES], total = { .name = "TOTAL" };
	long long failures, held_live = 0;
	char size[24];
	int i, k;

	if (read_pools())
		return -1;
	failures = read_stat("failures");
	if (failures < 0)
		return -1;
	memcpy(sorted, classes, sizeof(classes[0]) * nr_classes);
	if (sort_key != ZF_NAME)
		qsort(sorted, nr_classes, sizeof(sorted[0]), cmp_class);
	for (i = 0; i < nr_classes; i++) {
		/* The counts add up; size, hit and waste do not. */
		for (k = ZF_ALLOCS; k <= ZF_PAGES; k++)
			total.val[k] += classes[i].val[k];
		if (classes[i].val[ZF_PAGES])
			held_live += classes[i].val[ZF_BYTES];
	}
	printf("zalloc: %d classes, %lld allocations, %lld failed\n",
	       nr_classes, total.val[ZF_ALLOCS], failures);
	printf("%-16s %6s %-13s %10s %12s %8s %7s %7s %7s\n", "CLASS", "SIZE",
	       "BACKEND", "LIVE_OBJS", "LIVE_BYTES", "CACHED", "PAGES",
	       "HIT%", "WASTE%");
	for (i = 0; i < nr_classes; i++) {
		const struct zs_class *c = &sorted[i];

		if (!show_all && !c->val[ZF_ALLOCS] && !c->val[ZF_LIVE] &&
		    !c->val[ZF_CACHED] && !c->val[ZF_PAGES])
			continue;
		if (!strcmp(backend(c), "standard"))
			snprintf(size, sizeof(size), "-");
		else
			snprintf(size, sizeof(size), "%lld", c->val[ZF_SIZE]);
		print_row(c->name, size, backend(c), c, key_of(c, ZF_WASTE));
	}
	/* The waste of the pages held, over the classes that hold them. */
	print_row(total.name, "", "", &total,
		  waste_pm(total.val[ZF_PAGES], held_live));
	return 0;
}

/* -c's order: live bytes unless -s asked for live objects or allocations. */
static int cmp_site(const void *a, const void *b)
{
	const struct zs_site *sa = a, *sb = b;
	enum zs_field k = sort_key == ZF_LIVE || sort_key == ZF_ALLOCS ?
			  sort_key : ZF_BYTES;
	long long ka = sa->val[k], kb = sb->val[k];

	return ka < kb ? 1 : ka > kb ? -1 : strcmp(sa->site, sb->site);
}

static void print_site(const char *site, const char *module,
		       const struct zs_site *r, const char *classes)
{
	printf("%-44s %-20s %10lld %12lld %10lld%s%s\n", site, module,
	       r->val[ZF_LIVE], r->val[ZF_BYTES], r->val[ZF_ALLOCS],
	       *classes ? " " : "", classes);
}

/* One screen of -c: the top call sites, then every module; 0 or -1. */
static int show_sites(void)
{
	int i, n, nr_calls = 0;

	if (read_callers())
		return -1;
	/* "(before-profiling)" and "(other-call-sites)" are rows, not sites. */
	for (i = 0; i < nr_sites; i++)
		nr_calls += sites[i].site[0] != '(';
	qsort(sites, nr_sites, sizeof(sites[0]), cmp_site);
	qsort(modules, nr_modules, sizeof(modules[0]), cmp_site);
	n = show_all || nr_sites < TOP_SITES ? nr_sites : TOP_SITES;
	printf("zalloc: %d call sites, %lld live objects, %lld live bytes, ",
	       nr_calls, site_total.val[ZF_LIVE], site_total.val[ZF_BYTES]);
	printf("%lld allocations profiled\n", site_total.val[ZF_ALLOCS]);
	printf("%-44s %-20s %10s %12s %10s %s\n", "CALL_SITE", "MODULE",
	       "LIVE_OBJS", "LIVE_BYTES", "ALLOCS", "CLASSES");
	for (i = 0; i < n; i++)
		print_site(sites[i].site, sites[i].module, &sites[i],
			   sites[i].classes);
	if (n < nr_sites)
		printf("(%d more call sites: -a shows them)\n", nr_sites - n);
	printf("%-44s %-20s %10s %12s %10s\n", "MODULE", "", "LIVE_OBJS",
	       "LIVE_BYTES", "ALLOCS");
	for (i = 0; i < nr_modules; i++)
		print_site(modules[i].module, "", &modules[i], "");
	print_site("TOTAL", "", &site_total, "");
	return 0;
}

static int parse_key(const char *s)
{
	int k;

	for (k = 0; k < ZF_NR; k++)
		if (fields[k].key && !strcmp(s, fields[k].key))
			return k;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once",	no_argument,		NULL, 'o' },
		{ "delay",	required_argument,	NULL, 'd' },
		{ "sort",	required_argument,	NULL, 's' },
		{ "all",	no_argument,		NULL, 'a' },
		{ "callers",	no_argument,		NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct timespec delay = { .tv_sec = 3 };
	bool once = false;
	char *end;
	double d;
	int opt, k;

	while ((opt = getopt_long(argc, argv, "od:s:ach", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			once = true;
			break;
		case 'd':
			d = strtod(optarg, &end);
			if (*end || !(d >= 0.1 && d <= 86400)) {
				err("-d wants seconds between 0.1 and 86400, not \"%s\"\n",
				    optarg);
				return 2;
			}
			delay.tv_sec = (time_t)d;
			delay.tv_nsec = (long)((d - (double)delay.tv_sec) * 1e9);
			break;
		case 's':
			k = parse_key(optarg);
			if (k < 0) {
				err("unknown sort key \"%s\"; see --help\n",
				    optarg);
				return 2;
			}
			sort_key = k;
			break;
		case 'a':
			show_all = true;
			break;
		case 'c':
			show_callers = true;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		err("unexpected argument \"%s\"; see --help\n", argv[optind]);
		return 2;
	}
	if (show_callers && sort_key != ZF_NAME && sort_key != ZF_BYTES &&
	    sort_key != ZF_LIVE && sort_key != ZF_ALLOCS) {
		err("-c sorts by bytes, live or allocs only\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (once)
		return (show_callers ? show_sites() : show()) ? 1 : 0;

	/* Until interrupted, as slabtop: the terminal is left as it was. */
	for (;;) {
		/* Home the cursor and clear the screen, as slabtop does. */
		fputs("\033[H\033[2J", stdout);
		if (show_callers ? show_sites() : show())
			return 1;
		fflush(stdout);
		nanosleep(&delay, NULL);
	}
}
