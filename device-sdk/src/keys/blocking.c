/*
 * Slow key-store operations without going silent (docs/device-protocol.md §5.2: PROG at least
 * every 1000 ms): the operation runs on a worker thread while the protocol thread keeps calling
 * as_progress, which sends PROG and answers retransmissions (ignored) and other ids (BUSY).
 */
#define _POSIX_C_SOURCE 200809L
#include "as_device.h"
#include "as_keys.h"

#ifdef AS_NO_THREADS
int as_run_blocking(as_dev *dev, int (*fn)(void *arg), void *arg) {
  int rc;
  as_progress(dev, 0);
  rc = fn(arg);
  as_progress(dev, 100);
  return rc;
}
#else
#include <pthread.h>
#include <time.h>

typedef struct job {
  int (*fn)(void *);
  void *arg;
  int rc;
  int done;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} job;

static void *worker(void *p) {
  job *j = (job *)p;
  int rc = j->fn(j->arg);
  pthread_mutex_lock(&j->mu);
  j->rc = rc;
  j->done = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
  return NULL;
}

int as_run_blocking(as_dev *dev, int (*fn)(void *arg), void *arg) {
  job j;
  pthread_t t;
  unsigned ticks = 0;
  j.fn = fn;
  j.arg = arg;
  j.rc = AS_E_INTERNAL;
  j.done = 0;
  pthread_mutex_init(&j.mu, NULL);
  pthread_cond_init(&j.cv, NULL);
  if (pthread_create(&t, NULL, worker, &j) != 0) {
    j.rc = fn(arg);
  } else {
    pthread_mutex_lock(&j.mu);
    while (!j.done) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += 100L * 1000L * 1000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&j.cv, &j.mu, &until);
      if (j.done) break;
      pthread_mutex_unlock(&j.mu);
      /* No real percentage is known: creep towards 99 so the station's progress bar moves. */
      as_progress(dev, (uint8_t)(99u - 99u * 20u / (20u + ticks)));
      ticks++;
      pthread_mutex_lock(&j.mu);
    }
    pthread_mutex_unlock(&j.mu);
    pthread_join(t, NULL);
  }
  pthread_cond_destroy(&j.cv);
  pthread_mutex_destroy(&j.mu);
  return j.rc;
}
#endif
