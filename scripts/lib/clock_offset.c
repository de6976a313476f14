/*
 * LD_PRELOAD shim for CI's moved-clock pass: adds HANDOFF_CLOCK_OFFSET_SECONDS
 * to the wall clock (CLOCK_REALTIME, gettimeofday, time) of the process and
 * its children, PostgreSQL and the tests alike, and touches nothing else.
 * libfaketime also wraps timerfd, epoll and sleeps, and under it every Swift
 * Task.sleep and NIO scheduled task waited forever.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long offset_seconds;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);

__attribute__((constructor)) static void load(void) {
    const char *text = getenv("HANDOFF_CLOCK_OFFSET_SECONDS");
    offset_seconds = text ? atoll(text) : 0;
    real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
    real_gettimeofday = dlsym(RTLD_NEXT, "gettimeofday");
}

int clock_gettime(clockid_t clock, struct timespec *now) {
    if (!real_clock_gettime) load();
    int result = real_clock_gettime(clock, now);
    if (result == 0 && now && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) now->tv_sec += offset_seconds;
    return result;
}

int gettimeofday(struct timeval *now, void *zone) {
    if (!real_gettimeofday) load();
    int result = real_gettimeofday(now, zone);
    if (result == 0 && now) now->tv_sec += offset_seconds;
    return result;
}

time_t time(time_t *out) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (out) *out = now.tv_sec;
    return now.tv_sec;
}
