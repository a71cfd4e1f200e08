/**
 * IAM identity providers end to end through the real JavaScript SDK v3 and the AWS CLI v2: OpenID Connect
 * providers (URL rules, client ids, thumbprints, tags, AWS's limits and errors, JWKS registered for offline
 * use) and SAML 2.0 providers (metadata validation, private keys, tags), the records STS reads
 * (getOidcProvider, getSamlProvider) and GetAccountSummary's Providers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  PutUserPolicyCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  DeleteOpenIDConnectProviderCommand,
  AddClientIDToOpenIDConnectProviderCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  ListOpenIDConnectProviderTagsCommand,
  CreateSAMLProviderCommand,
  GetSAMLProviderCommand,
  ListSAMLProvidersCommand,
  UpdateSAMLProviderCommand,
  DeleteSAMLProviderCommand,
  TagSAMLProviderCommand,
  UntagSAMLProviderCommand,
  ListSAMLProviderTagsCommand,
  GetAccountSummaryCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, requireClient, runAwsCli, rejectsWith, type TestServer, type Creds } from './harness.js';
import { getOidcProvider, getOidcProviderByIssuer, putOidcProviderJwks, registerOidcJwks, JwksError } from '../../src/services/iam/oidc-providers.js';
import { getSamlProvider, parseSamlMetadata } from '../../src/services/iam/saml-providers.js';

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  await s.close();
});

const THUMB_A = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';
const THUMB_B = 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e';
const oidcArn = (rest: string) => `arn:aws:iam::${s.accountId}:oidc-provider/${rest}`;

/** A self-signed RSA certificate (CN=idp.example.com, valid for 100 years), base64 DER. */
const IDP_CERT = [
  'MIIDFzCCAf+gAwIBAgIUXw5xvYaOHJX6QfH9vDyxXJBcRCowDQYJKoZIhvcNAQELBQAwGjEYMBYG',
  'A1UEAwwPaWRwLmV4YW1wbGUuY29tMCAXDTI2MTEyMzE0MDYwM1oYDzIxMjYxMDMwMTQwNjAzWjAa',
  'MRgwFgYDVQQDDA9pZHAuZXhhbXBsZS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIB',
  'AQCdc79yXMAj+VY+UGv44h2BSYidthCbvSDu9YRqljS8Qn4O3C5Y0zu8LUzhbDOxRDe62q4XaDvB',
  'fjf4muNmgOC/riRocUO1rxxEqXnOZXYXaZhzPrazgJBAApG6DaRedrsHPUm3g8GuI4/d/HumYSGp',
  'nuG29q8HnO+XB+t6hPA4cx3hmEjHVqEoGQtblihKIqENBK5NdpExYhPHvUco1cwcsGPpCe40pj4q',
  'V/5AQ3YcDBVAnEPYaktnhSLN72aMSjtpoY9d7ru7UtFTN1VI3ZSyoFTKu4MaXod4ZGj/R8mswZVu',
  'Rzr5LoHQOI3zzBt9iwMm98E0aIBxKxz+pHNDR1TTAgMBAAGjUzBRMB0GA1UdDgQWBBQUNfNyUC0U',
  'S/dYsYyu/fdnL4VA6jAfBgNVHSMEGDAWgBQUNfNyUC0US/dYsYyu/fdnL4VA6jAPBgNVHRMBAf8E',
  'BTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQB75fhkmrR1jaV2ixWvohxqIcCkuuIt97dEaOzBTUrB',
  '/V/XyJ3w8KzjBn8+OaUZFSlj0HGIwbQR26o+hgiW0MNVaZqUo7UF348TzNt+gUwzmO+yEIJkuAcr',
  'c0ik+iLKpIfSU1iJgl2UmnaF0MCKDqwTDbPkduHhqbyi4mWagu5FziX2DCZez7Fscbs9nVrG8F8n',
  '8MAn3YA1Zvi7lrS92tPsnEx+TKuIEAYpt6rElwy6tauq+Ew0kMxq9SxlPj3BTXj5JNi8LjN1QHFs',
  '8wS6LviCAe+VMWJrDFFWOg+IMirq8AtqS4nMyTMfAIyo5zjI37hKEvNnHVkBkMxWUGDtuMvg',
].join('');

