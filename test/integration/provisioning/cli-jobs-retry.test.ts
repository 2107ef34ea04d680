/**
 * `asset-station jobs retry <jobId>`: the window's Retry on the command line, through the real binary
 * (child processes; simulated devices on real PTYs; the org emulator over HTTP, in this process). A job
 * that failed because Salesforce no longer has its Account is resumed with the customer's Account by a
 * signed-in technician and completes as the same job; nobody signed in and a QA inspector are refused
 * as in the window; a technician cannot move an interrupted job's device to another customer (the
 * attack fails, inputs unchanged) but resumes it as it was; an unknown or finished job is refused.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStationDb } from '../../../core/records/db';
import { startCliHome, type CliHome } from './cli-run';

const PASS = 'cli-jobs-retry-vault';
let h: CliHome;
beforeAll(async () => {
  h = await startCliHome(PASS, 2, 1500);
}, 60_000);
afterAll(async () => h?.stop());

const asAdmin = { ASSET_STATION_OPERATOR: 'boss', ASSET_STATION_OPERATOR_PIN: '975310' };
const asTech = { ASSET_STATION_OPERATOR: 'tom', ASSET_STATION_OPERATOR_PIN: '1357' };
const asQa = { ASSET_STATION_OPERATOR: 'quinn', ASSET_STATION_OPERATOR_PIN: '2468' };

interface Run {
  code: number | null;
  /** The JSON lines of stdout (NDJSON steps, then the result or an error object). */
  lines: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
}

/**
 * Runs `asset-station --home <h> --json …args` as a child process (asynchronously: the org emulator
 * answers from this process meanwhile). `onLine` sees each stdout line as it comes.
 */
function cli(env: Record<string, string>, args: string[], onLine?: (line: string) => void): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS };
  for (const k of ['ASSET_STATION_OPERATOR', 'ASSET_STATION_OPERATOR_PIN', 'ASSET_STATION_ADMIN_PIN'])
    delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/asset-station.js', '--home', h.home, '--json', ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    readline.createInterface({ input: child.stdout }).on('line', (l) => onLine?.(l.replace(/^\s+/, '')));
    child.on('exit', (code) => resolve({ code, lines: jsonDocuments(stdout), stdout, stderr }));
    child.on('error', () => resolve({ code: -1, lines: [], stdout, stderr }));
  });
}

/** The JSON documents of an output: NDJSON lines and pretty-printed ones (an error object) alike. */
function jsonDocuments(stdout: string): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  let buffer = '';
  for (const line of stdout.split('\n')) {
    if (!buffer && !line.startsWith('{')) continue;
    buffer += line + '\n';
    try {
      docs.push(JSON.parse(buffer) as Record<string, unknown>);
      buffer = '';
    } catch {
      // a document spread over several lines: read on
    }
  }
  return docs;
}

const errorOf = (r: Run) =>
  (r.lines.at(-1)?.error ?? {}) as { code?: string; message?: string; remedy?: string };

/** The Account REST resource of the emulated org. */
async function accountCall(method: 'POST' | 'DELETE', id?: string): Promise<string> {
  const res = await fetch(`${h.org.baseUrl}/services/data/v62.0/sobjects/Account${id ? `/${id}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${h.org.accessToken}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify({ Name: 'Initech Field Services' }) } : {}),
  });
  expect(res.status).toBe(method === 'POST' ? 201 : 204);
  return method === 'POST' ? ((await res.json()) as { id: string }).id : '';
}

function jobRow(uid: string): { id: string; state: string; inputs: string } {
  const db = openStationDb(h.home);
  try {
    return db
      .prepare(
        `SELECT id, state, inputs FROM jobs WHERE device_uid = ? AND kind = 'provision' ORDER BY rowid DESC`,
      )
      .get(uid) as { id: string; state: string; inputs: string };
  } finally {
    db.close();
  }
}

