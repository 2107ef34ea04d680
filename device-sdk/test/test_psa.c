/*
 * The PSA Crypto key store (src/keys/psa.c) against Debian's Mbed TLS 2.28 PSA implementation,
 * through the device engine: real keys, signatures verified with PSA, the CSR parsed and verified
 * by Mbed TLS's X.509 code, PUT_CERT with certificates written by Mbed TLS, and the private key
 * refused by psa_export_key. Run it in an empty folder: PSA keeps persistent keys in files there (NNN.psa_its).
 */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>
#include <psa/crypto.h>
#include <string.h>

#include "as_keys.h"
#include "as_sha256.h"
#include "check.h"
#include "harness.h"

static uint8_t BODY[16384], REQ[16384];
static size_t LEN, N;
static unsigned CODE;
static const uint8_t ZERO = 0;

static int call(const char *type) {
  static uint16_t id = 0x0100;
  return exchange(++id, type, REQ, N, BODY, &LEN, &CODE);
}

/* A device whose key port is PSA (transport, clock and storage stay fake). */
static void psa_setup(void) {
  setup(8192);
  as_psa_port(&P.keys);
}

static int keygen(uint8_t alg, int replace, as_tlv *spki) {
  uint8_t r = (uint8_t)replace;
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  tlv(REQ, &N, AS_TAG_ALG, &alg, 1);
  tlv(REQ, &N, AS_TAG_REPLACE, &r, 1);
  return call("KEYGEN") == 1 && as_tlv_find(BODY, LEN, AS_TAG_SPKI, spki);
}

/* Verifies a SIGN answer with PSA from the SPKI (EC point or RSAPublicKey in the BIT STRING). */
static int verify(const uint8_t *spki, size_t spki_len, int ec, const char *data, const uint8_t *sig,
                  size_t sig_len) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_key_id_t k;
  uint8_t h[32];
  psa_algorithm_t alg = ec ? PSA_ALG_ECDSA(PSA_ALG_SHA_256) : PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256);
  const uint8_t *key = ec ? spki + spki_len - 65 : spki + 24; /* after the BIT STRING header */
  size_t key_len = ec ? 65 : spki_len - 24;
  psa_status_t st;
  psa_set_key_type(&a, ec ? PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1) : PSA_KEY_TYPE_RSA_PUBLIC_KEY);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&a, alg);
  if (psa_import_key(&a, key, key_len, &k) != PSA_SUCCESS) return 0;
  as_sha256((const uint8_t *)data, strlen(data), h);
  st = psa_verify_hash(k, alg, h, 32, sig, sig_len);
  psa_destroy_key(k);
  return st == PSA_SUCCESS;
}

static int sign(uint8_t sig_alg, const char *data) {
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  tlv(REQ, &N, AS_TAG_SIG_ALG, &sig_alg, 1);
  tlv_text(REQ, &N, AS_TAG_DATA, data);
  return call("SIGN") == 1;
}

static void test_ec_keygen_sign(void) {
  as_tlv spki;
  uint8_t saved[100];
  psa_setup();
  psa_destroy_key(AS_PSA_KEY_ID_BASE);
  psa_destroy_key(AS_PSA_KEY_ID_BASE + 1);
  if (!keygen(AS_ALG_ECDSA_P256, 0, &spki)) {
    CHECK(!"KEYGEN failed");
    printf("# KEYGEN error %u\n", CODE);
    return;
  }
  CHECK(spki.len == 91);
  memcpy(saved, spki.value, 91);
  CHECK(sign(AS_SIG_ES256, "challenge-1234") && LEN == 64);
  CHECK(verify(saved, 91, 1, "challenge-1234", BODY, LEN));
  CHECK(!verify(saved, 91, 1, "challenge-1235", BODY, LEN));
  /* persistent: after a restart of PSA the slot still holds the same key */
  mbedtls_psa_crypto_free();
  CHECK(as_psa_init() == AS_OK);
  CHECK(keygen(AS_ALG_ECDSA_P256, 0, &spki) && memcmp(spki.value, saved, 91) == 0);
  CHECK(BODY[LEN - 1] == 0); /* CREATED = 0 */
}

static void test_not_exportable(void) {
  uint8_t out[2048];
  size_t n = 0;
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  CHECK(psa_export_key(AS_PSA_KEY_ID_BASE, out, sizeof out, &n) == PSA_ERROR_NOT_PERMITTED && n == 0);
  CHECK(psa_get_key_attributes(AS_PSA_KEY_ID_BASE, &a) == PSA_SUCCESS);
  CHECK(psa_get_key_usage_flags(&a) & PSA_KEY_USAGE_SIGN_HASH);
  CHECK((psa_get_key_usage_flags(&a) & (PSA_KEY_USAGE_EXPORT | PSA_KEY_USAGE_COPY)) == 0);
  CHECK(PSA_KEY_LIFETIME_IS_VOLATILE(psa_get_key_lifetime(&a)) == 0);
  psa_reset_key_attributes(&a);
}