/** SAML 2.0 IdP metadata as IdPs publish it (namespace prefixes, a signing and an encryption key). */
function metadata(entityId: string, opts: { use?: string; cert?: string; protocol?: string } = {}): string {
  const cert = opts.cert ?? IDP_CERT;
  const use = opts.use ?? 'signing';
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${opts.protocol ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}">
    <md:KeyDescriptor use="${use}">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>${cert.replace(/(.{64})/g, '$1\n')}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

function privateKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect

test('OIDC provider: create, get, list, client ids, thumbprints, tags and delete, as AWS answers them', async () => {
  const url = 'https://token.example.com/tenant/1';
  const created = await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: url,
      ClientIDList: ['app-1', 'app-1', 'sts.amazonaws.com'],
      ThumbprintList: [THUMB_A],
      Tags: [{ Key: 'team', Value: 'id' }],
    }),
  );
  const arn = oidcArn('token.example.com/tenant/1');
  assert.equal(created.OpenIDConnectProviderArn, arn);
  assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'id' }]);

  let got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(got.Url, 'token.example.com/tenant/1', 'the URL is answered without its scheme');
  assert.deepEqual(got.ClientIDList, ['app-1', 'sts.amazonaws.com']);
  assert.deepEqual(got.ThumbprintList, [THUMB_A]);
  assert.ok(got.CreateDate instanceof Date);
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'id' }]);

  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['x'] })),
    'EntityAlreadyExistsException',
    409,
    `Provider with url ${url} already exists.`,
  );

  // Thumbprints are optional (AWS checks the IdP's certificate against its trusted CAs).
  const bare = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://login.example.org' }));
  assert.equal(bare.OpenIDConnectProviderArn, oidcArn('login.example.org'));
  const bareGot = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: bare.OpenIDConnectProviderArn }));
  assert.deepEqual(bareGot.ThumbprintList ?? [], []);
  assert.deepEqual(bareGot.ClientIDList ?? [], []);
  assert.equal(bareGot.Tags, undefined);

  const list = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.map((e) => e.Arn);
  assert.deepEqual(list, [oidcArn('login.example.org'), arn]);

  // Client ids: adding one present and removing one absent are no-ops (both operations are idempotent).
  await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'app-2' }));
  await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'app-2' }));
  await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'app-1' }));
  await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'never-there' }));
  // The thumbprint list is replaced, not merged.
  await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [THUMB_B] }));
  got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.deepEqual(got.ClientIDList, ['sts.amazonaws.com', 'app-2']);
  assert.deepEqual(got.ThumbprintList, [THUMB_B]);

  await iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'TEAM', Value: 'security' }, { Key: 'env', Value: 'dev' }] }));
  await iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['ENV'] }));
  const tags = await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }));
  assert.deepEqual(tags.Tags, [{ Key: 'TEAM', Value: 'security' }]);
  assert.equal(tags.IsTruncated, false);

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  const missing = `OpenIDConnect Provider not found for arn ${arn}`;
  await rejectsWith(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })), 'NoSuchEntityException', 404, missing);
  await rejectsWith(
    iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'a' })),
    'NoSuchEntityException',
    404,
    missing,
  );
  await rejectsWith(iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn })), 'NoSuchEntityException', 404, missing);
  // Deleting a provider that does not exist succeeds (the API reference: "This operation is idempotent").
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  // Another account's provider is not this account's.
  const foreign = 'arn:aws:iam::111122223333:oidc-provider/login.example.org';
  await rejectsWith(
    iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: foreign })),
    'NoSuchEntityException',
    404,
    `OpenIDConnect Provider not found for arn ${foreign}`,
  );
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidcArn('login.example.org') }));
});

