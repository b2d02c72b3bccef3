// PNG images of the report's charts, taken from the real page in headless Chromium: the images are exactly what a
// reader of the HTML sees, and the page is checked to render on the way.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { ChartInfo } from './html';

export async function renderChartImages(
  htmlPath: string,
  charts: ChartInfo[],
  outDir: string,
  executablePath: string,
): Promise<string[]> {
  const browser = await chromium.launch({ executablePath, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 2 });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 }).catch(() => {
      throw new Error(`the report page did not finish drawing its charts: ${errors.join('; ') || 'no error reported'}`);
    });
    if (errors.length) throw new Error(`the report page reported errors: ${errors.join('; ')}`);
    const files: string[] = [];
    for (const chart of charts) {
      const file = join(outDir, `${chart.id.replace(/^chart-/, '')}.png`);
      await page.locator(`#fig-${chart.id}`).screenshot({ path: file });
      files.push(file);
    }
    return files;
  } finally {
    await browser.close();
  }
}
