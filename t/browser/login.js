#!/usr/bin/env node
// Logs in to a Digest-protected URL with Debian's headless Chromium, driven by
// playwright-core, and prints one TAP-like line per page load:
//   ok - <url> <status>          status 200 and the body contains EXPECTED_TEXT
//   not ok - <url> <status or error>
// Exit status: 0 when every load was ok, 1 otherwise, 2 on a usage error.
//
// usage: node login.js URL USER PASSWORD EXPECTED_TEXT [--repeat N] [--paths /a,/b,...]
//                       [--ignore-https-errors]
//
// The loads are URL, then each of --paths (resolved against URL), the whole
// list done N times (--repeat, default 1), all in one browser context and one
// page, so Chromium reuses its Digest nonce with a rising nc.  Every load must
// return 200 and contain EXPECTED_TEXT (pass '' to check the status only).
// The credentials are offered to URL's origin only.  --ignore-https-errors
// accepts a certificate Chromium does not trust (a test's own CA on
// 127.0.0.1); never use it for anything else.
// BROWSER_LOGIN_CHROMIUM overrides the browser binary (default /usr/bin/chromium).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.BROWSER_LOGIN_CHROMIUM || '/usr/bin/chromium';
const LOAD_TIMEOUT_MS = 15000;
const LAUNCH_TIMEOUT_MS = 30000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              '--disable-breakpad'];

function usage(msg) {
  process.stderr.write(`login.js: ${msg}\n` +
    'usage: node login.js URL USER PASSWORD EXPECTED_TEXT [--repeat N] [--paths /a,/b,...]\n');
  process.exit(2);
}

// ---- arguments
const positional = [];
let repeat = 1;
let extraPaths = [];
let ignoreHttpsErrors = false;
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--repeat') {
      if (i + 1 >= argv.length) usage('--repeat needs a value');
      repeat = Number(argv[++i]);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000) usage('--repeat must be an integer 1..1000');
    } else if (a === '--ignore-https-errors') {
      ignoreHttpsErrors = true;
    } else if (a === '--paths') {
      if (i + 1 >= argv.length) usage('--paths needs a value');
      extraPaths = argv[++i].split(',').filter((p) => p !== '');
    } else {
      positional.push(a);
    }
  }
}
if (positional.length !== 4) usage('expected URL USER PASSWORD EXPECTED_TEXT');
const [startUrl, username, password, expected] = positional;
let origin;
let loads;
try {
  const u = new URL(startUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  origin = u.origin;
  const one = [u.href, ...extraPaths.map((p) => new URL(p, u).href)];
  loads = [];
  for (let r = 0; r < repeat; r++) loads.push(...one);
} catch (e) {
  usage(`bad URL or path: ${e.message}`);
}

// ---- output: one line per load, never more
let printed = 0;
let failed = false;
function report(ok, url, what) {
  if (printed >= loads.length) return;
  printed++;
  if (!ok) failed = true;
  process.stdout.write(`${ok ? 'ok' : 'not ok'} - ${url} ${what}\n`);
}
function failRest(why) {
  while (printed < loads.length) report(false, loads[printed], why);
}
function oneLine(e) {
  return String((e && e.message) || e).split('\n')[0].trim();
}

// ---- per-run temporary directory (Playwright's profile and artifacts, and
// HOME/XDG dirs for the browser), removed on every way out
const runTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-login-'));
process.env.TMPDIR = runTmp;
function removeRunTmp() {
  try { fs.rmSync(runTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); } catch (e) { /* ignore */ }
}
// On any exit, kill what is left of this run's browser and remove runTmp.
// Playwright adds its own 'exit' handler at launch (SIGKILL to the browser's
// process group); the same cleanup is registered again after the launch so
// that it also runs after that one.
function cleanupOnExit() { killOurs(); removeRunTmp(); }
process.on('exit', cleanupOnExit);

// Chromium's processes all name runTmp on their command line (profile,
// crash database), which is unique to this run.  The crashpad handlers are
// double-forked into their own process group, so Playwright's group kill
// misses them; find them here.
function ourPids() {
  const pids = [];
  let entries = [];
  try { entries = fs.readdirSync('/proc'); } catch (e) { return pids; }
  for (const d of entries) {
    if (!/^[0-9]+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(runTmp)) pids.push(Number(d));
    } catch (e) { /* gone */ }
  }
  return pids;
}
// State of a process: 'ours' (alive, names runTmp), 'zombie', or null (gone,
// or the pid now belongs to someone else).  Zombies have no command line.
function procState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    if (stat.charAt(stat.lastIndexOf(')') + 2) === 'Z') return 'zombie';
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(runTmp) ? 'ours' : null;
  } catch (e) { return null; }
}
function killOurs(pids = ourPids()) {
  for (const pid of pids) {
    if (procState(pid) === 'ours') { try { process.kill(pid, 'SIGKILL'); } catch (e) { /* gone */ } }
  }
}
// After the browser closed: give its processes 2 s to exit, kill what is
// left, then wait (5 s in all at most) until they are gone, zombies included
// (orphans such as the crashpad handlers are reaped by PID 1, which here
// takes a second or so).
async function reapOurs(pids) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  for (let t = 0; t < 50 && pids.some((pid) => procState(pid) !== null); t++) {
    if (t === 20) killOurs(pids);
    await sleep(100);
  }
}

