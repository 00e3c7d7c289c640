#!/usr/bin/env node
// A small HTTP/2 Digest client for t/http2.t: Node's own http2 module over
// h2c with prior knowledge (no TLS, no Upgrade), ONE connection for all.
//
// usage: node h2_digest.js URL USER PASSWORD [--seq N] [--parallel N]
//            [--cross PATH]
//
// 1. GET URL without credentials: expects 401 and Digest challenges; takes
//    the FIRST challenge whose algorithm it knows (MD5, SHA-256, their -sess
//    forms), as browsers do.
// 2. --seq N (default 3): N GETs one after the other on the same connection,
//    each with an Authorization on that nonce, nc 1, 2, ... N.
// 3. --parallel N (default 0): N GETs sent at once as concurrent streams on
//    the same connection, nc N+1 ... (they reach the server in any order).
// 4. --cross PATH: then one GET of PATH (another location) on the same
//    connection with the next nc, printed as "cross 1 STATUS NC RSPAUTH";
//    its result does not change the exit status (the test judges it).
// Every request has its own query (?seq=i or ?par=i) so logs can tell them
// apart.  Prints one line per response:
//    PHASE I STATUS NC RSPAUTH
// PHASE is challenge|seq|par, NC the nc sent ("-" for none), RSPAUTH "ok"
// when Authentication-Info carries the right rspauth for that request, "bad"
// when it does not, "-" when it is missing.  Then "algorithm ALG" and
// "streams N" (how many streams the one session carried).  Exit status 0
// when every request after the challenge got 200 with a right rspauth, 1
// otherwise, 2 on usage errors.  Only ever give it 127.0.0.1 URLs.
'use strict';

const http2 = require('http2');
const crypto = require('crypto');

function usage(msg) {
  process.stderr.write(`h2_digest.js: ${msg}\n` +
    'usage: node h2_digest.js URL USER PASSWORD [--seq N] [--parallel N]\n');
  process.exit(2);
}

const pos = [];
let seq = 3;
let par = 0;
let cross = null;
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cross') {
      cross = argv[i + 1];
      if (!cross || cross[0] !== '/') usage('--cross needs a path');
      i++;
    } else if (argv[i] === '--seq' || argv[i] === '--parallel') {
      const n = Number(argv[i + 1]);
      if (!Number.isInteger(n) || n < 0 || n > 1000) usage(`${argv[i]} needs a number 0..1000`);
      if (argv[i] === '--seq') seq = n; else par = n;
      i++;
    } else {
      pos.push(argv[i]);
    }
  }
}
if (pos.length !== 3) usage('expected URL USER PASSWORD');
const [urlArg, user, password] = pos;
let url;
try { url = new URL(urlArg); } catch (e) { usage(`bad URL: ${e.message}`); }
if (url.protocol !== 'http:') usage('only http: (h2c) URLs');

const HASHES = { 'MD5': 'md5', 'SHA-256': 'sha256' };
function hashOf(alg) { return HASHES[alg.replace(/-sess$/i, '').toUpperCase()]; }
function H(alg, s) { return crypto.createHash(hashOf(alg)).update(s, 'utf8').digest('hex'); }

// Splits a (possibly comma-joined) WWW-Authenticate value into challenges.
function parseChallenges(values) {
  const out = [];
  for (const v of values) {
    for (const part of String(v).split(/,\s*(?=Digest\s)/i)) {
      const m = /^\s*Digest\s+(.*)$/is.exec(part);
      if (!m) continue;
      const params = {};
      const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
      let p;
      while ((p = re.exec(m[1])) !== null) {
        params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
      }
      out.push(params);
    }
  }
  return out;
}

function request(session, path, headers) {
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'GET', ':path': path, ...headers });
    let status = 0;
    let resHeaders = {};
    req.on('response', (h) => { status = h[':status']; resHeaders = h; });
    req.setEncoding('utf8');
    req.on('data', () => {});
    req.on('end', () => resolve({ status, headers: resHeaders }));
    req.on('error', (e) => resolve({ status: 0, headers: {}, error: e.message }));
    req.end();
  });
}

