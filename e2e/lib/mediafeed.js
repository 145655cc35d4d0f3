// The media side of the browser tests (e2e/mediafeed): a NATS server on loopback that the phonghop
// server under test uses as its bus, and real meeting points (Pion, loopback only) that join the
// server's media room on links a test can shape. Through it a test sees the media server's events
// and the media commands the server sends. Only the process started here is ever stopped.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The helper binary: $MEDIAFEED_BIN, else bin/mediafeed (built from e2e/mediafeed if missing). */
function binary() {
  if (process.env.MEDIAFEED_BIN) return resolve(process.env.MEDIAFEED_BIN);
  const bin = resolve(repo, 'bin', 'mediafeed');
  if (!existsSync(bin)) execFileSync('go', ['build', '-o', bin, './e2e/mediafeed'], { cwd: repo, stdio: 'inherit' });
  return bin;
}

/** Resolves when pred holds on one of list's items (checked whenever the helper reports). */
function waitIn(list, waiters, pred, ms, what) {
  return new Promise((res, rej) => {
    const check = () => {
      const x = list.find(pred);
      if (x) {
        waiters.delete(check);
        clearTimeout(timer);
        res(x);
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      rej(new Error(`${what} within ${ms} ms; seen: ${JSON.stringify(list.slice(-20))}`));
    }, ms);
    waiters.add(check);
    check();
  });
}

/** Starts the helper and resolves once its NATS server is ready. */
export async function startMediaFeed() {
  const child = spawn(binary(), ['-timeout', '15m'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((res) => child.on('exit', res));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const commands = []; // media commands the phonghop server sent
  const events = []; // media events the media server published
  const points = []; // {label, joined: identity} or {label, failed: why}
  const messages = []; // {label, type} received by the points
  const waiters = new Set();
  let onUrl;
  const urlReady = new Promise((res, rej) => {
    onUrl = res;
    child.once('exit', (code) => rej(new Error(`mediafeed exited (${code}) before it was ready`)));
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [verb, a, ...rest] = line.split(' ');
    if (verb === 'url') onUrl(a);
    else if (verb === 'cmd') commands.push({ subject: a, ...JSON.parse(rest.join(' ')) });
    else if (verb === 'evt') events.push({ subject: a, ...JSON.parse(rest.join(' ')) });
    else if (verb === 'joined') points.push({ label: a, joined: rest[0] });
    else if (verb === 'joinfailed') points.push({ label: a, failed: rest.join(' ') });
    else if (verb === 'msg') messages.push({ label: a, type: rest[0] });
    for (const w of [...waiters]) w();
  });
  const url = await urlReady;
  const send = (line) => child.stdin.write(`${line}\n`);

  return {
    url,
    commands,
    events,
    messages,
    /** A meeting point joins with a media token; resolves with its identity or rejects with why not. */
    async join(label, wsUrl, token, { upLoss = 0, downLoss = 0 } = {}) {
      const before = points.length;
      send(`join ${label} ${wsUrl} ${token} ${upLoss} ${downLoss}`);
      const r = await waitIn(points, waiters, (p) => points.indexOf(p) >= before && p.label === label, 20_000, `point ${label} did not join`);
      if (r.failed) throw new Error(`point ${label} could not join: ${r.failed}`);
      return r.joined;
    },
    link: (label, upLoss, downLoss) => send(`link ${label} ${upLoss} ${downLoss}`),
    outage: (label, seconds) => send(`outage ${label} ${seconds}`),
    leave: (label) => send(`leave ${label}`),
    waitCommand: (pred, ms = 10_000) => waitIn(commands, waiters, pred, ms, 'no such media command'),
    waitEvent: (pred, ms = 10_000) => waitIn(events, waiters, pred, ms, 'no such media event'),
    waitMessage: (pred, ms = 10_000) => waitIn(messages, waiters, pred, ms, 'no such message to a point'),
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
    },
  };
}
