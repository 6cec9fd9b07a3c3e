/* libkiln_runtime: a ready-made thread pool for NAME_run_parallel.
 *
 *   kiln_pool *pool = kiln_pool_create(4);        // 4 threads incl. caller
 *   kiln_parallel par = kiln_pool_parallel(pool);
 *   model_run_parallel(inputs, outputs, arena, &par);
 *   kiln_pool_destroy(pool);
 *
 * The pool's workers spin briefly after each job (a model runs hundreds of
 * short kernels back to back), then sleep. One pool may serve any number of
 * models, but one run at a time: concurrent runs need a pool each. */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

#ifndef KILN_PARALLEL_DEFINED
#define KILN_PARALLEL_DEFINED
typedef struct kiln_parallel {
  void (*parallel_for)(void *context, int n, void (*fn)(void *arg, int i), void *arg);
  void *context;
  int threads;
} kiln_parallel;
#endif

typedef struct kiln_pool kiln_pool;

/* A pool running jobs on `threads` threads: the caller plus threads - 1
 * workers. threads <= 0 means one per online CPU. NULL if out of memory or
 * threads cannot be started. */
kiln_pool *kiln_pool_create(int threads);

/* Stops and joins the workers. NULL is allowed. */
void kiln_pool_destroy(kiln_pool *pool);

/* Threads the pool runs jobs on, the caller included. */
int kiln_pool_threads(const kiln_pool *pool);

/* The kiln_parallel::parallel_for implementation; context is the pool. */
void kiln_pool_parallel_for(void *pool, int n, void (*fn)(void *arg, int i), void *arg);

/* A kiln_parallel that runs on `pool`. */
kiln_parallel kiln_pool_parallel(kiln_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
