/*
 * A diagnostic preload for the question "why does a bare pwsh peak in one of two modes ~10 MiB apart?"
 * (bench/ANALYSIS.md, round 10). It counts the bytes malloc hands out (malloc_usable_size of every live
 * block) and, when the process ends, prints to stderr its peak resident size (VmHWM), the peak and final
 * bytes held through malloc, and, if MALLOC_PEAK_SMAPS_DIR is set, writes /proc/self/smaps there as
 * <pid>.smaps, to compare the mappings of a run in each mode.
 *
 *   gcc -O2 -shared -fPIC -o /tmp/malloc-peak.so bench/MallocPeak/malloc-peak.c
 *   LD_PRELOAD=/tmp/malloc-peak.so dotnet "$PSHOME/pwsh.dll" -NoProfile -c exit
 *
 * memalign/posix_memalign are not counted; the runtime's own large reservations do not go through malloc.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static atomic_long held, peak;

static void count(long delta)
{
    long now = atomic_fetch_add(&held, delta) + delta;
    long seen = atomic_load(&peak);
    while (now > seen && !atomic_compare_exchange_weak(&peak, &seen, now)) { }
}

void *malloc(size_t size)
{
    void *block = __libc_malloc(size);
    if (block) count((long)malloc_usable_size(block));
    return block;
}

void *calloc(size_t count_, size_t size)
{
    void *block = __libc_calloc(count_, size);
    if (block) count((long)malloc_usable_size(block));
    return block;
}

void *realloc(void *old, size_t size)
{
    long before = old ? (long)malloc_usable_size(old) : 0;
    void *block = __libc_realloc(old, size);
    if (block) count((long)malloc_usable_size(block) - before);
    else if (size == 0) count(-before);
    return block;
}

void free(void *block)
{
    if (block) count(-(long)malloc_usable_size(block));
    __libc_free(block);
}

/* Plain system calls only: this runs while the process is being torn down. */
static void copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char chunk[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof chunk)) > 0) write(out, chunk, (size_t)n);
    if (in >= 0) close(in);
    if (out >= 0) close(out);
}

__attribute__((destructor)) static void report(void)
{
    char status[8192];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t length = fd >= 0 ? read(fd, status, sizeof status - 1) : 0;
    if (fd >= 0) close(fd);
    status[length > 0 ? length : 0] = 0;
    char *hwm = strstr(status, "VmHWM:");
    char line[200];
    int size = snprintf(line, sizeof line, "malloc-peak: pid=%d VmHWM=%ld KB malloc-peak=%ld KB malloc-held-at-exit=%ld KB\n",
        getpid(), hwm ? atol(hwm + 6) : 0L, atomic_load(&peak) / 1024, atomic_load(&held) / 1024);
    write(2, line, (size_t)size);

    const char *folder = getenv("MALLOC_PEAK_SMAPS_DIR");
    if (folder) {
        char path[512];
        snprintf(path, sizeof path, "%s/%d.smaps", folder, getpid());
        copy_file("/proc/self/smaps", path);
    }
}
