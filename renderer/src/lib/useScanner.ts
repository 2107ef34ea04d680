import { useEffect, useRef } from 'react';
import { ScanDetector } from './scanner';

function isEditable(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * Listens to the whole window for barcode scans (fast key bursts ending with Enter) while focus is
 * not in a text field, and hands each code to `onScan`. The Enter that ends a scan is swallowed, so a
 * focused button is not pressed by it. Scans into a focused text field are left to that field.
 */
export function useScanner(onScan: (code: string) => void, enabled = true): void {
  const cb = useRef(onScan);
  useEffect(() => {
    cb.current = onScan;
  }, [onScan]);
  useEffect(() => {
    if (!enabled) return;
    const detector = new ScanDetector();
    const onKey = (ev: KeyboardEvent) => {
      if (ev.ctrlKey || ev.altKey || ev.metaKey || isEditable(ev.target)) {
        detector.reset();
        return;
      }
      const code = detector.feed(ev.key, ev.timeStamp);
      if (code !== undefined) {
        ev.preventDefault();
        ev.stopPropagation();
        cb.current(code);
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [enabled]);
}
