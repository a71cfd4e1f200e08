/**
 * Starts Nimbus: opens the store, makes sure the default account exists, serves HTTP on
 * 127.0.0.1 (by default port 4566), and shuts down gracefully (no committed write lost).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from './store/types.js';
import { openStore } from './store/open.js';
import { systemClock, type Clock } from './clock.js';
import { jsonLogger, type Logger } from './gateway/log.js';
import { Gateway } from './gateway/pipeline.js';
import { ensureMessageKey } from './authz/secrets.js';
import { ensureDefaultAccount, sweepExpiredSessions, type AccessKeyRecord, type AccountRecord, type NewCredentials } from './accounts/accounts.js';

export interface NimbusOptions {
  host?: string;
  port?: number;
  /** An already opened store; otherwise one is opened from dataDir/inMemory. */
  store?: Store;
  dataDir?: string;
  inMemory?: boolean;
  clock?: Clock;
  logger?: Logger;
  maxBodyBytes?: number;
  /** Fixes the default account's id and root key when it is first created. */
  seed?: { accountId?: string; rootKey?: NewCredentials };
}

export interface NimbusServer {
  url: string;
  host: string;
  port: number;
  store: Store;
  account: AccountRecord;
  rootKeys: AccessKeyRecord[];
  /** Whether the default account was created by this start. */
  createdAccount: boolean;
  server: Server;
  gateway: Gateway;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4566;
export const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

export async function startNimbus(opts: NimbusOptions = {}): Promise<NimbusServer> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? jsonLogger();
  const store = opts.store ?? (await openStore({ dataDir: opts.dataDir, inMemory: opts.inMemory }));
  const { account, rootKeys, created, messageKey } = await store.write(async (tx) => ({
    ...(await ensureDefaultAccount(tx, clock.now(), opts.seed)),
    messageKey: await ensureMessageKey(tx),
  }));
  const gateway = new Gateway({ store, clock, logger, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY, messageKey });
  // Responses not yet sent. On shutdown they (and any request still arriving on an open keep-alive
  // connection) answer with `Connection: close`, so that clients' pooled connections close once
  // their last response is out; otherwise server.close() waits for the clients' idle sockets.
  const pending = new Set<ServerResponse>();
  let shuttingDown = false;
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (shuttingDown) res.setHeader('connection', 'close');
    pending.add(res);
    res.on('close', () => {
      pending.delete(res);
      // A response already on its way when shutdown began went out with keep-alive: close its
      // connection now that it is idle.
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
    void gateway.handle(req, res);
  });
  server.headersTimeout = 60_000;
  server.requestTimeout = 300_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Expired temporary credentials are dropped a week after expiry: at start, then hourly.
  const sweep = () =>
    store
      .write((tx) => sweepExpiredSessions(tx, clock.now()))
      .catch((e) => logger.error('sweeping expired sessions failed', { error: String(e) }));
  await sweep();
  const sweeper = setInterval(() => void sweep(), 3600_000);
  sweeper.unref();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish (their transactions commit), then close the store.
      shuttingDown = true;
      clearInterval(sweeper);
      for (const res of pending) if (!res.headersSent) res.setHeader('connection', 'close');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      if (!opts.store) await store.close();
    })());
  // An IPv6 literal goes in brackets in a URL (http://[::1]:4566).
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${urlHost}:${port}`, host, port, store, account, rootKeys, createdAccount: created, server, gateway, close };
}
