/**
 * The model → Product2 Id mapping (StationConfig.salesforce.productByModel) as editable text: one
 * `model = productId` per line. Blank lines and lines starting with `#` are ignored.
 */

/** Mapping → text, one `model = productId` per line, sorted by model. */
export function formatProductMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k} = ${map[k]}`)
    .join('\n');
}

/**
 * Text → mapping.
 * @returns `{ map }`, or `{ error }` naming the first line that is not `model = productId`.
 */
export function parseProductMap(text: string): { map: Record<string, string> } | { error: string } {
  const map: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([^=]+?)\s*=\s*(\S+)$/.exec(line);
    if (!m) return { error: `Line ${i + 1} is not "model = productId": ${line}` };
    map[m[1]!.trim()] = m[2]!;
  }
  return { map };
}
