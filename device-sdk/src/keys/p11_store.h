/* The PKCS#11 key store's session (shared by pkcs11.c and pkcs11_session.c). */
#ifndef AS_P11_STORE_H
#define AS_P11_STORE_H

#include "as_keys.h"
#include "p11.h"

struct as_p11 {
  void *lib;
  CK_FUNCTION_LIST *f;
  CK_SESSION_HANDLE s;
  char label_prefix[48];
};

#endif
