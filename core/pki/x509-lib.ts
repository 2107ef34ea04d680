/**
 * The one place @peculiar/x509 is loaded: `reflect-metadata` must be imported first (tsyringe inside
 * @peculiar/x509 2.x needs it, docs/toolchain.md §3) and the crypto provider set to Node's WebCrypto.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export { x509 };
