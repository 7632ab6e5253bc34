// The FIX 4.4 dictionary the live platform sessions validate with, written from the FIX 4.4
// specification: every message type, the session messages whole, and the order-entry and
// market-data messages a bridge takes from platforms with their required fields, formats,
// enumerations and repeating groups. It is *open*: a standard or user-defined field it does not
// list is accepted (real platforms send fields a bridge has no use for); what it lists is checked
// as QuickFIX checks it, so a platform gets the same SessionRejectReason(373) either way.

import { FixDictionary, type DictionarySpec } from './dictionary.js';

/** Every MsgType(35) FIX 4.4 defines; anything else is refused with 373=11 (Invalid MsgType). */
const FIX44_MSG_TYPES =
  '0 1 2 3 4 5 6 7 8 9 A B C D E F G H J K L M N P Q R S T V W X Y Z a b c d e f g h i j k l m n o p q r s t u v w x y z ' +
  'AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AP AQ AR AS AT AU AV AW AX AY AZ BA BB BC BD BE BF BG BH';

const FIELDS: DictionarySpec['fields'] = [
  // Standard header and trailer.
  [8, 'BeginString', 'STRING'],
  [9, 'BodyLength', 'LENGTH'],
  [35, 'MsgType', 'STRING'],
  [49, 'SenderCompID', 'STRING'],
  [56, 'TargetCompID', 'STRING'],
  [115, 'OnBehalfOfCompID', 'STRING'],
  [128, 'DeliverToCompID', 'STRING'],
  [90, 'SecureDataLen', 'LENGTH'],
  [91, 'SecureData', 'DATA'],
  [34, 'MsgSeqNum', 'SEQNUM'],
  [50, 'SenderSubID', 'STRING'],
  [142, 'SenderLocationID', 'STRING'],
  [57, 'TargetSubID', 'STRING'],
  [143, 'TargetLocationID', 'STRING'],
  [116, 'OnBehalfOfSubID', 'STRING'],
  [144, 'OnBehalfOfLocationID', 'STRING'],
  [129, 'DeliverToSubID', 'STRING'],
  [145, 'DeliverToLocationID', 'STRING'],
  [43, 'PossDupFlag', 'BOOLEAN'],
  [97, 'PossResend', 'BOOLEAN'],
  [52, 'SendingTime', 'UTCTIMESTAMP'],
  [122, 'OrigSendingTime', 'UTCTIMESTAMP'],
  [212, 'XmlDataLen', 'LENGTH'],
  [213, 'XmlData', 'DATA'],
  [347, 'MessageEncoding', 'STRING'],
  [369, 'LastMsgSeqNumProcessed', 'SEQNUM'],
  [627, 'NoHops', 'NUMINGROUP'],
  [628, 'HopCompID', 'STRING'],
  [629, 'HopSendingTime', 'UTCTIMESTAMP'],
  [630, 'HopRefID', 'SEQNUM'],
  [93, 'SignatureLength', 'LENGTH'],
  [89, 'Signature', 'DATA'],
  [10, 'CheckSum', 'STRING'],
  // Session messages.
  [112, 'TestReqID', 'STRING'],
  [7, 'BeginSeqNo', 'SEQNUM'],
  [16, 'EndSeqNo', 'SEQNUM'],
  [45, 'RefSeqNum', 'SEQNUM'],
  [371, 'RefTagID', 'INT'],
  [372, 'RefMsgType', 'STRING'],
  [373, 'SessionRejectReason', 'INT', '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 99'],
  [58, 'Text', 'STRING'],
  [354, 'EncodedTextLen', 'LENGTH'],
  [355, 'EncodedText', 'DATA'],
  [123, 'GapFillFlag', 'BOOLEAN'],
  [36, 'NewSeqNo', 'SEQNUM'],
  [98, 'EncryptMethod', 'INT', '0 1 2 3 4 5 6'],
  [108, 'HeartBtInt', 'INT'],
  [95, 'RawDataLength', 'LENGTH'],
  [96, 'RawData', 'DATA'],
  [141, 'ResetSeqNumFlag', 'BOOLEAN'],
  [789, 'NextExpectedMsgSeqNum', 'SEQNUM'],
  [383, 'MaxMessageSize', 'LENGTH'],
  [384, 'NoMsgTypes', 'NUMINGROUP'],
  [385, 'MsgDirection', 'CHAR', 'S R'],
  [464, 'TestMessageIndicator', 'BOOLEAN'],
  [553, 'Username', 'STRING'],
  [554, 'Password', 'STRING'],
  // Orders.
  [1, 'Account', 'STRING'],
  [11, 'ClOrdID', 'STRING'],
  [41, 'OrigClOrdID', 'STRING'],
  [37, 'OrderID', 'STRING'],
  [526, 'SecondaryClOrdID', 'STRING'],
  [583, 'ClOrdLinkID', 'STRING'],
  [790, 'OrdStatusReqID', 'STRING'],
  [21, 'HandlInst', 'CHAR', '1 2 3'],
  [18, 'ExecInst', 'MULTIPLEVALUESTRING', '1 2 3 4 5 6 7 8 9 0 A B C D E F G H I J K L M N O P Q R S U V W X Y Z a b c d e'],
  [38, 'OrderQty', 'QTY'],
  [152, 'CashOrderQty', 'QTY'],
  [110, 'MinQty', 'QTY'],
  [111, 'MaxFloor', 'QTY'],
  [40, 'OrdType', 'CHAR', '1 2 3 4 6 7 8 9 D E G I J K L M P'],
  [44, 'Price', 'PRICE'],
  [99, 'StopPx', 'PRICE'],
  [54, 'Side', 'CHAR', '1 2 3 4 5 6 7 8 9 A B C D E F G'],
  [55, 'Symbol', 'STRING'],
  [65, 'SymbolSfx', 'STRING'],
  [48, 'SecurityID', 'STRING'],
  [22, 'SecurityIDSource', 'STRING'],
  [167, 'SecurityType', 'STRING'],
  [460, 'Product', 'INT'],
  [207, 'SecurityExchange', 'EXCHANGE'],
  [59, 'TimeInForce', 'CHAR', '0 1 2 3 4 5 6 7'],
  [60, 'TransactTime', 'UTCTIMESTAMP'],
  [126, 'ExpireTime', 'UTCTIMESTAMP'],
  [432, 'ExpireDate', 'LOCALMKTDATE'],
  [15, 'Currency', 'CURRENCY'],
  [120, 'SettlCurrency', 'CURRENCY'],
  [63, 'SettlType', 'CHAR'],
  [64, 'SettlDate', 'LOCALMKTDATE'],
  [117, 'QuoteID', 'STRING'],
  [453, 'NoPartyIDs', 'NUMINGROUP'],
  [448, 'PartyID', 'STRING'],
  [447, 'PartyIDSource', 'CHAR', 'B C D E F G H 1 2 3 4 5 6 7 8 9 A I'],
  [452, 'PartyRole', 'INT'],
  [802, 'NoPartySubIDs', 'NUMINGROUP'],
  [523, 'PartySubID', 'STRING'],
  [803, 'PartySubIDType', 'INT'],
  [454, 'NoSecurityAltID', 'NUMINGROUP'],
  [455, 'SecurityAltID', 'STRING'],
  [456, 'SecurityAltIDSource', 'STRING'],
  // Market data.
  [262, 'MDReqID', 'STRING'],
  [263, 'SubscriptionRequestType', 'CHAR', '0 1 2'],
  [264, 'MarketDepth', 'INT'],
  [265, 'MDUpdateType', 'INT', '0 1'],
  [266, 'AggregatedBook', 'BOOLEAN'],
  [286, 'OpenCloseSettlFlag', 'MULTIPLEVALUESTRING'],
  [546, 'Scope', 'MULTIPLEVALUESTRING'],
  [547, 'MDImplicitDelete', 'BOOLEAN'],
  [267, 'NoMDEntryTypes', 'NUMINGROUP'],
  [269, 'MDEntryType', 'CHAR', '0 1 2 3 4 5 6 7 8 9 A B C'],
  [146, 'NoRelatedSym', 'NUMINGROUP'],
  [386, 'NoTradingSessions', 'NUMINGROUP'],
  [336, 'TradingSessionID', 'STRING'],
  [625, 'TradingSessionSubID', 'STRING'],
];

