/**
 * The nRF91 family entry: probe an open line with `AT` (a modem answers `OK`), then drive it with
 * {@link Nrf91Driver}. Facts and sources: docs/nrf91.md.
 */
import { StationError } from '../../../../shared/errors';
import type { Transport } from '../../transport';
import type { OpenOptions } from '../../types';
import { AtChannel } from './channel';
import { DEFAULT_SEC_TAG, Nrf91Driver } from './driver';

export { Nrf91Driver, NRF91_CAPABILITIES, DEFAULT_SEC_TAG, IMEI_UID_PREFIX, certificatePem } from './driver';
export { AtChannel } from './channel';
export { cmeError } from './errors';

/**
 * Sends `AT` (up to 3 tries of `timeoutMs`/3 each, default 1500 in all: a modem that just woke may
 * drop the first). Resolves the driver (owning the transport), or undefined (transport closed).
 * @throws StationError DEVICE_BOOTLOADER, DEVICE_PORT_*
 */
export async function probeNrf91(
  t: Transport,
  opts: OpenOptions & { secTag?: number },
  timeoutMs = 1500,
): Promise<Nrf91Driver | undefined> {
  const at = new AtChannel(t, opts.onDeviceLog);
  for (let i = 0; i < 3; i++) {
    try {
      await at.command('AT', { timeoutMs: Math.max(200, Math.floor(timeoutMs / 3)) });
      return new Nrf91Driver(at, opts.secTag ?? DEFAULT_SEC_TAG, opts.commandCeilingsMs);
    } catch (e) {
      if (
        !(e instanceof StationError) ||
        !['DEVICE_TIMEOUT', 'DEVICE_REFUSED', 'DEVICE_RESET'].includes(e.code)
      ) {
        await at.close().catch(() => {});
        throw e;
      }
    }
  }
  await at.close().catch(() => {});
  return undefined;
}
