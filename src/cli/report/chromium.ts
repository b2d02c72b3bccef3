// Finds a Chromium to render the report's charts to PNG: CHROMIUM_PATH, else Debian's `chromium` and friends.
import { accessSync, constants } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const paths = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  for (const path of paths) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not this one
    }
  }
  return null;
}
