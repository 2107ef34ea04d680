/**
 * Shared setup of the nRF91 CLI tests: a CLI station home (no simulated RSA devices) and simulated nRF91
 * modems on real PTYs (keygen 50 ms) in that home, started before the file's first test and stopped after
 * its last.
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startModemSimulator, type ModemFaults, type ModemSimulator } from '../../../sim/nrf91';
import { startCliHome, type CliHome } from './cli-run';

/** The home and modems of one test file; both are set before its first test runs. */
export interface ModemHome {
  env: CliHome;
  modems: ModemSimulator;
}

/** Starts `count` modems (with `faults`) and a CLI home locked with `passphrase` for the test file. */
export function useModemHome(passphrase: string, count: number, faults?: ModemFaults): ModemHome {
  const setup = {} as ModemHome;
  beforeAll(async () => {
    setup.env = await startCliHome(passphrase, 0);
    setup.modems = await startModemSimulator({
      home: path.join(setup.env.home, 'modems'),
      count,
      transport: 'pty',
      keygenDelayMs: 50,
      ...(faults ? { faults } : {}),
    });
  }, 60_000);
  afterAll(async () => {
    await setup.modems?.stop();
    await setup.env?.stop();
  });
  return setup;
}
