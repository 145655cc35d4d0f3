// Screenshots and logs from the browser tests go to e2e/artifacts/ (git-ignored, kept by CI).
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

export async function artifactsDir() {
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Saves a full-page screenshot as artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  const path = join(await artifactsDir(), `${name}.png`);
  // From the top, so that the sticky header sits where a person would see it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}
