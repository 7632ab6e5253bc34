// Validates a parsed message against a dictionary the way QuickFIX does, in the same order, so a
// counterparty gets the same SessionRejectReason(373) and text it would get from QuickFIX.

import type { FixMessage } from '../codec/message.js';
import { HEADER_TAGS, TRAILER_TAGS } from '../codec/tags.js';
import type { FixDictionary, GroupDef } from './dictionary.js';

export const SessionRejectReason = {
  InvalidTagNumber: 0,
  RequiredTagMissing: 1,
  TagNotDefinedForMessageType: 2,
  TagSpecifiedWithoutValue: 4,
  ValueIncorrect: 5,
  IncorrectDataFormat: 6,
  CompIdProblem: 9,
  SendingTimeAccuracy: 10,
  InvalidMsgType: 11,
  TagAppearsMoreThanOnce: 13,
  TagOutOfOrder: 14,
  IncorrectNumInGroupCount: 16,
  Other: 99,
} as const;

export const REJECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Invalid tag number',
  1: 'Required tag missing',
  2: 'Tag not defined for this message type',
  4: 'Tag specified without a value',
  5: 'Value is incorrect (out of range) for this tag',
  6: 'Incorrect data format for value',
  9: 'CompID problem',
  10: 'SendingTime accuracy problem',
  11: 'Invalid MsgType',
  13: 'Tag appears more than once',
  14: 'Tag specified out of required order',
  16: 'Incorrect NumInGroup count for repeating group',
};

export interface ValidationError {
  readonly reason: number;
  readonly refTag: number | null;
  readonly text: string;
}

function error(reason: number, refTag: number | null): ValidationError {
  return { reason, refTag, text: REJECT_TEXT[reason] ?? 'Other' };
}

const SEEN = new Set<number>();
const NUMERIC_INT = new Set(['INT', 'LENGTH', 'SEQNUM', 'NUMINGROUP', 'DAYOFMONTH']);
const NUMERIC_FLOAT = new Set(['FLOAT', 'QTY', 'PRICE', 'PRICEOFFSET', 'AMT', 'PERCENTAGE']);

function validFormat(type: string, v: string): boolean {
  if (NUMERIC_INT.has(type)) return /^-?\d+$/.test(v);
  if (NUMERIC_FLOAT.has(type)) return /^-?(\d+\.?\d*|\.\d+)$/.test(v);
  switch (type) {
    case 'CHAR':
      return v.length === 1;
    case 'BOOLEAN':
      return v === 'Y' || v === 'N';
    case 'UTCTIMESTAMP':
      return /^\d{8}-\d{2}:\d{2}:\d{2}(\.\d{3}(\d{3}(\d{3})?)?)?$/.test(v);
    case 'UTCTIMEONLY':
      return /^\d{2}:\d{2}:\d{2}(\.\d{3})?$/.test(v);
    case 'UTCDATEONLY':
    case 'LOCALMKTDATE':
      return /^\d{8}$/.test(v);
    case 'MONTHYEAR':
      return /^\d{6}(\d{2}|w\d)?$/.test(v);
    default:
      return true;
  }
}

/**
 * Returns the first problem QuickFIX would report, or null. Order: field order (header, body,
 * trailer), MsgType, required fields, then field by field: value present, format, enum, known
 * tag, allowed in this message, repeating-group counts.
 */