test('OIDC provider: URL, thumbprint and client id rules and the per-account quota', async () => {
  for (const Url of ['http://insecure.example.com', 'https://', 'https://q.example.com/?a=b', 'token.example.com']) {
    await rejectsWith(iam.send(new CreateOpenIDConnectProviderCommand({ Url })), 'ValidationError', 400, 'Invalid Open ID Connect Provider URL');
  }
  const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(40));
  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://t.example.com', ThumbprintList: six })),
    'InvalidInputException',
    400,
    'Thumbprint list must contain fewer than 5 entries.',
  );
  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://t.example.com', ThumbprintList: ['z'.repeat(40)] })),
    'InvalidInputException',
    400,
    /Thumbprint z{40} is not a 40-character hexadecimal/,
  );
  // 39 characters: the model's length constraint.
  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://t.example.com', ThumbprintList: ['a'.repeat(39)] })),
    'ValidationError',
    400,
  );
  const ids = Array.from({ length: 101 }, (_, i) => `client-${i}`);
  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://t.example.com', ClientIDList: ids })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
  );
  const full = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://t.example.com', ClientIDList: ids.slice(0, 100) }));
  await rejectsWith(
    iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: full.OpenIDConnectProviderArn, ClientID: 'one-more' })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100',
  );
  // 100 providers per account.
  for (let i = 1; i < 100; i++) await iam.send(new CreateOpenIDConnectProviderCommand({ Url: `https://idp${i}.example.com` }));
  await rejectsWith(
    iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://idp-over.example.com' })),
    'LimitExceededException',
    409,
    'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100',
  );
  for (const e of (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!) {
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: e.Arn }));
  }
  assert.deepEqual((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList, []);
});

test('OIDC provider record for STS, and signing keys registered for offline use', async () => {
  const { OpenIDConnectProviderArn: arn } = await iam.send(
    new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.net', ClientIDList: ['my-app'], ThumbprintList: [THUMB_A] }),
  );
  const store = s.nimbus.store;
  let p = await store.read((tx) => getOidcProvider(tx, s.accountId, arn!));
  assert.equal(p?.url, 'https://issuer.example.net');
  assert.deepEqual(p?.clientIds, ['my-app']);
  assert.deepEqual(p?.thumbprints, [THUMB_A]);
  assert.equal(p?.jwks, undefined);
  assert.equal((await store.read((tx) => getOidcProviderByIssuer(tx, s.accountId, 'https://issuer.example.net')))?.arn, arn);
  assert.equal(await store.read((tx) => getOidcProviderByIssuer(tx, s.accountId, 'https://other.example.net')), undefined);
  assert.equal(await store.read((tx) => getOidcProvider(tx, '111122223333', arn!)), undefined);

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256' },
    ],
  };
  const n = await store.write((tx) => putOidcProviderJwks(tx, s.accountId, arn!, JSON.stringify(jwks), new Date()));
  assert.equal(n, 2);
  p = await store.read((tx) => getOidcProvider(tx, s.accountId, arn!));
  assert.deepEqual(p?.jwks?.keys.map((k) => k.kid), ['rsa-1', 'ec-1']);
  // The keys are not part of what IAM shows.
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(got.Tags, undefined);

  const refused: Array<[unknown, RegExp]> = [
    ['not json', /not valid JSON/],
    [{ keys: [] }, /no keys/],
    [{ keys: [rsa.privateKey.export({ format: 'jwk' })] }, /private or symmetric/],
    [{ keys: [{ kty: 'RSA', n: 'AQAB' }] }, /not a usable public key/],
    [{ keys: [jwks.keys[0], jwks.keys[0]] }, /appears twice/],
  ];
  for (const [doc, why] of refused) {
    await assert.rejects(
      store.write((tx) => putOidcProviderJwks(tx, s.accountId, arn!, doc, new Date())),
      (e: unknown) => e instanceof JwksError && why.test((e as Error).message),
    );
  }
  await assert.rejects(store.write((tx) => putOidcProviderJwks(tx, s.accountId, oidcArn('nope.example.com'), jwks, new Date())), JwksError);
  // What `nimbus oidc-jwks` runs: the account is the ARN's; --clear removes the keys.
  await assert.rejects(registerOidcJwks(store, 'arn:aws:iam::123456789012:role/x', JSON.stringify(jwks), new Date()), JwksError);
  assert.equal(await registerOidcJwks(store, arn!, JSON.stringify({ keys: [jwks.keys[1]] }), new Date()), 1);
  assert.deepEqual((await store.read((tx) => getOidcProvider(tx, s.accountId, arn!)))?.jwks?.keys.map((k) => k.kid), ['ec-1']);
  assert.equal(await registerOidcJwks(store, arn!, undefined, new Date()), 0);
  assert.equal((await store.read((tx) => getOidcProvider(tx, s.accountId, arn!)))?.jwks, undefined);
  await registerOidcJwks(store, arn!, JSON.stringify(jwks), new Date());
  // Deleting the provider deletes its keys: a provider created again at the same URL has none.
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.net' }));
  assert.equal((await store.read((tx) => getOidcProvider(tx, s.accountId, arn!)))?.jwks, undefined);
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
});

