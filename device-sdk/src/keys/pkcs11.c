/*
 * PKCS#11 key store (as_keys.h). Each protocol slot's key pair carries CKA_LABEL
 * "<prefix> slot N" and CKA_ID "AS" N gen(2 bytes). The slot's key is the private key with the
 * lowest generation: a replacement is generated as gen+1 and becomes the key when the old private
 * key is destroyed (one call), so a reset at any point leaves exactly one usable key.
 * SoftHSM2 2.6 has no CKM_ECDSA_SHA256, so the SDK hashes and uses CKM_ECDSA / CKM_RSA_PKCS.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_der.h"
#include "as_device.h"
#include "as_keys.h"
#include "p11_store.h"

#define MAX_OBJS 8


/* DER OID of prime256v1 / secp256r1 (RFC 5480 §2.1.1.1), the CKA_EC_PARAMS of P-256 keys. */
static const CK_BYTE P256_PARAMS[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
/* DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1). */
static const CK_BYTE SHA256_DIGEST_INFO[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

static void label_of(const as_p11 *p, uint8_t slot, char *out, size_t cap) {
  snprintf(out, cap, "%s slot %u", p->label_prefix, (unsigned)slot);
}

/* Objects of `cls` labelled for `slot`: handles and generations. Returns the count. */
static size_t find(as_p11 *p, uint8_t slot, CK_ULONG cls, CK_OBJECT_HANDLE *h, unsigned *gen) {
  char label[80];
  CK_ULONG n = 0, i;
  CK_ATTRIBUTE t[2];
  label_of(p, slot, label, sizeof label);
  t[0].type = CKA_CLASS;
  t[0].pValue = &cls;
  t[0].ulValueLen = sizeof cls;
  t[1].type = CKA_LABEL;
  t[1].pValue = label;
  t[1].ulValueLen = strlen(label);
  if (p->f->C_FindObjectsInit(p->s, t, 2) != CKR_OK) return 0;
  if (p->f->C_FindObjects(p->s, h, MAX_OBJS, &n) != CKR_OK) n = 0;
  p->f->C_FindObjectsFinal(p->s);
  for (i = 0; i < n; i++) {
    CK_BYTE id[8];
    CK_ATTRIBUTE a;
    a.type = CKA_ID;
    a.pValue = id;
    a.ulValueLen = sizeof id;
    gen[i] = 0xFFFFFFFFu;
    if (p->f->C_GetAttributeValue(p->s, h[i], &a, 1) == CKR_OK && a.ulValueLen == 5 && id[0] == 'A' &&
        id[1] == 'S' && id[2] == slot)
      gen[i] = ((unsigned)id[3] << 8) | id[4];
  }
  return n;
}

/* The slot's current key pair: the private key with the lowest generation and its public key. */
static int current(as_p11 *p, uint8_t slot, CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub,
                   unsigned *gen) {
  CK_OBJECT_HANDLE h[MAX_OBJS];
  unsigned g[MAX_OBJS], best = 0xFFFFFFFFu;
  size_t n = find(p, slot, CKO_PRIVATE_KEY, h, g), i;
  for (i = 0; i < n; i++)
    if (g[i] < best) {
      best = g[i];
      *priv = h[i];
    }
  if (best == 0xFFFFFFFFu) return AS_E_NO_KEY;
  *gen = best;
  if (pub) {
    n = find(p, slot, CKO_PUBLIC_KEY, h, g);
    for (i = 0; i < n; i++)
      if (g[i] == best) {
        *pub = h[i];
        return AS_OK;
      }
    return AS_E_INTERNAL;
  }
  return AS_OK;
}

static int get_attr(as_p11 *p, CK_OBJECT_HANDLE o, CK_ULONG type, void *buf, CK_ULONG *len) {
  CK_ATTRIBUTE a;
  a.type = type;
  a.pValue = buf;
  a.ulValueLen = *len;
  if (p->f->C_GetAttributeValue(p->s, o, &a, 1) != CKR_OK) return AS_E_INTERNAL;
  *len = a.ulValueLen;
  return AS_OK;
}

static int info(void *ctx, uint8_t slot, uint8_t *alg) {
  as_p11 *p = (as_p11 *)ctx;
  CK_OBJECT_HANDLE priv = 0;
  CK_ULONG type = 0, len = sizeof type;
  CK_BYTE buf[512];
  unsigned gen;
  int rc = current(p, slot, &priv, NULL, &gen);
  if (rc != AS_OK) return rc;
  if (get_attr(p, priv, CKA_KEY_TYPE, &type, &len) != AS_OK) return AS_E_INTERNAL;
  len = sizeof buf;
  if (type == CKK_EC) {
    if (get_attr(p, priv, CKA_EC_PARAMS, buf, &len) != AS_OK || len != sizeof P256_PARAMS ||
        memcmp(buf, P256_PARAMS, len) != 0)
      return AS_E_INTERNAL;
    *alg = AS_ALG_ECDSA_P256;
    return AS_OK;
  }
  if (type == CKK_RSA && get_attr(p, priv, CKA_MODULUS, buf, &len) == AS_OK) {
    if (len == 256) *alg = AS_ALG_RSA_2048;
    else if (len == 384) *alg = AS_ALG_RSA_3072;
    else return AS_E_INTERNAL;
    return AS_OK;
  }
  return AS_E_INTERNAL;
}

typedef struct genjob {
  as_p11 *p;
  uint8_t slot, alg;
  unsigned gen;
} genjob;

static int generate_pair(void *arg) {
  genjob *j = (genjob *)arg;
  as_p11 *p = j->p;
  CK_BYTE yes = CK_TRUE, no = CK_FALSE;
  CK_BYTE id[5] = {'A', 'S', 0, 0, 0}, exponent[3] = {0x01, 0x00, 0x01};
  CK_ULONG bits = j->alg == AS_ALG_RSA_3072 ? 3072 : 2048;
  CK_MECHANISM m;
  CK_ATTRIBUTE pub[6], priv[11];
  CK_ULONG np = 0, nv = 0;
  CK_OBJECT_HANDLE hpub, hpriv;
  char label[80];
  label_of(p, j->slot, label, sizeof label);
  id[2] = j->slot;
  id[3] = (CK_BYTE)(j->gen >> 8);
  id[4] = (CK_BYTE)j->gen;
#define ATTR(arr, n, t, v, l) \
  do {                        \
    arr[n].type = (t);        \
    arr[n].pValue = (v);      \
    arr[n].ulValueLen = (l);  \
    n++;                      \
  } while (0)
  ATTR(pub, np, CKA_TOKEN, &yes, 1); /* usage flags left to the token (tpm2-pkcs11 derives them) */
  ATTR(pub, np, CKA_LABEL, label, strlen(label));
  ATTR(pub, np, CKA_ID, id, sizeof id);
  ATTR(priv, nv, CKA_TOKEN, &yes, 1);
  ATTR(priv, nv, CKA_PRIVATE, &yes, 1);
  ATTR(priv, nv, CKA_SENSITIVE, &yes, 1);
  ATTR(priv, nv, CKA_EXTRACTABLE, &no, 1);
  ATTR(priv, nv, CKA_SIGN, &yes, 1);
  ATTR(priv, nv, CKA_DECRYPT, &no, 1);
  ATTR(priv, nv, CKA_UNWRAP, &no, 1);
  ATTR(priv, nv, CKA_DERIVE, &no, 1);
  ATTR(priv, nv, CKA_LABEL, label, strlen(label));
  ATTR(priv, nv, CKA_ID, id, sizeof id);
  if (j->alg == AS_ALG_ECDSA_P256) {
    m.mechanism = CKM_EC_KEY_PAIR_GEN;
    ATTR(pub, np, CKA_EC_PARAMS, (void *)P256_PARAMS, sizeof P256_PARAMS);
  } else {
    m.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
    ATTR(pub, np, CKA_MODULUS_BITS, &bits, sizeof bits);
    ATTR(pub, np, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
  }
#undef ATTR
  m.pParameter = NULL;
  m.ulParameterLen = 0;
  return p->f->C_GenerateKeyPair(p->s, &m, pub, np, priv, nv, &hpub, &hpriv) == CKR_OK
             ? AS_OK
             : AS_E_INTERNAL;
}

static int generate(void *ctx, as_dev *dev, uint8_t slot, uint8_t alg) {
  as_p11 *p = (as_p11 *)ctx;
  CK_OBJECT_HANDLE h[MAX_OBJS], old_priv = 0, old_pub = 0;
  unsigned g[MAX_OBJS], gen = 0;
  genjob j;
  size_t n, i;
  CK_ULONG cls;
  int have = current(p, slot, &old_priv, &old_pub, &gen) == AS_OK;
  if (!have && current(p, slot, &old_priv, NULL, &gen) == AS_OK) have = 2; /* private key only */
  /* Leftovers of an interrupted replacement (a newer generation that never became current). */
  for (cls = CKO_PUBLIC_KEY; cls <= CKO_PRIVATE_KEY; cls++) {
    n = find(p, slot, cls, h, g);
    for (i = 0; i < n; i++)
      if (!have || g[i] > gen) p->f->C_DestroyObject(p->s, h[i]);
  }
  j.p = p;
  j.slot = slot;
  j.alg = alg;
  j.gen = have ? gen + 1u : 1u;
  if (j.gen > 0xFFFFu) return AS_E_INTERNAL;
  if (as_run_blocking(dev, generate_pair, &j) != AS_OK) return AS_E_INTERNAL;
  if (have) {
    if (p->f->C_DestroyObject(p->s, old_priv) != CKR_OK) return AS_E_INTERNAL; /* the commit */
    if (have == 1) p->f->C_DestroyObject(p->s, old_pub);
  }
  return AS_OK;
}

static int public_key(void *ctx, uint8_t slot, uint8_t *out, size_t cap, size_t *len) {
  as_p11 *p = (as_p11 *)ctx;
  CK_OBJECT_HANDLE priv = 0, pub = 0;
  CK_BYTE buf[512], e[16];
  CK_ULONG n = sizeof buf, en = sizeof e;
  unsigned gen;
  uint8_t alg;
  int rc = info(ctx, slot, &alg);
  if (rc != AS_OK) return rc;
  if ((rc = current(p, slot, &priv, &pub, &gen)) != AS_OK) return rc;
  if (alg == AS_ALG_ECDSA_P256) {
    const CK_BYTE *pt = buf;
    if (get_attr(p, pub, CKA_EC_POINT, buf, &n) != AS_OK) return AS_E_INTERNAL;
    if (n == 67 && buf[0] == 0x04 && buf[1] == 65) pt = buf + 2; /* DER OCTET STRING wrapping */
    else if (n != 65) return AS_E_INTERNAL;
    if (pt[0] != 0x04 || cap < 65) return AS_E_INTERNAL;
    memcpy(out, pt, 65);
    *len = 65;
    return AS_OK;
  } else {
    as_derw w;
    if (get_attr(p, pub, CKA_MODULUS, buf, &n) != AS_OK ||
        get_attr(p, pub, CKA_PUBLIC_EXPONENT, e, &en) != AS_OK)
      return AS_E_INTERNAL;
    as_derw_init(&w, out, cap); /* RSAPublicKey ::= SEQUENCE { modulus, publicExponent } */
    as_derw_uint(&w, e, en);
    as_derw_uint(&w, buf, n);
    as_derw_wrap(&w, AS_DER_SEQUENCE, 0);
    if (w.err) return AS_E_TOO_SMALL;
    *len = as_derw_size(&w);
    memmove(out, w.p, *len);
    return AS_OK;
  }
}

typedef struct signjob {
  as_p11 *p;
  CK_OBJECT_HANDLE key;
  CK_MECHANISM m;
  const CK_BYTE *in;
  CK_ULONG in_len;
  CK_BYTE *sig;
  CK_ULONG sig_len;
} signjob;

static int sign_once(void *arg) {
  signjob *j = (signjob *)arg;
  if (j->p->f->C_SignInit(j->p->s, &j->m, j->key) != CKR_OK) return AS_E_UNSUPPORTED_ALG;
  return j->p->f->C_Sign(j->p->s, (CK_BYTE *)j->in, j->in_len, j->sig, &j->sig_len) == CKR_OK
             ? AS_OK
             : AS_E_INTERNAL;
}

/*
 * ECDSA: CKM_ECDSA over the hash gives r || s, 32 bytes each (PKCS#11 Mechanisms v2.40 §2.3.1).
 * RSA: CKM_SHA256_RSA_PKCS over the data (the token hashes; a TPM signs with TPM2_Sign), or, when
 * the token lacks it, CKM_RSA_PKCS over DigestInfo || hash.
 */
static int sign(void *ctx, as_dev *dev, uint8_t slot, const uint8_t *data, size_t len,
                const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len) {
  as_p11 *p = (as_p11 *)ctx;
  CK_BYTE info_hash[sizeof SHA256_DIGEST_INFO + 32];
  signjob j;
  unsigned gen;
  uint8_t alg;
  int rc = info(ctx, slot, &alg);
  if (rc != AS_OK) return rc;
  if ((rc = current(p, slot, &j.key, NULL, &gen)) != AS_OK) return rc;
  j.p = p;
  j.m.pParameter = NULL;
  j.m.ulParameterLen = 0;
  j.sig = sig;
  j.sig_len = cap;
  if (alg == AS_ALG_ECDSA_P256) {
    j.m.mechanism = CKM_ECDSA;
    j.in = hash;
    j.in_len = 32;
    rc = as_run_blocking(dev, sign_once, &j);
  } else {
    j.m.mechanism = CKM_SHA256_RSA_PKCS;
    j.in = data;
    j.in_len = len;
    rc = as_run_blocking(dev, sign_once, &j);
    if (rc == AS_E_UNSUPPORTED_ALG) {
      memcpy(info_hash, SHA256_DIGEST_INFO, sizeof SHA256_DIGEST_INFO);
      memcpy(info_hash + sizeof SHA256_DIGEST_INFO, hash, 32);
      j.m.mechanism = CKM_RSA_PKCS;
      j.in = info_hash;
      j.in_len = sizeof info_hash;
      j.sig_len = cap;
      rc = as_run_blocking(dev, sign_once, &j);
    }
  }
  if (rc != AS_OK) return AS_E_INTERNAL;
  *sig_len = j.sig_len;
  return AS_OK;
}

void as_p11_port(as_p11 *p, as_keys_port *port) {
  port->ctx = p;
  port->info = info;
  port->generate = generate;
  port->public_key = public_key;
  port->sign = sign;
}
