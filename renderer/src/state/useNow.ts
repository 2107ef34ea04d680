import { useEffect, useState } from 'react';

/** Current time in ms since epoch, refreshed every `intervalMs` while `active` (for elapsed-time displays). */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [active, intervalMs]);
  return now;
}