let browser = null;
function bail(why) {
  failRest(why);
  process.exitCode = 1;
  // process.exit runs Playwright's exit handler, which kills the browser.
  const done = () => { removeRunTmp(); process.exit(1); };
  if (browser) {
    browser.close().then(done, done);
    setTimeout(done, 3000).unref();
  } else {
    done();
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => bail(`interrupted by ${sig}`));

// Overall watchdog: nothing below may run longer than this.
const watchdog = setTimeout(() => bail('timeout (watchdog)'),
  LAUNCH_TIMEOUT_MS + loads.length * (LOAD_TIMEOUT_MS + 2000) + 10000);
watchdog.unref();

async function main() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch (e) {
    throw new Error(`chromium not found or not executable: ${CHROMIUM}`);
  }
  const { chromium } = require('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: { ...process.env, HOME: runTmp, XDG_CONFIG_HOME: runTmp, XDG_CACHE_HOME: runTmp, TMPDIR: runTmp },
  });
  process.on('exit', cleanupOnExit);
  try {
    const context = await browser.newContext({ httpCredentials: { username, password, origin },
                                               ignoreHTTPSErrors: ignoreHttpsErrors });
    context.setDefaultTimeout(LOAD_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(LOAD_TIMEOUT_MS);
    let page = await context.newPage();
    for (const url of loads) {
      try {
        const res = await page.goto(url, { timeout: LOAD_TIMEOUT_MS, waitUntil: 'load' });
        if (!res) { report(false, url, 'no response'); continue; }
        const status = res.status();
        let found = false;
        if (status === 200) {
          const text = await page.evaluate(() => (document.body ? document.body.innerText : '') || '');
          found = text.includes(expected);
          if (!found) {
            try { found = (await res.text()).includes(expected); } catch (e) { /* body unavailable */ }
          }
        }
        if (status === 200 && found) report(true, url, String(status));
        else report(false, url, status === 200 ? `${status} (expected text not found)` : String(status));
      } catch (e) {
        report(false, url, oneLine(e));
        // After a failed navigation the page may be unusable; take a fresh
        // one in the same context (keeps the Digest auth cache).
        try { await page.close(); } catch (e2) { /* ignore */ }
        page = await context.newPage();
      }
    }
  } finally {
    const pids = ourPids();
    await browser.close();
    browser = null;
    await reapOurs(pids);
  }
}

main().then(
  () => { failRest('not loaded'); },
  (e) => { failRest(oneLine(e)); },
).finally(() => {
  clearTimeout(watchdog);
  removeRunTmp();
  process.exitCode = failed ? 1 : 0;
});
