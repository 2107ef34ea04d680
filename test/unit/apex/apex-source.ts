/**
 * Test helper: parses Apex with @apexdevtools/apex-parser (the ANTLR grammar of the Apex language) and
 * extracts the sObject and field names a class or trigger uses, so the metadata test can check that each
 * exists in salesforce/force-app. Syntax only: the parser knows no types, so field references are
 * resolved where the code names the type (SOQL FROM, `new T(F = …)`, `T.F`, variables declared with an
 * sObject type, `list[i].F` for a declared List<T>); every other `…__c`/`__e` name must at least exist
 * somewhere in the project.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ApexErrorListener,
  ApexParserFactory,
  ArrayExpressionContext,
  CreatorContext,
  DotExpressionContext,
  EnhancedForControlContext,
  FieldDeclarationContext,
  FieldNameContext,
  FormalParameterContext,
  FromNameListContext,
  IdPrimaryContext,
  LocalVariableDeclarationContext,
  MethodDeclarationContext,
  ConstructorDeclarationContext,
  PrimaryExpressionContext,
  QueryContext,
  SubQueryContext,
  TriggerUnitContext,
  AssignExpressionContext,
  AnyIdContext,
  type ApexParseTree,
} from '@apexdevtools/apex-parser';

/** A syntax error: 1-based line, 0-based column. */
export interface ApexSyntaxIssue {
  line: number;
  column: number;
  message: string;
}

class Collector extends ApexErrorListener {
  issues: ApexSyntaxIssue[] = [];
  apexSyntaxError(line: number, column: number, message: string): void {
    this.issues.push({ line, column, message });
  }
}

/** Parses a class (`compilationUnit`) or a trigger (`triggerUnit`); lexer and parser errors both count. */
export function parseApex(
  source: string,
  kind: 'class' | 'trigger',
): { tree: ApexParseTree; issues: ApexSyntaxIssue[] } {
  const collector = new Collector();
  const { parser } = ApexParserFactory.createLexerAndParser(source, collector);
  const tree = kind === 'trigger' ? parser.triggerUnit() : parser.compilationUnit();
  return { tree, issues: collector.issues };
}

/** Every .cls and .trigger file under `dir`, recursively. */
export function listApexFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listApexFiles(p));
    else if (/\.(cls|trigger)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** One use of an sObject (and field) by Apex code. */
export interface ApexRef {
  object: string;
  field?: string;
  line: number;
  how: 'soql' | 'new' | 'static' | 'variable' | 'trigger';
}

/** What the code uses: typed references, and every custom-looking name (`X__c`, `X__e`, …) on its own. */
export interface ApexUses {
  refs: ApexRef[];
  customNames: Array<{ name: string; line: number }>;
  /** Names of methods annotated @IsTest, or with testMethod. */
  testMethods: string[];
}

type Node = ApexParseTree & {
  children?: Node[] | null;
  parentCtx?: Node | null;
  start?: { line: number };
  symbol?: { line: number };
};

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const c of n.children ?? []) walk(c, visit);
}
const line = (n: Node): number => n.start?.line ?? n.symbol?.line ?? 0;
const text = (n: Node): string => n.getText();
const kids = (n: Node): Node[] => n.children ?? [];

/** The type each variable is declared with inside `scope` (undefined for a name declared with two types). */
function declarations(scope: Node, into: Map<string, string | undefined>): void {
  const add = (name: string, type: string) => {
    const had = into.get(name);
    into.set(name, into.has(name) && had !== type ? undefined : type);
  };
  walk(scope, (n) => {
    if (n instanceof FormalParameterContext || n instanceof EnhancedForControlContext) {
      add(text(n.id()), text(n.typeRef()));
    } else if (n instanceof LocalVariableDeclarationContext || n instanceof FieldDeclarationContext) {
      for (const d of n.variableDeclarators().variableDeclarator_list()) add(text(d.id()), text(n.typeRef()));
    }
  });
}

const elementType = (t: string): string | undefined => /^List<(\w+)>$/i.exec(t)?.[1];

