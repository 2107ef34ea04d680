/**
 * The device subject template: C, ST, L, O, OU, CN and serialNumber, in that order, with C and
 * serialNumber as PrintableString and the rest UTF8String (RFC 5280 §4.1.2.6, Appendix A; X.520). A CSR
 * carrying C= passes the policy once the template has C (it used to be refused: only CN/O/OU existed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CSR_POLICY,
  checkCsrPolicy,
  csrExpectationFor,
  formatSubjectTemplate,
  parseCsr,
  parseSubjectTemplate,
  resolveProfile,
  subjectFor,
} from '../../../core/pki';
import { TAG, children, readTlv } from '../../../core/pki/der';
import { encodeName, readNameDer } from '../../../core/pki/names';
import { opensslEcCsr } from '../../integration/pki/openssl';
import { buildCsr, genKey } from './csr-builder';
import { FULL_SUBJECT_TEMPLATE, FULL_SUBJECT_TEXT } from './subject-fixture';

const FULL = FULL_SUBJECT_TEXT;
const algorithms = [...DEFAULT_CSR_POLICY.allowedAlgorithms];

describe('subject template', () => {
  it('parses the openssl-style form and renders it back', () => {
    const t = parseSubjectTemplate(FULL);
    expect(t).toEqual(FULL_SUBJECT_TEMPLATE);
    expect(formatSubjectTemplate(t)).toBe(FULL);
    expect(parseSubjectTemplate('/O=A\\/B/CN={uid}')).toEqual({ O: 'A/B', CN: '{uid}' });
    expect(formatSubjectTemplate({ O: 'A/B', CN: '{uid}' })).toBe('/O=A\\/B/CN={uid}');
  });

  it.each([
    ['C=DE/CN={uid}', /must start with \//],
    ['/C=de/CN={uid}', /two-letter ISO 3166 country code in capitals/],
    ['/C=DEU/CN={uid}', /two-letter/],
    ['/O=Acme', /CN is missing/],
    ['/CN={uid}/CN=x', /CN appears twice/],
    ['/emailAddress=a@b/CN={uid}', /emailAddress is not an allowed attribute/],
    ['/CN={uid}/serialNumber=A_B', /PrintableString cannot hold/],
    ['/CN', /not ATTRIBUTE=value/],
  ])('refuses %s', (text, why) => {
    expect(() => parseSubjectTemplate(text)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(why) }),
    );
  });

  it('fills {uid} in the standard order, leaving out attributes that are not set', () => {
    const profile = resolveProfile({ subject: parseSubjectTemplate(FULL) });
    expect(subjectFor(profile, 'SN-1')).toEqual([
      ['C', 'DE'],
      ['ST', 'Bayern'],
      ['L', 'München'],
      ['O', 'Acme Devices'],
      ['OU', 'Sensors'],
      ['CN', 'SN-1'],
      ['serialNumber', 'SN-1'],
    ]);
    expect(subjectFor(resolveProfile({ subject: { CN: 'dev {uid}', O: 'Acme' } }), 'x')).toEqual([
      ['O', 'Acme'],
      ['CN', 'dev x'],
    ]);
  });

  it('refuses a device UID that serialNumber (PrintableString) cannot hold, naming the attribute and the remedy', () => {
    const profile = resolveProfile({ subject: parseSubjectTemplate(FULL) });
    expect(() => subjectFor(profile, 'dev_1@lab')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /device dev_1@lab: serialNumber "dev_1@lab" has characters a PrintableString cannot hold/,
        ),
        remedy: expect.stringMatching(/asset-station ca subject/),
      }),
    );
  });

  it('encodes C and serialNumber as PrintableString and the others as UTF8String', () => {
    const der = encodeName(subjectFor(resolveProfile({ subject: parseSubjectTemplate(FULL) }), 'SN-1'));
    const tags = children(readTlv(der)).map((rdn) => children(children(rdn)[0]!)[1]!.tag);
    expect(tags).toEqual([
      TAG.PrintableString,
      TAG.UTF8String,
      TAG.UTF8String,
      TAG.UTF8String,
      TAG.UTF8String,
      TAG.UTF8String,
      TAG.PrintableString,
    ]);
    expect(readNameDer(der).find((a) => a.type === 'L')!.value).toBe('München');
    expect(() => encodeName([['C', 'Deutschland']])).toThrow(/two-letter/);
  });

  it('a CSR with C=, ST=, L= and serialNumber= (made by openssl) passes the policy once the template has them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subject-'));
    try {
      const out = opensslEcCsr(
        path.join(dir, 'k'),
        '/C=DE/ST=Bayern/L=München/O=Acme Devices/OU=Sensors/CN=SN-1/serialNumber=SN-1',
        path.join(dir, 'd.csr'),
      );
      const csr = await parseCsr(fs.readFileSync(out, 'utf8'));
      expect(csr.subject.find((a) => a.type === 'C')).toMatchObject({
        value: 'DE',
        stringType: 'PrintableString',
      });
      // The old template (CN/O/OU only) refuses the C attribute...
      const narrow = resolveProfile({ subject: { CN: '{uid}', O: 'Acme Devices', OU: 'Sensors' } });
      expect(() =>
        checkCsrPolicy(csr, csrExpectationFor(narrow, 'SN-1', algorithms), { sanMatch: 'absent-or-exact' }),
      ).toThrow(/C="DE", which the station did not ask for/);
      // ...the full template accepts it, and still refuses a different country.
      const full = resolveProfile({ subject: parseSubjectTemplate(FULL) });
      expect(() =>
        checkCsrPolicy(csr, csrExpectationFor(full, 'SN-1', algorithms), { sanMatch: 'absent-or-exact' }),
      ).not.toThrow();
      const other = resolveProfile({ subject: { ...parseSubjectTemplate(FULL), C: 'FR' } });
      expect(() =>
        checkCsrPolicy(csr, csrExpectationFor(other, 'SN-1', algorithms), { sanMatch: 'absent-or-exact' }),
      ).toThrow(/subject C is "DE"; the station asked for "FR"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the expectation sent to the device carries every template attribute', () => {
    const e = csrExpectationFor(resolveProfile({ subject: parseSubjectTemplate(FULL) }), 'SN-1', algorithms);
    expect(e.subject).toEqual({
      C: 'DE',
      ST: 'Bayern',
      L: 'München',
      O: 'Acme Devices',
      OU: 'Sensors',
      CN: 'SN-1',
      serialNumber: 'SN-1',
    });
    // And a CSR built from it by a device passes.
    const csr = buildCsr({
      keys: genKey('p256'),
      subject: Object.entries(e.subject).map(([k, v]) => [k, v] as [string, string]),
      sans: e.sans,
    });
    return parseCsr(csr).then((c) => expect(() => checkCsrPolicy(c, e)).not.toThrow());
  });
});
