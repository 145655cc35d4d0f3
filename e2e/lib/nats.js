// A NATS server of a test's own, on loopback inside the test namespace, for tests that need to
// reach the server's bus from outside its process (the embedded NATS listens on no port). Only
// the process started here is ever stopped.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.js';

export const NATS_SERVER = process.env.NATS_SERVER_PATH || '/usr/sbin/nats-server';

/** Starts nats-server with JetStream; resolves with its URL once it accepts connections. */
export async function startNats() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'phonghop-e2e-nats-'));
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  let exited = false;
  const gone = new Promise((res) => child.on('exit', () => res((exited = true))));
  const killOnExit = () => !exited && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await gone;
    }
    process.off('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise((res) => {
      const c = connect(port, '127.0.0.1', () => (c.end(), res(true)));
      c.on('error', () => res(false));
    });
    if (up) break;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`nats-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `nats://127.0.0.1:${port}`, stop };
}
