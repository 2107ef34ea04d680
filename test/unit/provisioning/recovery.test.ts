/** The recovery policy after a failed step attempt, as a pure function of the error and attempt. */
import { describe, expect, it } from 'vitest';
import type { StationErrorShape } from '../../../shared/errors';
import {
  BUSY_MAX_ATTEMPTS,
  BUSY_RETRY_DELAY_MS,
  PROTOCOL_MAX_ATTEMPTS,
  PROTOCOL_RETRY_DELAY_MS,
  RECONNECT_MAX_ATTEMPTS,
  RECONNECT_WINDOW_MS,
  SIGNER_RETRY_DELAY_MS,
  deviceWentAway,
  planRecovery,
} from '../../../core/jobs/recovery';

const err = (code: StationErrorShape['code'], details?: Record<string, unknown>): StationErrorShape => ({
  code,
  message: 'm',
  remedy: 'r',
  ...(details ? { details } : {}),
});

describe('recovery policy', () => {
  it('waits out a BUSY device, then gives up', () => {
    const busy = err('DEVICE_REFUSED', { deviceError: 'BUSY' });
    expect(planRecovery(busy, 1)).toEqual({ kind: 'wait-busy', delayMs: BUSY_RETRY_DELAY_MS });
    expect(planRecovery(busy, BUSY_MAX_ATTEMPTS - 1).kind).toBe('wait-busy');
    expect(planRecovery(busy, BUSY_MAX_ATTEMPTS).kind).toBe('give-up');
  });

  it('retries a garbled exchange once on a fresh connection', () => {
    const garbled = err('DEVICE_PROTOCOL');
    expect(planRecovery(garbled, 1)).toEqual({ kind: 'reopen', delayMs: PROTOCOL_RETRY_DELAY_MS });
    expect(PROTOCOL_MAX_ATTEMPTS).toBe(2);
    expect(planRecovery(garbled, 2).kind).toBe('give-up');
  });

  it('waits for a vanished device to come back, a bounded number of times', () => {
    for (const code of ['DEVICE_PORT_VANISHED', 'DEVICE_TIMEOUT', 'DEVICE_PORT_NOT_FOUND'] as const) {
      expect(deviceWentAway(err(code))).toBe(true);
      expect(planRecovery(err(code), 1).kind).toBe('wait-for-return');
      expect(planRecovery(err(code), RECONNECT_MAX_ATTEMPTS - 1).kind).toBe('wait-for-return');
      expect(planRecovery(err(code), RECONNECT_MAX_ATTEMPTS).kind).toBe('give-up');
    }
  });

  it('never retries a trust decision or an org refusal', () => {
    for (const code of [
      'CLONE_SUSPECTED',
      'CERT_REVOKED',
      'CSR_POLICY',
      'POP_FAILED',
      'DEVICE_MISMATCH',
      'ORG_REJECTED',
      'JOURNAL_CORRUPT',
    ] as const) {
      expect(deviceWentAway(err(code))).toBe(false);
      expect(planRecovery(err(code), 1).kind, code).toBe('give-up');
    }
  });

  it('pauses on an unreachable CA signer (HSM token) for about the wait window, then gives up', () => {
    const hsm = err('CA_SIGNER_UNAVAILABLE');
    expect(deviceWentAway(hsm)).toBe(false);
    expect(planRecovery(hsm, 1)).toEqual({ kind: 'wait-for-signer', delayMs: SIGNER_RETRY_DELAY_MS });
    const last = Math.ceil(RECONNECT_WINDOW_MS / SIGNER_RETRY_DELAY_MS) - 1;
    expect(planRecovery(hsm, last).kind).toBe('wait-for-signer');
    expect(planRecovery(hsm, last + 1).kind).toBe('give-up');
    // A shorter window (tests, or a station that gives up sooner) ends the pause sooner.
    expect(planRecovery(hsm, 3, 3 * SIGNER_RETRY_DELAY_MS).kind).toBe('give-up');
    expect(planRecovery(hsm, 2, 3 * SIGNER_RETRY_DELAY_MS).kind).toBe('wait-for-signer');
  });
});
