/**
 * The `nimbus` command.
 *
 *   nimbus start [--host 127.0.0.1] [--port 4566] [--data-dir DIR] [--in-memory] [--quiet]
 *   nimbus credentials [--data-dir DIR] [--account ID] [--json]
 *   nimbus configure --profile NAME [--data-dir DIR] [--account ID] [--region us-east-1] [--endpoint-url URL]
 *   nimbus accounts create [--name NAME] [--data-dir DIR] [--json]
 *   nimbus accounts list [--data-dir DIR]
 *   nimbus oidc-issuer jwks [--data-dir DIR]
 *   nimbus oidc-issuer token --sub SUB --aud AUD [--aud AUD]... [--expires-in 1h] [--amr M]... [--azp ID] [--issuer URL] [--data-dir DIR]
 *   nimbus oidc-jwks --arn PROVIDER_ARN (--file JWKS.json | --clear) [--data-dir DIR]
 *
 * The data directory defaults to $NIMBUS_DATA_DIR, else ~/.nimbus. On first start the default
 * account is created (NIMBUS_ACCOUNT_ID, NIMBUS_ROOT_ACCESS_KEY_ID and NIMBUS_ROOT_SECRET_ACCESS_KEY
 * fix its id and root key, for reproducible set-ups).
 */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openStore } from './store/open.js';
import { startNimbus, DEFAULT_PORT } from './server.js';
import { jsonLogger, silentLogger } from './gateway/log.js';
import { systemClock } from './clock.js';
import { createAccount, ensureDefaultAccount, listAccounts, listRootKeys, getDefaultAccountId } from './accounts/accounts.js';
import { writeProfile } from './aws-config.js';
import { DEFAULT_REGION, isKnownRegion } from './regions.js';
import { JwksError, registerOidcJwks } from './services/iam/oidc-providers.js';

const USAGE = `usage:
  nimbus start [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--data-dir DIR] [--in-memory] [--quiet]
  nimbus credentials [--data-dir DIR] [--account ID] [--json]
  nimbus configure --profile NAME [--data-dir DIR] [--account ID] [--region ${DEFAULT_REGION}] [--endpoint-url URL]
  nimbus accounts create [--name NAME] [--data-dir DIR] [--json]
  nimbus accounts list [--data-dir DIR]
  nimbus oidc-issuer jwks [--data-dir DIR]
  nimbus oidc-issuer token --sub SUB --aud AUD [--aud AUD]... [--expires-in 1h] [--amr M]... [--azp ID] [--issuer URL] [--data-dir DIR]
  nimbus oidc-jwks --arn PROVIDER_ARN (--file JWKS.json | --clear) [--data-dir DIR]`;

