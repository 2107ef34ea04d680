/**
 * Issue 16: the station log that stays — kept in the station database (its own migration), filtered by
 * level, bay and text, newest first, surviving a reopen of the database (a restart), exported as CSV
 * that a spreadsheet cannot run as a formula; a finished job leaves one line in bench words.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import { openStationDb, type Db } from '../../../core/records/db';
import { StationLog } from '../../../core/records/station-log';

let home: string;
let db: Db;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-station-log-'));
  db = openStationDb(home);
});
afterEach(() => {
  db.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, s)).toISOString();

function fill(log: StationLog): void {
  log.append({ at: at(1), level: 'info', message: 'Bay 1: SIM-0001 attached', bayId: 'b1' });
  log.append({ at: at(2), level: 'debug', message: 'ping 42' });
  log.append({ at: at(3), level: 'warn', message: 'Bay 2: SIM-0002 went away', bayId: 'b2' });
  log.append({
    at: at(4),
    level: 'error',
    message: 'SIM-0002: provisioning failed 100%_done',
    bayId: 'b2',
    jobId: 'j2',
  });
}

describe('station log', () => {
  it('keeps info and worse, newest first, and survives a reopen of the database', () => {
    fill(new StationLog(db));
    db.close();
    db = openStationDb(home);
    const again = new StationLog(db); // the migration runs once; the lines are still there
    expect(again.list().map((l) => l.message)).toEqual([
      'SIM-0002: provisioning failed 100%_done',
      'Bay 2: SIM-0002 went away',
      'Bay 1: SIM-0001 attached',
    ]);
    expect(again.list()[0]).toEqual({
      at: at(4),
      level: 'error',
      message: 'SIM-0002: provisioning failed 100%_done',
      bayId: 'b2',
      jobId: 'j2',
    });
  });

  it('filters by level (that level or worse), bay and text; % and _ in the text match as typed', () => {
    const log = new StationLog(db);
    fill(log);
    expect(log.list({ level: 'warn' }).map((l) => l.level)).toEqual(['error', 'warn']);
    expect(log.list({ level: 'error' })).toHaveLength(1);
    expect(log.list({ bayId: 'b1' }).map((l) => l.message)).toEqual(['Bay 1: SIM-0001 attached']);
    expect(log.list({ text: 'sim-0002' })).toHaveLength(2);
    expect(log.list({ text: '100%_d' })).toHaveLength(1);
    expect(log.list({ text: '1_0' })).toHaveLength(0); // _ is not a wildcard
    expect(log.list({ bayId: 'b2', level: 'warn', text: 'away' })).toHaveLength(1);
    expect(log.list({ limit: 2 })).toHaveLength(2);
  });

  it('prunes to the newest lines', () => {
    const log = new StationLog(db, 100);
    for (let i = 0; i < 1000; i++) log.append({ at: at(0), level: 'info', message: `line ${i}` });
    const kept = log.list({ limit: 5000 });
    expect(kept.length).toBeLessThanOrEqual(100 + 500);
    expect(kept[0]!.message).toBe('line 999');
  });

  it('exports CSV oldest first; a message that starts like a formula is not run by a spreadsheet', () => {
    const log = new StationLog(db);
    fill(log);
    log.append({ at: at(5), level: 'warn', message: '=HYPERLINK("http://x","click"), then more' });
    const { filename, body } = log.exportCsv({ level: 'warn' });
    expect(filename).toMatch(/^station-log-.*\.csv$/);
    expect(body.split('\n')).toEqual([
      'time,level,bay,job,message',
      `${at(3)},warn,b2,,Bay 2: SIM-0002 went away`,
      `${at(4)},error,b2,j2,SIM-0002: provisioning failed 100%_done`,
      `${at(5)},warn,,,"'=HYPERLINK(""http://x"",""click""), then more"`,
      '',
    ]);
  });

  it('a finished job gives one line per finish: passed, or failed with class, step and message', () => {
    const log = new StationLog(db);
    const base: Job = {
      id: 'j1',
      kind: 'provision',
      bayId: 'b1',
      deviceUid: 'SIM-0003',
      state: 'running',
      steps: [],
      startedAt: at(0),
    };
    expect(log.jobLine(base)).toBeUndefined();
    const failed: Job = {
      ...base,
      state: 'failed',
      endedAt: at(9),
      steps: [
        {
          name: 'identify',
          state: 'failed',
          error: {
            code: 'DEVICE_TIMEOUT',
            message: 'The device did not answer within 11269 ms.',
            remedy: 'r',
          },
        },
      ],
    };
    const line = log.jobLine(failed)!;
    expect(line).toMatchObject({ level: 'error', bayId: 'b1', jobId: 'j1', at: at(9) });
    expect(line.message).toMatch(/^SIM-0003: provisioning failed at "Identify device": NOT RESPONDING — /);
    expect(line.message).not.toMatch(/\d ms/);
    expect(log.jobLine(failed)).toBeUndefined(); // the same finish again (a reload) adds nothing
    const passed = log.jobLine({ ...base, state: 'succeeded', endedAt: at(30) })!;
    expect(passed).toMatchObject({ level: 'info', message: 'SIM-0003: provisioning passed.' });
  });
});