async function main() {
  const session = http2.connect(url.origin);
  let streams = 0;
  session.on('error', (e) => { process.stdout.write(`session-error ${e.message}\n`); });
  const base = url.pathname;
  let failed = false;

  streams++;
  const first = await request(session, base, {});
  const wa = first.headers['www-authenticate'];
  const challenges = parseChallenges(Array.isArray(wa) ? wa : wa ? [wa] : []);
  process.stdout.write(`challenge 0 ${first.status} - -\n`);
  const ch = challenges.find((c) => c.algorithm === undefined || hashOf(c.algorithm));
  if (first.status !== 401 || !ch) {
    process.stdout.write('algorithm none\n');
    session.close();
    return 1;
  }
  const alg = ch.algorithm || 'MD5';
  const realm = ch.realm;
  const nonce = ch.nonce;
  const qop = (ch.qop || '').split(',').map((s) => s.trim()).includes('auth') ? 'auth' : '';
  let ha1 = H(alg, `${user}:${realm}:${password}`);
  const cnonceSess = crypto.randomBytes(8).toString('hex');
  if (/-sess$/i.test(alg)) ha1 = H(alg, `${ha1}:${nonce}:${cnonceSess}`);
  let ncCounter = 0;

  function authFor(path) {
    const nc = (++ncCounter).toString(16).padStart(8, '0');
    const cnonce = /-sess$/i.test(alg) ? cnonceSess : crypto.randomBytes(8).toString('hex');
    const ha2 = H(alg, `GET:${path}`);
    const response = qop
      ? H(alg, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
      : H(alg, `${ha1}:${nonce}:${ha2}`);
    let v = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${path}", ` +
      `algorithm=${alg}, response="${response}"`;
    if (ch.opaque !== undefined) v += `, opaque="${ch.opaque}"`;
    if (qop) v += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
    // what rspauth must be (RFC 7616 3.5: A2 = ":" uri)
    const ha2r = H(alg, `:${path}`);
    const rspauth = qop ? H(alg, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2r}`) : null;
    return { header: v, nc, rspauth };
  }

  function check(phase, i, a, res, judged = true) {
    const info = res.headers['authentication-info'];
    let rsp = '-';
    if (info) {
      const m = /rspauth="?([0-9a-f]+)"?/i.exec(String(info));
      rsp = m && a.rspauth && m[1] === a.rspauth ? 'ok' : 'bad';
    }
    const what = res.error ? `0(${res.error.replace(/\s+/g, '_')})` : String(res.status);
    process.stdout.write(`${phase} ${i} ${what} ${a.nc} ${rsp}\n`);
    if (judged && (res.status !== 200 || rsp !== 'ok')) failed = true;
  }

  for (let i = 1; i <= seq; i++) {
    const path = `${base}?seq=${i}`;
    const a = authFor(path);
    streams++;
    check('seq', i, a, await request(session, path, { authorization: a.header }));
  }
  if (par > 0) {
    const jobs = [];
    for (let i = 1; i <= par; i++) {
      const path = `${base}?par=${i}`;
      const a = authFor(path);
      streams++;
      jobs.push(request(session, path, { authorization: a.header }).then((res) => check('par', i, a, res)));
    }
    await Promise.all(jobs);
  }
  if (cross !== null) {
    const a = authFor(cross);
    streams++;
    check('cross', 1, a, await request(session, cross, { authorization: a.header }), false);
  }
  process.stdout.write(`algorithm ${alg}\nstreams ${streams}\n`);
  await new Promise((r) => session.close(r));
  return failed ? 1 : 0;
}

const watchdog = setTimeout(() => { process.stdout.write('timeout\n'); process.exit(1); }, 30000);
watchdog.unref();
main().then((rc) => { process.exitCode = rc; },
  (e) => { process.stdout.write(`error ${String(e && e.message || e).split('\n')[0]}\n`); process.exitCode = 1; });
