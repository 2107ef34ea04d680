/**
 * Formatting for the bench: short, unambiguous, locale-independent (24-hour clock, ISO-like dates),
 * so two stations print the same thing for the same record.
 */
export { stepLabel } from '../../../shared/step-labels';

/** `ms` (milliseconds) as `m:ss` (or `h:mm:ss` from one hour). Negative or NaN → `0:00`. */
export function formatElapsed(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Elapsed milliseconds between two ISO timestamps (`end` defaults to `now`, in ms since epoch). */
export function elapsedMs(startIso: string | undefined, endIso?: string, now: number = Date.now()): number {
  if (!startIso) return 0;
  const start = Date.parse(startIso);
  const end = endIso ? Date.parse(endIso) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0;
}

/** ISO timestamp as local `YYYY-MM-DD HH:MM:SS`; an unparsable value is returned unchanged. */
export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A short fingerprint for display: first 8 and last 4 hex chars, colon-free. */
export function shortFingerprint(hex: string | undefined): string {
  if (!hex) return '—';
  const h = hex.replace(/:/g, '');
  return h.length <= 16 ? h : `${h.slice(0, 8)}…${h.slice(-4)}`;
}

/**
 * A locator short enough for a card: `serial:/long/path/ttyUSB0` → `serial: …/ttyUSB0`; `tcp:` and
 * `sim:` locators are returned unchanged.
 */
export function shortLocator(locator: string): string {
  const m = /^serial:(.*\/)([^/]+)$/.exec(locator);
  return m && m[1]!.length > 1 ? `serial: …/${m[2]}` : locator;
}

/** UIDs longer than this get the long-UID layout (own row in the details, smaller type on a tile). */
export const LONG_UID = 12;

/**
 * Where a long UID may wrap: after a short prefix ending in `-` or `:` (`IMEI-352656100000001` →
 * [`IMEI-`, `352656100000001`]); a short UID, or one without such a prefix, stays whole ([uid, '']).
 */
export function uidParts(uid: string): [string, string] {
  const m = /^([^-:]{1,8}[-:])(.+)$/.exec(uid);
  return uid.length > LONG_UID && m ? [m[1]!, m[2]!] : [uid, ''];
}

/**
 * A bay's error text without its long port path: the bay's header already names the port once (short),
 * so `locator` in `text` becomes "this bay's port" ("No device answered on this bay's port (…)").
 */
export function withoutLocator(text: string, locator: string | undefined): string {
  return locator ? text.split(locator).join("this bay's port") : text;
}
