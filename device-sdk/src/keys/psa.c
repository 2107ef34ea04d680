/*
 * PSA Crypto key store (as_keys.h), against the PSA Certified Crypto API 1.0
 * (https://arm-software.github.io/psa-api/crypto/1.0/) as Mbed TLS, Zephyr and nRF Connect SDK
 * implement it. Slot N is the persistent key AS_PSA_KEY_ID_BASE + N. Keys are created with usage
 * SIGN_HASH only: without PSA_KEY_USAGE_EXPORT or _COPY, psa_export_key refuses the private key.
 * Replacing a key destroys the old one first (PSA cannot rename a key id): a reset in between
 * leaves the slot empty, never with a key the station did not see.
 */
#define _POSIX_C_SOURCE 200809L
#include <psa/crypto.h>
#include <string.h>

#include "as_device.h"
#include "as_keys.h"

static psa_key_id_t key_id(uint8_t slot) { return (psa_key_id_t)(AS_PSA_KEY_ID_BASE + slot); }

static int info(void *ctx, uint8_t slot, uint8_t *alg) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_status_t st = psa_get_key_attributes(key_id(slot), &a);
  psa_key_type_t type;
  size_t bits;
  (void)ctx;
  if (st == PSA_ERROR_INVALID_HANDLE || st == PSA_ERROR_DOES_NOT_EXIST) return AS_E_NO_KEY;
  if (st != PSA_SUCCESS) return AS_E_INTERNAL;
  type = psa_get_key_type(&a);
  bits = psa_get_key_bits(&a);
  psa_reset_key_attributes(&a);
  if (type == PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1) && bits == 256) *alg = AS_ALG_ECDSA_P256;
  else if (type == PSA_KEY_TYPE_RSA_KEY_PAIR && bits == 2048) *alg = AS_ALG_RSA_2048;
  else if (type == PSA_KEY_TYPE_RSA_KEY_PAIR && bits == 3072) *alg = AS_ALG_RSA_3072;
  else return AS_E_INTERNAL;
  return AS_OK;
}

typedef struct genjob {
  uint8_t slot, alg;
} genjob;

static int generate_key(void *arg) {
  genjob *j = (genjob *)arg;
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_key_id_t out = 0;
  psa_status_t st;
  psa_set_key_id(&a, key_id(j->slot));
  psa_set_key_lifetime(&a, PSA_KEY_LIFETIME_PERSISTENT);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH); /* no EXPORT, no COPY */
  if (j->alg == AS_ALG_ECDSA_P256) {
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&a, 256);
    psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  } else {
    psa_set_key_type(&a, PSA_KEY_TYPE_RSA_KEY_PAIR);
    psa_set_key_bits(&a, j->alg == AS_ALG_RSA_3072 ? 3072 : 2048);
    psa_set_key_algorithm(&a, PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256));
  }
  st = psa_generate_key(&a, &out);
  psa_reset_key_attributes(&a);
  return st == PSA_SUCCESS ? AS_OK : AS_E_INTERNAL;
}

static int generate(void *ctx, as_dev *dev, uint8_t slot, uint8_t alg) {
  genjob j;
  psa_status_t st = psa_destroy_key(key_id(slot));
  (void)ctx;
  if (st != PSA_SUCCESS && st != PSA_ERROR_INVALID_HANDLE && st != PSA_ERROR_DOES_NOT_EXIST)
    return AS_E_INTERNAL;
  j.slot = slot;
  j.alg = alg;
  return as_run_blocking(dev, generate_key, &j);
}

static int public_key(void *ctx, uint8_t slot, uint8_t *out, size_t cap, size_t *len) {
  (void)ctx;
  /* EC: the uncompressed point; RSA: RSAPublicKey DER — exactly the SPKI BIT STRING contents. */
  return psa_export_public_key(key_id(slot), out, cap, len) == PSA_SUCCESS ? AS_OK : AS_E_INTERNAL;
}

static int sign(void *ctx, as_dev *dev, uint8_t slot, const uint8_t *data, size_t len,
                const uint8_t hash[32], uint8_t *sig, size_t cap, size_t *sig_len) {
  uint8_t alg;
  int rc = info(ctx, slot, &alg);
  (void)dev, (void)data, (void)len; /* PSA signs the hash the core computed */
  if (rc != AS_OK) return rc;
  /* PSA_ALG_ECDSA output is r || s (PSA Crypto API 1.0 §10.7.4), as ES256 needs. */
  return psa_sign_hash(key_id(slot),
                       alg == AS_ALG_ECDSA_P256 ? PSA_ALG_ECDSA(PSA_ALG_SHA_256)
                                                : PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256),
                       hash, 32, sig, cap, sig_len) == PSA_SUCCESS
             ? AS_OK
             : AS_E_INTERNAL;
}

int as_psa_init(void) { return psa_crypto_init() == PSA_SUCCESS ? AS_OK : AS_E_INTERNAL; }

void as_psa_port(as_keys_port *port) {
  port->ctx = NULL;
  port->info = info;
  port->generate = generate;
  port->public_key = public_key;
  port->sign = sign;
}
