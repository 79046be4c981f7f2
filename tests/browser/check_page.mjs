// Opens one report in headless Chromium and checks it: no console error, no page error, no
// network request, every chart rendered (an SVG or a canvas of non-zero size), and the texts that
// must appear as text. Writes a full-page screenshot. Used by report_browser_test.mjs; runnable
// alone: node check_page.mjs REPORT.html SCREENSHOT.png ['must-appear text' ...]
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export function loadPlaywright() {
  const dirs = [process.env.L2L_JS_DIR, path.join(here, '..', '..', 'third_party_js', 'node_modules')]
    .filter(Boolean);
  for (const d of dirs) {
    try {
      return require(path.join(d, 'playwright-core'));
    } catch (e) {
      // try the next one
    }
  }
  throw new Error(`playwright-core not found in ${dirs.join(', ')}: run bash scripts/install-js.sh`);
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio',
];

export async function launch(chromium, userDataDir) {
  const executablePath = process.env.L2L_CHROMIUM || '/usr/bin/chromium';
  // A persistent context gives Chromium the fresh --user-data-dir of our choosing.
  return chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
    offline: true,
  });
}

// Returns {problems: [...], charts, rendered, title}.
export async function checkPage(context, htmlPath, screenshotPath, mustAppear = []) {
  const page = await context.newPage();
  const problems = [];
  const pageUrl = pathToFileURL(path.resolve(htmlPath)).href;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`a dialog opened (${d.type()}: ${d.message()}): script from the run executed`);
    await d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== pageUrl) problems.push(`network request: ${r.method()} ${r.url()}`);
  });
  await page.route('**/*', (route) => {
    if (route.request().url() === pageUrl) return route.continue();
    return route.abort();
  });
  await page.goto(pageUrl, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => window.l2lReport && window.l2lReport.done, null, { timeout: 60000 });
  } catch (e) {
    problems.push('the report script did not finish within 60 s');
  }
  // Let Vega finish pending renders (canvas draws happen on animation frames).
  await page.waitForTimeout(300);
  const result = await page.evaluate((texts) => {
    const charts = Array.from(document.querySelectorAll('.chart[data-kind]'));
    const bad = [];
    for (const el of charts) {
      const g = el.querySelector('svg.marks, canvas.marks, svg, canvas');
      const box = g ? g.getBoundingClientRect() : null;
      const ok = g && box.width > 20 && box.height > 20 &&
        (g.tagName.toLowerCase() === 'canvas' || g.querySelector('path, rect, line, text, g'));
      if (!ok) bad.push(`${el.dataset.kind}#${el.dataset.index}`);
    }
    const body = document.body.innerText;
    return {
      charts: charts.length,
      rendered: charts.length - bad.length,
      bad,
      errors: (window.l2lReport && window.l2lReport.errors) || ['no window.l2lReport'],
      missing: texts.filter((t) => !body.includes(t)),
      pwned: window.l2lPwned !== undefined,
      title: document.title,
    };
  }, mustAppear);
  for (const b of result.bad) problems.push(`chart did not render: ${b}`);
  for (const e of result.errors) problems.push(`report script: ${e}`);
  for (const m of result.missing) problems.push(`text not shown: ${JSON.stringify(m)}`);
  if (result.pwned) problems.push('a script injected through run data executed');
  await page.screenshot({ path: screenshotPath, fullPage: true });
  await page.close();
  return { problems, charts: result.charts, rendered: result.rendered, title: result.title };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [html, shot, ...texts] = process.argv.slice(2);
  const { chromium } = loadPlaywright();
  const fs = await import('node:fs');
  const os = await import('node:os');
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'l2l-chromium-'));
  const ctx = await launch(chromium, udd);
  try {
    const r = await checkPage(ctx, html, shot, texts);
    console.log(`${r.rendered}/${r.charts} charts rendered; ${r.problems.length} problems`);
    for (const p of r.problems) console.log('  ' + p);
    process.exitCode = r.problems.length ? 1 : 0;
  } finally {
    await ctx.close();
    fs.rmSync(udd, { recursive: true, force: true });
  }
}
