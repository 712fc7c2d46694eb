// Headless Chromium from Debian's package, driven by playwright-core: no browser download, a fresh profile per launch.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const repo = path.resolve(__dirname, '../..');
export const ARTIFACTS = path.join(repo, 'test-artifacts');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, to assert there were none. */
  errors: string[];
  screenshot(name: string, target?: string): Promise<string>;
  close(): Promise<void>;
}

/** Installs chromium when missing (idempotent script), then opens one page in a fresh user-data-dir. */
export async function openBrowser(folder: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) execFileSync('bash', [path.join(repo, 'scripts/install-chromium.sh')], { stdio: 'inherit' });
  const profile = mkdtempSync(path.join(tmpdir(), 'selfheal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  const dir = path.join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  return {
    context,
    page,
    errors,
    async screenshot(name, target) {
      const file = path.join(dir, `${name}.png`);
      if (target) await page.locator(target).screenshot({ path: file });
      else await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
