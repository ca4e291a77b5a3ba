// What every browser test shares: a free local port (PUBLIC_URL must be known before the service starts, for the
// OAuth redirect URI), Debian's Chromium launched the way this machine needs (no sandbox as root, no background
// networking: the closed network refuses it), and the ignored folder screenshots go to.
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_PASSWORD } from './service.js';

export const ARTIFACTS = fileURLToPath(new URL('../.artifacts/', import.meta.url));

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** Headless Chromium at `executablePath` (see findChromium in required.ts); the artefacts folder exists after it. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Signs in to the admin pages with the test password and waits for the dashboard. */
export async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/admin`);
}
