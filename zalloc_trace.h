/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zalloc tracepoints, in the trace system "zalloc":
 *
 *   zalloc:zalloc_alloc  every allocation of a non-zero size with a known
 *                        strategy, fast-path hits included: what was
 *                        asked, what was given (bytes_alloc, 0 on
 *                        failure), the class index (as in the pools file)
 *                        and backend, and whether this CPU's cache served
 *                        it (hit)
 *   zalloc:zalloc_free   every free of a pointer other than NULL and
 *                        ZERO_SIZE_PTR
 *
 * call_site is the return address of the zalloc_*() call, i.e. in the
 * module that called zalloc. The fast paths carry no tracepoint: enabling
 * either event diverts every call to the slow paths, which fire them
 * (za_trace_reg(), zalloc_debug.c), so that the events cost nothing while
 * they are off. Like kmem:kmalloc, a failed allocation is
 * traced with ptr NULL. Defined as samples/trace_events does for a module:
 * zalloc_main.c alone defines CREATE_TRACE_POINTS before including this.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zalloc

#if !defined(_ZALLOC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZALLOC_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>
#include <zalloc.h>

/* za_trace_reg() and za_trace_unreg(): zalloc_internal.h, included first. */

/*
 * The backend is stored as the strategy that forces it (enum
 * zalloc_strategy, public); user-space readers get these names.
 */
TRACE_DEFINE_ENUM(ZALLOC_OBJECT_POOL);
TRACE_DEFINE_ENUM(ZALLOC_EXTENDED_POOL);
TRACE_DEFINE_ENUM(ZALLOC_STANDARD);

/*
 * sparse 0.6.4 (Debian 12's) stops at the expansion of show_gfp_flags() in
 * 6.12's headers ("too long token expansion"); it checks the rest.
 */
#ifdef __CHECKER__
#define show_zalloc_gfp(flags)	((flags) ? "(flags)" : "none")
#else
#define show_zalloc_gfp(flags)	show_gfp_flags(flags)
#endif

#define show_zalloc_backend(b)						\
	__print_symbolic(b,						\
			 { ZALLOC_OBJECT_POOL,	 "object_pool" },	\
			 { ZALLOC_EXTENDED_POOL, "extended_pool" },	\
			 { ZALLOC_STANDARD,	 "standard" })

TRACE_EVENT_FN(zalloc_alloc,
	       TP_PROTO(unsigned long call_site, const void *ptr,
			size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags,
			unsigned int class, int backend, bool hit),
	       TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags, class,
		       backend, hit),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)
				__field(size_t, bytes_req)
				__field(size_t, bytes_alloc)
				__field(unsigned long, gfp_flags)
				__field(unsigned int, class)
				__field(int, backend)
				__field(bool, hit)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;
			      __entry->bytes_req = bytes_req;
			      __entry->bytes_alloc = bytes_alloc;
			      __entry->gfp_flags = (__force unsigned long)gfp_flags;
			      __entry->class = class;
			      __entry->backend = backend;
			      __entry->hit = hit;),
	       TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s class=%u backend=%s hit=%d",
			 (void *)__entry->call_site, __entry->ptr,
			 __entry->bytes_req, __entry->bytes_alloc,
			 show_zalloc_gfp(__entry->gfp_flags), __entry->class,
			 show_zalloc_backend(__entry->backend), __entry->hit),
	       za_trace_reg, za_trace_unreg
);

TRACE_EVENT_FN(zalloc_free,
	       TP_PROTO(unsigned long call_site, const void *ptr,
			size_t bytes_alloc, unsigned int class),
	       TP_ARGS(call_site, ptr, bytes_alloc, class),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)
				__field(size_t, bytes_alloc)
				__field(unsigned int, class)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;
			      __entry->bytes_alloc = bytes_alloc;
			      __entry->class = class;),
	       TP_printk("call_site=%pS ptr=%p bytes_alloc=%zu class=%u",
			 (void *)__entry->call_site, __entry->ptr,
			 __entry->bytes_alloc, __entry->class),
	       za_trace_reg, za_trace_unreg
);

#endif /* _ZALLOC_TRACE_H */

/* This part must be outside the header guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE zalloc_trace
#include <trace/define_trace.h>
