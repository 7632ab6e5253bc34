// A copy of a mapping bundle whose every trading session is open all week: live tests on the
// wall clock then route the same way on a Saturday night as on a Tuesday morning.

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export function alwaysOpenBundle(source: string, dest: string): string {
  cpSync(source, dest, { recursive: true });
  const sessions = (parse(readFileSync(join(source, 'sessions.yaml'), 'utf8')) as { sessions: Record<string, unknown> }).sessions;
  const lines = ['sessions:'];
  for (const name of Object.keys(sessions)) lines.push(`  ${name}:`, '    timeZone: UTC', '    weekly:', '      - { open: "Sun 00:00", close: "Sat 23:59" }');
  writeFileSync(join(dest, 'sessions.yaml'), `${lines.join('\n')}\n`);
  return dest;
}
