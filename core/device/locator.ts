/**
 * Locator parsing (docs/architecture.md, Transports): `serial:<path>`, `tcp:<host>:<port>`, `sim:<name>`.
 */
import { StationError } from '../../shared/errors';
import type { ParsedLocator } from './transport';

/** Parses a locator. @throws StationError BAD_REQUEST for anything else. */
export function parseLocator(locator: string): ParsedLocator {
  const bad = () =>
    new StationError(
      'BAD_REQUEST',
      `"${locator}" is not a device locator.`,
      'Use serial:/dev/ttyUSB0 (or serial:COM3), tcp:HOST:PORT (ser2net/Moxa) or sim:NAME.',
    );
  if (typeof locator !== 'string') throw bad();
  if (locator.startsWith('serial:') && locator.length > 7) return { kind: 'serial', path: locator.slice(7) };
  const tcp = /^tcp:(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(locator);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw bad();
    return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port };
  }
  const sim = /^sim:([A-Za-z0-9_.-]+)$/.exec(locator);
  if (sim) return { kind: 'sim', name: sim[1]! };
  throw bad();
}
