/**
 * The conformance requirements of device protocol v1 (docs/device-protocol.md §9). Each check talks
 * to the device through the real station link and asserts one MUST of the spec. Checks that change
 * device state irreversibly are gated: `write` (KEYGEN replace, PUT_CERT, SET_ASSET overwrite what is
 * on the device) and `lock` (LOCK is permanent). KEYGEN without replace is always allowed: it only
 * creates a key when the slot is empty.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  DEVICE_ERRORS,
  KEEPALIVE_INTERVAL_MS,
  encodeFrame,
  encodeKeygenRequest,
  encodeSignRequest,
} from '../../../shared/protocol';
import { assert, eq, expectErr, freshId, rawExchange, sigAlg, verify, type Requirement } from './checks';
// ./test-chain.ts also sets @peculiar/x509's crypto provider (node's webcrypto), which CSR-1 uses.
import { testChain } from './test-chain';

/** The v1 requirements, in run order. */
export const REQUIREMENTS: Requirement[] = [
  {
    id: 'HELLO-1',
    title: 'HELLO reports protocol 1, model, UID, firmware, maxFrame 256..8192 and key algorithms',
    async run({ identity: id }) {
      assert(id.protocolVersion === 1, `protocol ${id.protocolVersion}`);
      assert(id.model && id.uid && id.firmware, 'model, uid and firmware must be non-empty');
      assert(id.maxFrame >= 256 && id.maxFrame <= 8192, `maxFrame ${id.maxFrame}`);
      assert(id.capabilities.keyAlgorithms.length > 0, 'no key algorithm');
      return `${id.model} ${id.uid} fw ${id.firmware}, maxFrame ${id.maxFrame}, ${id.capabilities.keyAlgorithms.join('/')}`;
    },
  },
  {
    id: 'FRAME-1',
    title: 'garbage and log lines (with $ signs) before a frame do not stop the device answering it',
    async run({ link, client }) {
      const junk = new Uint8Array(300).map(() => Math.floor(Math.random() * 256));
      await link.sendRaw(junk);
      await link.sendRaw(Uint8Array.from(Buffer.from('\r\nI (1234) log: price $5 $AS1 $AS1,zz\r\n')));
      await client.hello({ timeoutMs: 5000 });
    },
  },
  {
    id: 'FRAME-2',
    title: 'a frame with a wrong CRC is ignored (no answer), the next valid frame is answered',
    async run({ link, client }) {
      const id = freshId();
      const f = encodeFrame({ id, type: 'HELLO', seq: 1, total: 1, payload: new Uint8Array(0) });
      const crcAt = f.length - 10;
      f[crcAt] = f[crcAt] === 0x30 ? 0x31 : 0x30;
      const seen = await rawExchange(link, f, 800);
      assert(!seen.some((x) => x.id === id), 'the device answered a frame whose CRC was wrong');
      await client.hello({ timeoutMs: 5000 });
    },
  },
  {
    id: 'FRAME-3',
    title: 'a line longer than maxFrame is discarded without an answer, and the device recovers',
    async run({ link, client, identity }) {
      const id = freshId();
      const big = encodeFrame({
        id,
        type: 'HELLO',
        seq: 1,
        total: 1,
        payload: new Uint8Array(identity.maxFrame),
      });
      const seen = await rawExchange(link, big, 800);
      assert(!seen.some((x) => x.id === id), 'the device answered an oversize frame');
      await client.hello({ timeoutMs: 5000 });
    },
  },
  {
    id: 'FRAME-4',
    title: 'a frame cut short by a new start marker is dropped; the following frame is answered',
    async run({ link, client }) {
      const f = encodeFrame({ id: freshId(), type: 'HELLO', seq: 1, total: 1, payload: new Uint8Array(0) });
      await link.sendRaw(f.subarray(0, 15));
      await client.hello({ timeoutMs: 5000 });
    },
  },
  {
    id: 'CMD-1',
    title: 'an unknown command (EXPORT_KEY) gets ERR UNKNOWN_COMMAND: no command exports a private key',
    async run({ link }) {
      await expectErr(
        link,
        'EXPORT_KEY',
        Uint8Array.of(0x01, 0x00, 0x01, 0x00),
        DEVICE_ERRORS.UNKNOWN_COMMAND,
      );
    },
  },
  {
    id: 'CMD-2',
    title: 'a request with a malformed body gets ERR BAD_REQUEST',
    async run({ link }) {
      await expectErr(link, 'KEYGEN', Uint8Array.of(0x01, 0x00, 0x05, 0x00), DEVICE_ERRORS.BAD_REQUEST);
    },
  },
  {
    id: 'CMD-3',
    title: 'a request for a slot that does not exist gets ERR BAD_SLOT',
    async run({ link }) {
      await expectErr(link, 'GET_CERT', Uint8Array.of(0x01, 0x00, 0x01, 0xfe), DEVICE_ERRORS.BAD_SLOT);
    },
  },
  {
    id: 'KEYGEN-1',
    title: 'KEYGEN without replace is idempotent: the second call returns the same key with created=0',
    async run(ctx) {
      const alg = ctx.identity.capabilities.keyAlgorithms[0]!;
      const a = await ctx.client.keygen(0, alg, false);
      const b = await ctx.client.keygen(0, alg, false);
      assert(eq(a.publicKeySpki, b.publicKeySpki), 'the second KEYGEN returned another key');
      assert(!b.created, 'the second KEYGEN says created=1');
      ctx.keyAlg = b.algorithm;
      ctx.spki = b.publicKeySpki;
      crypto.createPublicKey({ key: Buffer.from(b.publicKeySpki), format: 'der', type: 'spki' });
      return `${b.algorithm} key ${crypto.createHash('sha256').update(b.publicKeySpki).digest('hex').slice(0, 16)}…`;
    },
  },
  {
    id: 'SIGN-1',
    title:
      'SIGN returns ES256 raw r||s (64 bytes) / RS256 PKCS#1 v1.5 over SHA-256(data), verifiable with the KEYGEN key',
    async run({ client, keyAlg, spki }) {
      assert(keyAlg && spki, 'needs KEYGEN-1');
      const data = crypto.randomBytes(48);
      const sig = await client.sign(0, data, sigAlg(keyAlg));
      assert(verify(spki, keyAlg, data, sig), 'the signature does not verify');
    },
  },
  {
    id: 'SIGN-2',
    title: 'SIGN with the algorithm that does not match the key gets ERR ALG_MISMATCH',
    async run({ link, keyAlg }) {
      assert(keyAlg, 'needs KEYGEN-1');
      const wrong = keyAlg === 'ECDSA-P256' ? 'RS256' : 'ES256';
      await expectErr(
        link,
        'SIGN',
        encodeSignRequest({ slot: 0, algorithm: wrong, data: Uint8Array.of(1) }),
        DEVICE_ERRORS.ALG_MISMATCH,
      );
    },
  },
  {
    id: 'CHUNK-1',
    title: 'a request larger than maxFrame is accepted in chunks (ACK per chunk) and executed once',
    async run({ client, keyAlg, spki, identity }) {
      assert(keyAlg && spki, 'needs KEYGEN-1');
      const data = crypto.randomBytes(Math.max(1500, identity.maxFrame * 4));
      const sig = await client.sign(0, data, sigAlg(keyAlg));
      assert(verify(spki, keyAlg, data, sig), 'the signature over chunked data does not verify');
      return `${data.length} bytes signed`;
    },
  },
  {
    id: 'RETX-1',
    title: 'a retransmitted request (same id) is answered with the stored response, not executed again',
    async run({ link, keyAlg }) {
      assert(keyAlg, 'needs KEYGEN-1');
      const id = freshId();
      const body = encodeSignRequest({ slot: 0, algorithm: sigAlg(keyAlg), data: crypto.randomBytes(32) });
      const a = await link.request('SIGN', body, { id });
      const b = await link.request('SIGN', body, { id });
      assert(a.type === 'OK' && b.type === 'OK', 'SIGN failed');
      assert(eq(a.body, b.body), 'the retransmission produced a different response (the command ran twice)');
    },
  },
  {
    id: 'CSR-1',
    title: 'CSR is a DER PKCS#10 request signed by the device key, with the requested subject and SANs',
    async run({ client, spki }) {
      assert(spki, 'needs KEYGEN-1');
      const der = await client.csr(0, { CN: 'conformance-device', O: 'Asset Station' }, [
        'urn:asset-station:conformance',
        'dns:device.example.com',
      ]);
      const csr = new x509.Pkcs10CertificateRequest(new Uint8Array(der).buffer as ArrayBuffer);
      assert(await csr.verify(), 'the CSR self-signature does not verify');
      assert(eq(new Uint8Array(csr.publicKey.rawData), spki), 'the CSR carries another public key');
      assert(csr.subject.includes('CN=conformance-device'), `subject ${csr.subject}`);
      const san = csr.getExtension('2.5.29.17');
      assert(san, 'no SAN extension');
      const names = new x509.SubjectAlternativeNameExtension(san.rawData).names.toJSON();
      assert(
        names.some((n) => n.type === 'url' && n.value === 'urn:asset-station:conformance'),
        'URI SAN missing',
      );
      assert(
        names.some((n) => n.type === 'dns' && n.value === 'device.example.com'),
        'DNS SAN missing',
      );
      return `${der.length} bytes`;
    },
  },
  {
    id: 'PUT-1',
    title: 'PUT_CERT refuses a certificate for another key (ERR KEY_MISMATCH) and keeps the installed chain',
    async run({ client, link }) {
      const before = await client.getCert(0);
      const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const chain = await testChain(
        new Uint8Array(other.publicKey.export({ type: 'spki', format: 'der' })),
        'ECDSA-P256',
      );
      const r = await link.request(
        'PUT_CERT',
        new Uint8Array([
          0x01,
          0x00,
          0x01,
          0x00,
          ...chain.flatMap((c) => [0x0c, c.length >> 8, c.length & 0xff, ...c]),
        ]),
      );
      assert(r.type === 'ERR', 'a certificate for another key was accepted');
      assert(r.code === DEVICE_ERRORS.KEY_MISMATCH, `expected KEY_MISMATCH, got ${r.code}`);
      const after = await client.getCert(0);
      assert(
        before.length === after.length && before.every((c, i) => eq(c, after[i]!)),
        'the installed chain changed',
      );
    },
  },
  {
    id: 'PROG-1',
    title: 'KEYGEN with replace creates a new key and sends PROG at least every 1000 ms while busy',
    gate: 'write',
    async run(ctx) {
      const alg = ctx.identity.capabilities.keyAlgorithms.includes('RSA-2048')
        ? 'RSA-2048'
        : ctx.identity.capabilities.keyAlgorithms[0]!;
      let last = Date.now();
      let maxGap = 0;
      const off = ctx.link.tap((_f, at) => {
        maxGap = Math.max(maxGap, at - last);
        last = at;
      });
      const t0 = Date.now();
      let r;
      try {
        r = await ctx.client.keygen(0, alg, true);
      } finally {
        off();
      }
      maxGap = Math.max(maxGap, Date.now() - last);
      assert(r.created, 'KEYGEN replace says created=0');
      assert(
        !ctx.spki || !eq(r.publicKeySpki, ctx.spki) || r.algorithm !== ctx.keyAlg,
        'KEYGEN replace returned the old key',
      );
      assert(maxGap <= KEEPALIVE_INTERVAL_MS + 300, `${maxGap} ms without a frame while KEYGEN ran`);
      ctx.keyAlg = r.algorithm;
      ctx.spki = r.publicKeySpki;
      return `${alg} in ${Date.now() - t0} ms, longest silence ${maxGap} ms`;
    },
  },
  {
    id: 'PUT-2',
    title: 'PUT_CERT installs a ~2 KB chain for the device key; GET_CERT returns it byte for byte',
    gate: 'write',
    async run({ client, spki, keyAlg }) {
      assert(spki && keyAlg, 'needs KEYGEN-1');
      const chain = await testChain(spki, keyAlg);
      await client.putCert(0, chain);
      const back = await client.getCert(0);
      assert(
        back.length === chain.length && back.every((c, i) => eq(c, chain[i]!)),
        'GET_CERT differs from PUT_CERT',
      );
      const h = await client.hello();
      assert(h.state.certInstalled, 'HELLO does not report the certificate');
      return `${chain.reduce((n, c) => n + c.length, 0)} bytes`;
    },
  },
  {
    id: 'ASSET-1',
    title: 'SET_ASSET stores Asset ID, org ID and a ~1 KB asset token; GET_ASSET reads them back exactly',
    gate: 'write',
    async run({ client, identity }) {
      const b = {
        assetId: '02iCONFORMANCE01',
        orgId: '00DCONFORMANCE01',
        ...(identity.capabilities.assetToken ? { assetToken: 'eyJ' + 'a'.repeat(1000) } : {}),
      };
      await client.setAsset(b);
      const back = await client.getAsset();
      assert(
        back && back.assetId === b.assetId && back.orgId === b.orgId && back.assetToken === b.assetToken,
        'read-back differs',
      );
      assert((await client.hello()).state.assetIdSet, 'HELLO does not report the Asset ID');
    },
  },
  {
    id: 'LOCK-1',
    title:
      'after LOCK, HELLO reports locked, KEYGEN replace gets ERR LOCKED, KEYGEN without replace returns the key',
    gate: 'lock',
    async run({ client, link, spki, keyAlg }) {
      assert(spki && keyAlg, 'needs KEYGEN-1');
      await client.lock();
      assert((await client.hello()).state.locked, 'HELLO does not report locked');
      await expectErr(
        link,
        'KEYGEN',
        encodeKeygenRequest({ slot: 0, algorithm: keyAlg, replace: true }),
        DEVICE_ERRORS.LOCKED,
      );
      const k = await client.keygen(0, keyAlg, false);
      assert(eq(k.publicKeySpki, spki) && !k.created, 'the locked device lost or changed its key');
    },
  },
];