// ---------------------------------------------------------------------------------------------
// SAML

test('SAML provider: create, get, list, update, tags and delete, as AWS answers them', async () => {
  const doc = metadata('https://idp.example.com/saml');
  assert.ok(doc.length >= 1000);
  const created = await iam.send(new CreateSAMLProviderCommand({ Name: 'Okta', SAMLMetadataDocument: doc, Tags: [{ Key: 'team', Value: 'id' }] }));
  const arn = `arn:aws:iam::${s.accountId}:saml-provider/Okta`;
  assert.equal(created.SAMLProviderArn, arn);
  assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'id' }]);

  const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.match(got.SAMLProviderUUID!, /^SAML[A-Z0-9]{18}$/);
  assert.equal(got.SAMLMetadataDocument, doc);
  assert.ok(got.CreateDate instanceof Date);
  assert.equal(got.ValidUntil!.getUTCFullYear(), got.CreateDate!.getUTCFullYear() + 100);
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'id' }]);
  assert.equal(got.AssertionEncryptionMode, undefined);
  assert.equal(got.PrivateKeyList, undefined);
  // The name is found whatever its case; the ARN keeps the case it was created with.
  const upper = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn.replace('Okta', 'OKTA') }));
  assert.equal(upper.SAMLProviderUUID, got.SAMLProviderUUID);

  const list = (await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!;
  assert.equal(list.length, 1);
  assert.equal(list[0]!.Arn, arn);
  assert.deepEqual(list[0]!.CreateDate, got.CreateDate);
  assert.deepEqual(list[0]!.ValidUntil, got.ValidUntil);

  await rejectsWith(
    iam.send(new CreateSAMLProviderCommand({ Name: 'okta', SAMLMetadataDocument: doc })),
    'EntityAlreadyExistsException',
    409,
    'SAMLProvider with name okta already exists.',
  );

  // The record STS reads: entity id and signing certificates from the metadata.
  let p = await s.nimbus.store.read((tx) => getSamlProvider(tx, s.accountId, arn));
  assert.equal(p?.entityId, 'https://idp.example.com/saml');
  assert.equal(p?.signingCertificates.length, 1);
  assert.equal(new X509Certificate(p!.signingCertificates[0]!).subject, 'CN=idp.example.com');

  const updated = await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: metadata('https://idp2.example.com/saml') }));
  assert.equal(updated.SAMLProviderArn, arn);
  p = await s.nimbus.store.read((tx) => getSamlProvider(tx, s.accountId, arn));
  assert.equal(p?.entityId, 'https://idp2.example.com/saml');

  await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: arn, Tags: [{ Key: 'Env', Value: 'prod' }] }));
  await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: arn, TagKeys: ['TEAM'] }));
  assert.deepEqual((await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arn }))).Tags, [{ Key: 'Env', Value: 'prod' }]);

  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
  const missing = `Manifest not found for arn ${arn}`;
  await rejectsWith(iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn })), 'NoSuchEntityException', 404, missing);
  await rejectsWith(iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn })), 'NoSuchEntityException', 404, missing);
  await rejectsWith(
    iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: doc })),
    'NoSuchEntityException',
    404,
    missing,
  );
  assert.equal(await s.nimbus.store.read((tx) => getSamlProvider(tx, s.accountId, arn)), undefined);
});