function provisionJobs(uid: string): number {
  const db = openStationDb(h.home);
  try {
    return (
      db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE device_uid = ? AND kind = 'provision'`).get(uid) as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

function audited(action: string): Array<{ actor: string; data: Record<string, unknown> }> {
  const db = openStationDb(h.home);
  try {
    return (
      db.prepare(`SELECT actor, data FROM audit WHERE action = ? ORDER BY seq`).all(action) as Array<{
        actor: string;
        data: string;
      }>
    ).map((r) => ({ actor: r.actor, data: JSON.parse(r.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

it('a job the org refused the Account of: retried from the command line with the roles of the window', async () => {
  const [d1] = h.sim.devices;
  const unknownJob = await cli({}, ['jobs', 'retry', 'no-such-job']);
  expect(unknownJob.code).toBe(1);
  expect(errorOf(unknownJob)).toMatchObject({
    code: 'NOT_FOUND',
    message: expect.stringMatching(/no job no-such-job/),
  });
  expect(errorOf(unknownJob).remedy).toContain('asset-station journal list');

  // The customer's Account exists at Start (pre-flight passes) and is deleted in Salesforce while the
  // device makes its key: the Asset step meets an Account the org no longer has.
  const doomed = await accountCall('POST');
  let deleted: Promise<string> | undefined;
  const failed = await cli({}, ['provision', '--port', d1!.locator, '--account', doomed], (l) => {
    if (!deleted && l.includes('"name":"identify"') && l.includes('"state":"done"'))
      deleted = accountCall('DELETE', doomed);
  });
  await deleted;
  expect(failed.code, failed.stderr).toBe(1);
  const job = jobRow(d1!.uid);
  expect(job.state).toBe('failed');
  expect(errorOf(failed).message).toMatch(/Salesforce has no Account with the Id given/);

  // operator accounts: an administrator, a technician, a QA inspector
  const add = (login: string, role: string, pin: string, as: Record<string, string>) =>
    cli({ ...as, ASSET_STATION_NEW_OPERATOR_PIN: pin }, [
      'operator',
      'add',
      login,
      '--name',
      login,
      '--role',
      role,
    ]);
  expect((await add('boss', 'admin', '975310', {})).code).toBe(0);
  expect((await add('tom', 'technician', '1357', asAdmin)).code).toBe(0);
  expect((await add('quinn', 'qa', '2468', asAdmin)).code).toBe(0);

  // as in the window: nobody signed in, or a role that does not provision, is refused; nothing runs
  const nobody = await cli({}, ['jobs', 'retry', job.id, '--account', h.org.defaultAccountId]);
  expect(nobody.code).toBe(1);
  expect(errorOf(nobody).code).toBe('UNAUTHORIZED');
  const qa = await cli(asQa, ['jobs', 'retry', job.id, '--account', h.org.defaultAccountId]);
  expect(qa.code).toBe(1);
  expect(errorOf(qa)).toMatchObject({
    code: 'UNAUTHORIZED',
    message: expect.stringMatching(/signed in as a QA inspector/),
  });
  expect(jobRow(d1!.uid)).toEqual(job);

  // the technician gives the customer's Account (the org refused the old one: no administrator needed)
  const retried = await cli(asTech, ['jobs', 'retry', job.id, '--account', h.org.defaultAccountId]);
  expect(retried.code, retried.stderr + retried.stdout).toBe(0);
  const steps = retried.lines.filter((l) => l.type === 'step').map((l) => l.name);
  expect(steps).toContain('upsert-asset');
  expect(steps).not.toContain('keygen'); // resumed from its last finished step: the key is not made again
  const result = retried.lines.at(-1) as {
    type: string;
    job: { id: string; state: string };
    record: { assetId: string };
  };
  expect(result).toMatchObject({ type: 'result', job: { id: job.id, state: 'succeeded' } });
  expect(h.org.assets().map((a) => [a.Device_UID__c, a.AccountId, a.Id])).toEqual([
    [d1!.uid, h.org.defaultAccountId, result.record.assetId],
  ]);
  expect(jobRow(d1!.uid)).toMatchObject({ id: job.id, state: 'succeeded' });
  expect(provisionJobs(d1!.uid)).toBe(1);
  expect(audited('job.inputs')).toEqual([
    {
      actor: 'tom',
      data: expect.objectContaining({
        changes: [{ key: 'accountId', from: doomed, to: h.org.defaultAccountId, kind: 'refused' }],
      }),
    },
  ]);

  const again = await cli(asTech, ['jobs', 'retry', job.id]);
  expect(again.code).toBe(1);
  expect(errorOf(again)).toMatchObject({
    code: 'CONFLICT',
    message: expect.stringMatching(/already succeeded/),
  });
}, 240_000);

it("a technician cannot move an interrupted job's device to another customer; a plain retry resumes it", async () => {
  const d2 = h.sim.devices[1]!;
  const other = await accountCall('POST');
  // Ctrl-C while the device makes its key: the job is left interrupted with the customer's Account
  const stopped = await new Promise<{ code: number | null; said: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        'bin/asset-station.js',
        '--home',
        h.home,
        '--json',
        'provision',
        '--port',
        d2.locator,
        '--account',
        h.org.defaultAccountId,
      ],
      {
        env: { ...process.env, ...asTech, ASSET_STATION_VAULT_PASSPHRASE: PASS },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let sent = false;
    let said = '';
    child.stderr!.on('data', (d: Buffer) => (said += d.toString('utf8')));
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      if (!sent && l.includes('"name":"keygen"') && l.includes('"state":"running"')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => resolve({ code, said }));
  });
  expect(stopped.code, stopped.said).toBe(130);
  const job = jobRow(d2.uid);
  expect(job.state).toBe('interrupted');
  expect(JSON.parse(job.inputs)).toMatchObject({ accountId: h.org.defaultAccountId });

  // the attack: a technician re-routes the device to another customer with a retry
  const moved = await cli(asTech, ['jobs', 'retry', job.id, '--account', other]);
  expect(moved.code).toBe(1);
  expect(errorOf(moved)).toMatchObject({
    code: 'UNAUTHORIZED',
    message: expect.stringMatching(/only an administrator may change the Account or work order of a job/),
  });
  expect(jobRow(d2.uid)).toEqual(job);
  expect(h.org.assets().filter((a) => a.Device_UID__c === d2.uid)).toHaveLength(0);

  // a plain retry (the port given this time) resumes the job as it was, for its own customer
  const resumed = await cli(asTech, ['jobs', 'retry', job.id, '--port', d2.locator]);
  expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
  expect(jobRow(d2.uid)).toMatchObject({ id: job.id, state: 'succeeded' });
  expect(
    h.org
      .assets()
      .filter((a) => a.Device_UID__c === d2.uid)
      .map((a) => a.AccountId),
  ).toEqual([h.org.defaultAccountId]);
}, 240_000);
