// @vitest-environment jsdom
/**
 * The History screen's Yield view against a typed StationApi double whose report is computed by the
 * real core function (core/analytics/yield.ts): filters go to getYieldReport, the figures and the
 * Pareto tables show the report (most failures first), and "Save table as CSV" saves the table
 * behind the chart. Also the pure parts: the filter, and CSV cells that cannot run as formulas.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Shell } from '../../../renderer/src/App';
import type { YieldFilter } from '../../../shared/analytics';
import { computeYield } from '../../../core/analytics/yield';
import { summariseAttempts, type YieldAttempt, type YieldJob } from '../../../core/analytics/jobs';
import { csvCell } from '../../../renderer/src/lib/csv';
import { paretoCsv, toYieldFilter, emptyYieldForm } from '../../../renderer/src/screens/history/yieldTables';
import { fakeStation } from './fakeStation';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 8, 0, s)).toISOString();
const ok = (step: YieldAttempt['step'], s: number): YieldAttempt => ({
  step,
  outcome: 'done',
  startedAt: at(s),
  endedAt: at(s + 1),
});
const bad = (step: YieldAttempt['step'], s: number, errorCode: string): YieldAttempt => ({
  step,
  outcome: 'failed',
  startedAt: at(s),
  endedAt: at(s + 1),
  errorCode,
});

function job(id: string, uid: string, workOrder: string, attempts: YieldAttempt[]): YieldJob {
  const failed = attempts.some((a) => a.outcome === 'failed');
  return {
    id,
    deviceUid: uid,
    state: failed ? 'failed' : 'succeeded',
    reprovision: false,
    startedAt: attempts[0]!.startedAt,
    station: 'bench-7',
    workOrder,
    model: 'SIM-1',
    firmware: '1.0.0',
    ...summariseAttempts(attempts),
  };
}

/** Four units: two pass at once, two fail at install-cert (one not responding, one a garbled answer). */
const JOBS: YieldJob[] = [
  job('j1', 'U1', 'WO-1', [ok('identify', 0), ok('keygen', 1)]),
  job('j2', 'U2', 'WO-1', [ok('identify', 10), ok('keygen', 11)]),
  job('j3', 'U3', 'WO-2', [ok('identify', 20), bad('install-cert', 21, 'DEVICE_TIMEOUT')]),
  job('j4', 'U4', 'WO-2', [ok('identify', 30), bad('install-cert', 31, 'DEVICE_PROTOCOL')]),
];

describe('Yield view', () => {
  it('shows first-pass yield and the Pareto for the filters, and saves the table behind a chart', async () => {
    const fake = fakeStation({
      getYieldReport: async (f: YieldFilter) => computeYield(JOBS, f),
    });
    const blobs: Blob[] = [];
    Object.assign(URL, {
      createObjectURL: vi.fn((b: Blob) => (blobs.push(b), 'blob:y')),
      revokeObjectURL: vi.fn(),
    });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /History/ }));
    fireEvent.click(screen.getByRole('tab', { name: 'Yield' }));

    await waitFor(() => expect(screen.getByTestId('fpy').textContent).toContain('50.0 %'));
    expect(screen.getByTestId('fpy').textContent).toContain('2 of 4 units passed at once');
    const rows = within(screen.getByTestId('pareto-step-table')).getAllByTestId('pareto-row');
    expect(rows.map((r) => r.textContent)).toEqual(['Install certificate22100.0 %']);
    const classes = within(screen.getByTestId('pareto-class-table')).getAllByTestId('pareto-row');
    expect(classes.map((r) => r.querySelector('td')!.textContent)).toEqual(['LINK NOISE', 'NOT RESPONDING']);

    // The work-order pick list comes from the journal; picking one narrows the report.
    const wo = screen.getByRole('combobox', { name: 'Work order' });
    expect([...wo.querySelectorAll('option')].map((o) => o.textContent)).toEqual(['Any', 'WO-1', 'WO-2']);
    fireEvent.change(wo, { target: { value: 'WO-1' } });
    await waitFor(() => expect(fake.callsOf('getYieldReport').at(-1)).toMatchObject({ workOrder: 'WO-1' }));
    await waitFor(() => expect(screen.getByTestId('fpy').textContent).toContain('100.0 %'));
    expect(screen.getByTestId('pareto-step').textContent).toContain('No failed attempts in this selection.');

    fireEvent.change(wo, { target: { value: '' } });
    await waitFor(() => expect(screen.getByTestId('pareto-step-table')).toBeTruthy());
    fireEvent.click(
      within(screen.getByTestId('pareto-step')).getByRole('button', { name: 'Save table as CSV' }),
    );
    expect(click).toHaveBeenCalledTimes(1);
    expect(await blobs.at(-1)!.text()).toBe(
      'step,failed attempts,units,share,cumulative share\r\nInstall certificate,2,2,1,1\r\n',
    );
  });

  it('the tabs follow the arrow keys', async () => {
    const fake = fakeStation({ getYieldReport: async (f: YieldFilter) => computeYield([], f) });
    render(<Shell api={fake.api} />);
    fireEvent.click(screen.getByRole('button', { name: /History/ }));
    const records = screen.getByRole('tab', { name: 'Records' });
    expect(records.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(records, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Yield' }).getAttribute('aria-selected')).toBe('true');
    expect(await screen.findByTestId('yield-view')).toBeTruthy();
  });
});

describe('Yield view pure parts', () => {
  it('the filter carries only filled fields and well-formed days, at the given clock offset', () => {
    expect(toYieldFilter({ ...emptyYieldForm, from: '2026-03-01', to: '2026-3-4', lot: ' L1 ' }, 60)).toEqual(
      {
        utcOffsetMinutes: 60,
        fromDay: '2026-03-01',
        lot: 'L1',
      },
    );
  });

  it('a CSV cell never starts a formula and quotes separators (the attack: a work order "=HYPERLINK(…)")', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(-3)).toBe('-3');
    expect(paretoCsv('step', [{ key: '@x', failures: 1, units: 1, share: 1, cumulative: 1 }])).toBe(
      "step,failed attempts,units,share,cumulative share\r\n'@x,1,1,1,1\r\n",
    );
  });
});
