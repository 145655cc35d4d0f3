// The bus helper of the browser tests (e2e/busfeed): a NATS server on loopback that the phonghop
// server under test uses as its bus, through which a test publishes media events as the media
// server would and sees the media commands the server sends. Only the process started here is
// ever stopped.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The helper binary: $BUSFEED_BIN, else bin/busfeed (built from e2e/busfeed if missing). */
function binary() {
  if (process.env.BUSFEED_BIN) return resolve(process.env.BUSFEED_BIN);
  const bin = resolve(repo, 'bin', 'busfeed');
  if (!existsSync(bin)) execFileSync('go', ['build', '-o', bin, './e2e/busfeed'], { cwd: repo, stdio: 'inherit' });
  return bin;
}

/**
 * Starts the helper and resolves once its NATS server is ready.
 * @returns {Promise<{url: string, publish: (subject: string, msg: object) => Promise<void>,
 *   commands: object[], events: object[], waitCommand: (pred: (c: object) => boolean, ms?: number) => Promise<object>,
 *   stop: () => Promise<void>}>}
 */
export async function startBusFeed() {
  const child = spawn(binary(), ['-timeout', '15m'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((res) => child.on('exit', res));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const commands = [];
  const events = [];
  const acks = [];
  const waiters = new Set();
  let onUrl;
  const urlReady = new Promise((res, rej) => {
    onUrl = res;
    child.once('exit', (code) => rej(new Error(`busfeed exited (${code}) before it was ready`)));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [verb, ...rest] = line.split(' ');
    if (verb === 'url') onUrl(rest[0]);
    else if (verb === 'ok') acks.shift()?.();
    else if (verb === 'cmd' || verb === 'evt') {
      const msg = { subject: rest[0], ...JSON.parse(rest.slice(1).join(' ')) };
      (verb === 'cmd' ? commands : events).push(msg);
      for (const w of waiters) w();
    }
  });
  const url = await urlReady;

  return {
    url,
    commands,
    /** Media events published by someone else than this test: the SFU. */
    events,
    publish(subject, msg) {
      return new Promise((res) => {
        acks.push(res);
        child.stdin.write(`pub ${subject} ${JSON.stringify(msg)}\n`);
      });
    },
    waitCommand(pred, ms = 10_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const c = commands.find(pred);
          if (c) {
            waiters.delete(check);
            clearTimeout(timer);
            res(c);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`no such media command within ${ms} ms; seen: ${JSON.stringify(commands)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
    },
  };
}
