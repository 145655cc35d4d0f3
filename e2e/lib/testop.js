// Starts the test OpenID provider (bin/testop, built from internal/auth/oidctest) on loopback for
// one test file, and stops only the process started here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const e2eDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The provider binary: $TESTOP_BIN, else ../bin/testop. */
export function testopBinary() {
  const bin = process.env.TESTOP_BIN ? resolve(process.env.TESTOP_BIN) : resolve(e2eDir, '..', 'bin', 'testop');
  if (!existsSync(bin)) throw new Error(`testop not found at ${bin}: build it first (make bin/testop) or set TESTOP_BIN`);
  return bin;
}

/**
 * Starts the provider with the given people ("subject:username:password:full name:org code:title").
 * @returns {Promise<{issuer: string, stop: () => Promise<void>}>}
 */
export async function startProvider(users) {
  const child = spawn(testopBinary(), ['-addr', '127.0.0.1:0', ...users.flatMap((u) => ['-user', u])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exited = false;
  const exit = new Promise((res) => child.on('exit', () => res((exited = true))));
  const killOnExit = () => !exited && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const issuer = await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n')[0];
      if (buf.includes('\n')) res(line.trim());
    });
    child.on('exit', (code) => rej(new Error(`testop exited (${code}) before it printed its address`)));
  });
  return {
    issuer,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await exit;
      }
      process.off('exit', killOnExit);
    },
  };
}
