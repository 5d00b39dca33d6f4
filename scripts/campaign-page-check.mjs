// Opens a campaign's public page in Debian's headless Chromium (driven by playwright-core), reads what a visitor
// sees, downloads the CSV through the page's own link, and saves a screenshot
// (tests/contrib_public_page_in_chromium.rs).
//
// usage:  node scripts/campaign-page-check.mjs URL SCREENSHOT.png
// stdout: JSON {"title", "raised", "gifts", "rows": [[cell, ...], ...], "csvName", "csv", "screenshot"}
// playwright-core is loaded from $PHONGHOP_NPM_DIR/node_modules (installed by `make test`); the browser is
// /usr/bin/chromium (Debian's package), never one downloaded by a tool.

import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node scripts/campaign-page-check.mjs URL SCREENSHOT.png');
  process.exit(2);
}
const npmDir = process.env.PHONGHOP_NPM_DIR;
if (!npmDir) {
  console.error('PHONGHOP_NPM_DIR is not set: run `make test` (it installs playwright-core) or set PHONGHOP_NPM_DIR');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const { chromium } = require('playwright-core');

const profile = mkdtempSync(path.join(os.tmpdir(), 'phonghop-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1100, height: 760 },
  args: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response || !response.ok()) throw new Error(`GET ${url} answered ${response && response.status()}`);
  const title = (await page.locator('h1').innerText()).trim();
  const raised = (await page.locator('#raised').innerText()).trim();
  const gifts = (await page.locator('#gifts').innerText()).trim();
  const rows = await page.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.innerText.trim())));
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a#csv').click()]);
  const csvName = download.suggestedFilename();
  const csv = readFileSync(await download.path(), 'utf8');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ title, raised, gifts, rows, csvName, csv, screenshot }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
