// Market data from an LP into tops of book: only subscribed symbols get a book, and entries that
// are not prices are skipped, so a hostile or broken feed can neither grow memory nor poison a book.

import { describe, expect, it } from 'vitest';
import { applyMarketData, type TopOfBook } from '../../src/fix/app/market-data.js';
import { FixMessage } from '../../src/fix/codec/message.js';
import { fix } from '../support/fix.js';

function message(body: string): FixMessage {
  const frame = fix(`35=W|34=2|49=LP|52=20261201-12:00:00.000|56=BRIDGE|${body}`);
  const m = new FixMessage();
  expect(m.parse(frame, 0, frame.length)).toBe(true);
  return m;
}

describe('LP market data', () => {
  it('keeps a book only for symbols the engine subscribed to', () => {
    const books = new Map<string, TopOfBook>();
    const accepted = new Set(['EUR/USD']);
    expect(applyMarketData(message('55=EUR/USD|268=2|269=0|270=1.08500|271=1000000|269=1|270=1.08510|271=1000000|'), books, accepted)).toEqual(['EUR/USD']);
    for (let i = 0; i < 1_000; i++) applyMarketData(message(`55=JUNK${i}|268=2|269=0|270=1|269=1|270=2|`), books, accepted);
    expect([...books.keys()]).toEqual(['EUR/USD']);
    expect(books.get('EUR/USD')).toMatchObject({ bidE8: 108_500_000, askE8: 108_510_000 });
  });

  it('skips an entry whose price or size is not a non-negative number', () => {
    const books = new Map<string, TopOfBook>();
    applyMarketData(message('55=EUR/USD|268=2|269=0|270=abc|271=-5|269=1|270=-1.2|271=1000000|'), books, null);
    expect(books.get('EUR/USD')).toMatchObject({ bidE8: 0, askE8: 0, bidSizeE8: 0 });
  });
});
