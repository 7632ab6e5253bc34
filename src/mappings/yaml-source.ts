// Reads one mapping file as YAML with every scalar kept as its source text (failsafe schema),
// so "0.00001" is parsed exactly later, and any path can be traced back to its line.

import { LineCounter, parseDocument, type Document } from 'yaml';
import { BridgeError } from '../core/errors.js';
import { readTextFile } from './read-text.js';

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  /** Returns the 1-based line of the deepest node that exists along `path`. */
  lineOf(path: readonly PropertyKey[]): number;
}

export function readYamlSource(file: string): YamlSource {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (cause) {
    throw new BridgeError('SB_ERR_MAPPING_IO', `${file}: ${(cause as Error).message}`, { cause });
  }
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first?.linePos?.[0]?.line ?? 1;
    throw new BridgeError('SB_ERR_MAPPING_YAML', `${file}:${line}: ${first?.code ?? 'YAML'}: ${first?.message.split('\n')[0] ?? ''}`);
  }
  return {
    file,
    data: doc.toJS() ?? {},
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
        if (node !== undefined && node !== null && typeof node === 'object' && node.range !== undefined) {
          return lineCounter.linePos(node.range[0]).line;
        }
      }
      return 1;
    },
  };
}