test('SAML metadata must be SAML 2.0 IdP metadata with a signing certificate', async () => {
  const pad = (x: string) => x + `<!-- ${'x'.repeat(1000)} -->`;
  const bad = [
    pad('<md:EntityDescriptor entityID="a">'), // not well-formed
    pad('<root><child/></root>'), // not metadata
    metadata('https://idp.example.com', { use: 'encryption' }), // no signing key
    metadata('https://idp.example.com', { cert: 'QUJD'.repeat(300) }), // not a certificate
    metadata('https://idp.example.com', { protocol: 'urn:oasis:names:tc:SAML:1.1:protocol' }), // not SAML 2.0
    metadata('').replace('entityID=""', ''), // no entity id
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + metadata('https://idp.example.com').replace(/^<\?xml[^>]*>/, ''),
  ];
  for (const SAMLMetadataDocument of bad) {
    assert.equal(parseSamlMetadata(SAMLMetadataDocument), undefined);
    await rejectsWith(
      iam.send(new CreateSAMLProviderCommand({ Name: 'bad', SAMLMetadataDocument })),
      'InvalidInputException',
      400,
      'Could not parse metadata',
    );
  }
  // Shorter than 1000 characters: the model's constraint.
  await rejectsWith(iam.send(new CreateSAMLProviderCommand({ Name: 'short', SAMLMetadataDocument: '<a/>' })), 'ValidationError', 400);
  // A key without `use` signs too; metadata wrapped in EntitiesDescriptor is read.
  const noUse = metadata('https://idp3.example.com').replace(' use="signing"', '');
  const wrapped = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${noUse.replace(/^<\?xml[^>]*>/, '')}</md:EntitiesDescriptor>`;
  assert.equal(parseSamlMetadata(wrapped)?.entityId, 'https://idp3.example.com');
  const { SAMLProviderArn } = await iam.send(new CreateSAMLProviderCommand({ Name: 'wrapped', SAMLMetadataDocument: wrapped }));
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn }));
});

test('SAML provider private keys: assertion encryption, at most two keys, never shown', async () => {
  const doc = metadata('https://idp.example.com/saml');
  await rejectsWith(
    iam.send(new CreateSAMLProviderCommand({ Name: 'enc', SAMLMetadataDocument: doc, AssertionEncryptionMode: 'Required' })),
    'InvalidInputException',
    400,
    'Cannot set AssertionEncryptionMode to Required because no private key is provided.',
  );
  await rejectsWith(
    iam.send(new CreateSAMLProviderCommand({ Name: 'enc', SAMLMetadataDocument: doc, AddPrivateKey: 'not a key' })),
    'InvalidInputException',
    400,
    'Invalid private key: Key format is not recognized.',
  );
  const first = privateKeyPem();
  const { SAMLProviderArn: arn } = await iam.send(
    new CreateSAMLProviderCommand({ Name: 'enc', SAMLMetadataDocument: doc, AssertionEncryptionMode: 'Required', AddPrivateKey: first }),
  );
  await rejectsWith(iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn })), 'InvalidInputException', 400, 'No updates are defined for the SAML provider.');
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: privateKeyPem() }));
  await rejectsWith(
    iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: privateKeyPem() })),
    'LimitExceededException',
    409,
    'Private key limit of 2 is reached.',
  );
  let got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.equal(got.AssertionEncryptionMode, 'Required');
  const ids = got.PrivateKeyList!.map((k) => k.KeyId!);
  assert.equal(ids.length, 2);
  for (const id of ids) assert.match(id, /^[A-Z0-9]{22,64}$/);
  assert.ok(got.PrivateKeyList!.every((k) => k.Timestamp instanceof Date));
  const p = await s.nimbus.store.read((tx) => getSamlProvider(tx, s.accountId, arn!));
  assert.equal(p?.privateKeys[0]?.pem, first, 'STS can decrypt with the key uploaded');

  await rejectsWith(
    iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AddPrivateKey: first, RemovePrivateKey: ids[0] })),
    'InvalidInputException',
    400,
    'Unable to add and remove private keys in the same request.',
  );
  await rejectsWith(
    iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, RemovePrivateKey: 'A'.repeat(22) })),
    'InvalidInputException',
    400,
    /does not match a private key/,
  );
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, RemovePrivateKey: ids[0] }));
  await rejectsWith(
    iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, RemovePrivateKey: ids[1] })),
    'InvalidInputException',
    400,
    /last private key cannot be removed while AssertionEncryptionMode is Required/,
  );
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, AssertionEncryptionMode: 'Allowed' }));
  await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, RemovePrivateKey: ids[1] }));
  got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
  assert.equal(got.AssertionEncryptionMode, 'Allowed');
  assert.equal(got.PrivateKeyList, undefined);
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
});

// ---------------------------------------------------------------------------------------------

test('GetAccountSummary counts OIDC and SAML providers; an IAM user needs a policy naming the provider', async () => {
  const providers = async () => (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.Providers;
  assert.equal(await providers(), 0);
  const a = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://a.example.com' }))).OpenIDConnectProviderArn!;
  const b = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://b.example.com' }))).OpenIDConnectProviderArn!;
  const saml = (await iam.send(new CreateSAMLProviderCommand({ Name: 'corp', SAMLMetadataDocument: metadata('https://corp.example.com') }))).SAMLProviderArn!;
  assert.equal(await providers(), 3);

  await iam.send(new CreateUserCommand({ UserName: 'idp-reader' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'idp-reader',
      PolicyName: 'read-a',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iam:GetOpenIDConnectProvider', Resource: a },
          { Effect: 'Allow', Action: 'iam:ListOpenIDConnectProviders', Resource: '*' },
        ],
      }),
    }),
  );
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'idp-reader' }))).AccessKey!;
  const reader = new IAMClient(sdkConfig(s, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
  assert.equal((await reader.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: a }))).Url, 'a.example.com');
  assert.equal((await reader.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length, 2);
  await rejectsWith(reader.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: b })), 'AccessDenied', 403);
  await rejectsWith(reader.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: a })), 'AccessDenied', 403);

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: a }));
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: b }));
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: saml }));
  assert.equal(await providers(), 0);
});

test('AWS CLI v2: OIDC and SAML providers as the CLI shows them', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const cred: Creds = s.root;
  let r = await runAwsCli(
    s,
    ['iam', 'create-open-id-connect-provider', '--url', 'https://cli.example.com', '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', THUMB_A],
    cred,
  );
  assert.equal(r.status, 0, r.stderr);
  const arn = r.json.OpenIDConnectProviderArn;
  assert.equal(arn, oidcArn('cli.example.com'));
  r = await runAwsCli(s, ['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', arn], cred);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.Url, 'cli.example.com');
  assert.deepEqual(r.json.ClientIDList, ['sts.amazonaws.com']);
  assert.deepEqual(r.json.ThumbprintList, [THUMB_A]);
  // Debian's CLI 2.9 still requires --thumbprint-list (its model predates optional thumbprints).
  r = await runAwsCli(s, ['iam', 'create-open-id-connect-provider', '--url', 'https://cli.example.com', '--thumbprint-list', THUMB_B], cred);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /EntityAlreadyExists.*Provider with url https:\/\/cli\.example\.com already exists\./);

  const dir = mkdtempSync(join(tmpdir(), 'nimbus-saml-'));
  const file = join(dir, 'metadata.xml');
  writeFileSync(file, metadata('https://cli-idp.example.com/saml'));
  r = await runAwsCli(s, ['iam', 'create-saml-provider', '--name', 'CliIdP', '--saml-metadata-document', `file://${file}`], cred);
  assert.equal(r.status, 0, r.stderr);
  const samlArn = r.json.SAMLProviderArn;
  assert.equal(samlArn, `arn:aws:iam::${s.accountId}:saml-provider/CliIdP`);
  r = await runAwsCli(s, ['iam', 'list-saml-providers'], cred);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.json.SAMLProviderList.map((e: { Arn: string }) => e.Arn), [samlArn]);
  r = await runAwsCli(s, ['iam', 'get-saml-provider', '--saml-provider-arn', samlArn], cred);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.json.SAMLMetadataDocument, /entityID="https:\/\/cli-idp\.example\.com\/saml"/);
  r = await runAwsCli(s, ['iam', 'delete-saml-provider', '--saml-provider-arn', samlArn], cred);
  assert.equal(r.status, 0, r.stderr);
  r = await runAwsCli(s, ['iam', 'get-saml-provider', '--saml-provider-arn', samlArn], cred);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /NoSuchEntity.*Manifest not found for arn/);
  r = await runAwsCli(s, ['iam', 'delete-open-id-connect-provider', '--open-id-connect-provider-arn', arn], cred);
  assert.equal(r.status, 0, r.stderr);
});
