/**
 * nRF91 AT answers mapped to StationErrors with remedies in the technician's words. `+CME ERROR: <n>`
 * numbers from Nordic's AT command reference (%CMNG and %KEYGEN set commands, docs/nrf91.md).
 */
import { StationError } from '../../../../shared/errors';
import { CME } from '../../../../shared/nrf91';

/** What each known CME number means and what to do. */
const CME_TEXT: Record<
  number,
  { name: string; what: string; remedy: string; code?: 'DEVICE_REFUSED' | 'DEVICE_LOCKED' }
> = {
  [CME.NOT_FOUND]: {
    name: 'not found',
    what: 'the modem has no such credential (or no key to sign with)',
    remedy: 'Run the job from key generation again on the same modem.',
  },
  [CME.NOT_ALLOWED]: {
    name: 'not allowed',
    what: 'the modem does not allow this credential operation (the sec tag may be reserved or write-protected)',
    remedy:
      'Use another sec tag in the station settings, or clear the credential with Nordic tools, then retry.',
    code: 'DEVICE_LOCKED',
  },
  [CME.MEMORY_FULL]: {
    name: 'memory full',
    what: 'the modem credential storage is full',
    remedy: 'Delete unused credentials (AT%CMNG=3,<sec tag>,<type>, or nrfcredstore deleteall) and retry.',
  },
  [CME.ACTIVE_STATE]: {
    name: 'not allowed in active state',
    what: 'the modem is online',
    remedy:
      'The modem must be offline: the station sets CFUN=4 before credential changes; if this repeats, the application firmware turns the radio back on — stop it or flash an AT client, then retry.',
  },
  [CME.EXISTS]: {
    name: 'already exists',
    what: 'a credential of this type already exists in the sec tag',
    remedy: 'Re-provision the modem (the station then replaces its credentials), or pick another sec tag.',
  },
  [CME.KEYGEN_FAILED]: {
    name: 'key generation failed',
    what: 'the modem could not generate the key pair',
    remedy:
      'Power-cycle the modem and retry; if it fails again, update the modem firmware or set the modem aside.',
  },
  [CME.POWER_OFF_WARNING]: {
    name: 'not allowed during a power-off warning',
    what: 'the modem has warned that its supply voltage is too low, and refuses to change its credential storage',
    remedy:
      'Check the battery or power supply and the cable, power-cycle the modem, then retry (nothing was written).',
  },
};

/** `AT%CMNG=0,2024,1,"<PEM>"` → `AT%CMNG`: a message names the command, never its arguments (a PEM). */
function commandName(command: string): string {
  return command.split('=')[0]!.trim();
}

/** The error for `+CME ERROR: <n>` after `command` (the message names the command without arguments). */
export function cmeError(locator: string, fullCommand: string, n: number): StationError {
  const command = commandName(fullCommand);
  const t = CME_TEXT[n];
  const details = { command, cme: n, deviceError: t?.name ?? `CME ${n}` };
  if (!t)
    return new StationError(
      'DEVICE_REFUSED',
      `The modem at ${locator} refused ${command} (+CME ERROR: ${n}).`,
      'Check the modem firmware version (the station needs modem firmware 1.3.0 or later), power-cycle it and retry.',
      details,
    );
  return new StationError(
    t.code ?? 'DEVICE_REFUSED',
    `The modem at ${locator} refused ${command}: ${t.name} — ${t.what} (+CME ERROR: ${n}).`,
    t.remedy,
    details,
  );
}

/** The error for a plain `ERROR` (syntax not accepted: unknown command or older firmware). */
export function atError(locator: string, fullCommand: string): StationError {
  const command = commandName(fullCommand);
  return new StationError(
    'DEVICE_REFUSED',
    `The modem at ${locator} answered ERROR to ${command}.`,
    'The modem firmware does not accept this command: update it to modem firmware 1.3.0 or later (needed for key generation), then retry.',
    { command, deviceError: 'ERROR' },
  );
}

/** A malformed answer. */
export function atProtocolError(locator: string, what: string): StationError {
  return new StationError(
    'DEVICE_PROTOCOL',
    `The modem at ${locator} sent something the station does not understand: ${what}.`,
    "Check that the port is the modem's AT port (not a log or debug port), then retry.",
  );
}
