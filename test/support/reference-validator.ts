// The validator as it was before it checked values on their bytes and tags in typed arrays
// (issue 13): the reference the fast one must agree with, reason and tag, on any message.

import type { FixMessage } from '../../src/fix/codec/message.js';
import { HEADER_TAGS, TRAILER_TAGS } from '../../src/fix/codec/tags.js';
import type { FixDictionary, GroupDef } from '../../src/fix/dictionary/dictionary.js';
import { REJECT_TEXT, type ValidationError } from '../../src/fix/dictionary/validator.js';

const SessionRejectReason = { InvalidTagNumber: 0, RequiredTagMissing: 1, TagNotDefinedForMessageType: 2, TagSpecifiedWithoutValue: 4, ValueIncorrect: 5, IncorrectDataFormat: 6, InvalidMsgType: 11, TagAppearsMoreThanOnce: 13, TagOutOfOrder: 14, IncorrectNumInGroupCount: 16 } as const;

function err(reason: number, refTag: number | null): ValidationError {
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
export function referenceValidate(dict: FixDictionary, m: FixMessage): ValidationError | null {
  // Structure: header fields first, then body, then trailer.
  let inBody = false;
  for (let i = 3; i < m.count; i++) {
    const tag = m.tags[i] as number;
    if (TRAILER_TAGS.has(tag)) continue;
    if (HEADER_TAGS.has(tag)) {
      if (inBody) return err(SessionRejectReason.TagOutOfOrder, tag);
    } else {
      inBody = true;
    }
  }
  const msgType = m.msgType;
  const def = dict.messages.get(msgType);
  if (def === undefined) return err(SessionRejectReason.InvalidMsgType, null);

  for (const tag of dict.header.required) if (!m.has(tag)) return err(SessionRejectReason.RequiredTagMissing, tag);
  for (const tag of def.required) if (!m.has(tag)) return err(SessionRejectReason.RequiredTagMissing, tag);

  // One Set for every call, cleared: validation runs on every platform message.
  const seen = SEEN;
  seen.clear();
  for (let i = 0; i < m.count; i++) {
    const tag = m.tags[i] as number;
    const value = m.valueAt(i);
    if (value.length === 0) return err(SessionRejectReason.TagSpecifiedWithoutValue, tag);
    const field = dict.fields.get(tag);
    if (field !== undefined) {
      if (!validFormat(field.type, value)) return err(SessionRejectReason.IncorrectDataFormat, tag);
      if (field.enums !== null) {
        const ok = field.type === 'MULTIPLEVALUESTRING' ? value.split(' ').every((v) => field.enums!.has(v)) : field.enums.has(value);
        if (!ok) return err(SessionRejectReason.ValueIncorrect, tag);
      }
    }
    const header = HEADER_TAGS.has(tag) || dict.header.fields.has(tag);
    const trailer = TRAILER_TAGS.has(tag);
    const listed = header || trailer || def.fields.has(tag);
    if (field === undefined && !(dict.open && isOpenTag(dict, tag))) return err(SessionRejectReason.InvalidTagNumber, tag);
    if (!listed && !dict.open) return err(SessionRejectReason.TagNotDefinedForMessageType, tag);
    // An open dictionary cannot tell a field it does not list from one inside a group it does
    // not model, so only the fields it lists are checked for repeats.
    if (listed || !dict.open) {
      if (seen.has(tag)) return err(SessionRejectReason.TagAppearsMoreThanOnce, tag);
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
    if (value.length === 0) return { next: i, error: err(SessionRejectReason.TagSpecifiedWithoutValue, tag) };
    const field = dict.fields.get(tag);
    if (field !== undefined && !validFormat(field.type, value)) return { next: i, error: err(SessionRejectReason.IncorrectDataFormat, tag) };
    if (field?.enums != null && !field.enums.has(value)) return { next: i, error: err(SessionRejectReason.ValueIncorrect, tag) };
    const nested = group.groups.get(tag);
    if (nested !== undefined) {
      const inner = scanGroup(dict, m, i, nested);
      if (inner.error !== null) return inner;
      i = inner.next;
      continue;
    }
    i++;
  }
  if (entries !== declared) return { next: i, error: err(SessionRejectReason.IncorrectNumInGroupCount, group.countTag) };
  return { next: i, error: null };
}

