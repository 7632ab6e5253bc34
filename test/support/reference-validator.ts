// The validator's top-level walk as it was before it checked values on their bytes and tags in
// typed arrays (issue 13): the reference the fast one must agree with, reason and tag, on any
// message. The string format check, the group walk and the open-tag rule did not change and are
// the validator's own.

import type { FixMessage } from '../../src/fix/codec/message.js';
import { HEADER_TAGS, TRAILER_TAGS } from '../../src/fix/codec/tags.js';
import type { FixDictionary } from '../../src/fix/dictionary/dictionary.js';
import { isOpenTag, REJECT_TEXT, scanGroup, SessionRejectReason, validFormat, type ValidationError } from '../../src/fix/dictionary/validator.js';

function err(reason: number, refTag: number | null): ValidationError {
  return { reason, refTag, text: REJECT_TEXT[reason] ?? 'Other' };
}

const SEEN = new Set<number>();
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
