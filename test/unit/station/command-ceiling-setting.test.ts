/**
 * The per-command ceiling as a station setting (`device.commandCeilingsMs`, issue 11): range-checked
 * (1 s to 1 h, whole ms, capitalised command names) with errors naming the field and the range, handed
 * to the drivers through the options bays and jobs open devices with, and capping a step's longer
 * built-in timeout (commandDeadlineMs).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../../core/config';
import { commandDeadlineMs } from '../../../core/device/types';
import { deviceOpenOptions } from '../../../core/settings';
import { StationError } from '../../../shared/errors';

const withCeilings = (c: unknown) => {
  const base = defaultConfig();
  return { ...base, device: { ...base.device, commandCeilingsMs: c } };
};

describe('command ceiling setting', () => {
  it('absent by default: the drivers keep their own figures', () => {
    expect(defaultConfig().device.commandCeilingsMs).toBeUndefined();
    expect(deviceOpenOptions(defaultConfig()).commandCeilingsMs).toBeUndefined();
  });

  it('accepts the ends of the range and reaches the open options', () => {
    const c = parseConfig(withCeilings({ KEYGEN: 1000, '%KEYGEN': 3_600_000 }));
    expect(deviceOpenOptions(c).commandCeilingsMs).toEqual({ KEYGEN: 1000, '%KEYGEN': 3_600_000 });
  });

  it.each([
    [{ KEYGEN: 999 }, /device\.commandCeilingsMs\.KEYGEN: a command ceiling is at least 1000 ms \(1 s\)/],
    [{ KEYGEN: 3_600_001 }, /a command ceiling is at most 3600000 ms \(1 hour\)/],
    [{ KEYGEN: 1500.5 }, /a command ceiling is a whole number of milliseconds/],
    [{ keygen: 5000 }, /a command name is in capitals, e\.g\. KEYGEN or %KEYGEN/],
    [{ KEYGEN: '5000' }, /device\.commandCeilingsMs/],
  ])('refuses %j with CONFIG_INVALID naming the field and the range', (c, msg) => {
    let err: unknown;
    try {
      parseConfig(withCeilings(c));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StationError);
    expect((err as StationError).code).toBe('CONFIG_INVALID');
    expect((err as StationError).message).toMatch(msg);
  });

  it("caps a caller's longer timeout; without one the ceiling, else the driver default", () => {
    expect(commandDeadlineMs(120_000, 2000, 30_000)).toBe(2000);
    expect(commandDeadlineMs(1500, 2000, 30_000)).toBe(1500);
    expect(commandDeadlineMs(undefined, 2000, 30_000)).toBe(2000);
    expect(commandDeadlineMs(undefined, undefined, 30_000)).toBe(30_000);
    expect(commandDeadlineMs(120_000, undefined, 30_000)).toBe(120_000);
  });
});
