/**
 * `asset-station sim device --count N [--json] [--keygen-delay ms] [--baud n] [--fault …]`: runs N
 * simulated devices (sim/device) on real PTYs (socat) with stable symlinks under `<home>/sim/devices/`.
 * With --json it prints one line `{"devices":[{"uid","locator"}]}` once every device is ready. Runs
 * until SIGINT/SIGTERM, then removes its PTYs.
 *
 * Fault switches (`--fault` may repeat): boot-noise, log-noise, split-writes, refuse-when-locked,
 * corrupt=RATE, drop=RATE, slow=MS, no-response[=CMD,CMD], reset-on=CMD[:downMs], clone=UID.
 */
import type { Command } from 'commander';
import { COMMANDS as PROTOCOL_COMMANDS, type CommandName } from '../../shared/protocol';
import { KeyAlgorithm } from '../../shared/domain';
import { pregenerateKeys, startDeviceSimulator, type DeviceFaults } from '../../dev/simulators';
import { usageError, type CliContext } from '../context';
import { choiceOption, integerOption } from '../options';
import { simGroup } from './sim-group';

const usage = (msg: string) =>
  usageError(msg, 'Run `asset-station sim device --help` for the option syntax.');

function cmdName(s: string): CommandName {
  const c = s.toUpperCase();
  if (!(PROTOCOL_COMMANDS as readonly string[]).includes(c)) throw usage(`unknown command "${s}" in --fault`);
  return c as CommandName;
}

function rate(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || !(n >= 0 && n <= 1))
    throw usage(`--fault ${what}=RATE needs a number between 0 and 1`);
  return n;
}

/** Parses `--fault` values into fault switches and clone sources. @throws UsageError */
function parseFaults(list: string[]): { faults: DeviceFaults; clones: string[] } {
  const faults: DeviceFaults = {};
  const clones: string[] = [];
  for (const item of list) {
    const [key, val] = item.split('=', 2) as [string, string | undefined];
    switch (key) {
      case 'boot-noise':
        faults.bootNoise = true;
        break;
      case 'log-noise':
        faults.logNoise = true;
        break;
      case 'split-writes':
        faults.splitWrites = true;
        break;
      case 'refuse-when-locked':
        faults.refuseWhenLocked = true;
        break;
      case 'corrupt':
        faults.corruptRate = rate(val, key);
        break;
      case 'drop':
        faults.dropRate = rate(val, key);
        break;
      case 'slow':
        faults.slowMs = integerOption(val ?? '', '--fault slow=MS', 0, 600_000);
        break;
      case 'no-response':
        faults.noResponse = val ? val.split(',').map(cmdName) : true;
        break;
      case 'reset-on': {
        if (!val) throw usage('--fault reset-on=CMD[:downMs] needs a command');
        const [c, ms] = val.split(':');
        faults.resetOn = {
          command: cmdName(c!),
          ...(ms ? { downMs: integerOption(ms, '--fault reset-on=CMD:downMs', 0, 600_000) } : {}),
        };
        break;
      }
      case 'clone':
        if (!val) throw usage('--fault clone=UID needs the UID to clone');
        clones.push(val);
        break;
      default:
        throw usage(`unknown fault "${item}"`);
    }
  }
  return { faults, clones };
}

export function register(program: Command, ctx: () => CliContext): void {
  simGroup(program)
    .command('device')
    .description('run simulated devices on PTYs until SIGINT/SIGTERM')
    .option('--count <n>', 'number of devices', '1')
    .option(
      '--keygen-delay <ms>',
      'key generation time in ms (default: EC 300, RSA-2048 1500, RSA-3072 3000)',
    )
    .option('--baud <n>', 'simulated UART speed in bit/s', '115200')
    .option('--max-frame <bytes>', 'largest frame the devices accept', '512')
    .option('--alg <list>', 'key algorithm per device, cycled (e.g. ECDSA-P256,RSA-2048)')
    .option('--uid-prefix <p>', 'UID prefix', 'SIM-')
    .option(
      '--pregenerate-keys',
      "make each device's first key pair before it reports ready (with --alg; for benchmarks)",
    )
    .option(
      '--fault <f>',
      'fault switch (repeatable): boot-noise, log-noise, split-writes, corrupt=R, drop=R, slow=MS, no-response[=CMDS], reset-on=CMD[:ms], refuse-when-locked, clone=UID',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(
      async (o: {
        count: string;
        keygenDelay?: string;
        baud: string;
        maxFrame: string;
        alg?: string;
        uidPrefix: string;
        fault: string[];
        pregenerateKeys?: boolean;
      }) => {
        const c = ctx();
        const count = integerOption(o.count, '--count', 1, 64);
        const baud = integerOption(o.baud, '--baud', 300, 4_000_000);
        const maxFrame = integerOption(o.maxFrame, '--max-frame', 256, 8192);
        const keygenDelayMs =
          o.keygenDelay !== undefined
            ? integerOption(o.keygenDelay, '--keygen-delay', 0, 600_000)
            : undefined;
        const keyAlgorithms = o.alg
          ?.split(',')
          .map((a) => choiceOption(a.trim(), '--alg', KeyAlgorithm.options));
        const { faults, clones } = parseFaults(o.fault);
        // the keys the devices will make, made before "ready" (device i has the i-th algorithm, cycled)
        if (o.pregenerateKeys && keyAlgorithms)
          await pregenerateKeys(
            Array.from({ length: count }, (_, i) => keyAlgorithms[i % keyAlgorithms.length]!),
          );
        const simulator = await startDeviceSimulator({
          home: c.newHome, // the simulators may run in a home of their own, created here
          count,
          baudRate: baud,
          maxFrame,
          transport: 'pty',
          faults,
          uidPrefix: o.uidPrefix,
          clones: clones.map((of) => ({ of })),
          ...(keyAlgorithms ? { keyAlgorithms } : {}),
          ...(keygenDelayMs !== undefined ? { keygenDelayMs } : {}),
        });
        const devices = simulator.devices.map((d) => ({ uid: d.uid, locator: d.locator }));
        if (c.json) process.stdout.write(JSON.stringify({ devices }) + '\n');
        else {
          for (const d of simulator.devices) c.info(`${d.uid}  ${d.locator}  ${d.model}`);
          c.info('Simulated devices ready. Press Ctrl+C to stop.');
        }
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await simulator.stop();
        if (!c.json) c.info('Simulated devices stopped; PTYs removed.');
      },
    );
}
