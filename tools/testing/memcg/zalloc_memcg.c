// SPDX-License-Identifier: GPL-2.0
/*
 * zalloc_memcg: allocations charged to the memory cgroup of the process that
 * asks for them, for tools/testing/memcg-test.sh.
 *
 * A driver allocates on behalf of a process with GFP_KERNEL_ACCOUNT; the
 * memory controller then charges the process's cgroup, as kmalloc() does.
 * This module does the same from the write handler of its debugfs file
 * /sys/kernel/debug/zalloc_memcg/objects, which runs in the writing process,
 * through zalloc or through kmalloc, so that a test can compare the two in
 * one group. One command a write:
 *
 *   "zalloc N SIZE"          N objects of SIZE bytes from zalloc_alloc()
 *   "kmalloc N SIZE"         the same from kmalloc()
 *   "... N SIZE noretry"     with __GFP_NORETRY | __GFP_NOWARN added, and
 *                            no more tries after MC_NORETRY_FAILS failures
 *   "free"                   free every object held
 *
 * The objects are kept until "free" (or until the module is removed); a
 * second allocation command while objects are held is refused with -EBUSY.
 * Reading the file gives one line, "allocator NAME size SIZE held N failed
 * N" (the last command's; NAME is "none" before the first).
 *
 * The list of held objects is allocated without __GFP_ACCOUNT: it is the
 * test's and must not be counted in the group.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <zalloc.h>

/* Bounds of a command: 64 MiB of 64 B objects, 4 MiB objects. */
#define MC_MAX_OBJECTS	SZ_1M
#define MC_MAX_SIZE	SZ_4M
#define MC_CMD_LEN	64
/*
 * A charge that fails at memory.max has reclaimed from the group first:
 * about 3 ms on UML. The limit has shown by this many failures.
 */
#define MC_NORETRY_FAILS	64

enum mc_allocator {
	MC_NONE,
	MC_ZALLOC,
	MC_KMALLOC,
};

static const char * const mc_names[] = {
	[MC_NONE]	= "none",
	[MC_ZALLOC]	= "zalloc",
	[MC_KMALLOC]	= "kmalloc",
};

/* What the last command allocated; all of it under mc_lock. */
static DEFINE_MUTEX(mc_lock);
static enum mc_allocator mc_allocator;
static size_t mc_size;
static unsigned int mc_held;
static unsigned int mc_failed;
/* The objects held, mc_held of them; NULL when none. */
static void **mc_objs;

static struct dentry *mc_dir;

/* Free every object held. Called under mc_lock. */
static void mc_free_all(void)
{
	unsigned int i;

	for (i = 0; i < mc_held; i++) {
		if (mc_allocator == MC_ZALLOC)
			zalloc_free(mc_objs[i]);
		else
			kfree(mc_objs[i]);
		cond_resched();
	}
	kvfree(mc_objs);
	mc_objs = NULL;
	mc_held = 0;
}

/*
 * Try @n allocations of @size bytes with @gfp and keep those that worked;
 * with __GFP_NORETRY, stop after MC_NORETRY_FAILS failures. Called under
 * mc_lock, with nothing held.
 */
static int mc_alloc(enum mc_allocator allocator, unsigned int n, size_t size,
		    gfp_t gfp)
{
	unsigned int max_fails = gfp & __GFP_NORETRY ? MC_NORETRY_FAILS : n;
	unsigned int i;
	void *p;

	/* Not GFP_KERNEL_ACCOUNT: the list is not the process's memory. */
	mc_objs = kvmalloc_array(n, sizeof(*mc_objs), GFP_KERNEL);
	if (!mc_objs)
		return -ENOMEM;
	mc_allocator = allocator;
	mc_size = size;
	mc_failed = 0;
	for (i = 0; i < n && mc_failed < max_fails; i++) {
		if (allocator == MC_ZALLOC)
			p = zalloc_alloc(size, gfp);
		else
			p = kmalloc(size, gfp);
		if (p)
			mc_objs[mc_held++] = p;
		else
			mc_failed++;
		cond_resched();
	}
	return 0;
}

/*
 * Parse and run one command (see the top of this file): 0 or -EINVAL,
 * -EBUSY, -ENOMEM.
 */
static int mc_command(char *cmd)
{
	char name[9], extra[9];
	enum mc_allocator allocator;
	gfp_t gfp = GFP_KERNEL_ACCOUNT;
	unsigned int n;
	size_t size;
	int words;

	if (sysfs_streq(cmd, "free")) {
		mc_free_all();
		return 0;
	}
	words = sscanf(cmd, "%8s %u %zu %8s", name, &n, &size, extra);
	if (words < 3 || !n || n > MC_MAX_OBJECTS || !size ||
	    size > MC_MAX_SIZE)
		return -EINVAL;
	if (!strcmp(name, "zalloc"))
		allocator = MC_ZALLOC;
	else if (!strcmp(name, "kmalloc"))
		allocator = MC_KMALLOC;
	else
		return -EINVAL;
	if (words == 4) {
		if (strcmp(extra, "noretry"))
			return -EINVAL;
		/*
		 * mm/memcontrol.c, try_charge_memcg(): a charge above
		 * memory.max reclaims from the group once and drains the
		 * per-CPU charge caches; with __GFP_NORETRY it then fails
		 * with -ENOMEM instead of retrying and invoking the group's
		 * OOM killer, so the allocation returns NULL. __GFP_NOWARN:
		 * those failures are expected, not worth a warning.
		 */
		gfp |= __GFP_NORETRY | __GFP_NOWARN;
	}
	if (mc_objs)
		return -EBUSY;
	return mc_alloc(allocator, n, size, gfp);
}

static ssize_t mc_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	char *cmd;
	int ret;

	if (count >= MC_CMD_LEN)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	mutex_lock(&mc_lock);
	ret = mc_command(cmd);
	mutex_unlock(&mc_lock);
	kfree(cmd);
	return ret ? ret : count;
}

static ssize_t mc_read(struct file *file, char __user *ubuf, size_t count,
		       loff_t *ppos)
{
	char buf[96];
	int len;

	mutex_lock(&mc_lock);
	len = scnprintf(buf, sizeof(buf),
			"allocator %s size %zu held %u failed %u\n",
			mc_names[mc_allocator], mc_size, mc_held, mc_failed);
	mutex_unlock(&mc_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations mc_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= mc_read,
	.write	= mc_write,
	.llseek	= default_llseek,
};

static int __init zalloc_memcg_init(void)
{
	mc_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("objects", 0600, mc_dir, NULL, &mc_fops);
	return 0;
}

static void __exit zalloc_memcg_exit(void)
{
	debugfs_remove_recursive(mc_dir);
	mutex_lock(&mc_lock);
	mc_free_all();
	mutex_unlock(&mc_lock);
}

module_init(zalloc_memcg_init);
module_exit(zalloc_memcg_exit);

MODULE_DESCRIPTION("zalloc and kmalloc allocations charged to the caller's memory cgroup, for tests");
MODULE_LICENSE("GPL");
