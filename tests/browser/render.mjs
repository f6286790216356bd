// Draws the report's Mermaid blocks as GitHub would, in Debian's headless Chromium.
//
// Reads the pages tests/it/report_render.rs wrote (target/report-html/NAME.html, with the
// expected number of points per chart in NAME.points), loads mermaid (the pinned npm
// package) into each, renders every <pre lang="mermaid"> block, and fails unless every
// block parses and draws an SVG whose two bar series (failures, records) have exactly the
// expected number of bars. Then it opens the <details> and takes a full-page screenshot:
// docs/report-NAME.png.
//
// Usage: node render.mjs HTML_DIR DOCS_DIR
// Exit status: 0 when every block drew as expected; 1 otherwise, or when Chromium cannot
// start (never a silent skip).
import { chromium } from 'playwright-core';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [htmlDir, docsDir] = process.argv.slice(2).map((p) => resolve(p));
if (!htmlDir || !docsDir) {
  console.error('usage: node render.mjs HTML_DIR DOCS_DIR');
  process.exit(2);
}
const mermaidJs = join(here, 'node_modules/mermaid/dist/mermaid.min.js');
const mermaidVersion = JSON.parse(
  readFileSync(join(here, 'node_modules/mermaid/package.json'), 'utf8'),
).version;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const started = Date.now();
const profile = mkdtempSync(join(tmpdir(), 'pendo-triage-chromium-'));
let browser;
try {
  // A new empty profile (--user-data-dir) per run: no state carried from the last one.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
} catch (e) {
  console.error(`render: Chromium (${executablePath}) did not start: ${e.message}`);
  process.exit(1);
}

const pages = readdirSync(htmlDir).filter((f) => f.endsWith('.html')).sort();
let failures = 0;
if (pages.length === 0) {
  console.error(`render: no pages in ${htmlDir} (run cargo nextest run --test it report_render:: first)`);
  failures++;
}
for (const file of pages) {
  const name = file.replace(/\.html$/, '');
  const expected = Number(readFileSync(join(htmlDir, `${name}.points`), 'utf8').trim());
  const page = await browser.newPage();
  // Nothing but the local files: any request to a network host is refused.
  await page.route(/^https?:/, (route) => route.abort());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(join(htmlDir, file)).href);
  await page.addScriptTag({ path: mermaidJs });
  const blocks = await page.evaluate(async () => {
    /* global mermaid */
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const out = [];
    let i = 0;
    for (const pre of [...document.querySelectorAll('pre[lang="mermaid"]')]) {
      const text = pre.textContent;
      const r = { parsed: false, svg: false, series: [], error: null };
      try {
        r.parsed = Boolean(await mermaid.parse(text));
        const { svg } = await mermaid.render(`chart${i++}`, text);
        const holder = document.createElement('div');
        holder.className = 'mermaid-chart';
        holder.innerHTML = svg;
        pre.replaceWith(holder);
        const el = holder.querySelector('svg');
        r.svg = Boolean(el) && el.getBoundingClientRect().width > 0;
        for (let k = 0; ; k++) {
          const g = holder.querySelector(`g.bar-plot-${k}`);
          if (!g) break;
          r.series.push(g.querySelectorAll('rect').length);
        }
      } catch (e) {
        r.error = String(e && e.message ? e.message : e);
      }
      out.push(r);
    }
    for (const d of document.querySelectorAll('details')) d.open = true;
    return out;
  });
  const problems = [];
  if (blocks.length === 0) problems.push('no mermaid block');
  blocks.forEach((b, k) => {
    if (b.error) problems.push(`block ${k}: ${b.error}`);
    else if (!b.parsed || !b.svg) problems.push(`block ${k}: parsed=${b.parsed} svg=${b.svg}`);
    else if (b.series.length !== 2 || b.series.some((n) => n !== expected))
      problems.push(`block ${k}: bars per series ${JSON.stringify(b.series)}, expected 2 × ${expected}`);
  });
  problems.push(...errors.map((e) => `page error: ${e}`));
  const shot = join(docsDir, `report-${name}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  if (problems.length) {
    failures++;
    console.error(`render: ${file}: FAIL\n  ${problems.join('\n  ')}`);
  } else {
    console.log(
      `render: ${file}: ${blocks.length} block(s) drew an SVG with ${blocks.map((b) => b.series.join('+')).join(', ')} bars; screenshot ${shot}`,
    );
  }
}
await browser.close();
rmSync(profile, { recursive: true, force: true });
const secs = ((Date.now() - started) / 1000).toFixed(1);
const passed = pages.length - failures;
console.log(`render: mermaid ${mermaidVersion}, ${pages.length} page(s) in ${secs} s`);
// The plain closing line CI reads.
console.log(`${Math.max(passed, 0)} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