function fail(msg: string): never {
  process.stderr.write(`nimbus: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function dataDirOf(v: string | undefined): string {
  return v ?? process.env.NIMBUS_DATA_DIR ?? join(homedir(), '.nimbus');
}

function seedFromEnv() {
  const e = process.env;
  // One of the pair alone would silently give a random root key: refuse it.
  if (!e.NIMBUS_ROOT_ACCESS_KEY_ID !== !e.NIMBUS_ROOT_SECRET_ACCESS_KEY) {
    throw new Error('NIMBUS_ROOT_ACCESS_KEY_ID and NIMBUS_ROOT_SECRET_ACCESS_KEY go together: set both or neither');
  }
  const rootKey =
    e.NIMBUS_ROOT_ACCESS_KEY_ID && e.NIMBUS_ROOT_SECRET_ACCESS_KEY
      ? { accessKeyId: e.NIMBUS_ROOT_ACCESS_KEY_ID, secretAccessKey: e.NIMBUS_ROOT_SECRET_ACCESS_KEY }
      : undefined;
  return { accountId: e.NIMBUS_ACCOUNT_ID || undefined, rootKey };
}

async function withStore<T>(dataDir: string, fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const common = {
    'data-dir': { type: 'string' },
    account: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  switch (cmd) {
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: { ...common, host: { type: 'string' }, port: { type: 'string' }, 'in-memory': { type: 'boolean' }, quiet: { type: 'boolean' } },
      });
      // Digits only: Number('') is 0 (a random port) and Number('0x10') is 16.
      const portText = values.port ?? process.env.NIMBUS_PORT ?? String(DEFAULT_PORT);
      const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port: ${portText}`);
      const inMemory = values['in-memory'] ?? false;
      const dataDir = dataDirOf(values['data-dir']);
      const nimbus = await startNimbus({
        host: values.host ?? process.env.NIMBUS_HOST ?? '127.0.0.1',
        port,
        inMemory,
        dataDir,
        logger: values.quiet ? silentLogger : jsonLogger(),
        seed: seedFromEnv(),
      });
      const key = nimbus.rootKeys[0];
      const out = process.stderr;
      out.write(`Nimbus listening on ${nimbus.url} (storage: ${inMemory ? 'in memory' : dataDir})\n`);
      if (nimbus.createdAccount && key) {
        out.write(
          `Created the default account ${nimbus.account.accountId}. Its root credentials:\n` +
            `  AWS_ACCESS_KEY_ID=${key.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}\n` +
            `Print them again with 'nimbus credentials'; write a CLI profile with 'nimbus configure --profile nimbus'.\n`,
        );
      } else {
        out.write(`Default account ${nimbus.account.accountId}; 'nimbus credentials' prints its root keys.\n`);
      }
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) {
          // A second signal does not wait for requests that hang (a slow client mid-upload):
          // exit now. Committed transactions are already in the WAL file.
          out.write(`Nimbus: ${sig} received again, exiting without waiting\n`);
          process.exit(1);
        }
        stopping = true;
        out.write(`Nimbus: ${sig} received, finishing in-flight requests...\n`);
        void nimbus.close().then(
          () => process.exit(0),
          (e) => {
            out.write(`Nimbus: shutdown failed: ${e}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      return;
    }
    case 'credentials': {
      const { values } = parseArgs({ args: rest, options: common });
      await withStore(dataDirOf(values['data-dir']), async (store) => {
        const r = await store.write(async (tx) => {
          const accountId = values.account ?? (await ensureDefaultAccount(tx, systemClock.now(), seedFromEnv())).account.accountId;
          return { accountId, keys: await listRootKeys(tx, accountId) };
        });
        if (!r.keys.length) fail(`no such account, or it has no root keys: ${r.accountId}`);
        const k = r.keys[0]!;
        if (values.json) process.stdout.write(JSON.stringify({ accountId: r.accountId, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }) + '\n');
        else process.stdout.write(`# account ${r.accountId} (root)\nAWS_ACCESS_KEY_ID=${k.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${k.secretAccessKey}\n`);
      });
      return;
    }
    case 'configure': {
      const { values } = parseArgs({
        args: rest,
        options: { ...common, profile: { type: 'string' }, region: { type: 'string' }, 'endpoint-url': { type: 'string' } },
      });
      if (!values.profile) fail('configure needs --profile NAME');
      const region = values.region ?? DEFAULT_REGION;
      if (!isKnownRegion(region)) fail(`unknown region: ${region}`);
      await withStore(dataDirOf(values['data-dir']), async (store) => {
        const r = await store.write(async (tx) => {
          const accountId = values.account ?? (await ensureDefaultAccount(tx, systemClock.now(), seedFromEnv())).account.accountId;
          return { accountId, keys: await listRootKeys(tx, accountId) };
        });
        if (!r.keys.length) fail(`no such account: ${r.accountId}`);
        const paths = writeProfile({
          profile: values.profile!,
          accessKeyId: r.keys[0]!.accessKeyId,
          secretAccessKey: r.keys[0]!.secretAccessKey,
          region,
          endpointUrl: values['endpoint-url'] ?? `http://127.0.0.1:${process.env.NIMBUS_PORT ?? DEFAULT_PORT}`,
        });
        process.stdout.write(
          `Wrote profile '${values.profile}' (account ${r.accountId}) to ${paths.config} and ${paths.credentials}\n` +
            `(AWS CLI before 2.13 and boto3 before 1.28 ignore its endpoint_url: pass --endpoint-url to them.)\n`,
        );
      });
      return;
    }
    case 'accounts': {
      const [sub, ...args] = rest;
      const { values } = parseArgs({ args, options: { ...common, name: { type: 'string' } } });
      // Checked before the store is opened (which creates the data directory).
      if (sub !== 'create' && sub !== 'list') fail(`unknown accounts subcommand: ${sub ?? ''}`);
      await withStore(dataDirOf(values['data-dir']), async (store) => {
        if (sub === 'create') {
          const { account, rootKey } = await store.write((tx) => createAccount(tx, { now: systemClock.now(), name: values.name }));
          if (values.json) process.stdout.write(JSON.stringify({ accountId: account.accountId, name: account.name, accessKeyId: rootKey.accessKeyId, secretAccessKey: rootKey.secretAccessKey }) + '\n');
          else process.stdout.write(`Created account ${account.accountId} (${account.name}). Root credentials:\nAWS_ACCESS_KEY_ID=${rootKey.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${rootKey.secretAccessKey}\n`);
        } else {
          const { accounts, def } = await store.read(async (tx) => ({ accounts: await listAccounts(tx), def: await getDefaultAccountId(tx) }));
          for (const a of accounts) process.stdout.write(`${a.accountId}\t${a.name}${a.accountId === def ? '\t(default)' : ''}\n`);
        }
      });
      return;
    }
    case 'oidc-issuer': {
      // The built-in test OIDC issuer (src/auth/oidc-issuer.ts): its key pair lives in the data directory.
      const [sub, ...args] = rest;
      if (sub !== 'jwks' && sub !== 'token') fail(`unknown oidc-issuer subcommand: ${sub ?? ''} (jwks or token)`);
      // Loaded here only: `nimbus start` should not pay for jose.
      const { DEFAULT_ISSUER, issuerJwks, loadOrCreateIssuerKey, mintToken, parseDuration } = await import('./auth/oidc-issuer.js');
      const { values } = parseArgs({
        args,
        options: {
          'data-dir': common['data-dir'],
          help: common.help,
          sub: { type: 'string' },
          aud: { type: 'string', multiple: true },
          'expires-in': { type: 'string' },
          amr: { type: 'string', multiple: true },
          azp: { type: 'string' },
          issuer: { type: 'string' },
        },
      });
      let expiresIn = 3600;
      if (sub === 'token') {
        if (!values.sub) fail('oidc-issuer token needs --sub SUBJECT');
        if (!values.aud?.length) fail('oidc-issuer token needs --aud AUDIENCE (the provider client id, e.g. sts.amazonaws.com)');
        const d = parseDuration(values['expires-in'] ?? '3600');
        if (d === undefined) fail(`bad --expires-in: ${values['expires-in']} (seconds, or 15m, 1h, 1d)`);
        expiresIn = d;
        if (values.issuer !== undefined && !/^https:\/\/[^/?#\s]+/.test(values.issuer)) fail(`bad --issuer: ${values.issuer} (an https:// URL)`);
      }
      const dataDir = dataDirOf(values['data-dir']);
      const { key, created } = await loadOrCreateIssuerKey(dataDir);
      if (created) process.stderr.write(`Created the test OIDC issuer's signing key in ${dataDir}\n`);
      if (sub === 'jwks') {
        process.stdout.write(JSON.stringify(issuerJwks(key), null, 2) + '\n');
      } else {
        const aud = values.aud!;
        const token = await mintToken(key, {
          sub: values.sub!,
          aud: aud.length === 1 ? aud[0]! : aud,
          expiresIn,
          issuer: values.issuer ?? DEFAULT_ISSUER,
          amr: values.amr,
          azp: values.azp,
        });
        process.stdout.write(token + '\n');
      }
      return;
    }
    case 'oidc-jwks': {
      // Registers (or clears) the signing keys STS checks web identity tokens with, for an IAM OIDC provider.
      const { values } = parseArgs({
        args: rest,
        options: { 'data-dir': common['data-dir'], help: common.help, arn: { type: 'string' }, file: { type: 'string' }, clear: { type: 'boolean' } },
      });
      if (!values.arn) fail('oidc-jwks needs --arn PROVIDER_ARN');
      if ((values.file === undefined) === !values.clear) fail('oidc-jwks needs exactly one of --file JWKS.json or --clear');
      let text: string | undefined;
      if (values.file !== undefined) {
        try {
          text = readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
        } catch (e) {
          fail(`cannot read ${values.file}: ${(e as Error).message}`);
        }
      }
      await withStore(dataDirOf(values['data-dir']), async (store) => {
        try {
          const n = await registerOidcJwks(store, values.arn!, text, systemClock.now());
          process.stdout.write(text === undefined ? `Cleared the signing keys of ${values.arn}\n` : `Registered ${n} signing key${n === 1 ? '' : 's'} for ${values.arn}\n`);
        } catch (e) {
          if (!(e instanceof JwksError)) throw e;
          process.stderr.write(`nimbus: ${e.message}\n`);
          process.exitCode = 1;
        }
      });
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      fail(`unknown command: ${cmd}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // parseArgs rejects unknown options, missing values and stray positionals: usage errors.
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) fail((e as Error).message.trimEnd());
  process.stderr.write(`nimbus: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
