/**
 * Domain types of the station, as zod schemas (the runtime check) with inferred TypeScript types.
 * Shared by the core, both API transports and the renderer. No Node, no DOM.
 *
 * Units: all timestamps are ISO-8601 strings in UTC; durations are milliseconds; sizes are bytes.
 */
import { z } from 'zod';
import { StationErrorShape } from './errors';

/** Key algorithms a device may generate (device protocol v1, docs/device-protocol.md). */
export const KeyAlgorithm = z.enum(['ECDSA-P256', 'RSA-2048', 'RSA-3072']);
export type KeyAlgorithm = z.infer<typeof KeyAlgorithm>;

/** Device locator: `serial:/dev/ttyUSB0`, `tcp:host:port` or `sim:NAME` (docs/architecture.md, Transports). */
export const Locator = z
  .string()
  .min(5)
  .max(512)
  .regex(
    /^(serial:.+|tcp:[^:\s]+:\d{1,5}|sim:[A-Za-z0-9_.-]+)$/,
    'locator must be serial:PATH, tcp:HOST:PORT or sim:NAME',
  );
export type Locator = z.infer<typeof Locator>;

/** What the device says about itself (HELLO/INFO). */
export const DeviceIdentity = z.object({
  /** Protocol v1 devices: 1; families without our protocol (nRF91 AT): 0. */
  protocolVersion: z.number().int(),
  /** The driver family that identified the device (core/device/drivers); absent = `as1`. */
  family: z.enum(['as1', 'nrf91']).optional(),
  model: z.string(),
  /** Hardware UID: the device's stable identity (also the Asset external ID). */
  uid: z.string(),
  firmware: z.string(),
  /** Largest frame the device accepts, in bytes. */
  maxFrame: z.number().int(),
  capabilities: z.object({
    keyAlgorithms: z.array(KeyAlgorithm),
    assetToken: z.boolean(),
  }),
  state: z.object({
    keyPresent: z.boolean(),
    certInstalled: z.boolean(),
    assetIdSet: z.boolean(),
    locked: z.boolean(),
  }),
  /** nRF91: the modem's device UUID from its attestation token (Nordic %ATTESTTOKEN). */
  deviceUuid: z.string().optional(),
});
export type DeviceIdentity = z.infer<typeof DeviceIdentity>;

/** A serial port as discovered on the station (serialport's list, normalised). */
export const SerialPortInfo = z.object({
  path: z.string(),
  locator: z.string(),
  manufacturer: z.string().optional(),
  serialNumber: z.string().optional(),
  vendorId: z.string().optional(),
  productId: z.string().optional(),
});
export type SerialPortInfo = z.infer<typeof SerialPortInfo>;

/** Step names of a provisioning job, in order (docs/architecture.md, Data flow). */
export const PROVISION_STEPS = [
  'identify',
  'keygen',
  'csr',
  'proof-of-possession',
  'policy',
  'sign',
  // the org accepts the identity (and refuses a clone) before anything reaches the device (issue 18)
  'upsert-asset',
  'install-cert',
  'asset-token',
  'write-back',
  'read-back',
] as const;
/** A step of a provisioning job. */
export type ProvisionStepName = (typeof PROVISION_STEPS)[number];

/**
 * Every step name a job may have: a closed set, so a misspelt step name does not compile
 * (`const s: StepName = 'no-such-step'` is a type error) and is refused at runtime by the schema.
 */
export const StepName = z.enum([...PROVISION_STEPS, 'chain', 'challenge', 'org-asset', 'asset-link']);
export type StepName = z.infer<typeof StepName>;

/** Step names of a verify job (QA), in order. */
export const VERIFY_STEPS = [
  'identify',
  'chain',
  'challenge',
  'org-asset',
  'asset-link',
] as const satisfies readonly StepName[];
/** A step of a verify job. */
export type VerifyStepName = (typeof VERIFY_STEPS)[number];

export const StepState = z.enum(['pending', 'running', 'done', 'skipped', 'failed']);
export type StepState = z.infer<typeof StepState>;

/** One step of a job as the UI shows it. */
export const Step = z.object({
  name: StepName,
  state: StepState,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** Short human-readable result, e.g. "RSA-2048 key, SHA-256 3f:…" or the skip reason. */
  detail: z.string().optional(),
  /** 0..1 while running, for slow device commands that send progress. */
  progress: z.number().min(0).max(1).optional(),
  error: StationErrorShape.optional(),
});
export type Step = z.infer<typeof Step>;

