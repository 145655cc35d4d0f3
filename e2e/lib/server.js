// Starts a real phonghop server for one test file: a fresh data directory, a free loopback port,
// the demo province seeded, and nothing else on the machine touched. Only the process started
// here is ever stopped.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactsDir } from './artifacts.js';

const e2eDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The server binary: $PHONGHOP_BIN, else ../bin/phonghop next to this package. */
export function serverBinary() {
  const bin = process.env.PHONGHOP_BIN ? resolve(process.env.PHONGHOP_BIN) : resolve(e2eDir, '..', 'bin', 'phonghop');
  if (!existsSync(bin)) {
    throw new Error(`phonghop binary not found at ${bin}: build it first (make build) or set PHONGHOP_BIN`);
  }
  return bin;
}

/** A TCP port that was free on loopback a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/**
 * The environment for the server: ours without any PHONGHOP_* variable (the server refuses
 * names it does not know, e.g. PHONGHOP_BIN), plus the test's own settings.
 */
function serverEnv(settings) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PHONGHOP_')) env[k] = v;
  return { ...env, ...settings };
}

/**
 * Starts `phonghop serve --demo` and resolves when /readyz answers 200. To restart a stopped
 * server on the same data and ports (its sessions still valid), pass the first one's `restart`.
 * @param {{name: string, timeoutMs?: number, env?: Record<string, string> | ((url: string) => Record<string, string>), restart?: {dataDir: string, port: number, udpPort: number, turnPort: number}}} opts
 *   name labels the log file in artifacts/; env adds PHONGHOP_* settings (e.g. PHONGHOP_NATS_URL of
 *   a test's own bus), or is a function of the server's URL for settings that name it (e.g. the
 *   province sign-in's PHONGHOP_OIDC_<NAME>_REDIRECT_URL).
 * @returns {Promise<{url: string, dataDir: string, log: string, restart: object, stop: (opts?: {keepData?: boolean}) => Promise<void>}>}
 */
export async function startServer({ name, timeoutMs = 30_000, env = {}, restart }) {
  const bin = serverBinary();
  const dataDir = restart?.dataDir ?? (await mkdtemp(join(tmpdir(), 'phonghop-e2e-data-')));
  const port = restart?.port ?? (await freePort());
  const udpPort = restart?.udpPort ?? (await freePort()); // a TCP-free port is very likely UDP-free too
  const turnPort = restart?.turnPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(await artifactsDir(), `${name}-server.log`);
  const log = createWriteStream(logPath, { flags: restart ? 'a' : 'w' });

  const child = spawn(bin, ['serve', '--demo'], {
    env: serverEnv({
      PHONGHOP_DATA_DIR: dataDir,
      PHONGHOP_HTTP_ADDR: `127.0.0.1:${port}`,
      PHONGHOP_RTC_UDP_PORT: String(udpPort),
      PHONGHOP_RTC_TCP_PORT: '0',
      PHONGHOP_RTC_LOOPBACK: 'true',
      PHONGHOP_TURN_UDP_PORT: String(turnPort),
      PHONGHOP_TURN_TCP_PORT: String(turnPort),
      ...(typeof env === 'function' ? env(url) : env),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = null;
  const exitPromise = new Promise((res) => child.on('exit', (code, signal) => res((exited = { code, signal }))));
  // If the test run itself dies, do not leave this server behind.
  const killOnExit = () => !exited && child.kill('SIGKILL');
  process.once('exit', killOnExit);

  async function stop({ keepData = false } = {}) {
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
    log.end();
    if (!keepData) await rm(dataDir, { recursive: true, force: true });
  }

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`phonghop exited before it was ready (${JSON.stringify(exited)}); see ${logPath}`);
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`phonghop not ready after ${timeoutMs} ms; see ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dataDir, log: logPath, restart: { dataDir, port, udpPort, turnPort }, stop };
}
