import { describe, expect, it } from 'vitest';
import { verifyLines } from '../../../cli/run-jobs';
import type { VerifyReport } from '../../../shared/domain';

const report = (deviceUid: string, passed: boolean): VerifyReport => ({
  jobId: `job-${deviceUid}`,
  deviceUid,
  passed,
  checks: [{ name: 'chain', passed, detail: passed ? 'ok' : 'chain does not lead to the station CA' }],
  at: '2026-12-02T09:30:00.000Z',
});

describe('CLI verify lines', () => {
  it('keeps the PASS/FAIL column aligned when a 20-character modem ID sits beside protocol v1 IDs', () => {
    const lines = verifyLines([report('SIM-0001', true), report('IMEI-350000910000013', false)])
      .split('\n')
      .filter((l) => /PASS|FAIL/.test(l));
    expect(lines).toHaveLength(2);
    const columns = lines.map((l) => l.search(/PASS|FAIL/));
    expect(columns[0]).toBe(columns[1]);
    expect(lines[1]).toContain('IMEI-350000910000013 FAIL');
  });

  it('keeps the 12-character column for short IDs', () => {
    const [line] = verifyLines([report('SIM-0001', true)]).split('\n');
    expect(line).toBe('  SIM-0001     PASS  chain ✓');
  });
});
