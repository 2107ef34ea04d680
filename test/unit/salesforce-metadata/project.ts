/**
 * Test helper: reads the SFDX project (salesforce/) into a model the metadata checks run on: every file's
 * text, every XML file parsed (xml2js, strict), and the objects with their custom fields. Built from a
 * path → text map so a test can break a copy of the project and see the check fail.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** xml2js (a dependency of jsforce): parsed elements are arrays of nodes; `$` holds attributes. */
export type XmlNode = { [k: string]: XmlNode[] | string[] | Record<string, string> | string | undefined };
type ParseString = (
  xml: string,
  opts: { strict: boolean; async: boolean },
  cb: (err: Error | null, result: Record<string, XmlNode>) => void,
) => void;
const { parseString } = createRequire(import.meta.url)('xml2js') as { parseString: ParseString };

/**
 * Parses XML strictly (sax strict mode).
 * @returns the root element's name and node.
 * @throws Error with the parser's message (line and column) when the text is not well-formed XML.
 */
export function parseXml(text: string): { root: string; node: XmlNode } {
  let out: { root: string; node: XmlNode } | undefined;
  let failure: Error | null = null;
  parseString(text, { strict: true, async: false }, (err, result) => {
    failure = err;
    if (!err) {
      const root = Object.keys(result ?? {})[0];
      if (root) out = { root, node: result[root]! };
    }
  });
  if (failure) throw failure;
  if (!out) throw new Error('the document has no root element');
  return out;
}

/** Text of the first `key` child element, or undefined. */
export function one(node: XmlNode | undefined, key: string): string | undefined {
  const v = node?.[key];
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const first = v[0];
  return typeof first === 'string' ? first : undefined;
}

/** The `key` child elements that are elements (not text). */
export function all(node: XmlNode | undefined, key: string): XmlNode[] {
  const v = node?.[key];
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object') as XmlNode[]) : [];
}

/** Reads every file under `dir` (relative paths with forward slashes). */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else files.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  visit(dir);
  return files;
}

export interface FieldModel {
  object: string;
  name: string;
  file: string;
  node: XmlNode;
}

export interface ObjectModel {
  name: string;
  /** The object's own meta file (absent for a standard object that only gets custom fields). */
  file?: string;
  node?: XmlNode;
  kind: 'standard' | 'custom' | 'event' | 'setting';
  fields: Map<string, FieldModel>;
}

export interface ProjectModel {
  /** Every file, path relative to salesforce/. */
  files: Map<string, string>;
  /** Parsed XML files by path; `xmlErrors` has the ones that did not parse. */
  xml: Map<string, { root: string; node: XmlNode }>;
  xmlErrors: Map<string, string>;
  objects: Map<string, ObjectModel>;
}

export const DEFAULT_DIR = 'force-app/main/default';

/** Builds the model from salesforce/'s files. */
export function buildModel(files: Map<string, string>): ProjectModel {
  const xml = new Map<string, { root: string; node: XmlNode }>();
  const xmlErrors = new Map<string, string>();
  for (const [p, text] of files) {
    if (!p.endsWith('.xml')) continue;
    try {
      xml.set(p, parseXml(text));
    } catch (e) {
      xmlErrors.set(p, (e as Error).message.split('\n').join(' '));
    }
  }
  const objects = new Map<string, ObjectModel>();
  const objectOf = (name: string): ObjectModel => {
    let o = objects.get(name);
    if (!o) {
      const kind = name.endsWith('__e') ? 'event' : name.endsWith('__c') ? 'custom' : 'standard';
      o = { name, kind, fields: new Map() };
      objects.set(name, o);
    }
    return o;
  };
  const prefix = `${DEFAULT_DIR}/objects/`;
  for (const [p, doc] of xml) {
    if (!p.startsWith(prefix)) continue;
    const parts = p.slice(prefix.length).split('/');
    const o = objectOf(parts[0]!);
    if (parts.length === 2 && parts[1] === `${o.name}.object-meta.xml`) {
      o.file = p;
      o.node = doc.node;
      if (one(doc.node, 'customSettingsType')) o.kind = 'setting';
    } else if (parts[1] === 'fields' && parts[2]?.endsWith('.field-meta.xml')) {
      const name = parts[2].slice(0, -'.field-meta.xml'.length);
      o.fields.set(name, { object: o.name, name, file: p, node: doc.node });
    }
  }
  return { files, xml, xmlErrors, objects };
}