const HEADER = '8! 9! 35! 49! 56! 115 128 90 91 34! 50 142 57 143 116 144 129 145 43 97 52! 122 212 213 347 369 627[628 629 630]';
const TRAILER = '93 89 10!';
const PARTIES = '453[448 447 452 802[523 803]]';
const INSTRUMENT = '55 65 48 22 454[455 456] 460 167 207';

/** The messages checked field by field; every other FIX 4.4 type is known but not modelled. */
const MODELLED: DictionarySpec['messages'] = [
  ['0', 'Heartbeat', 'admin', '112'],
  ['1', 'TestRequest', 'admin', '112!'],
  ['2', 'ResendRequest', 'admin', '7! 16!'],
  ['3', 'Reject', 'admin', '45! 371 372 373 58 354 355'],
  ['4', 'SequenceReset', 'admin', '123 36!'],
  ['5', 'Logout', 'admin', '58 354 355'],
  ['A', 'Logon', 'admin', '98! 108! 95 96 141 789 383 384[372 385] 464 553 554'],
  ['D', 'NewOrderSingle', 'app', `11! 526 583 ${PARTIES} 1 21 18 110 111 386[336 625] ${INSTRUMENT} 54! 60! 38 152 40! 44 99 15 117 59 126 432 63 64 120 58 354 355`],
  ['F', 'OrderCancelRequest', 'app', `41! 37 11! 526 583 1 ${PARTIES} ${INSTRUMENT} 54! 60! 38 152 58 354 355`],
  ['G', 'OrderCancelReplaceRequest', 'app', `37 ${PARTIES} 41! 11! 526 583 1 21 18 110 111 ${INSTRUMENT} 54! 60! 38 152 40! 44 99 15 59 126 432 58 354 355`],
  ['H', 'OrderStatusRequest', 'app', `37 11! 526 583 ${PARTIES} 790 1 ${INSTRUMENT} 54!`],
  ['V', 'MarketDataRequest', 'app', `262! 263! 264! 265 266 286 546 547 267![269] 146![${INSTRUMENT}] 386[336 625]`],
];

/** Builds the built-in FIX 4.4 dictionary (a fresh instance; cheap, built once per engine). */
export function builtinFix44Dictionary(): FixDictionary {
  const modelled = new Set(MODELLED.map((m) => m[0]));
  const messages = [...MODELLED];
  for (const msgType of FIX44_MSG_TYPES.split(' ')) if (!modelled.has(msgType)) messages.push([msgType, `FIX 4.4 ${msgType}`, 'app', '']);
  return FixDictionary.define({ fields: FIELDS, header: HEADER, trailer: TRAILER, messages, open: true, maxStandardTag: 956 });
}
