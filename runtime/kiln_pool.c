/* Thread pool behind kiln_parallel. A job is (fn, arg, n); tasks are claimed
 * from one 64-bit counter holding (job generation << 32 | next index), so a
 * worker still holding an old job can never claim a task of a newer one. */
#define _GNU_SOURCE
#include "kiln_runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { kSpin = 1 << 16 };

struct kiln_pool {
  int threads;
  pthread_t *workers;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  _Atomic(void (*)(void *, int)) fn;
  _Atomic(void *) arg;
  atomic_int n;
  atomic_uint_fast64_t next;   /* generation << 32 | next index */
  atomic_uint generation;
  atomic_int remaining;        /* tasks of the current job not finished */
  atomic_int stop;
};

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Claims and runs tasks of job `generation` until none are left. */
static void run_tasks(kiln_pool *pool, unsigned generation) {
  void (*fn)(void *, int) = atomic_load_explicit(&pool->fn, memory_order_acquire);
  void *arg = atomic_load_explicit(&pool->arg, memory_order_acquire);
  int n = atomic_load_explicit(&pool->n, memory_order_acquire);
  uint64_t v = atomic_load_explicit(&pool->next, memory_order_acquire);
  for (;;) {
    if ((unsigned)(v >> 32) != generation || (int)(uint32_t)v >= n)
      return;
    if (!atomic_compare_exchange_weak_explicit(&pool->next, &v, v + 1,
                                               memory_order_acq_rel,
                                               memory_order_acquire))
      continue;
    fn(arg, (int)(uint32_t)v);
    atomic_fetch_sub_explicit(&pool->remaining, 1, memory_order_acq_rel);
    v = atomic_load_explicit(&pool->next, memory_order_acquire);
  }
}

static void *worker_main(void *opaque) {
  kiln_pool *pool = opaque;
  unsigned seen = atomic_load(&pool->generation);
  for (;;) {
    unsigned now = seen;
    for (int i = 0; i < kSpin; ++i) {
      now = atomic_load_explicit(&pool->generation, memory_order_acquire);
      if (now != seen || atomic_load_explicit(&pool->stop, memory_order_relaxed))
        break;
      relax();
    }
    if (now == seen) {
      pthread_mutex_lock(&pool->mutex);
      while ((now = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop))
        pthread_cond_wait(&pool->wake, &pool->mutex);
      pthread_mutex_unlock(&pool->mutex);
    }
    if (atomic_load(&pool->stop))
      return NULL;
    seen = now;
    run_tasks(pool, seen);
  }
}

kiln_pool *kiln_pool_create(int threads) {
  if (threads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus > 0 ? (int)cpus : 1;
  }
  kiln_pool *pool = calloc(1, sizeof *pool);
  if (!pool)
    return NULL;
  pool->threads = threads;
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pool->workers = calloc((size_t)threads, sizeof(pthread_t));
  if (!pool->workers) {
    free(pool);
    return NULL;
  }
  for (int i = 0; i < threads - 1; ++i) {
    if (pthread_create(&pool->workers[i], NULL, worker_main, pool) != 0) {
      pool->threads = i + 1;
      kiln_pool_destroy(pool);
      return NULL;
    }
  }
  return pool;
}

void kiln_pool_destroy(kiln_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stop, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 0; i < pool->threads - 1; ++i)
    pthread_join(pool->workers[i], NULL);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
  free(pool->workers);
  free(pool);
}

int kiln_pool_threads(const kiln_pool *pool) { return pool ? pool->threads : 1; }

void kiln_pool_parallel_for(void *opaque, int n, void (*fn)(void *, int), void *arg) {
  kiln_pool *pool = opaque;
  if (n <= 0)
    return;
  if (!pool || pool->threads <= 1 || n == 1) {
    for (int i = 0; i < n; ++i)
      fn(arg, i);
    return;
  }
  unsigned generation = atomic_load(&pool->generation) + 1;
  atomic_store_explicit(&pool->fn, fn, memory_order_relaxed);
  atomic_store_explicit(&pool->arg, arg, memory_order_relaxed);
  atomic_store_explicit(&pool->n, n, memory_order_relaxed);
  atomic_store_explicit(&pool->remaining, n, memory_order_relaxed);
  atomic_store_explicit(&pool->next, (uint64_t)generation << 32, memory_order_release);
  pthread_mutex_lock(&pool->mutex);
  atomic_store_explicit(&pool->generation, generation, memory_order_release);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  run_tasks(pool, generation);
  while (atomic_load_explicit(&pool->remaining, memory_order_acquire) > 0)
    relax();
}

kiln_parallel kiln_pool_parallel(kiln_pool *pool) {
  kiln_parallel par = {kiln_pool_parallel_for, pool, kiln_pool_threads(pool)};
  return par;
}