static void test_csr_verifies(void) {
  static const char *subject[] = {"CN=dev-1", "O=Acme", NULL};
  mbedtls_x509_csr csr;
  uint8_t h[32], der[200], spki[100];
  char dn[256];
  size_t i;
  int pk_len;
  as_tlv k;
  psa_setup();
  CHECK(keygen(AS_ALG_ECDSA_P256, 0, &k) && k.len == 91);
  memcpy(spki, k.value, 91);
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  for (i = 0; subject[i]; i++) tlv_text(REQ, &N, AS_TAG_SUBJECT, subject[i]);
  tlv(REQ, &N, AS_TAG_SAN, "\x02urn:acme:device:1", 18);
  CHECK(call("CSR") == 1);
  mbedtls_x509_csr_init(&csr);
  CHECK(mbedtls_x509_csr_parse_der(&csr, BODY, LEN) == 0);
  as_sha256(csr.cri.p, csr.cri.len, h);
  CHECK(csr.sig_md == MBEDTLS_MD_SHA256);
  CHECK(mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, h, 32, csr.sig.p, csr.sig.len) == 0);
  CHECK(mbedtls_x509_dn_gets(dn, sizeof dn, &csr.subject) > 0 && strcmp(dn, "CN=dev-1, O=Acme") == 0);
  pk_len = mbedtls_pk_write_pubkey_der(&csr.pk, der, sizeof der); /* written at the end of der */
  CHECK(pk_len == 91 && memcmp(der + sizeof der - 91, spki, 91) == 0); /* the KEYGEN key */
  mbedtls_x509_csr_free(&csr);
}

static int rng(void *ctx, unsigned char *out, size_t n) { return mbedtls_ctr_drbg_random(ctx, out, n); }

/* A certificate for `subject_spki`, signed by a throwaway EC CA, written by Mbed TLS. */
static int make_cert(const uint8_t *subject_spki, size_t spki_len, uint8_t *out, size_t cap, size_t *len) {
  mbedtls_entropy_context ent;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context ca, subj;
  mbedtls_x509write_cert w;
  mbedtls_mpi serial;
  int n = -1;
  mbedtls_entropy_init(&ent);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_pk_init(&ca);
  mbedtls_pk_init(&subj);
  mbedtls_x509write_crt_init(&w);
  mbedtls_mpi_init(&serial);
  if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0) == 0 &&
      mbedtls_pk_setup(&ca, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) == 0 &&
      mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(ca), rng, &drbg) == 0 &&
      mbedtls_pk_parse_public_key(&subj, subject_spki, spki_len) == 0) {
    mbedtls_mpi_lset(&serial, 4711);
    mbedtls_x509write_crt_set_subject_key(&w, &subj);
    mbedtls_x509write_crt_set_issuer_key(&w, &ca);
    mbedtls_x509write_crt_set_subject_name(&w, "CN=device");
    mbedtls_x509write_crt_set_issuer_name(&w, "CN=test CA");
    mbedtls_x509write_crt_set_serial(&w, &serial);
    mbedtls_x509write_crt_set_validity(&w, "20260101000000", "20360101000000");
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    n = mbedtls_x509write_crt_der(&w, out, cap, rng, &drbg);
  }
  if (n > 0) {
    memmove(out, out + cap - (size_t)n, (size_t)n);
    *len = (size_t)n;
  }
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&w);
  mbedtls_pk_free(&subj);
  mbedtls_pk_free(&ca);
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&ent);
  return n > 0;
}

static void test_put_cert_real(void) {
  static uint8_t cert[2048], other[2048];
  as_tlv spki;
  uint8_t saved[600];
  size_t cl = 0, ol = 0, sl;
  psa_setup();
  CHECK(keygen(AS_ALG_ECDSA_P256, 0, &spki));
  sl = spki.len;
  memcpy(saved, spki.value, sl);
  CHECK(make_cert(saved, sl, cert, sizeof cert, &cl));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  tlv(REQ, &N, AS_TAG_CERT, cert, cl);
  CHECK(call("PUT_CERT") == 1);
  N = 4;
  CHECK(call("GET_CERT") == 1 && LEN == 4 + 3 + cl && memcmp(BODY + 7, cert, cl) == 0);
  /* a certificate for another key (the leaf of a fresh RSA key's SPKI) is refused */
  CHECK(keygen(AS_ALG_RSA_2048, 1, &spki)); /* replaces the key: the old chain goes */
  N = 4;
  CHECK(call("GET_CERT") == 1 && LEN == 4);
  CHECK(make_cert(saved, sl, other, sizeof other, &ol));
  N = 0;
  tlv(REQ, &N, AS_TAG_SLOT, &ZERO, 1);
  tlv(REQ, &N, AS_TAG_CERT, other, ol);
  CHECK(call("PUT_CERT") == 0 && CODE == AS_E_KEY_MISMATCH);
}

static void test_rsa_sign(void) {
  as_tlv spki;
  uint8_t saved[400];
  size_t sl;
  psa_setup();
  CHECK(keygen(AS_ALG_RSA_2048, 0, &spki)); /* still the RSA key of the previous test */
  sl = spki.len;
  memcpy(saved, spki.value, sl);
  CHECK(sl == 294 && BODY[3] == AS_ALG_RSA_2048);
  CHECK(sign(AS_SIG_RS256, "actor-token") && LEN == 256);
  CHECK(verify(saved, sl, 0, "actor-token", BODY, LEN));
  CHECK(sign(AS_SIG_ES256, "x") == 0 && CODE == AS_E_ALG_MISMATCH);
}

int main(void) {
  if (as_psa_init() != AS_OK) {
    printf("not ok 1 - psa_crypto_init # PSA Crypto did not start\n");
    return 1;
  }
  RUN(test_ec_keygen_sign, "PSA: KEYGEN P-256 persists across restarts; ES256 verifies with PSA");
  RUN(test_not_exportable, "PSA: the private key is refused by psa_export_key (usage SIGN_HASH only)");
  RUN(test_csr_verifies, "PSA: the CSR parses and verifies with Mbed TLS X.509, subject in order");
  RUN(test_put_cert_real, "PSA: PUT_CERT of an Mbed TLS certificate, GET_CERT exact, KEY_MISMATCH");
  RUN(test_rsa_sign, "PSA: RSA-2048 KEYGEN replace, RS256 verifies, ES256 is ALG_MISMATCH");
  mbedtls_psa_crypto_free();
  CHECK_DONE();
}
