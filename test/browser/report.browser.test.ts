/// <reference lib="dom" />
// report.html in a real browser: Debian's Chromium, driven by playwright-core (nothing downloads
// a browser). The page opens from disk with no network and no console error, every chart is drawn
// (pixels on each canvas), the verdict and gates show; a hostile account or group name from a
// platform is shown as text and never runs.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/builders.js';

const exec = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const tmp = mkdtempSync(join(tmpdir(), 'sb-report-'));
let browser: Browser;

beforeAll(async () => {
  // scripts/setup-chromium.sh (run by `npm test`) installs it; without it this fails, loudly.
  expect(existsSync(CHROMIUM), 'Debian chromium at /usr/bin/chromium: run scripts/setup-chromium.sh').toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1250, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => document.body.getAttribute('data-charts-drawn') !== null, null, { timeout: 15_000 });
  return { page, errors, requests };
}

describe('report.html in Chromium', () => {
  it('opens from disk with no error and no network, draws every chart, shows the verdict and the gates', async () => {
    const out = join(tmp, 'news');
    await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'stage', join(ROOT, 'scenarios', 'go-news-rollback.jsonl'), '--out', out]).catch((e: { code: number }) => expect(e.code).toBe(1));
    const { page, errors, requests } = await open(join(out, 'report.html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.getAttribute('body', 'data-charts-drawn')).toBe('3');
    for (const id of ['match', 'byclass', 'byseverity']) {
      // A chart is drawn when its canvas has pixels that are not the background.
      const inked = await page.evaluate((chartId) => {
        const canvas = document.querySelector(`#${chartId} canvas`) as HTMLCanvasElement | null;
        if (canvas === null || canvas.width === 0) return 0;
        const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] as number) > 0) n++;
        return n;
      }, id);
      expect(inked, id).toBeGreaterThan(500);
    }
    const verdict = await page.textContent('.verdict');
    expect(verdict).toMatch(/match rate\s*98\.00%/);
    expect(verdict).toMatch(/rolled_back/);
    expect(await page.locator('.gate.breach').count()).toBeGreaterThan(0);
    expect(await page.locator('text=critical-divergence').count()).toBeGreaterThan(0);
    expect(await page.locator('h2:has-text("Rollout timeline") + table tr').count()).toBe(5);
    await page.screenshot({ path: join(tmp, 'report.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('shows several candidates side by side, one row each with its verdict', async () => {
    const out = join(tmp, 'several');
    await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'replay', join(ROOT, 'scenarios', 'order-burst.jsonl'), '--candidate', join(ROOT, 'mappings', 'candidate'), '--candidate', `good=${join(ROOT, 'mappings', 'candidate-good')}`, '--candidate', `aa=${join(ROOT, 'mappings', 'production')}`, '--out', out]);
    const { page, errors } = await open(join(out, 'report.html'));
    expect(errors).toEqual([]);
    const rows = await page.locator('#candidates tr.cand').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-candidate'), tr.className, (tr.children[1] as HTMLElement).innerText.split('\n')[0]]));
    // 2,040 orders: enough for A/A to prove a 99.5% match rate; the wide candidate diverges.
    expect(rows).toEqual([
      ['candidate', 'cand warn', 'diverges'],
      ['good', 'cand good', 'matches'],
      ['aa', 'cand good', 'matches'],
    ]);
    await page.close();
  }, 120_000);

  it('shows a hostile group and account as text; nothing they hold runs', async () => {
    const hostile = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const scenario = join(tmp, 'hostile.jsonl');
    writeFileSync(scenario, [
      JSON.stringify({ type: 'header', schema: 'shadow-bridge/scenario@1', name: 'hostile', description: '<b onmouseover=x>"names"</b>', start: '2026-07-08T10:00:00Z', lps: ['LP_ALPHA', 'LP_BRAVO', 'LP_CHARLIE'] }),
      JSON.stringify({ ts: '2026-07-08T10:00:00.100000Z', type: 'quote', lp: 'LP_BRAVO', symbol: 'XAUUSD', bid: '2349.10', ask: '2349.60' }),
      JSON.stringify({ ts: '2026-07-08T10:00:00.100000Z', type: 'quote', lp: 'LP_ALPHA', symbol: 'XAU/USD', bid: '2349.20', ask: '2349.50' }),
      JSON.stringify({ ts: '2026-07-08T10:00:01.000000Z', type: 'order', id: 'H-1', account: hostile, group: hostile, symbol: 'GOLD', side: 'buy', ordType: 'market', volume: '1.00' }),
      '',
    ].join('\n'));
    const out = join(tmp, 'hostile-run');
    await exec(process.execPath, [join(ROOT, 'bin', 'shadow-bridge.mjs'), 'replay', scenario, '--out', out]);
    const { page, errors } = await open(join(out, 'report.html'));
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.textContent('body')).toContain(hostile);
    await page.close();
  }, 120_000);
});
