// Opens a written report in headless Chromium (Debian's) and reports what a reader would see: which charts drew,
// whether they hold any ink, and what the page complained about. Also checks chart PNGs are real images.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { findChromium } from '../../../src/cli/report/chromium';

export interface RenderedReport {
  canvases: string[];
  /** Canvases Chart.js drew into (Chart.getChart finds an instance), and the page's own count. */
  chartInstances: number;
  reportedChartCount: number;
  /** Non-transparent pixels per canvas id. */
  inkedPixels: Record<string, number>;
  consoleErrors: string[];
  tables: number;
  text: string;
}

// Browser-side code as source text: this project compiles without the DOM library, and these run in the page.
const INSPECT_PAGE = `(() => {
  const canvases = [...document.querySelectorAll('canvas')];
  const inkedPixels = {};
  for (const canvas of canvases) {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    inkedPixels[canvas.id] = n;
  }
  return {
    canvases: canvases.map((c) => c.id),
    chartInstances: canvases.filter((c) => window.Chart.getChart(c)).length,
    reportedChartCount: window.__reportChartCount,
    inkedPixels,
    tables: document.querySelectorAll('table').length,
    text: document.body.innerText,
  };
})()`;

const DECODE_IMAGES = `(sources) => Promise.all(sources.map((src) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
  img.onerror = () => resolve({ width: 0, height: 0 });
  img.src = src;
})))`;

export function chromiumPath(): string {
  const path = findChromium();
  if (!path)
    throw new Error('Chromium not found: apt-get install chromium (scripts/setup.sh does) or set CHROMIUM_PATH');
  return path;
}

export async function renderReport(htmlPath: string): Promise<RenderedReport> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (msg) => msg.type() === 'error' && consoleErrors.push(msg.text()));
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    // Offline, as a reader opening the file would be: any network request fails the check.
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:') ? route.continue() : route.abort('internetdisconnected'),
    );
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const seen = (await page.evaluate(INSPECT_PAGE)) as Omit<RenderedReport, 'consoleErrors'>;
    return { ...seen, consoleErrors };
  } finally {
    await browser.close();
  }
}

/** Width and height from a PNG's IHDR, after checking its signature; throws on anything else. */
export function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error(`${path} is not a PNG`);
  if (bytes.toString('ascii', 12, 16) !== 'IHDR') throw new Error(`${path} has no IHDR chunk first`);
  if (bytes.toString('ascii', bytes.length - 8, bytes.length - 4) !== 'IEND') throw new Error(`${path} is truncated`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Decodes PNGs in the browser: an image Chromium cannot decode has naturalWidth 0. */
export async function decodePngs(paths: string[]): Promise<{ width: number; height: number }[]> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true });
  try {
    const page = await browser.newPage();
    const sources = paths.map((p) => `data:image/png;base64,${readFileSync(p).toString('base64')}`);
    return (await page.evaluate(`(${DECODE_IMAGES})(${JSON.stringify(sources)})`)) as {
      width: number;
      height: number;
    }[];
  } finally {
    await browser.close();
  }
}
