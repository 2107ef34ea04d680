/*
 * A tiny test harness for the SDK's C tests: one TAP line per test case ("ok N - name" or
 * "not ok N - name # why"), read by the Vitest files in test/integration/device-sdk, so every C test case
 * is counted as a test of `npm test`. The process exits 1 when any case failed.
 */
#ifndef AS_CHECK_H
#define AS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failed_now;
static int check_cases, check_failures;
static char check_why[256];

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond) && !check_failed_now) {                                                  \
      check_failed_now = 1;                                                              \
      snprintf(check_why, sizeof check_why, "%s:%d: %s", __FILE__, __LINE__, #cond);     \
    }                                                                                    \
  } while (0)

#define RUN(fn, name)                                                                   \
  do {                                                                                  \
    check_failed_now = 0;                                                               \
    fn();                                                                               \
    check_cases++;                                                                      \
    if (check_failed_now) {                                                             \
      check_failures++;                                                                 \
      printf("not ok %d - %s # %s\n", check_cases, name, check_why);                   \
    } else {                                                                            \
      printf("ok %d - %s\n", check_cases, name);                                       \
    }                                                                                   \
    fflush(stdout);                                                                     \
  } while (0)

#define CHECK_DONE()                                                                    \
  do {                                                                                  \
    printf("1..%d\n# %d passed, %d failed\n", check_cases, check_cases - check_failures, \
           check_failures);                                                             \
    return check_failures ? 1 : 0;                                                      \
  } while (0)

#endif
