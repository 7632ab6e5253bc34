// A FIX data dictionary: fields with types and enums, messages with their fields, required
// fields and repeating groups. Loaded at run time from a QuickFIX-format XML file (FIX44.xml).

import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { BridgeError } from '../../core/errors.js';

export interface FieldDef {
  readonly tag: number;
  readonly name: string;
  readonly type: string;
  readonly enums: ReadonlySet<string> | null;
}

export interface GroupDef {
  readonly countTag: number;
  /** The first field of every entry. */
  readonly delimiter: number;
  /** Every field an entry may hold (nested group count tags included). */
  readonly fields: ReadonlySet<number>;
  /** The group's fields in their defined order, for re-encoding. */
  readonly order: readonly number[];
  readonly groups: ReadonlyMap<number, GroupDef>;
}

export interface FieldSet {
  /** Top-level fields (group count tags included, group entry fields not). */
  readonly fields: ReadonlySet<number>;
  readonly required: readonly number[];
  readonly groups: ReadonlyMap<number, GroupDef>;
}

export interface MessageDef extends FieldSet {
  readonly msgType: string;
  readonly name: string;
  readonly admin: boolean;
}

type XmlNode = Record<string, unknown>;

function list(value: unknown): XmlNode[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/**
 * A dictionary written in code (the built-in FIX 4.4 one): fields as [tag, name, type, enums],
 * message bodies in a small notation: tags separated by spaces, `!` after a required one, and
 * a repeating group as its count tag followed by its fields in brackets: `453[448 447 452]`.
 */
export interface DictionarySpec {
  readonly fields: readonly (readonly [tag: number, name: string, type: string, enums?: string])[];
  readonly header: string;
  readonly trailer: string;
  readonly messages: readonly (readonly [msgType: string, name: string, category: 'admin' | 'app', body: string])[];
  /**
   * Open dictionaries list only what they check: a FIX 4.4 tag (1 to maxStandardTag) or a
   * user-defined one (5000 and up) they do not list is accepted anywhere, not refused as
   * undefined (real platforms send fields a bridge has no use for).
   */
  readonly open: boolean;
  readonly maxStandardTag: number;
}

export class FixDictionary {
  readonly fields = new Map<number, FieldDef>();
  readonly messages = new Map<string, MessageDef>();
  header!: FieldSet;
  trailer!: FieldSet;
  /** See DictionarySpec.open; a dictionary loaded from XML is closed, as QuickFIX's are. */
  open = false;
  maxStandardTag = 0;

  private constructor() {}

  /** Builds a dictionary from its definition in code; a malformed definition throws. */
  static define(spec: DictionarySpec): FixDictionary {
    const d = new FixDictionary();
    d.open = spec.open;
    d.maxStandardTag = spec.maxStandardTag;
    for (const [tag, name, type, enums] of spec.fields) {
      d.fields.set(tag, { tag, name, type, enums: enums === undefined ? null : new Set(enums.split(' ')) });
    }
    d.header = parseBody(spec.header, d.fields);
    d.trailer = parseBody(spec.trailer, d.fields);
    for (const [msgType, name, category, body] of spec.messages) {
      d.messages.set(msgType, { ...parseBody(body, d.fields), msgType, name, admin: category === 'admin' });
    }
    return d;
  }

  static load(path: string): FixDictionary {
    let xml: string;
    try {
      xml = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: ${(cause as Error).message}`, { cause });
    }
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      preserveOrder: true,
      allowBooleanAttributes: true,
      parseAttributeValue: false,
      parseTagValue: false,
    });
    let doc: XmlNode[];
    try {
      doc = parser.parse(xml) as XmlNode[];
    } catch (cause) {
      throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: ${(cause as Error).message}`, { cause });
    }
    const fixNode = doc.find((n) => 'fix' in n);
    if (fixNode === undefined) throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: no <fix> root element`);
    return new FixDictionary().build(path, fixNode['fix'] as XmlNode[]);
  }

  private build(path: string, root: XmlNode[]): this {
    const section = (name: string): XmlNode[] => (root.find((n) => name in n)?.[name] as XmlNode[] | undefined) ?? [];
    const attr = (n: XmlNode, name: string): string => ((n[':@'] as Record<string, string> | undefined)?.[`@${name}`] ?? '');

    const byName = new Map<string, FieldDef>();
    for (const n of section('fields')) {
      if (!('field' in n)) continue;
      const tag = Number(attr(n, 'number'));
      const enums = list(n['field']).filter((v) => 'value' in v).map((v) => attr(v, 'enum'));
      const def: FieldDef = { tag, name: attr(n, 'name'), type: attr(n, 'type'), enums: enums.length > 0 ? new Set(enums) : null };
      this.fields.set(tag, def);
      byName.set(def.name, def);
    }
    const components = new Map<string, XmlNode[]>();
    for (const n of section('components')) if ('component' in n) components.set(attr(n, 'name'), n['component'] as XmlNode[]);

    const tagOf = (name: string): number => {
      const f = byName.get(name);
      if (f === undefined) throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: field "${name}" is not defined`);
      return f.tag;
    };

    /** Collects the fields of a list of <field>/<group>/<component> nodes into `into`. */
    const collect = (
      nodes: XmlNode[],
      into: { fields: Set<number>; order: number[]; required: number[]; groups: Map<number, GroupDef> },
      parentRequired: boolean,
      depth: number,
    ): void => {
      if (depth > 20) throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: components nest too deep`);
      for (const n of nodes) {
        const required = parentRequired && attr(n, 'required') === 'Y';
        if ('field' in n) {
          const tag = tagOf(attr(n, 'name'));
          into.fields.add(tag);
          into.order.push(tag);
          if (required) into.required.push(tag);
        } else if ('group' in n) {
          const tag = tagOf(attr(n, 'name'));
          const inner = { fields: new Set<number>(), order: [] as number[], required: [] as number[], groups: new Map<number, GroupDef>() };
          collect(n['group'] as XmlNode[], inner, true, depth + 1);
          const delimiter = inner.order[0];
          if (delimiter === undefined) throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: group ${attr(n, 'name')} has no fields`);
          into.fields.add(tag);
          into.order.push(tag);
          if (required) into.required.push(tag);
          into.groups.set(tag, { countTag: tag, delimiter, fields: inner.fields, order: inner.order, groups: inner.groups });
        } else if ('component' in n) {
          const body = components.get(attr(n, 'name'));
          if (body === undefined) throw new BridgeError('SB_ERR_FIX_DICTIONARY', `${path}: component "${attr(n, 'name')}" is not defined`);
          collect(body, into, required, depth + 1);
        }
      }
    };

    const fieldSet = (nodes: XmlNode[]): FieldSet => {
      const into = { fields: new Set<number>(), order: [] as number[], required: [] as number[], groups: new Map<number, GroupDef>() };
      collect(nodes, into, true, 0);
      return { fields: into.fields, required: into.required, groups: into.groups };
    };

    this.header = fieldSet(section('header'));
    this.trailer = fieldSet(section('trailer'));
    for (const n of section('messages')) {
      if (!('message' in n)) continue;
      const set = fieldSet(n['message'] as XmlNode[]);
      const msgType = attr(n, 'msgtype');
      this.messages.set(msgType, { ...set, msgType, name: attr(n, 'name'), admin: attr(n, 'msgcat') === 'admin' });
    }
    return this;
  }
}

