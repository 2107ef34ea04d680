/**
 * Step names (domain.ts PROVISION_STEPS / VERIFY_STEPS) in the words the station screen shows, so
 * every message a technician reads — the card, a remedy, the CLI — names a step the same way.
 */
export const STEP_LABELS: Record<string, string> = {
  identify: 'Identify device',
  keygen: 'Generate key on device',
  csr: 'Certificate request',
  'proof-of-possession': 'Proof of possession',
  policy: 'Policy check',
  sign: 'Sign certificate',
  'install-cert': 'Install certificate',
  'upsert-asset': 'Register Asset',
  'asset-token': 'Asset token',
  'write-back': 'Write Asset ID',
  'read-back': 'Read back',
  chain: 'Certificate chain',
  challenge: 'Key challenge',
  'org-asset': 'Asset in org',
  'asset-link': 'Asset link',
};

/** A step name (shared/domain.ts PROVISION_STEPS / VERIFY_STEPS) in plain words. */
export function stepLabel(name: string): string {
  return STEP_LABELS[name] ?? name;
}
