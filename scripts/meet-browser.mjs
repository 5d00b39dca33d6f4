// Joins a meeting as a browser participant: Debian's headless Chromium (driven by playwright-core) opens the
// hub's meeting page (src/hub/assets/meet.html) with Chromium's fake camera and microphone, and reads the
// page's own test hook (window.phonghop.stats()), which is built from RTCPeerConnection.getStats().
//
// usage:
//   node scripts/meet-browser.mjs URL --until-frames N [--until-sent M] [--timeout-secs T]
//     (--until-sent: also stay until M frames were encoded and sent, so the other side has
//      time to decode them before the browser leaves)
//     Polls every 250 ms. As soon as some received video has framesDecoded >= N and the page has encoded
//     at least one frame of its own camera, prints ONE JSON line and exits 0:
//       {"ok":true,"framesDecoded":..,"frameWidth":..,"frameHeight":..,"slot":..,"outboundFramesEncoded":..,"selectedPair":..,
//        "ms_to_first_frame":..}
//     (ms_to_first_frame: from the start of the page load to the first decoded remote frame.)
//     After T seconds (default 30, counted from launch) prints
//       {"ok":false,"reason":"...","last":<last stats or null>,"state":<window.phonghop.state()>,
//        "console":[last 20 console messages and page errors]}
//     and exits 1.
//   node scripts/meet-browser.mjs URL --hold-secs S
//     Prints {"pid": <Chromium browser process id>} as the first line once the browser is up (for sampling
//     the CPU and memory of that process and its children from /proc), keeps the page open S seconds,
//     prints one final line {"ok":true,"held_secs":S,"stats":<stats>,"state":<state>,"console":[...]}
//     and exits 0 (1 with "ok":false if the page never offered its test hook).
//
//   node scripts/meet-browser.mjs URL --watch-secs S
//     Once the page is loaded, prints one JSON line every 250 ms until S seconds passed or stdin closed:
//       {"t":<ms since the page load started>,"stats":<stats>,"state":<state>,"stamps":[{"slot":0,"tag":..,
//        "width":..,"height":..}, ...]}
//     ("tag": the sender tag of the block code rooms paint into their test pictures (src/media/stamp.rs), read
//      from what the slot's <video> shows now; null when it shows no stamped picture), then closes the browser
//     and exits 0. For tests that follow what the page shows while they change the meeting.
//
// Every mode takes --fake-audio FILE.wav: the fake microphone plays that file (looped) instead of Chromium's
// short beeps, which are too short to count as speech.
// Either mode takes --relay-only: every RTCPeerConnection the page makes gets iceTransportPolicy "relay", as a
// browser whose network lets only the TURN server through would (the stats' selectedPair shows the candidate
// types media flows on; the success line carries it too).
//
// Page console errors and page exceptions are forwarded to stderr as they happen. The browser is always
// closed (also on SIGTERM/SIGINT) and its temporary profile removed.
// playwright-core is loaded from $PHONGHOP_NPM_DIR/node_modules (installed by `make test`); the browser is
// /usr/bin/chromium (Debian's package), never one downloaded by a tool.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

import { CHROMIUM_ARGS, CHROMIUM_PATH, chromium as loadChromium } from './npm-packages.mjs';

const USAGE =
  'usage: node scripts/meet-browser.mjs URL (--until-frames N [--until-sent M] [--timeout-secs T] | --hold-secs S | --watch-secs S) [--fake-audio FILE.wav] [--relay-only]';

function parseArgs(argv) {
  const opts = { url: null, untilFrames: null, untilSent: 1, timeoutSecs: 30, holdSecs: null, watchSecs: null, fakeAudio: null, relayOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
      return v;
    };
    if (a === '--until-frames') opts.untilFrames = num(a);
    else if (a === '--until-sent') opts.untilSent = num(a);
    else if (a === '--timeout-secs') opts.timeoutSecs = num(a);
    else if (a === '--hold-secs') opts.holdSecs = num(a);
    else if (a === '--watch-secs') opts.watchSecs = num(a);
    else if (a === '--relay-only') opts.relayOnly = true;
    else if (a === '--fake-audio') {
      if (!argv[i + 1]) throw new Error(`${a} needs a WAV file`);
      opts.fakeAudio = path.resolve(argv[++i]);
    }
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (!opts.url) opts.url = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!opts.url) throw new Error('no URL');
  if ([opts.untilFrames, opts.holdSecs, opts.watchSecs].filter((v) => v !== null).length !== 1) {
    throw new Error('give exactly one of --until-frames, --hold-secs and --watch-secs');
  }
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
const chromium = loadChromium();

