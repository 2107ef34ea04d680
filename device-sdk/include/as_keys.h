/*
 * The SDK's two key stores (as_keys_port implementations, see as_ports.h):
 *  - PKCS#11: any module (secure element, HSM, SoftHSM2, TPM 2.0 through tpm2-pkcs11), loaded
 *    with dlopen. Keys: CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true; CKA_EXTRACTABLE false.
 *  - PSA Crypto (Arm PSA Certified Crypto API 1.0; Mbed TLS, Zephyr, nRF Connect SDK): persistent
 *    keys with usage SIGN_HASH only (no EXPORT, no COPY), so the private key cannot leave.
 * Both run slow operations (key generation) on a worker thread and call as_progress meanwhile
 * (POSIX threads; see docs/device-sdk.md for RTOS ports).
 */
#ifndef AS_KEYS_H
#define AS_KEYS_H

#include <stddef.h>

#include "as_ports.h"

/* ---- PKCS#11 ------------------------------------------------------------------------------------ */

/** A PKCS#11 key store (opaque). */
typedef struct as_p11 as_p11;

/**
 * Loads `module` (a PKCS#11 shared library), finds the token labelled `token_label`, opens a
 * read-write session and logs in with `pin`. Keys are labelled `<label_prefix> slot N`.
 * Returns NULL and a user-readable reason in `err` on failure.
 */
as_p11 *as_p11_open(const char *module, const char *token_label, const char *pin,
                    const char *label_prefix, char *err, size_t err_len);
/** Fills `port` with this store's functions. */
void as_p11_port(as_p11 *p, as_keys_port *port);
/** Logs out, closes the session, finalises and unloads the module. */
void as_p11_close(as_p11 *p);

/* ---- PSA Crypto --------------------------------------------------------------------------------- */

/** PSA persistent key id of protocol slot N: AS_PSA_KEY_ID_BASE + N (PSA_KEY_ID_USER_MIN..MAX). */
#ifndef AS_PSA_KEY_ID_BASE
#define AS_PSA_KEY_ID_BASE 0x00415300u
#endif
/** Initialises PSA Crypto (psa_crypto_init). Returns AS_OK or AS_E_INTERNAL. */
int as_psa_init(void);
/** Fills `port` with the PSA key store's functions (no context needed). */
void as_psa_port(as_keys_port *port);

/* ---- slow operations -------------------------------------------------------------------------- */

/**
 * Runs `fn(arg)` so the protocol keeps answering: on a worker thread while this thread calls
 * as_progress(dev, …) every 100 ms (POSIX), or directly when built with AS_NO_THREADS.
 */
int as_run_blocking(struct as_dev *dev, int (*fn)(void *arg), void *arg);

#endif
