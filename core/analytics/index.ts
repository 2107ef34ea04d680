/**
 * Yield analytics (docs/analytics.md): {@link yieldReport} is the one function behind the History
 * screen's Yield view (station API `getYieldReport`) and `asset-station report`, so both show the
 * same figures.
 */
import type { YieldFilter, YieldReport } from '../../shared/analytics';
import type { Journal } from '../records/journal';
import { loadYieldJobs } from './jobs';
import { computeYield } from './yield';

/** The yield report of the journal's provisioning jobs that `filter` selects. Reads only. */
export function yieldReport(journal: Journal, filter: YieldFilter = {}): YieldReport {
  return computeYield(loadYieldJobs(journal), filter);
}
