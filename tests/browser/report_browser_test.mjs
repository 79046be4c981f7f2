// The report browser test (registered with CTest by cmake/report_test.cmake):
//   node report_browser_test.mjs --l2l L2L --fixtures FIXTURES --cases cases.json --out DIR [--only NAME]
// For each case of cases.json it makes a small run store (a real `l2l run`, or a synthetic store
// from the fixture program), writes its report with `l2l report`, opens it in headless Chromium
// and checks: no console error, no network request, every chart rendered, the required chart
// kinds present, the required texts shown as text. Screenshots, reports and stores stay in DIR.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPage, launch, loadPlaywright } from './check_page.mjs';

function args() {
  const a = { only: [] };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i].replace(/^--/, '');
    if (k === 'only') a.only.push(v[++i]);
    else a[k] = v[++i];
  }
  for (const k of ['l2l', 'fixtures', 'cases', 'out'])
    if (!a[k]) throw new Error(`missing --${k}`);
  return a;
}

function run(cmd, argv, what) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}): ${cmd} ${argv.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const a = args();
const spec = JSON.parse(fs.readFileSync(a.cases, 'utf8'));
fs.rmSync(a.out, { recursive: true, force: true });
fs.mkdirSync(a.out, { recursive: true });
const cases = spec.cases.filter((c) => a.only.length === 0 || a.only.includes(c.name));
if (!fs.existsSync(process.env.L2L_CHROMIUM || '/usr/bin/chromium'))
  throw new Error('Chromium not found at /usr/bin/chromium (Debian package chromium; bash scripts/install-deps.sh), or set L2L_CHROMIUM');
const { chromium } = loadPlaywright();
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'l2l-chromium-'));
const context = await launch(chromium, userDataDir);
const summary = [];
let failed = 0;
try {
  for (const c of cases) {
    const db = path.join(a.out, `${c.name}.db`);
    const html = path.join(a.out, `${c.name}.html`);
    const png = path.join(a.out, `${c.name}.png`);
    const problems = [];
    let result = { charts: 0, rendered: 0 };
    try {
      if (c.run) run(a.l2l, [...c.run, '--out', db, '--overwrite', '-q'], `l2l run (${c.name})`);
      else run(a.fixtures, [c.fixture, db], `fixture ${c.fixture}`);
      run(a.l2l, ['report', db, '-o', html, ...(c.report_args || [])], `l2l report (${c.name})`);
      result = await checkPage(context, html, png, c.text || []);
      problems.push(...result.problems);
      const kinds = fs.readFileSync(html, 'utf8').match(/data-kind="[^"]+"/g) || [];
      for (const k of c.charts || [])
        if (!kinds.includes(`data-kind="${k}"`)) problems.push(`expected chart '${k}' is missing`);
    } catch (e) {
      problems.push(String(e.message || e));
    }
    const ok = problems.length === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: ${result.rendered}/${result.charts} charts rendered` +
                (ok ? '' : '\n' + problems.map((p) => '       ' + p).join('\n')));
    summary.push({ name: c.name, ok, charts: result.charts, rendered: result.rendered, problems, screenshot: png });
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
fs.writeFileSync(path.join(a.out, 'summary.json'), JSON.stringify(summary, null, 2));
console.log(`${cases.length - failed}/${cases.length} reports passed; screenshots in ${a.out}`);
process.exitCode = failed ? 1 : 0;