export const JobKind = z.enum(['provision', 'verify']);
export type JobKind = z.infer<typeof JobKind>;

/**
 * `parked`: the org was unreachable at an org step (or the device is not attached to take the Asset ID
 * the org has since registered); the job finishes on its own when Salesforce is back and on the device's
 * next attach (core/jobs/parking.ts). Its `error` says which of the two it waits for.
 */
export const JobState = z.enum([
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
  'parked',
]);
export type JobState = z.infer<typeof JobState>;

/** A job on a bay. */
export const Job = z.object({
  id: z.string(),
  kind: JobKind,
  bayId: z.string(),
  deviceUid: z.string().optional(),
  state: JobState,
  steps: z.array(Step),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  error: StationErrorShape.optional(),
  /** Operator inputs (work order, Account), as scanned or typed. */
  inputs: z.record(z.string(), z.string()).optional(),
  /** Who started the job: the signed-in operator's login (else the configured name or OS user). */
  operator: z.string().optional(),
});
export type Job = z.infer<typeof Job>;

export const BayStatus = z.enum(['empty', 'connecting', 'ready', 'busy', 'passed', 'failed', 'offline']);
export type BayStatus = z.infer<typeof BayStatus>;

/** A bay: one attached device (followed by its hardware UID across resets and port changes). */
export const Bay = z.object({
  id: z.string(),
  locator: z.string(),
  status: BayStatus,
  device: DeviceIdentity.optional(),
  jobId: z.string().optional(),
  /** When the bay's current status began (ISO). */
  since: z.string(),
  error: StationErrorShape.optional(),
});
export type Bay = z.infer<typeof Bay>;

/** The journal's summary of one finished provisioning (what `journal list/export` and History show). */
export const ProvisioningRecord = z.object({
  jobId: z.string(),
  kind: JobKind,
  deviceUid: z.string(),
  model: z.string().optional(),
  firmware: z.string().optional(),
  assetId: z.string().optional(),
  certSerial: z.string().optional(),
  /** SHA-256 of the certificate DER, lowercase hex. */
  certFingerprint: z.string().optional(),
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  keyFingerprint: z.string().optional(),
  notAfter: z.string().optional(),
  assetToken: z.enum(['issued', 'skipped', 'disabled']).optional(),
  outcome: JobState,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  operator: z.string().optional(),
  stationId: z.string(),
  /** Operator inputs of the job (work order, Account Id), as scanned or typed. */
  inputs: z.record(z.string(), z.string()).optional(),
  error: StationErrorShape.optional(),
});
export type ProvisioningRecord = z.infer<typeof ProvisioningRecord>;

/** One check of a verify job. */
export const VerifyCheck = z.object({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string(),
});
export type VerifyCheck = z.infer<typeof VerifyCheck>;

