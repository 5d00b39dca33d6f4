// What the node scripts share (scripts/meet-browser.mjs, tests/fixtures/*.mjs): npm packages come from
// $PHONGHOP_NPM_DIR/node_modules (installed by `make test`), and the browser is /usr/bin/chromium (Debian's
// package), started headless with the same switches, never one downloaded by a tool.

import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

/// The npm package `name` from $PHONGHOP_NPM_DIR; exits 2 saying what to do when the folder is not set.
export function npmPackage(name) {
  const npmDir = process.env.PHONGHOP_NPM_DIR;
  if (!npmDir) {
    console.error(`PHONGHOP_NPM_DIR is not set: run \`make test\` (it installs ${name}) or set PHONGHOP_NPM_DIR`);
    process.exit(2);
  }
  const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
  return require(name);
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

/// Headless Chromium without the network chatter, updates or QUIC of a desktop browser.
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/// playwright-core's `chromium`, to launch CHROMIUM_PATH with.
export function chromium() {
  return npmPackage('playwright-core').chromium;
}