export function validate(dict: FixDictionary, m: FixMessage): ValidationError | null {
  // Structure: header fields first, then body, then trailer.
  let inBody = false;
  for (let i = 3; i < m.count; i++) {
    const tag = m.tags[i] as number;
    if (TRAILER_TAGS.has(tag)) continue;
    if (HEADER_TAGS.has(tag)) {
      if (inBody) return error(SessionRejectReason.TagOutOfOrder, tag);
    } else {
      inBody = true;
    }
  }
  const msgType = m.msgType;
  const def = dict.messages.get(msgType);
  if (def === undefined) return error(SessionRejectReason.InvalidMsgType, null);

  for (const tag of dict.header.required) if (!m.has(tag)) return error(SessionRejectReason.RequiredTagMissing, tag);
  for (const tag of def.required) if (!m.has(tag)) return error(SessionRejectReason.RequiredTagMissing, tag);

  // One Set for every call, cleared: validation runs on every platform message.
  const seen = SEEN;
  seen.clear();
  for (let i = 0; i < m.count; i++) {
    const tag = m.tags[i] as number;
    const value = m.valueAt(i);
    if (value.length === 0) return error(SessionRejectReason.TagSpecifiedWithoutValue, tag);
    const field = dict.fields.get(tag);
    if (field !== undefined) {
      if (!validFormat(field.type, value)) return error(SessionRejectReason.IncorrectDataFormat, tag);
      if (field.enums !== null) {
        const ok = field.type === 'MULTIPLEVALUESTRING' ? value.split(' ').every((v) => field.enums!.has(v)) : field.enums.has(value);
        if (!ok) return error(SessionRejectReason.ValueIncorrect, tag);
      }
    }
    const header = HEADER_TAGS.has(tag) || dict.header.fields.has(tag);
    const trailer = TRAILER_TAGS.has(tag);
    const listed = header || trailer || def.fields.has(tag);
    if (field === undefined && !(dict.open && isOpenTag(dict, tag))) return error(SessionRejectReason.InvalidTagNumber, tag);
    if (!listed && !dict.open) return error(SessionRejectReason.TagNotDefinedForMessageType, tag);
    // An open dictionary cannot tell a field it does not list from one inside a group it does
    // not model, so only the fields it lists are checked for repeats.
    if (listed || !dict.open) {
      if (seen.has(tag)) return error(SessionRejectReason.TagAppearsMoreThanOnce, tag);
      seen.add(tag);
    }
    const group = def.groups.get(tag) ?? dict.header.groups.get(tag);
    if (group !== undefined) {
      const result = scanGroup(dict, m, i, group);
      if (result.error !== null) return result.error;
      i = result.next - 1;
    }
  }
  return null;
}

/** A tag an open dictionary accepts without listing it: FIX 4.4's own range or user-defined. */
function isOpenTag(dict: FixDictionary, tag: number): boolean {
  return (tag > 0 && tag <= dict.maxStandardTag) || tag >= 5000;
}

/** Walks a repeating group starting at its count field; checks its entries and their count. */
function scanGroup(dict: FixDictionary, m: FixMessage, countIndex: number, group: GroupDef): { next: number; error: ValidationError | null } {
  const declared = m.intAt(countIndex);
  let entries = 0;
  let i = countIndex + 1;
  let entryFields = new Set<number>();
  while (i < m.count) {
    const tag = m.tags[i] as number;
    if (tag === group.delimiter) {
      entries++;
      entryFields = new Set([tag]);
    } else if (entries > 0 && group.fields.has(tag) && !entryFields.has(tag)) {
      entryFields.add(tag);
    } else {
      break;
    }
    const value = m.valueAt(i);
    if (value.length === 0) return { next: i, error: error(SessionRejectReason.TagSpecifiedWithoutValue, tag) };
    const field = dict.fields.get(tag);
    if (field !== undefined && !validFormat(field.type, value)) return { next: i, error: error(SessionRejectReason.IncorrectDataFormat, tag) };
    if (field?.enums != null && !field.enums.has(value)) return { next: i, error: error(SessionRejectReason.ValueIncorrect, tag) };
    const nested = group.groups.get(tag);
    if (nested !== undefined) {
      const inner = scanGroup(dict, m, i, nested);
      if (inner.error !== null) return inner;
      i = inner.next;
      continue;
    }
    i++;
  }
  if (entries !== declared) return { next: i, error: error(SessionRejectReason.IncorrectNumInGroupCount, group.countTag) };
  return { next: i, error: null };
}

/**
 * Body fields re-ordered as QuickFIX writes them: top-level fields by ascending tag, each
 * repeating group kept whole behind its count field. Returns [start, end) spans of the fields.
 */
export function bodyFieldOrder(dict: FixDictionary | null, m: FixMessage): number[][] {
  const def = dict?.messages.get(m.msgType);
  const blocks: { tag: number; spans: number[][] }[] = [];
  let i = 3;
  while (i < m.count) {
    const tag = m.tags[i] as number;
    if (HEADER_TAGS.has(tag) || TRAILER_TAGS.has(tag)) {
      i++;
      continue;
    }
    const group = def?.groups.get(tag);
    const spans: number[][] = [[i, i + 1]];
    i++;
    if (group !== undefined) {
      const start = i;
      const end = dict === null ? start : scanGroup(dict, m, start - 1, group).next;
      if (end > start) spans.push([start, end]);
      i = Math.max(end, start);
    }
    blocks.push({ tag, spans });
  }
  blocks.sort((a, b) => a.tag - b.tag);
  return blocks.flatMap((b) => b.spans);
}
