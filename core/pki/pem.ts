/**
 * PEM decoding (RFC 7468) with errors that name the problem: missing BEGIN, missing END (truncated),
 * a label other than the one expected, mismatched labels, bad Base64.
 */

/** A decoded PEM block. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Why a PEM text could not be decoded (mapped to a StationError by the caller). */
export class PemError extends Error {
  override name = 'PemError';
}

const BEGIN = /-----BEGIN ([A-Z0-9 #-]*)-----/g;

/** True when `text` looks like PEM (has a BEGIN line). */
export function looksLikePem(text: string): boolean {
  return /-----BEGIN [A-Z0-9 #-]*-----/.test(text);
}

/**
 * Decodes every PEM block in `text`, in order.
 * @throws PemError naming the problem (truncated, mismatched END, invalid Base64, no block).
 */
export function decodePemAll(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m; m = BEGIN.exec(text)) {
    const label = m[1]!;
    const bodyStart = m.index + m[0].length;
    const endRe = /-----END ([A-Z0-9 #-]*)-----/g;
    endRe.lastIndex = bodyStart;
    const end = endRe.exec(text);
    if (!end) throw new PemError(`the PEM block '${label}' is truncated: no -----END ${label}----- line`);
    const nextBegin = text.indexOf('-----BEGIN', bodyStart);
    if (nextBegin !== -1 && nextBegin < end.index) {
      throw new PemError(`the PEM block '${label}' is truncated: a new BEGIN line comes before its END line`);
    }
    if (end[1] !== label) throw new PemError(`the PEM block begins as '${label}' but ends as '${end[1]}'`);
    let body = text.slice(bodyStart, end.index);
    // RFC 1421 encapsulated headers (e.g. Proc-Type) are kept out of the Base64.
    if (/^\s*[A-Za-z-]+:/.test(body)) {
      const split = body.search(/\r?\n\s*\r?\n/);
      body = split === -1 ? '' : body.slice(split);
    }
    const b64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      throw new PemError(`the PEM block '${label}' has invalid Base64 (truncated or corrupted)`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(b64, 'base64')) });
    BEGIN.lastIndex = end.index + end[0].length;
  }
  if (blocks.length === 0) throw new PemError('no -----BEGIN ...----- line: this is not PEM');
  return blocks;
}

/** Encodes DER as PEM with 64-column lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}
