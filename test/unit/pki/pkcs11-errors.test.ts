/**
 * What an operator reads when the HSM says no: every PKCS#11 return value the station can meet maps to
 * a station error with a cause and a remedy. (A locked PIN cannot be provoked on SoftHSM2, which never
 * locks, so its wording is checked here; the others are also met for real in hsm.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { TOKEN_LOST, ckrName, tokenError } from '../../../core/pki/pkcs11-token';

const ref = { module: '/usr/lib/vendor/libhsm.so', token: 'factory-ca' };
/** What pkcs11js throws: an Error whose message is the CKR name. */
const ckr = (name: string) => Object.assign(new Error(name), { code: 1 });

describe('PKCS#11 errors', () => {
  it('reads the CKR name from a pkcs11js error', () => {
    expect(ckrName(ckr('CKR_PIN_INCORRECT'))).toBe('CKR_PIN_INCORRECT');
    expect(ckrName(new Error('something else'))).toBeUndefined();
  });

  it('a locked PIN says the token will not sign and how the security officer unblocks it', () => {
    const e = tokenError(ckr('CKR_PIN_LOCKED'), ref, 'logging in');
    expect(e.code).toBe('CA_PASSPHRASE');
    expect(e.message).toBe(
      "The user PIN of HSM token 'factory-ca' (/usr/lib/vendor/libhsm.so) is locked after too many wrong attempts, so the token will not sign.",
    );
    expect(e.remedy).toMatch(
      /security officer unblock it .*--login-type so --init-pin.*asset-station ca pin/,
    );
    expect(e.details).toEqual({ pin: 'locked' });
  });

  it('a wrong PIN warns against retrying blindly', () => {
    const e = tokenError(ckr('CKR_PIN_INCORRECT'), ref, 'logging in');
    expect(e.code).toBe('CA_PASSPHRASE');
    expect(e.remedy).toMatch(/ASSET_STATION_TOKEN_PIN.*Do not retry blindly/);
  });

  it('an expired PIN says to change it', () => {
    expect(tokenError(ckr('CKR_PIN_EXPIRED'), ref, 'logging in')).toMatchObject({
      code: 'CA_PASSPHRASE',
      message: expect.stringMatching(/has expired/),
      remedy: expect.stringMatching(/--change-pin/),
    });
  });

  it.each(['CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT', 'CKR_SESSION_HANDLE_INVALID', 'CKR_DEVICE_ERROR'])(
    '%s while signing: the token went away, nothing was signed, reconnect it and resume',
    (name) => {
      expect(TOKEN_LOST.has(name)).toBe(true);
      const e = tokenError(ckr(name), ref, 'signing');
      expect(e.code).toBe('CA_SIGNER_UNAVAILABLE');
      expect(e.message).toBe(
        `HSM token 'factory-ca' (/usr/lib/vendor/libhsm.so) stopped answering while signing (${name}): it was removed, lost power, or was reset. Nothing was signed.`,
      );
      expect(e.remedy).toMatch(/Reconnect the HSM token .* then resume the job/);
    },
  );

  it('any other refusal names the CKR and the operation', () => {
    const e = tokenError(ckr('CKR_MECHANISM_INVALID'), ref, 'generating a RSA-3072 key');
    expect(e.code).toBe('CA_SIGNER_UNAVAILABLE');
    expect(e.message).toBe(
      "HSM token 'factory-ca' (/usr/lib/vendor/libhsm.so) refused generating a RSA-3072 key: CKR_MECHANISM_INVALID.",
    );
    expect(e.details).toEqual({ ckr: 'CKR_MECHANISM_INVALID' });
  });
});
