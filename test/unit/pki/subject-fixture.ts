/**
 * The full device subject template of the PKI tests (C, ST, L, O, OU, CN, serialNumber), in openssl's
 * /A=b form and as the template object that form parses to.
 */
export const FULL_SUBJECT_TEXT =
  '/C=DE/ST=Bayern/L=München/O=Acme Devices/OU=Sensors/CN={uid}/serialNumber={uid}';

/** The object {@link FULL_SUBJECT_TEXT} parses to (written out, not parsed: tests compare against it). */
export const FULL_SUBJECT_TEMPLATE = {
  C: 'DE',
  ST: 'Bayern',
  L: 'München',
  O: 'Acme Devices',
  OU: 'Sensors',
  CN: '{uid}',
  serialNumber: '{uid}',
} as const;
