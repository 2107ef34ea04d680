/*
 * Test probe: opens a PKCS#11 token the way an attacker with the PIN would, finds the private
 * key labelled LABEL and prints its protection attributes, then tries to read the private value
 * (CKA_VALUE for EC, CKA_PRIVATE_EXPONENT and CKA_PRIME_1 for RSA). A correct key store answers
 * CKR_ATTRIBUTE_SENSITIVE (0x11) for each. As a control it then makes a session key pair without
 * that protection and reads its CKA_VALUE (which must work: the probe can see an exposed key).
 * Usage: p11_probe MODULE TOKEN LABEL (PIN: AS_AGENT_PIN).
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

#define CKA_VALUE 0x11UL
#define CKA_PRIVATE_EXPONENT 0x123UL
#define CKA_PRIME_1 0x124UL
#define CKA_NEVER_EXTRACTABLE 0x164UL
#define CKA_ALWAYS_SENSITIVE 0x165UL

static CK_FUNCTION_LIST *f;
static CK_SESSION_HANDLE s;

static void flag(CK_OBJECT_HANDLE o, CK_ULONG type, const char *name) {
  CK_BYTE v = 0xFF;
  CK_ATTRIBUTE a;
  a.type = type;
  a.pValue = &v;
  a.ulValueLen = 1;
  if (f->C_GetAttributeValue(s, o, &a, 1) == CKR_OK) printf("%s=%d\n", name, v);
  else printf("%s=?\n", name);
}

static void steal(CK_OBJECT_HANDLE o, CK_ULONG type, const char *name) {
  CK_BYTE buf[1024];
  CK_ATTRIBUTE a;
  CK_RV rv;
  a.type = type;
  a.pValue = buf;
  a.ulValueLen = sizeof buf;
  rv = f->C_GetAttributeValue(s, o, &a, 1);
  printf("read %s: rv=0x%lx len=%ld\n", name, rv, (long)a.ulValueLen);
}

int main(int argc, char **argv) {
  void *lib, *sym;
  CK_C_GetFunctionList get;
  CK_SLOT_ID slots[16];
  CK_ULONG n = 16, i, found = 0, cls = CKO_PRIVATE_KEY, count = 0, type = 0;
  CK_OBJECT_HANDLE key;
  CK_ATTRIBUTE t[2], kt;
  const char *pin = getenv("AS_AGENT_PIN");
  if (argc != 4 || !pin) return fprintf(stderr, "usage: p11_probe MODULE TOKEN LABEL\n"), 2;
  lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) return 2;
  sym = dlsym(lib, "C_GetFunctionList");
  memcpy(&get, &sym, sizeof get);
  if (!sym || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) return 2;
  f->C_GetSlotList(CK_TRUE, slots, &n);
  for (i = 0; i < n && !found; i++) {
    CK_TOKEN_INFO ti;
    if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && memcmp(ti.label, argv[2], strlen(argv[2])) == 0 &&
        f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) == CKR_OK)
      found = 1;
  }
  if (!found || f->C_Login(s, CKU_USER, (CK_BYTE *)pin, strlen(pin)) != CKR_OK) return 3;
  t[0].type = CKA_CLASS;
  t[0].pValue = &cls;
  t[0].ulValueLen = sizeof cls;
  t[1].type = CKA_LABEL;
  t[1].pValue = argv[3];
  t[1].ulValueLen = strlen(argv[3]);
  f->C_FindObjectsInit(s, t, 2);
  f->C_FindObjects(s, &key, 1, &count);
  f->C_FindObjectsFinal(s);
  if (count != 1) return 4;
  kt.type = CKA_KEY_TYPE;
  kt.pValue = &type;
  kt.ulValueLen = sizeof type;
  f->C_GetAttributeValue(s, key, &kt, 1);
  printf("key type=%s\n", type == CKK_RSA ? "RSA" : type == CKK_EC ? "EC" : "other");
  flag(key, CKA_TOKEN, "CKA_TOKEN");
  flag(key, CKA_PRIVATE, "CKA_PRIVATE");
  flag(key, CKA_SENSITIVE, "CKA_SENSITIVE");
  flag(key, CKA_EXTRACTABLE, "CKA_EXTRACTABLE");
  flag(key, CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE");
  flag(key, CKA_NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE");
  if (type == CKK_EC) steal(key, CKA_VALUE, "CKA_VALUE");
  else {
    steal(key, CKA_PRIVATE_EXPONENT, "CKA_PRIVATE_EXPONENT");
    steal(key, CKA_PRIME_1, "CKA_PRIME_1");
  }
  {
    static const CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    CK_BYTE no = CK_FALSE, yes = CK_TRUE;
    CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pub[2] = {{CKA_EC_PARAMS, (void *)p256, sizeof p256}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE priv[3] = {{CKA_TOKEN, &no, 1}, {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
    CK_OBJECT_HANDLE hpub, hpriv;
    if (f->C_GenerateKeyPair(s, &m, pub, 2, priv, 3, &hpub, &hpriv) == CKR_OK) {
      printf("control ");
      steal(hpriv, CKA_VALUE, "CKA_VALUE");
    }
  }
  f->C_CloseSession(s);
  f->C_Finalize(NULL);
  dlclose(lib);
  return 0;
}
