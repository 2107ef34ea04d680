/*
 * Opening and closing the PKCS#11 key store: dlopen the module, C_Initialize (OS locking, since
 * key generation runs on a worker thread), find the token by label, open a read-write session and
 * log in as the user (PKCS#11 Base v2.40 §5.4–5.6).
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11_store.h"

as_p11 *as_p11_open(const char *module, const char *token_label, const char *pin,
                    const char *label_prefix, char *err, size_t err_len) {
  as_p11 *p = (as_p11 *)calloc(1, sizeof *p);
  CK_C_GetFunctionList get;
  CK_C_INITIALIZE_ARGS args;
  CK_SLOT_ID slots[32];
  CK_ULONG n = 32, i;
  CK_RV rv;
  void *sym;
  int found = 0;
  if (!p) return NULL;
  snprintf(p->label_prefix, sizeof p->label_prefix, "%s", label_prefix);
  p->lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
  if (!p->lib) {
    snprintf(err, err_len, "cannot load the PKCS#11 module %s: %s", module, dlerror());
    free(p);
    return NULL;
  }
  sym = dlsym(p->lib, "C_GetFunctionList");
  memcpy(&get, &sym, sizeof get); /* object to function pointer, as POSIX dlsym requires */
  if (!sym || get(&p->f) != CKR_OK) {
    snprintf(err, err_len, "%s is not a PKCS#11 module (no C_GetFunctionList)", module);
    goto fail_lib;
  }
  memset(&args, 0, sizeof args);
  args.flags = CKF_OS_LOCKING_OK;
  rv = p->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    snprintf(err, err_len, "the PKCS#11 module failed to start (C_Initialize 0x%lx)", rv);
    goto fail_lib;
  }
  if (p->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) n = 0;
  for (i = 0; i < n && !found; i++) {
    CK_TOKEN_INFO t;
    size_t l = strlen(token_label);
    if (p->f->C_GetTokenInfo(slots[i], &t) != CKR_OK || l > 32) continue;
    if (memcmp(t.label, token_label, l) == 0) {
      size_t k;
      found = 1;
      for (k = l; k < 32; k++)
        if (t.label[k] != ' ') found = 0;
    }
    if (found && p->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->s) != CKR_OK) {
      snprintf(err, err_len, "cannot open a session on token '%s'", token_label);
      goto fail_init;
    }
  }
  if (!found) {
    snprintf(err, err_len, "no token labelled '%s' in %s", token_label, module);
    goto fail_init;
  }
  rv = p->f->C_Login(p->s, CKU_USER, (CK_BYTE *)pin, strlen(pin));
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    snprintf(err, err_len, "the token refused the PIN (C_Login 0x%lx)", rv);
    p->f->C_CloseSession(p->s);
    goto fail_init;
  }
  return p;
fail_init:
  p->f->C_Finalize(NULL);
fail_lib:
  dlclose(p->lib);
  free(p);
  return NULL;
}

void as_p11_close(as_p11 *p) {
  if (!p) return;
  p->f->C_CloseSession(p->s);
  p->f->C_Finalize(NULL);
  dlclose(p->lib);
  free(p);
}
