/**
 * `asset-station sim nrf91 --count N [--json] [--eol crlf|cr|lf] [--keygen-delay ms] [--fault …]`:
 * runs N simulated Nordic nRF91 modems (sim/nrf91, AT commands on stock modem firmware) on real PTYs
 * (socat; loopback TCP where socat is missing) until SIGINT/SIGTERM. With --json it prints one line
 * `{"modems":[{"imei","uid","locator"}]}` once ready.
 *
 * Fault switches (`--fault` may repeat): boot-noise, split-writes, bootloader, cme=CMD:N (answer the
 * first CMD with +CME ERROR: N), reset-on=CMD (the modem restarts while running CMD).
 */
import type { Command } from 'commander';
import { startModemSimulator, type ModemFaults } from '../../dev/simulators';
import { usageError, type CliContext } from '../context';
import { choiceOption, integerOption } from '../options';
import { simGroup } from './sim-group';

const usage = (msg: string) => usageError(msg, 'Run `asset-station sim nrf91 --help` for the option syntax.');

const atCommand = (s: string | undefined, what: string): string => {
  if (!s || !/^AT[%+][A-Z]+$/i.test(s))
    throw usage(`--fault ${what} needs an AT command name such as AT%KEYGEN`);
  return s.toUpperCase();
};

/** Parses `--fault` values. @throws UsageError */
function parseFaults(list: string[]): ModemFaults {
  const f: ModemFaults = {};
  for (const item of list) {
    const [key, val] = item.split('=', 2) as [string, string | undefined];
    if (key === 'boot-noise') f.bootNoise = true;
    else if (key === 'split-writes') f.splitWrites = true;
    else if (key === 'bootloader') f.bootloader = true;
    else if (key === 'reset-on') f.resetOn = atCommand(val, 'reset-on=CMD');
    else if (key === 'cme') {
      const [c, n] = (val ?? '').split(':');
      f.cme = {
        command: atCommand(c, 'cme=CMD:N'),
        code: integerOption(n ?? '', '--fault cme=CMD:N', 0, 65535),
      };
    } else throw usage(`unknown fault "${item}"`);
  }
  return f;
}

const EOL = { crlf: '\r\n', cr: '\r', lf: '\n' } as const;

export function register(program: Command, ctx: () => CliContext): void {
  simGroup(program)
    .command('nrf91')
    .description('run simulated Nordic nRF91 modems (AT commands) on PTYs until SIGINT/SIGTERM')
    .option('--count <n>', 'number of modems', '1')
    .option('--keygen-delay <ms>', 'key generation time in ms', '200')
    .option('--eol <e>', 'line end of the modem output: crlf, cr or lf', 'crlf')
    .option(
      '--fault <f>',
      'fault switch (repeatable): boot-noise, split-writes, bootloader, cme=CMD:N, reset-on=CMD',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (o: { count: string; keygenDelay: string; eol: string; fault: string[] }) => {
      const c = ctx();
      const count = integerOption(o.count, '--count', 1, 64);
      const keygenDelayMs = integerOption(o.keygenDelay, '--keygen-delay', 0, 600_000);
      const eol = EOL[choiceOption(o.eol, '--eol', ['crlf', 'cr', 'lf'] as const)];
      const sim = await startModemSimulator({
        home: c.newHome, // the simulators may run in a home of their own, created here
        count,
        keygenDelayMs,
        eol,
        faults: parseFaults(o.fault),
      });
      const modems = sim.modems.map((m) => ({ imei: m.imei, uid: m.uid, locator: m.locator }));
      if (c.json) process.stdout.write(JSON.stringify({ modems }) + '\n');
      else {
        for (const m of sim.modems) c.info(`${m.uid}  ${m.locator}  ${m.model}`);
        c.info('Simulated nRF91 modems ready. Press Ctrl+C to stop.');
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await sim.stop();
      if (!c.json) c.info('Simulated modems stopped.');
    });
}