/** Parses the body notation of DictionarySpec into a field set. */
function parseBody(text: string, fields: ReadonlyMap<number, FieldDef>): FieldSet {
  const tokens = text.match(/\d+!?|\[|\]/g) ?? [];
  let at = 0;
  const level = (): { fields: Set<number>; order: number[]; required: number[]; groups: Map<number, GroupDef> } => {
    const into = { fields: new Set<number>(), order: [] as number[], required: [] as number[], groups: new Map<number, GroupDef>() };
    while (at < tokens.length && tokens[at] !== ']') {
      const token = tokens[at++] as string;
      if (token === '[') throw new Error(`dictionary body "${text}": a group needs its count tag before "["`);
      const tag = Number.parseInt(token, 10);
      if (!fields.has(tag)) throw new Error(`dictionary body "${text}": tag ${tag} is not a defined field`);
      into.fields.add(tag);
      into.order.push(tag);
      if (token.endsWith('!')) into.required.push(tag);
      if (tokens[at] === '[') {
        at++;
        const inner = level();
        if (tokens[at++] !== ']') throw new Error(`dictionary body "${text}": unclosed group ${tag}`);
        const delimiter = inner.order[0];
        if (delimiter === undefined) throw new Error(`dictionary body "${text}": group ${tag} has no fields`);
        into.groups.set(tag, { countTag: tag, delimiter, fields: inner.fields, order: inner.order, groups: inner.groups });
      }
    }
    return into;
  };
  const top = level();
  if (at !== tokens.length) throw new Error(`dictionary body "${text}": unbalanced "]"`);
  return { fields: top.fields, required: top.required, groups: top.groups };
}
