/**
 * Issue 16: errors by failure class — the class fits the symptom, the remedy fits the class (a noisy
 * link is not blamed on the firmware), step names are the screen's, times are rounded, no OS jargon.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../shared/errors';
import { benchFailure, failureClass, FAILURE_CLASSES, plainText } from '../../../shared/failure-class';

describe('failure classes', () => {
  it('every device, configuration and org code has a class; a bug has none', () => {
    const classes = new Set(ERROR_CODES.map((c) => failureClass(c)).filter(Boolean));
    expect([...classes].sort()).toEqual([...FAILURE_CLASSES].sort());
    for (const c of ERROR_CODES.filter((c) => /^(DEVICE|ORG|CA)_/.test(c)))
      expect(failureClass(c), c).toBeDefined();
    expect(failureClass('INTERNAL')).toBeUndefined();
  });

  it('a garbled answer is LINK NOISE with a cable remedy, not "update the firmware"', () => {
    const f = benchFailure({
      code: 'DEVICE_PROTOCOL',
      message: 'The device sent a frame that is not protocol v1.',
      remedy:
        'The device firmware does not implement protocol v1 as the station expects: update the firmware. The job keeps its progress: press Retry to resume at "Certificate request".',
    });
    expect(f.failureClass).toBe('LINK NOISE');
    expect(f.remedy).toMatch(/reseat the cable/);
    expect(f.remedy).not.toMatch(/update the firmware/);
    // The saga's keep-your-progress advice survives.
    expect(f.remedy).toMatch(/press Retry to resume at "Certificate request"\.$/);
  });

  it('step ids become the screen step names; OS error names become words', () => {
    expect(plainText('press Retry to resume at "csr"')).toBe(
      'press Retry to resume at "Certificate request"',
    );
    expect(plainText('write failed: bad file descriptor')).toBe('write failed: the port was closed');
    expect(plainText('Error: EBADF')).not.toMatch(/EBADF/);
    // Short figures and unknown quoted words stay as they are.
    expect(plainText('took 250 ms at "Bay 3"')).toBe('took 250 ms at "Bay 3"');
  });

  // Each case: the error as the station raised it → the failure the bench shows; `match` says whether the
  // whole failure is given (toEqual) or only the fields the case is about (toMatchObject).
  it.each([
    {
      title: 'a silent device is NOT RESPONDING, within whole seconds, without the command name',
      error: {
        code: 'DEVICE_TIMEOUT',
        message: 'The device at serial:/dev/ttyUSB0 did not answer HELLO within 11269 ms.',
        remedy: 'x',
      },
      match: 'toMatchObject',
      shown: {
        failureClass: 'NOT RESPONDING',
        message: 'The device at serial:/dev/ttyUSB0 did not answer within 11 s.',
      },
    },
    {
      title: 'org failures keep their specific remedy',
      error: { code: 'ORG_UNAVAILABLE', message: 'Salesforce did not answer.', remedy: 'Wait and retry.' },
      match: 'toEqual',
      shown: { failureClass: 'ORG', message: 'Salesforce did not answer.', remedy: 'Wait and retry.' },
    },
  ] as const)('$title', ({ error, match, shown }) => {
    (expect(benchFailure(error))[match] as (expected: object) => void)(shown);
  });

  it('configuration failures are CONFIGURATION', () => {
    expect(benchFailure({ code: 'CA_PASSPHRASE', message: 'm', remedy: 'r' }).failureClass).toBe(
      'CONFIGURATION',
    );
  });
});