/** Extracts the sObject/field uses of one parsed class or trigger. `isSObject` tells object names apart. */
export function apexUses(tree: ApexParseTree, isSObject: (name: string) => boolean): ApexUses {
  const refs: ApexRef[] = [];
  const customNames: ApexUses['customNames'] = [];
  const testMethods: string[] = [];
  const root = tree as Node;
  const classVars = new Map<string, string | undefined>();
  walk(root, (n) => {
    if (n instanceof FieldDeclarationContext) declarations(n, classVars);
  });

  const visitScope = (scope: Node, vars: Map<string, string | undefined>) => {
    walk(scope, (n) => {
      if (n instanceof QueryContext && !(n instanceof SubQueryContext)) {
        const from = n.fromNameList();
        const object = text(from.fieldName(0));
        refs.push({ object, line: line(n), how: 'soql' });
        walk(n, (f) => {
          if (!(f instanceof FieldNameContext)) return;
          let p: Node | null = f.parentCtx as Node | null;
          while (p && p !== n && !(p instanceof FromNameListContext)) p = p.parentCtx ?? null;
          if (p instanceof FromNameListContext) return;
          const name = text(f);
          if (!name.includes('.')) refs.push({ object, field: name, line: line(f), how: 'soql' });
        });
      } else if (n instanceof CreatorContext) {
        const object = text(n.createdName());
        if (!isSObject(object) && !/__(c|e)$/i.test(object)) return;
        refs.push({ object, line: line(n), how: 'new' });
        const args = n.classCreatorRest()?.arguments().expressionList();
        for (const e of args?.expression_list() ?? []) {
          if (e instanceof AssignExpressionContext) {
            const left = kids(e)[0]!;
            if (left instanceof PrimaryExpressionContext && kids(left)[0] instanceof IdPrimaryContext) {
              refs.push({ object, field: text(left), line: line(e), how: 'new' });
            }
          }
        }
      } else if (n instanceof DotExpressionContext) {
        const [target, , member] = kids(n);
        if (!(member instanceof AnyIdContext) || !target) return;
        const field = text(member);
        if (target instanceof PrimaryExpressionContext && kids(target)[0] instanceof IdPrimaryContext) {
          const name = text(target);
          const type = vars.has(name) ? vars.get(name) : classVars.get(name);
          if (type && isSObject(type)) refs.push({ object: type, field, line: line(n), how: 'variable' });
          else if (!vars.has(name) && !classVars.has(name) && isSObject(name))
            refs.push({ object: name, field, line: line(n), how: 'static' });
        } else if (target instanceof ArrayExpressionContext) {
          const arr = kids(target)[0];
          if (arr instanceof PrimaryExpressionContext && kids(arr)[0] instanceof IdPrimaryContext) {
            const t = vars.get(text(arr)) ?? classVars.get(text(arr));
            const el = t && elementType(t);
            if (el && isSObject(el)) refs.push({ object: el, field, line: line(n), how: 'variable' });
          }
        }
      }
    });
  };

  walk(root, (n) => {
    if (n instanceof MethodDeclarationContext || n instanceof ConstructorDeclarationContext) {
      const vars = new Map<string, string | undefined>();
      declarations(n, vars);
      visitScope(n, vars);
      if (n instanceof MethodDeclarationContext) {
        const decl = (n as Node).parentCtx?.parentCtx;
        const mods = decl
          ? text(decl)
              .slice(0, text(decl).length - text(n).length)
              .toLowerCase()
          : '';
        if (mods.includes('@istest') || mods.includes('testmethod')) testMethods.push(text(n.id()));
      }
    } else if (n instanceof TriggerUnitContext) {
      const ids = n.id_list();
      refs.push({ object: text(ids[1]!), line: line(n), how: 'trigger' });
      const vars = new Map<string, string | undefined>();
      declarations(n, vars);
      visitScope(n, vars);
    }
    const sym = (n as Node).symbol;
    if (sym && /^\w+__(c|e|r|mdt)$/i.test(text(n))) customNames.push({ name: text(n), line: sym.line });
  });
  return { refs, customNames, testMethods };
}