export const VerifyReport = z.object({
  jobId: z.string(),
  deviceUid: z.string(),
  passed: z.boolean(),
  checks: z.array(VerifyCheck),
  at: z.string(),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

/**
 * The device certificate subject template of the station settings (RFC 5280 §4.1.2.6): CN is required;
 * C, ST, L, O, OU and serialNumber are optional. `{uid}` and `{model}` are substituted. The CA encodes C
 * and serialNumber as PrintableString (RFC 5280 App. A.1; C is two capital letters, ISO 3166-1
 * alpha-2) and the others as UTF8String; a value that cannot be encoded is refused (CONFIG_INVALID)
 * before the device generates a key. Source: https://www.rfc-editor.org/rfc/rfc5280#appendix-A.1
 */
export const DeviceSubjectTemplate = z.object({
  C: z.string().optional(),
  ST: z.string().optional(),
  L: z.string().optional(),
  O: z.string().optional(),
  OU: z.string().optional(),
  CN: z.string(),
  serialNumber: z.string().optional(),
});
export type DeviceSubjectTemplate = z.infer<typeof DeviceSubjectTemplate>;

/** Station settings (config file in the station home; secrets are never here). */
export const StationConfig = z.object({
  stationId: z.string().min(1).max(64),
  operator: z.string().max(128).optional(),
  autoMode: z.boolean(),
  device: z.object({
    keyAlgorithm: KeyAlgorithm,
    /** Subject template; `{uid}` and `{model}` are substituted. */
    subject: DeviceSubjectTemplate,
    /** DTR/RTS policy when opening a serial port: `keep-low` never resets ESP-style boards. */
    lineControl: z.enum(['keep-low', 'default']),
    baudRate: z.number().int().positive(),
    /**
     * nRF91 modems: the sec tag (credential slot) the station provisions, 0–2147483647; larger values
     * are reserved for the modem (Nordic %CMNG, docs/nrf91.md). Absent = 2024 (core/config.ts).
     */
    nrf91SecTag: z
      .number()
      .int('an nRF91 sec tag is a whole number')
      .min(0, 'an nRF91 sec tag is 0 or more')
      .max(2147483647, 'an nRF91 sec tag is at most 2147483647 (larger ones are reserved for the modem)')
      .optional(),
    /**
     * Accept a device that reads back only its own certificate after install (not the CA certificates):
     * the job then records a warning. Absent/false = refused (CERT_INSTALL_REFUSED), docs/security.md.
     */
    allowLeafOnlyReadBack: z.boolean().optional(),
    /**
     * Per-command ceilings, ms, by command name (protocol v1 `KEYGEN`, nRF91 `%KEYGEN`), overriding the
     * driver's defaults (core/device/link.ts DEFAULT_TIMEOUT_MS): progress keep-alives never extend a
     * command past it (issue 11). 1 s to 1 h each. Absent = the driver's defaults.
     */
    commandCeilingsMs: z
      .record(
        z.string(),
        z
          .number()
          .int('a command ceiling is a whole number of milliseconds')
          .min(1000, 'a command ceiling is at least 1000 ms (1 s)')
          .max(3_600_000, 'a command ceiling is at most 3600000 ms (1 hour)'),
      )
      .superRefine((ceilings, ctx) => {
        for (const name of Object.keys(ceilings))
          if (!/^%?[A-Z][A-Z0-9_]{0,31}$/.test(name))
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'a command name is in capitals, e.g. KEYGEN or %KEYGEN',
            });
      })
      .optional(),
  }),
  salesforce: z.object({
    loginUrl: z.string().url(),
    clientId: z.string(),
    apiVersion: z.string().regex(/^\d{2,3}\.0$/),
    /** Fixed loopback callback port for the PKCE web-server flow (docs/salesforce-wire.md §5.1). */
    callbackPort: z.number().int().min(1024).max(65535),
    /** `pkce` for an operator, `jwt` for an unattended station (docs/salesforce-wire.md §5.1, §5.3). */
    authFlow: z.enum(['pkce', 'jwt']),
    username: z.string().optional(),
    externalIdField: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/),
    accountId: z.string().optional(),
    contactId: z.string().optional(),
    nameTemplate: z.string(),
    status: z.string().optional(),
    productByModel: z.record(z.string(), z.string()),
    assetTokens: z.object({
      enabled: z.boolean(),
      /** Expected `aud` of issued asset tokens (docs/salesforce-wire.md §2, assetTokenAudiences). */
      audience: z.string(),
      /**
       * Longest asset-token lifetime the station accepts, seconds (default 3600; why:
       * core/salesforce/asset-token-validate.ts DEFAULT_MAX_LIFETIME_S).
       */
      maxLifetimeSec: z.number().int().positive().optional(),
    }),
  }),
  /** The bench's peripherals (issue 16). Absent = no network label printer. */
  bench: z
    .object({
      /** Network label printer for ZPL over raw TCP: "host" or "host:port" (port 9100 when left out). */
      labelPrinter: z.string().max(255).optional(),
    })
    .optional(),
});
export type StationConfig = z.infer<typeof StationConfig>;

/** Connection status of the Salesforce org. */
export const OrgStatus = z.object({
  connected: z.boolean(),
  instanceUrl: z.string().optional(),
  username: z.string().optional(),
  orgId: z.string().optional(),
  /** From `Sforce-Limit-Info: api-usage=used/limit` (docs/salesforce-wire.md §4.3). */
  apiUsage: z.object({ used: z.number(), limit: z.number() }).optional(),
  error: StationErrorShape.optional(),
});
export type OrgStatus = z.infer<typeof OrgStatus>;

/** One certificate of the station CA chain. */
export const CertSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint: z.string(),
  keyAlgorithm: z.string(),
});
export type CertSummary = z.infer<typeof CertSummary>;

export const CaInfo = z.object({
  initialised: z.boolean(),
  /** Issuing CA first, root last. */
  chain: z.array(CertSummary),
  /** Days until the issuing CA expires (negative when expired). */
  expiresInDays: z.number().optional(),
});
export type CaInfo = z.infer<typeof CaInfo>;

/** One log line for the event stream. */
export const LogEntry = z.object({
  at: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  bayId: z.string().optional(),
  jobId: z.string().optional(),
});
export type LogEntry = z.infer<typeof LogEntry>;
