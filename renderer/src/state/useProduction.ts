import { useState } from 'react';
import type { Job } from '../../../shared/domain';
import { countJob, newProduction, type Production } from '../lib/production';

/** sessionStorage key: counters survive a reload of the window, not a new shift (a new session). */
const KEY = 'asset-station.production.v1';

function load(): Production {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw) {
      const p = JSON.parse(raw) as Production;
      if (typeof p.since === 'number' && Array.isArray(p.counted)) return p;
    }
  } catch {
    // storage unavailable or unreadable: start a fresh session
  }
  return newProduction(Date.now());
}

/** The session's production counters, fed by every job the screen sees; they never drop. */
export function useProduction(jobs: Record<string, Job>): Production {
  const [production, setProduction] = useState<Production>(load);
  let next = production;
  for (const job of Object.values(jobs)) next = countJob(next, job);
  if (next !== production) {
    // Adjusting state from new props during render (React's documented pattern, no effect needed).
    setProduction(next);
    try {
      sessionStorage.setItem(KEY, JSON.stringify(next));
    } catch {
      // counting goes on in memory
    }
  }
  return next;
}
