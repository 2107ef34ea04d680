import { useEffect, useLayoutEffect, useRef } from 'react';

/**
 * Alt+key shortcuts for the whole window. `map` keys are KeyboardEvent.code values (e.g. `Digit1`,
 * `KeyA`), so they work on every keyboard layout. Alt keeps them clear of scanner input and typing.
 */
export function useAltHotkeys(map: Record<string, () => void>): void {
  const ref = useRef(map);
  // Layout effect: the handlers match the screen as soon as it is committed, so a key pressed right
  // after a render never runs the previous render's handler (e.g. auto mode still "unknown").
  useLayoutEffect(() => {
    ref.current = map;
  }, [map]);
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const fn = ref.current[ev.code];
      if (fn) {
        ev.preventDefault();
        fn();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
