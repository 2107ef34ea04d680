/**
 * CSV as Bulk API 2.0 reads and writes it (docs/salesforce-wire.md §8.3): RFC 4180 quoting (a field with the
 * delimiter, a quote or a line break is quoted, `""` is a quote), the job's column delimiter and line ending
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm).
 */

/** Column delimiters a job may name, by their Bulk API 2.0 names. */
export const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  SEMICOLON: ';',
  PIPE: '|',
  CARET: '^',
  BACKQUOTE: '`',
};

/**
 * Parses CSV text into rows of fields (a trailing line break ends the last row; blank lines are skipped).
 * @throws Error on a quote left open
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else if (c === '\n') endRow();
    else field += c;
    i++;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** Writes rows as CSV, every field quoted (as Salesforce writes job results), with the given line ending. */
export function toCsv(rows: string[][], delimiter = ',', lineEnding = '\n'): string {
  return rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(delimiter) + lineEnding).join('');
}
