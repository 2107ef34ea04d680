/**
 * Interactive `asset-station config init`: asks for each setting in turn with its default shown in
 * brackets (Enter keeps it), checks each answer at once against the settings schema (a bad answer is
 * said and asked again), and returns the answers as the same flags `config init` takes — so the
 * interactive and the flag paths write through one function (settingsFromFlags).
 */
import readline from 'node:readline';
import type { StationConfig } from '../shared/domain';
import { StationError, isStationError } from '../shared/errors';

/** The answers, keyed like the `config init` flags (camel-cased by commander). */
export type InitAnswers = Partial<
  Record<
    | 'stationId'
    | 'orgUrl'
    | 'clientId'
    | 'authFlow'
    | 'username'
    | 'account'
    | 'apiVersion'
    | 'externalIdField'
    | 'keyAlgorithm'
    | 'labelPrinter',
    string
  >
>;

/** One question: the flag it answers, its words, its default (from the settings in force). */
interface Question {
  key: keyof InitAnswers;
  flag: string;
  label: string;
  initial(c: StationConfig): string;
  /** Asked only when this holds for the answers so far. */
  when?(a: InitAnswers, c: StationConfig): boolean;
}

/** The questions in order; `flag` is the `config init` flag that sets the same value. */
export const QUESTIONS: Question[] = [
  { key: 'stationId', flag: '--station-id', label: 'Station ID', initial: (c) => c.stationId },
  {
    key: 'orgUrl',
    flag: '--org-url',
    label: 'Salesforce login URL',
    initial: (c) => c.salesforce.loginUrl,
  },
  {
    key: 'clientId',
    flag: '--client-id',
    label: 'Consumer key of the External Client App',
    initial: (c) => c.salesforce.clientId,
  },
  {
    key: 'authFlow',
    flag: '--auth-flow',
    label: 'Sign-in: pkce (an operator signs in) or jwt (unattended station)',
    initial: (c) => c.salesforce.authFlow,
  },
  {
    key: 'username',
    flag: '--username',
    label: 'Salesforce username the station signs in as',
    initial: (c) => c.salesforce.username ?? '',
    when: (a, c) => (a.authFlow ?? c.salesforce.authFlow) === 'jwt',
  },
  {
    key: 'account',
    flag: '--account',
    label: 'Default Account Id for new Assets (blank: none)',
    initial: (c) => c.salesforce.accountId ?? '',
  },
  {
    key: 'apiVersion',
    flag: '--api-version',
    label: 'Salesforce API version',
    initial: (c) => c.salesforce.apiVersion,
  },
  {
    key: 'externalIdField',
    flag: '--external-id-field',
    label: 'Asset external ID field',
    initial: (c) => c.salesforce.externalIdField,
  },
  {
    key: 'keyAlgorithm',
    flag: '--key-algorithm',
    label: 'Device key algorithm (ECDSA-P256, RSA-2048, RSA-3072)',
    initial: (c) => c.device.keyAlgorithm,
  },
  {
    key: 'labelPrinter',
    flag: '--label-printer',
    label: 'Network label printer host[:port] (blank: none)',
    initial: (c) => c.bench?.labelPrinter ?? '',
  },
];

/** Where the questions go and the answers come from. */
export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/**
 * Asks every question of {@link QUESTIONS} on `io`.
 * @param defaults the settings offered as defaults.
 * @param check throws (StationError) when one answer, on its own over the defaults, is not valid; the
 *   message and remedy are shown and the question asked again.
 * @returns the answers that differ from nothing (blank answers to optional values are left out).
 * @throws StationError CANCELLED when the input ends before the last answer (nothing is written).
 */
export async function askSettings(
  io: PromptIo,
  defaults: StationConfig,
  check: (a: InitAnswers) => void,
): Promise<InitAnswers> {
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const rl = readline.createInterface({ input: io.input, terminal: false });
  rl.on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  const next = async (): Promise<string | undefined> => {
    while (!lines.length && !ended) await new Promise<void>((r) => (wake = r));
    return lines.shift();
  };
  const answers: InitAnswers = {};
  io.output.write('Answer each question; Enter keeps the value in brackets.\n');
  try {
    for (const q of QUESTIONS) {
      if (q.when && !q.when(answers, defaults)) continue;
      const initial = q.initial(defaults);
      for (;;) {
        io.output.write(`${q.label} [${initial}]: `);
        const line = await next();
        if (line === undefined)
          throw new StationError(
            'CANCELLED',
            'The answers ended before every setting was given; nothing was written.',
            'Run asset-station config init again in a terminal, or pass the values as flags (asset-station config init --help).',
          );
        const value = line.trim() === '' ? initial : line.trim();
        if (value === '') break; // an optional value left blank
        try {
          check({ [q.key]: value });
          answers[q.key] = value;
          break;
        } catch (e) {
          if (!isStationError(e)) throw e;
          // The schema's words for the one field ("salesforce.loginUrl: Invalid URL"), not the file's.
          const why = e.message.replace(/^The .* is invalid: /, '').replace(/\.$/, '');
          io.output.write(`  Not accepted: ${why}. Enter another value (Enter alone keeps [${initial}]).\n`);
        }
      }
    }
  } finally {
    rl.close();
  }
  return answers;
}
