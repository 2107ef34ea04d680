/**
 * The nRF91 sec tag as a station setting: defaulted, range-checked as Nordic documents (%CMNG
 * `<sec_tag>` 0–2147483647, larger values reserved for the modem: docs/nrf91.md), and handed to the
 * driver through the options bays and jobs open devices with.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE, defaultConfig, loadConfig, parseConfig, saveConfig } from '../../../core/config';
import { DEFAULT_SEC_TAG } from '../../../core/device/drivers/nrf91';
import { deviceOpenOptions } from '../../../core/settings';
import { StationError } from '../../../shared/errors';

const homes: string[] = [];
const home = () => {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-tag-'));
  homes.push(h);
  return h;
};
afterEach(() => {
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

const withTag = (t: unknown) => {
  const c = defaultConfig();
  return { ...c, device: { ...c.device, nrf91SecTag: t } };
};

describe('nRF91 sec tag setting', () => {
  it('defaults to 2024, also for a config file written before the setting existed', () => {
    expect(DEFAULT_SEC_TAG).toBe(2024);
    expect(defaultConfig().device.nrf91SecTag).toBe(2024);
    const h = home();
    const old = defaultConfig() as { device: Record<string, unknown> };
    delete old.device.nrf91SecTag;
    fs.writeFileSync(path.join(h, CONFIG_FILE), JSON.stringify(old));
    expect(loadConfig(h).device.nrf91SecTag).toBe(2024);
    const { device } = parseConfig(old);
    expect(deviceOpenOptions({ ...defaultConfig(), device }).secTag).toBe(2024);
  });

  it('accepts the ends of Nordic range and keeps a saved value', () => {
    for (const t of [0, 1, 16842753, 2147483647]) expect(parseConfig(withTag(t)).device.nrf91SecTag).toBe(t);
    const h = home();
    saveConfig(h, parseConfig(withTag(4242)));
    expect(loadConfig(h).device.nrf91SecTag).toBe(4242);
  });

  it.each([
    [-1, /device\.nrf91SecTag: an nRF91 sec tag is 0 or more/],
    [2147483648, /device\.nrf91SecTag: an nRF91 sec tag is at most 2147483647 \(larger ones are reserved/],
    [4294967295, /at most 2147483647/],
    [12.5, /device\.nrf91SecTag: an nRF91 sec tag is a whole number/],
    ['2024', /device\.nrf91SecTag/],
  ])('refuses %s with CONFIG_INVALID naming the field and the range', (t, msg) => {
    let err: unknown;
    try {
      parseConfig(withTag(t));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StationError);
    expect((err as StationError).code).toBe('CONFIG_INVALID');
    expect((err as StationError).message).toMatch(msg);
    expect((err as StationError).remedy).toMatch(/Correct the named fields/);
  });

  it('a reserved sec tag in config.json is refused at load, and the file is left as it was', () => {
    const h = home();
    const text = JSON.stringify(withTag(2147483648));
    fs.writeFileSync(path.join(h, CONFIG_FILE), text);
    expect(() => loadConfig(h)).toThrow(/nrf91SecTag: an nRF91 sec tag is at most 2147483647/);
    expect(fs.readFileSync(path.join(h, CONFIG_FILE), 'utf8')).toBe(text);
  });

  it('devices are opened with the configured sec tag and serial settings', () => {
    const c = parseConfig(withTag(777));
    expect(deviceOpenOptions(c)).toEqual({ baudRate: 115200, lineControl: 'keep-low', secTag: 777 });
  });
});