const ARGS = [
  ...CHROMIUM_ARGS,
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  // Remote audio plays without a click (a headless page never gets one).
  '--autoplay-policy=no-user-gesture-required',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const consoleLog = [];
function remember(entry) {
  consoleLog.push(entry);
  if (consoleLog.length > 20) consoleLog.shift();
}

let profile = null;
let context = null;
let browserPid = null;
let closing = null;

function removeProfile() {
  if (profile) {
    try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}
process.on('exit', removeProfile);

// The browser process: playwright gives it for launch(), not for a persistent context, so look for our
// child whose command line names our profile and is not one of Chromium's helper processes.
function findBrowserPid() {
  const viaPlaywright = context?.browser?.()?.process?.()?.pid;
  if (viaPlaywright) return viaPlaywright;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd.some((c) => c.includes(profile)) && !cmd.some((c) => c.startsWith('--type='))) return Number(name);
    } catch { /* the process went away */ }
  }
  return null;
}

async function closeBrowser() {
  if (closing) return closing;
  closing = (async () => {
    if (context) {
      await Promise.race([context.close().catch(() => {}), sleep(5000)]);
    }
    if (browserPid) {
      try { process.kill(browserPid, 'SIGKILL'); } catch { /* already gone */ }
    }
    removeProfile();
  })();
  return closing;
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    closeBrowser().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

async function stats(page) {
  try {
    return await page.evaluate(() => (window.phonghop ? window.phonghop.stats() : null));
  } catch (e) {
    return { error: String(e.message || e) };
  }
}
// The stamp (src/media/stamp.rs) in what each slot's <video> shows now: 32 blocks across the top rows, a 1
// guard bit, 24 bits of capture time, 6 bits of sender tag, a 0 guard bit; each block's centre read as its bit.
async function stamps(page) {
  try {
    return await page.evaluate(() => {
      const out = [];
      for (let slot = 0; ; slot++) {
        const tile = document.getElementById('slot-' + slot);
        if (!tile) break;
        const v = tile.querySelector('video');
        const width = v ? v.videoWidth : 0, height = v ? v.videoHeight : 0;
        const block = Math.max(4, Math.floor(width / 32));
        if (!width || !height || block * 32 > width || block > height) {
          out.push({ slot, tag: null, width, height });
          continue;
        }
        const canvas = document.createElement('canvas');
        canvas.width = width; canvas.height = height;
        const g = canvas.getContext('2d', { willReadFrequently: true });
        g.drawImage(v, 0, 0, width, height);
        const row = g.getImageData(0, Math.floor(block / 2), width, 1).data;
        const bits = [];
        for (let i = 0; i < 32; i++) {
          const x = i * block + Math.floor(block / 2);
          bits.push((row[x * 4] + row[x * 4 + 1] + row[x * 4 + 2]) / 3 >= 128);
        }
        let tag = null;
        if (bits[0] && !bits[31]) {
          tag = 0;
          for (let i = 25; i < 31; i++) tag = (tag << 1) | (bits[i] ? 1 : 0);
        }
        out.push({ slot, tag, width, height });
      }
      return out;
    });
  } catch (e) {
    return { error: String(e.message || e) };
  }
}
async function pageState(page) {
  try {
    return await page.evaluate(() => (window.phonghop ? window.phonghop.state() : null));
  } catch (e) {
    return { error: String(e.message || e) };
  }
}

const started = Date.now();
let exitCode = 1;
try {
  profile = mkdtempSync(path.join(os.tmpdir(), 'phonghop-meet-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: opts.fakeAudio ? [...ARGS, `--use-file-for-fake-audio-capture=${opts.fakeAudio}`] : ARGS,
  });
  if (opts.relayOnly) {
    await context.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      const RelayOnly = function RTCPeerConnection(config, ...rest) {
        return new Native({ ...(config || {}), iceTransportPolicy: 'relay' }, ...rest);
      };
      RelayOnly.prototype = Native.prototype;
      Object.setPrototypeOf(RelayOnly, Native);
      window.RTCPeerConnection = RelayOnly;
    });
  }
  browserPid = findBrowserPid();
  if (opts.holdSecs !== null) console.log(JSON.stringify({ pid: browserPid }));

  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    const text = msg.text();
    remember({ type: msg.type(), text });
    if (msg.type() === 'error') process.stderr.write(`page console error: ${text}\n`);
  });
  page.on('pageerror', (err) => {
    remember({ type: 'pageerror', text: String(err.stack || err.message || err) });
    process.stderr.write(`page error: ${err.stack || err.message || err}\n`);
  });
  page.on('crash', () => {
    remember({ type: 'crash', text: 'the page crashed' });
    process.stderr.write('page crashed\n');
  });

  const deadline = started + opts.timeoutSecs * 1000;
  const loadStarted = Date.now();
  let loadError = null;
  try {
    const response = await page.goto(opts.url, {
      waitUntil: 'load',
      timeout: Math.max(1000, (opts.untilFrames === null ? 30000 : deadline - Date.now())),
    });
    if (!response || !response.ok()) loadError = `GET ${opts.url} answered ${response ? response.status() : 'nothing'}`;
  } catch (e) {
    loadError = `loading ${opts.url} failed: ${e.message.split('\n')[0]}`;
  }

  if (opts.watchSecs !== null) {
    let stdinClosed = false;
    process.stdin.on('end', () => { stdinClosed = true; });
    process.stdin.on('error', () => { stdinClosed = true; });
    process.stdin.resume();
    const until = loadStarted + opts.watchSecs * 1000;
    if (loadError) console.log(JSON.stringify({ ok: false, reason: loadError, console: consoleLog }));
    while (!loadError && !stdinClosed && Date.now() < until) {
      console.log(JSON.stringify({
        t: Date.now() - loadStarted, stats: await stats(page), state: await pageState(page), stamps: await stamps(page),
      }));
      await sleep(Math.max(0, Math.min(250, until - Date.now())));
    }
    exitCode = loadError ? 1 : 0;
  } else if (opts.holdSecs !== null) {
    const holdUntil = loadStarted + opts.holdSecs * 1000;
    while (Date.now() < holdUntil) await sleep(Math.min(250, holdUntil - Date.now()));
    const s = loadError ? null : await stats(page);
    const ok = !!s && !s.error;
    console.log(JSON.stringify({
      ok, held_secs: opts.holdSecs, stats: s, state: await pageState(page),
      ...(ok ? {} : { reason: loadError || 'the page has no window.phonghop test hook' }),
      console: consoleLog,
    }));
    exitCode = ok ? 0 : 1;
  } else {
    let last = null;
    let firstFrameAt = null;
    let done = null;
    while (!loadError && !done && Date.now() < deadline) {
      last = await stats(page);
      const inbound = last && Array.isArray(last.inboundVideo) ? last.inboundVideo : [];
      if (firstFrameAt === null && inbound.some((v) => v.framesDecoded > 0)) firstFrameAt = Date.now();
      const best = inbound.reduce((b, v) => (!b || v.framesDecoded > b.framesDecoded ? v : b), null);
      const encoded = last?.outboundVideo?.framesEncoded ?? 0;
      if (best && best.framesDecoded >= opts.untilFrames && best.framesDecoded > 0 && encoded >= opts.untilSent) {
        // The page notes when its first remote frame was loaded (performance.now(), from navigation start);
        // otherwise use when this loop first saw one (250 ms resolution).
        const msToFirst = Number.isFinite(last.firstRemoteFrameMs)
          ? last.firstRemoteFrameMs
          : firstFrameAt - loadStarted;
        done = {
          ok: true,
          framesDecoded: best.framesDecoded,
          frameWidth: best.frameWidth,
          frameHeight: best.frameHeight,
          slot: best.slot,
          outboundFramesEncoded: encoded,
          ms_to_first_frame: msToFirst,
          selectedPair: last.selectedPair ?? null,
          receivingPair: last.receivingPair ?? null,
        };
        break;
      }
      await sleep(Math.max(0, Math.min(250, deadline - Date.now())));
    }
    if (done) {
      console.log(JSON.stringify(done));
      exitCode = 0;
    } else {
      let reason = loadError;
      if (!reason) {
        const inbound = last?.inboundVideo ?? [];
        const decoded = Math.max(0, ...inbound.map((v) => v.framesDecoded || 0));
        if (last === null) reason = 'the page has no window.phonghop test hook';
        else if (last.error) reason = `stats failed: ${last.error}`;
        else reason = `timed out after ${opts.timeoutSecs} s: best inbound video framesDecoded ${decoded} ` +
          `(wanted ${opts.untilFrames}), outbound framesEncoded ${last.outboundVideo?.framesEncoded ?? 0}, ` +
          `connection ${last.connectionState}`;
      }
      console.log(JSON.stringify({ ok: false, reason, last, state: await pageState(page), console: consoleLog }));
      exitCode = 1;
    }
  }
} catch (e) {
  console.log(JSON.stringify({ ok: false, reason: `driver failed: ${e.message.split('\n')[0]}`, last: null, console: consoleLog }));
  exitCode = 1;
} finally {
  await closeBrowser();
}
process.exit(exitCode);
