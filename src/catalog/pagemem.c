/*
 * SQLite's page cache in transparent huge pages.
 *
 * On this project's machines (virtual, with the guest's page tables shadowed
 * by the hypervisor) the first touch of a 4 KiB page costs about 12 us, and
 * the kernel's first read of a user page (write(2) copying it into the page
 * cache) about 6 us more. An ingest of 35,000 records makes 22 MB of catalog
 * pages: 5,600 faults while SQLite fills them and 5,600 more when the WAL
 * is written, 70-100 ms on the thread that commits, most of it in the
 * ingest's serial tail. In a 2 MiB huge page the same memory costs one fault.
 *
 * glibc's heap gives no huge pages unless the whole process is started with
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1, so SQLite's allocations of a page
 * cache line (a 16 KiB page plus SQLite's headers, the catalog's page size)
 * come from slots in an arena reserved with MADV_HUGEPAGE; everything else
 * goes to SQLite's own allocator. The arena is address space only until a
 * slot is used; freed slots are kept for reuse (as glibc keeps its heap), so
 * a process's resident memory is its peak of cache lines, which cache_size
 * bounds per connection. When the arena is full, slots come from SQLite's
 * allocator too. Under AddressSanitizer nothing is changed, so ASan still
 * sees every SQLite allocation.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <sqlite3.h>

#include "catalog/catalog.h"

#if defined(__SANITIZE_ADDRESS__)
#define PAGEMEM_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGEMEM_OFF 1
#endif
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define SLOT_MIN 16384                   /* the catalog's page size */
#define SLOT (SLOT_MIN + 1024)           /* plus SQLite's per-line headers (~300 bytes) */
#define ARENA_BYTES ((size_t)1 << 30)    /* address space: 61,680 slots, 1 GiB */

static struct {
	sqlite3_mem_methods sys; /* SQLite's allocator, for everything else */
	char *base, *end, *bump;
	void *free;              /* freed slots, each holding the next one's address */
	size_t used, peak;
	pthread_mutex_t mu;
	bool on;
} pm = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool in_arena(const void *p)
{
	return (const char *)p >= pm.base && (const char *)p < pm.end;
}

static void *slot_get(void)
{
	void *p = NULL;
	pthread_mutex_lock(&pm.mu);
	if (pm.free) {
		p = pm.free;
		memcpy(&pm.free, p, sizeof pm.free);
	} else if ((size_t)(pm.end - pm.bump) >= SLOT) {
		p = pm.bump;
		pm.bump += SLOT;
	}
	if (p && ++pm.used > pm.peak)
		pm.peak = pm.used;
	pthread_mutex_unlock(&pm.mu);
	return p;
}

static void *pm_malloc(int n)
{
	if (n >= SLOT_MIN && n <= SLOT) {
		void *p = slot_get();
		if (p)
			return p;
	}
	return pm.sys.xMalloc(n);
}

static void pm_free(void *p)
{
	if (!in_arena(p)) {
		pm.sys.xFree(p);
		return;
	}
	pthread_mutex_lock(&pm.mu);
	memcpy(p, &pm.free, sizeof pm.free);
	pm.free = p;
	pm.used--;
	pthread_mutex_unlock(&pm.mu);
}

static int pm_size(void *p)
{
	return in_arena(p) ? SLOT : pm.sys.xSize(p);
}

static void *pm_realloc(void *p, int n)
{
	if (!in_arena(p))
		return pm.sys.xRealloc(p, n);
	if (n <= SLOT)
		return p;
	void *q = pm.sys.xMalloc(n);
	if (q) {
		memcpy(q, p, SLOT);
		pm_free(p);
	}
	return q;
}

static int pm_roundup(int n)
{
	return n >= SLOT_MIN && n <= SLOT ? SLOT : pm.sys.xRoundup(n);
}

static int pm_init(void *ctx)
{
	(void)ctx;
	return pm.sys.xInit(pm.sys.pAppData);
}

static void pm_shutdown(void *ctx)
{
	(void)ctx;
	pm.sys.xShutdown(pm.sys.pAppData);
}

static sqlite3_mem_methods mine = {pm_malloc, pm_free, pm_realloc, pm_size, pm_roundup, pm_init, pm_shutdown, NULL};

static void setup(void)
{
#ifdef PAGEMEM_OFF
	bool off = true;
#else
	bool off = false;
#endif
	if (off)
		return;
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &pm.sys) != SQLITE_OK)
		return; /* SQLite is initialised already: it keeps its allocator */
	char *m = mmap(NULL, ARENA_BYTES + HUGE_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return;
	char *base = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	madvise(base, ARENA_BYTES, MADV_HUGEPAGE); /* advice: without it, slots still work */
	pm.base = pm.bump = base;
	pm.end = base + ARENA_BYTES;
	/* no bulk allocation per connection: every cache line is its own
	 * allocation, so each gets a slot */
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mine) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) != SQLITE_OK) {
		sqlite3_config(SQLITE_CONFIG_MALLOC, &pm.sys);
		pm.base = pm.end = pm.bump = NULL;
		munmap(m, ARENA_BYTES + HUGE_PAGE);
		return;
	}
	pm.on = true;
}

void gr_sqlite_memory_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, setup);
}

void gr_sqlite_memory_stats(gr_sqlite_memory *out)
{
	pthread_mutex_lock(&pm.mu);
	out->active = pm.on;
	out->slot_bytes = SLOT;
	out->slots_used = pm.used;
	out->slots_peak = pm.peak;
	out->slots_made = pm.base ? (size_t)(pm.bump - pm.base) / SLOT : 0;
	pthread_mutex_unlock(&pm.mu);
}
