// Headless-browser test of `aksgate audit --format html`: the page renders, loads
// nothing from outside, sorts its inventory when a header is clicked, and logs no
// console errors. Usage: node audit-html.mjs REPORT.html
// Chromium: $CHROMIUM or /usr/bin/chromium (Debian's package). The screenshot goes to
// $TMPDIR (or /tmp), never into the repository.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const report = process.argv[2];
if (!report || !existsSync(report)) {
  console.error(`usage: node audit-html.mjs REPORT.html (got ${report})`);
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'aksgate-chromium-'));
const screenshot = join(tmpdir(), 'aksgate-audit-report.png');
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
  ],
  viewport: { width: 1600, height: 1000 },
});
try {
  const page = context.pages()[0] || (await context.newPage());
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url()); });

  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load' });

  check((await page.textContent('h1'))?.includes('AKS cluster audit'), 'the page renders its heading');
  const rows = await page.locator('#inventory tbody tr').count();
  check(rows > 1, `the inventory has rows (${rows})`);
  check((await page.locator('svg').count()) >= 2, 'two inline SVG charts');
  check((await page.locator('svg rect').count()) > 0, 'the charts have bars');
  check((await page.locator('section.rule').count()) > 0, 'findings are grouped by rule');
  check((await page.locator('pre.excerpt span.hl').count()) > 0, 'source excerpts highlight their line');

  const column = async (i) => page.$$eval(`#inventory tbody tr`, (trs, i) =>
    trs.map((tr) => tr.cells[i].textContent.trim()), i);
  const headers = await page.$$eval('#inventory thead th', (ths) => ths.map((t) => t.textContent.trim()));
  const clusterCol = headers.indexOf('Cluster');
  const findingsCol = headers.indexOf('Findings');
  check(clusterCol >= 0 && findingsCol >= 0, 'the Cluster and Findings headers exist');

  const before = await column(clusterCol);
  await page.locator('#inventory thead th').nth(clusterCol).locator('button').click();
  const asc = await column(clusterCol);
  const sortedAsc = [...before].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  check(JSON.stringify(asc) === JSON.stringify(sortedAsc), 'clicking Cluster sorts ascending');
  check(JSON.stringify(asc) !== JSON.stringify(before), 'the row order changed');
  check(await page.locator('#inventory thead th').nth(clusterCol).getAttribute('aria-sort') === 'ascending', 'the header shows the sort');
  await page.locator('#inventory thead th').nth(clusterCol).locator('button').click();
  const desc = await column(clusterCol);
  check(JSON.stringify(desc) === JSON.stringify([...sortedAsc].reverse()), 'clicking again sorts descending');

  const weight = async () => page.$$eval('#inventory tbody tr', (trs, i) =>
    trs.map((tr) => Number(tr.cells[i].getAttribute('data-sort'))), findingsCol);
  const fbtn = page.locator('#inventory thead th').nth(findingsCol).locator('button');
  await fbtn.click();
  await fbtn.click();
  const w = await weight();
  check(w.every((x, i) => i === 0 || w[i - 1] >= x), 'Findings sorts numerically (most first)');

  await page.$eval('.scroll', (e) => { e.scrollLeft = 0; });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
  check(external.length === 0, `no external requests (${external.join(', ')})`);
  check(consoleErrors.length === 0, `no console errors (${consoleErrors.join(' | ')})`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log('browser test passed');
