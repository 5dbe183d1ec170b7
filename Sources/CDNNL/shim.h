#ifndef CDNNL_SHIM_H
#define CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>

/* DNNL_MEMORY_ALLOCATE is a pointer-cast macro that Swift cannot import. */
static inline void *CDNNL_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }

/* libgomp's entry point for a parallel region, as gcc emits it for `#pragma omp parallel`.
   Calling it from Swift runs hand-written kernels on the same OpenMP thread team that
   oneDNN uses, so glue code never competes with spinning OpenMP workers for the cores. */
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
void omp_set_num_threads(int);
#endif
