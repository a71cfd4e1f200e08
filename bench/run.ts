/**
 * `npm run bench`: Nimbus against a bare node:http server, in one run on one machine.
 *
 * Both servers run as child processes; this process drives them over loopback with keep-alive
 * connections at a fixed concurrency for a bounded time. Requests are signed once with the real
 * SigV4 signer and replayed (a signature stays valid for 15 minutes), so the driver's own cost is
 * the same for both servers. Reports req/s, p50/p99 latency, the ratio to the bare server, cold
 * start (process start to the first successful GetCallerIdentity) and idle RSS.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { agent, load, once, prepare, rssMb, CONCURRENCY, SECONDS, type Prepared } from './http.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CREDS = { accessKeyId: 'AKIAQAAAAAAAAAAAAAAA', secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench' };
const ACCOUNT = '111122223333';

async function main() {
  const cli = join(ROOT, 'dist', 'src', 'cli.js');
  const bareSrc = `
    const body = '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:root</Arn><UserId>${ACCOUNT}</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>';
    require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, {'content-type': 'text/xml', 'content-length': Buffer.byteLength(body)}); res.end(body); }); })
      .listen(0, '127.0.0.1', function () { console.error('listening ' + this.address().port); });`;
  const bare = spawn(process.execPath, ['-e', bareSrc], { stdio: ['ignore', 'pipe', 'pipe'] });
  let barePort = 0;
  await new Promise<void>((resolve) =>
    bare.stderr!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) {
        barePort = Number(m[1]);
        resolve();
      }
    }),
  );

  const port = 45000 + Math.floor(Math.random() * 10000);
  const t0 = performance.now();
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const nimbus = spawn(process.execPath, [...nodeArgs, cli, 'start', '--port', String(port), '--in-memory', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NIMBUS_ACCOUNT_ID: ACCOUNT, NIMBUS_ROOT_ACCESS_KEY_ID: CREDS.accessKeyId, NIMBUS_ROOT_SECRET_ACCESS_KEY: CREDS.secretAccessKey },
  });
  const exited = new Promise((r) => nimbus.once('exit', r));
  const gci = await prepare(port, 'sts', 'Action=GetCallerIdentity&Version=2011-06-15', CREDS);
  let cold = NaN;
  for (;;) {
    try {
      const r = await once(port, gci);
      if (r.status === 200) {
        cold = performance.now() - t0;
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (performance.now() - t0 > 30_000) throw new Error('Nimbus did not start within 30 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssMb(nimbus.pid!);

  // 100 users for ListUsers
  for (let i = 0; i < 100; i++) {
    const p = await prepare(port, 'iam', `Action=CreateUser&Version=2010-05-08&UserName=bench-user-${i}`, CREDS);
    const r = await once(port, p);
    if (r.status !== 200) throw new Error(`CreateUser failed: ${r.body}`);
  }
  const listUsers = await prepare(port, 'iam', 'Action=ListUsers&Version=2010-05-08&MaxItems=100', CREDS);
  const check = await once(port, listUsers);
  const count = (check.body.match(/<member>/g) ?? []).length;
  if (check.status !== 200 || count !== 100) throw new Error(`ListUsers answered ${check.status} with ${count} users`);

  if (process.env.BENCH_ONLY === 'health') {
    const h: Prepared = { method: 'GET', path: '/_nimbus/health', headers: {}, body: '' };
    await load(barePort, gci);
    console.log('bare', (await load(barePort, gci)).rps.toFixed(0), 'health', (await load(port, h)).rps.toFixed(0), 'gci', (await load(port, gci)).rps.toFixed(0));
    agent.destroy();
    bare.kill('SIGTERM');
    nimbus.kill('SIGTERM');
    await exited;
    return;
  }
  if (process.env.BENCH_ONLY === 'gci') {
    // Profiling aid: load only GetCallerIdentity, then stop.
    console.log(await load(port, gci));
    agent.destroy();
    bare.kill('SIGTERM');
    nimbus.kill('SIGTERM');
    await exited;
    return;
  }
  // warm-up
  await load(barePort, gci);
  const bareR = await load(barePort, gci);
  const gciR = await load(port, gci);
  const luR = await load(port, listUsers);
  const loadedRss = rssMb(nimbus.pid!);

  const fmt = (name: string, r: Awaited<ReturnType<typeof load>>) =>
    `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  ratio ${(r.rps / bareR.rps).toFixed(2)}  (${r.n} requests, ${r.errors} errors)`;
  console.log(`concurrency ${CONCURRENCY}, ${SECONDS} s per scenario, loopback, node ${process.version}`);
  console.log(fmt('bare node:http (fixed body)', bareR));
  console.log(fmt('Nimbus STS GetCallerIdentity', gciR));
  console.log(fmt('Nimbus IAM ListUsers (100 users)', luR));
  console.log(`cold start (spawn to first GetCallerIdentity): ${cold.toFixed(0)} ms`);
  console.log(`idle RSS: ${idleRss.toFixed(1)} MB; after load: ${loadedRss.toFixed(1)} MB`);
  const gciRatio = gciR.rps / bareR.rps;
  console.log(`targets: GetCallerIdentity >= 50% of bare: ${gciRatio >= 0.5 ? 'met' : 'NOT met'} (${(gciRatio * 100).toFixed(0)}%); cold start < 500 ms: ${cold < 500 ? 'met' : 'NOT met'}; idle RSS < 120 MB: ${idleRss < 120 ? 'met' : 'NOT met'}`);

  agent.destroy();
  bare.kill('SIGTERM');
  nimbus.kill('SIGTERM');
  await exited;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
