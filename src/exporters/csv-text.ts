// CSV rows as text, byte for byte what csv-stringify writes with its defaults (RFC 4180: a field
// holding a comma, a double quote, CR or LF is quoted, its quotes doubled; every record ends in
// LF). Written by hand for finance.csv, a row per order: csv-stringify's per-field option
// handling and casting were ~5% of a 1M-event replay (bench/README.md). The property test holds
// it to csv-stringify's output on any text.

/** One field: as is, or quoted when it must be. */
export function csvField(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2c || c === 0x22 || c === 0x0a || c === 0x0d) return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

/** One record and its line feed. */
export function csvLine(values: readonly string[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += i === 0 ? csvField(values[i] as string) : `,${csvField(values[i] as string)}`;
  return `${line}\n`;
}
