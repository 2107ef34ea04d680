import { describe, expect, it } from 'vitest';
import { createStationClient, type Carrier } from '../../../shared/api-client';
import { dispatchCall } from '../../../shared/api-server';
import type { StationMethods } from '../../../shared/api';
import { StationError } from '../../../shared/errors';

/** A carrier that passes calls straight to dispatchCall, like both real transports do after framing. */
function loopback(core: Partial<StationMethods>): {
  carrier: Carrier;
  emit: (e: string, p: unknown) => void;
} {
  let sink: (e: string, p: unknown) => void = () => {};
  return {
    carrier: {
      call: (m, p) => dispatchCall(core as StationMethods, m, p),
      onEvent: (s) => {
        sink = s;
      },
    },
    emit: (e, p) => sink(e, p),
  };
}

describe('station API contract', () => {
  it('round-trips a valid call', async () => {
    const { carrier } = loopback({ ping: async ({ nonce }) => ({ nonce, at: '2026-01-01T00:00:00.000Z' }) });
    const api = createStationClient(carrier);
    await expect(api.ping({ nonce: 'n1' })).resolves.toEqual({ nonce: 'n1', at: '2026-01-01T00:00:00.000Z' });
  });

  it('refuses a malformed request on the server even if a client skipped validation', async () => {
    const out = await dispatchCall({} as StationMethods, 'ping', { nonce: 42 });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.code).toBe('BAD_REQUEST');
  });

  it('refuses unknown methods and prototype names', async () => {
    for (const m of ['nope', '__proto__', 'constructor', 'toString']) {
      const out = await dispatchCall({} as StationMethods, m, {});
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.error.code).toBe('UNKNOWN_METHOD');
    }
  });

  it('turns a malformed core reply into INTERNAL, not a bad value in the UI', async () => {
    const { carrier } = loopback({ ping: async () => ({ nonce: 1 }) as never });
    const api = createStationClient(carrier);
    await expect(api.ping({ nonce: 'x' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('carries station errors with code, message and remedy', async () => {
    const { carrier } = loopback({
      ping: async () => {
        throw new StationError('DEVICE_TIMEOUT', 'The device did not answer.', 'Check the cable.');
      },
    });
    const api = createStationClient(carrier);
    await expect(api.ping({ nonce: 'x' })).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
      message: 'The device did not answer.',
      remedy: 'Check the cable.',
    });
  });

  it('delivers valid events and drops malformed ones', async () => {
    const { carrier, emit } = loopback({});
    const api = createStationClient(carrier);
    const seen: unknown[] = [];
    const off = api.on('log', (p) => seen.push(p));
    emit('log', { at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'hello' });
    emit('log', { at: 5, level: 'shout' });
    emit('nope', {});
    off();
    emit('log', { at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'after off' });
    expect(seen).toEqual([{ at: '2026-01-01T00:00:00.000Z', level: 'info', message: 'hello' }]);
  });
});
