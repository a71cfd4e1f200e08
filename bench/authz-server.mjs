// A Nimbus server for bench/authz.ts, run from the compiled dist/. With BENCH_NO_AUTHZ=1 the
// gateway's authorizer is replaced by a no-op *in this benchmark process only* (Nimbus has no
// switch to turn authorization off), so the two servers differ by exactly the authorization step.
import { startNimbus } from '../dist/src/server.js';
import { silentLogger } from '../dist/src/gateway/log.js';

const s = await startNimbus({
  inMemory: true,
  port: 0,
  host: '127.0.0.1',
  logger: silentLogger,
  seed: { accountId: process.env.BENCH_ACCOUNT, rootKey: { accessKeyId: process.env.BENCH_KEY_ID, secretAccessKey: process.env.BENCH_SECRET } },
});
if (process.env.BENCH_NO_AUTHZ === '1') s.gateway.authorizer.authorize = async () => {};
console.error(`listening ${s.port}`);
process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
