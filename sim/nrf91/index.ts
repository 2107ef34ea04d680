/**
 * nRF91 modem simulator (issue 12): N simulated Nordic nRF91 modems on stock modem firmware, each on a
 * real PTY (socat, stable link `<home>/sim/modems/<imei>`), a loopback TCP port (`tcp:127.0.0.1:PORT`,
 * where socat is missing) or an in-process `sim:nrf91-<imei>` endpoint. State lives in memory (a new run
 * is a factory-fresh modem) unless `persist` keeps it in `<home>/sim/modem-state/` (./state.ts).
 * Behaviour: ./modem.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StreamEndpoint } from '../../shared/protocol';
import { MemoryPort, PtyPort, TcpPort, findSocat, type SimPort } from '../device/ports';
import { SimModem, type ModemFaults, type ModemProfile } from './modem';
import { loadModemState, saveModemState } from './state';

export type { ModemFaults, ModemProfile } from './modem';
export { SimModem } from './modem';

/** Options of {@link startModemSimulator}. */
export interface ModemSimulatorOptions {
  home: string;
  count: number;
  /** `pty` (default when socat exists), loopback `tcp` (default otherwise) or in-process `sim`. */
  transport?: 'pty' | 'tcp' | 'sim';
  faults?: ModemFaults;
  /** Line end of the modems' output (default CR LF). */
  eol?: ModemProfile['eol'];
  /** Key generation time, ms (default 200). */
  keygenDelayMs?: number;
  /** First 8 digits of the IMEIs (type allocation code; default 35000091). */
  tac?: string;
  model?: string;
  firmware?: string;
  /** Keep each modem's credentials and identity key in `<home>/sim/modem-state/` across runs (default false). */
  persist?: boolean;
}

/** A running modem simulator. */
export interface ModemSimulator {
  modems: Array<{ imei: string; uid: string; locator: string; model: string }>;
  /** Runtime access to one modem (faults, stored credentials). @throws Error for an unknown IMEI */
  modem(imei: string): SimModem;
  /** The in-process endpoint of `sim:nrf91-<imei>` (transport `sim`). */
  endpoint(name: string): StreamEndpoint | undefined;
  stop(): Promise<void>;
}

/** Luhn check digit of 14 digits (an IMEI's 15th digit, 3GPP TS 23.003 §6.2.1). */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Starts the modems; resolves when every port can be opened. @throws Error when socat is missing for `pty`. */
export async function startModemSimulator(opts: ModemSimulatorOptions): Promise<ModemSimulator> {
  const home = path.resolve(opts.home);
  const transport = opts.transport ?? (findSocat() ? 'pty' : 'tcp');
  const dir = path.join(home, 'sim', 'modems');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tac = opts.tac ?? '35000091';
  const stateDir = path.join(home, 'sim', 'modem-state');
  const made: Array<{ modem: SimModem; port: SimPort; name: string }> = [];
  for (let i = 0; i < opts.count; i++) {
    const body = `${tac}${String(i + 1).padStart(6, '0')}`;
    const imei = body + luhnDigit(body);
    const name = `nrf91-${imei}`;
    const port: SimPort =
      transport === 'pty'
        ? new PtyPort(path.join(dir, imei))
        : transport === 'tcp'
          ? new TcpPort()
          : new MemoryPort(name);
    const modem = new SimModem(
      {
        imei,
        model: opts.model ?? 'nRF9160-SICA',
        firmware: opts.firmware ?? 'mfw_nrf9160_1.3.5',
        ...(opts.eol ? { eol: opts.eol } : {}),
        ...(opts.keygenDelayMs !== undefined ? { keygenDelayMs: opts.keygenDelayMs } : {}),
      },
      (b) => port.write(b),
      { ...opts.faults },
      opts.persist ? loadModemState(stateDir, imei) : undefined,
      opts.persist ? (st) => saveModemState(stateDir, imei, st) : undefined,
    );
    made.push({ modem, port, name });
  }
  try {
    for (const m of made) {
      await m.port.plug((b) => m.modem.input(b));
    }
  } catch (e) {
    await Promise.all(made.map((m) => m.port.unplug().catch(() => {})));
    throw e;
  }
  let stopped = false;
  return {
    modems: made.map((m) => ({
      imei: m.modem.profile.imei,
      uid: `IMEI-${m.modem.profile.imei}`,
      locator: m.port.locator,
      model: m.modem.profile.model,
    })),
    modem(imei) {
      const m = made.find((x) => x.modem.profile.imei === imei);
      if (!m) throw new Error(`no simulated modem ${imei}`);
      return m.modem;
    },
    endpoint(name) {
      const m = made.find((x) => x.name === name);
      return m && m.port instanceof MemoryPort ? m.port.endpoint : undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(made.map((m) => m.port.unplug()));
    },
  };
}
