/**
 * STS AssumeRoleWithSAML end to end through the real JavaScript SDK v3 (the request is unsigned) and
 * the AWS CLI v2: a SAML provider registered in IAM with a test IdP's metadata, responses signed by
 * that IdP (Assertion or Response signed, RSA-SHA256 and RSA-SHA1), and what AWS refuses: a response
 * altered after signing, signature wrapping, another IdP's key, an expired assertion, a role/provider
 * pair the assertion does not list, trust policy conditions on SAML:aud and saml:sub.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { IAMClient, CreateRoleCommand, CreateSAMLProviderCommand, PutRolePolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, type AssumeRoleWithSAMLCommandInput } from '@aws-sdk/client-sts';
import { startTestServer, sdkConfig, rejectsWith, requireClient, runAwsCli, ManualClock, type TestServer, type Creds } from './harness.js';
import { TestIdp, ATTR, AWS_SIGNIN, b64, type AssertionOptions } from './saml-idp.js';

// IAM calls are signed with the real time, so the server's clock stays near it.
const clock = new ManualClock(Date.now());
let s: TestServer;
let iam: IAMClient;
let sts: STSClient;
let idp: TestIdp;
let other: TestIdp;
let providerArn: string;
let roleArn: string;
let subRoleArn: string;
let staffRoleArn: string;
const ENTITY = 'https://idp.test/saml/metadata';

before(async () => {
  s = await startTestServer({ clock });
  iam = new IAMClient(sdkConfig(s));
  // No credentials needed: AssumeRoleWithSAML is an unsigned request.
  sts = new STSClient(sdkConfig(s));
  [idp, other] = await Promise.all([TestIdp.create(ENTITY), TestIdp.create(ENTITY)]);
  providerArn = (await iam.send(new CreateSAMLProviderCommand({ Name: 'TestIdP', SAMLMetadataDocument: idp.metadata() }))).SAMLProviderArn!;
  assert.equal(providerArn, `arn:aws:iam::${s.accountId}:saml-provider/TestIdP`);

  // The trust policy the IAM console writes for SAML 2.0 federation.
  const trust = (Condition: Record<string, unknown>) =>
    JSON.stringify({
      Version: '2012-10-17',
      // sts:SetSourceIdentity: assertions that carry a SourceIdentity attribute need it too.
      Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'], Condition }],
    });
  roleArn = (
    await iam.send(
      new CreateRoleCommand({ RoleName: 'SamlRole', AssumeRolePolicyDocument: trust({ StringEquals: { 'SAML:aud': AWS_SIGNIN } }), MaxSessionDuration: 7200 }),
    )
  ).Role!.Arn!;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'SamlRole',
      PolicyName: 'read-roles',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] }),
    }),
  );
  subRoleArn = (
    await iam.send(new CreateRoleCommand({ RoleName: 'AliceOnly', AssumeRolePolicyDocument: trust({ StringEquals: { 'saml:sub': 'alice@example.com', 'saml:sub_type': 'persistent' } }) }))
  ).Role!.Arn!;
  staffRoleArn = (
    await iam.send(new CreateRoleCommand({ RoleName: 'StaffOnly', AssumeRolePolicyDocument: trust({ 'ForAnyValue:StringEquals': { 'saml:edupersonaffiliation': 'staff' } }) }))
  ).Role!.Arn!;
});
after(async () => {
  await s?.close();
});

const pair = (role = roleArn, provider = providerArn) => `${role},${provider}`;
const response = (o: Partial<AssertionOptions> = {}, by: TestIdp = idp) => by.response({ now: clock.now(), roles: [pair()], ...o });
const assume = (SAMLAssertion: string, extra: Partial<AssumeRoleWithSAMLCommandInput> = {}) =>
  sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion, ...extra }));
const credsOf = (r: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): Creds => ({
  accessKeyId: r.Credentials!.AccessKeyId!,
  secretAccessKey: r.Credentials!.SecretAccessKey!,
  sessionToken: r.Credentials!.SessionToken!,
});
const signatureInvalid = (p: Promise<unknown>) => rejectsWith(p, 'InvalidIdentityTokenException', 400, 'Response signature invalid');

test('a signed assertion gives role credentials that work, with the SAML facts AWS answers', async () => {
  const r = await assume(response({ sessionName: 'alice.example', nameId: 'alice@example.com' }));
  assert.equal(r.AssumedRoleUser!.Arn, `arn:aws:sts::${s.accountId}:assumed-role/SamlRole/alice.example`);
  assert.match(r.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z0-9]+:alice\.example$/);
  assert.equal(r.Subject, 'alice@example.com');
  assert.equal(r.SubjectType, 'persistent');
  assert.equal(r.Issuer, ENTITY);
  assert.equal(r.Audience, AWS_SIGNIN);
  // BASE64 ( SHA1 ( Issuer + account id + "/" + provider name ) ).
  assert.equal(r.NameQualifier, createHash('sha1').update(`${ENTITY}${s.accountId}/TestIdP`).digest('base64'));
  assert.equal(r.Credentials!.Expiration!.getTime(), clock.now().getTime() + 3600_000 - (clock.now().getTime() % 1000));
  assert.match(r.Credentials!.AccessKeyId!, /^ASIA/);

  const creds = credsOf(r);
  const who = await new STSClient(sdkConfig(s, creds)).send(new GetCallerIdentityCommand({}));
  assert.equal(who.Arn, `arn:aws:sts::${s.accountId}:assumed-role/SamlRole/alice.example`);
  assert.equal(who.Account, s.accountId);
  // The role's own permissions apply to the session.
  const role = await new IAMClient(sdkConfig(s, creds)).send(new GetRoleCommand({ RoleName: 'SamlRole' }));
  assert.equal(role.Role!.RoleName, 'SamlRole');
  await rejectsWith(
    new IAMClient(sdkConfig(s, creds)).send(new PutRolePolicyCommand({ RoleName: 'SamlRole', PolicyName: 'x', PolicyDocument: '{}' })),
    'AccessDenied',
    403,
  );
});

test('Response-level signatures and RSA-SHA1 are accepted; the role/provider pair may come in either order', async () => {
  const a = await assume(response({ sign: 'response', algorithm: 'sha1' }));
  assert.equal(a.AssumedRoleUser!.Arn, `arn:aws:sts::${s.accountId}:assumed-role/SamlRole/alice`);
  const b = await assume(response({ sign: 'response', roles: [`${providerArn},${roleArn}`] }));
  assert.equal(b.Subject, 'alice@example.com');
});

test('an attribute altered after signing is rejected: Response signature invalid', async () => {
  const xml = idp.responseXml({ now: clock.now(), roles: [pair()], sessionName: 'alice' });
  assert.ok(xml.includes('>alice</saml:AttributeValue>'));
  await signatureInvalid(assume(b64(xml.replace('>alice</saml:AttributeValue>', '>admin</saml:AttributeValue>'))));
  // A Role value added to the signed assertion.
  const other = idp.responseXml({ now: clock.now(), roles: ['arn:aws:iam::111111111111:role/x,' + providerArn] });
  await signatureInvalid(assume(b64(other.replace('role/x,', 'role/SamlRole,').replace('111111111111', s.accountId))));
  // Same for a signed Response whose NameID was changed.
  const signedResponse = idp.responseXml({ now: clock.now(), roles: [pair()], sign: 'response' });
  await signatureInvalid(assume(b64(signedResponse.replace('>alice@example.com<', '>root@example.com<'))));
  // The unaltered response is fine.
  assert.equal((await assume(b64(xml))).AssumedRoleUser!.Arn!.endsWith('/alice'), true);
});

test('unsigned responses, another key (even with its certificate in KeyInfo) and signature wrapping are rejected', async () => {
  await signatureInvalid(assume(response({ sign: 'none' })));
  await signatureInvalid(assume(response({}, other)));
  await signatureInvalid(assume(response({ sign: 'response' }, other)));

  // XSW: a forged Assertion carries the genuine signature, the genuine Assertion hidden in its Advice.
  const xml = idp.responseXml({ now: clock.now(), roles: [pair()], sessionName: 'alice' });
  const start = xml.indexOf('<saml:Assertion ');
  const end = xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length;
  const genuine = xml.slice(start, end);
  const sigStart = genuine.indexOf('<Signature ');
  const sigEnd = genuine.indexOf('</Signature>') + '</Signature>'.length;
  const signature = genuine.slice(sigStart, sigEnd);
  const genuineUnsigned = genuine.slice(0, sigStart) + genuine.slice(sigEnd);
  const forged = genuineUnsigned
    .replace(/ID="[^"]+"/, 'ID="_forged"')
    .replace('>alice</saml:AttributeValue>', '>admin</saml:AttributeValue>')
    .replace('</saml:Issuer>', `</saml:Issuer>${signature}`)
    .replace('<saml:AuthnStatement', `<saml:Advice>${genuineUnsigned}</saml:Advice><saml:AuthnStatement`);
  // Advice sits between Conditions and AuthnStatement in the schema; the digest still verifies for the hidden original.
  await signatureInvalid(assume(b64(xml.slice(0, start) + forged + xml.slice(end))));
  // Two assertions side by side (the forged one first, unsigned).
  const forgedPlain = genuineUnsigned.replace(/ID="[^"]+"/, 'ID="_forged2"').replace('>alice</saml:AttributeValue>', '>admin</saml:AttributeValue>');
  await rejectsWith(assume(b64(xml.slice(0, start) + forgedPlain + genuine + xml.slice(end))), 'InvalidIdentityTokenException', 400);
  // A duplicate of the signed ID elsewhere in the document.
  await rejectsWith(
    assume(b64(xml.replace('<samlp:Status>', `<samlp:Extensions>${genuineUnsigned.replace('>alice<', '>admin<')}</samlp:Extensions><samlp:Status>`))),
    'InvalidIdentityTokenException',
    400,
  );
});

test('an expired assertion is rejected (ExpiredTokenException), and one redeemed more than 5 minutes after issuance', async () => {
  const issuedAt = clock.now().getTime();
  const shortLived = response({ validForMs: 60_000 });
  const longLived = response({ validForMs: 3600_000 });
  try {
    clock.advance(61_000);
    await rejectsWith(assume(shortLived), 'ExpiredTokenException', 400, 'Response has expired');
    assert.ok((await assume(longLived)).Credentials);
    clock.advance(5 * 60_000);
    await rejectsWith(assume(longLived), 'ExpiredTokenException', 400, 'Token must be redeemed within 5 minutes of issuance');
  } finally {
    clock.set(issuedAt);
  }
  // Not yet valid: issued in the future.
  await rejectsWith(assume(idp.response({ now: new Date(issuedAt + 120_000), roles: [pair()] })), 'InvalidIdentityTokenException', 400);
});

test('the role/provider pair must be in the Role attribute (IDPRejectedClaim); RoleSessionName is required', async () => {
  await rejectsWith(
    assume(response({ roles: [pair(`arn:aws:iam::${s.accountId}:role/SomethingElse`)] })),
    'IDPRejectedClaimException',
    403,
    /role and provider pair/,
  );
  await rejectsWith(assume(response({ roles: [] })), 'IDPRejectedClaimException', 403);
  await rejectsWith(assume(response({ sessionName: null })), 'InvalidIdentityTokenException', 400, 'RoleSessionName is required in AuthnResponse');
  await rejectsWith(
    assume(response({ sessionName: 'a b' })),
    'InvalidIdentityTokenException',
    400,
    'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}',
  );
  await rejectsWith(
    assume(response({ attributes: { [ATTR.sourceIdentity]: ['aws:me'] } })),
    'InvalidIdentityTokenException',
    400,
    'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"',
  );
});

test('provider, issuer and audience: AWS errors', async () => {
  await rejectsWith(
    assume(response({ roles: [pair(roleArn, `arn:aws:iam::${s.accountId}:saml-provider/Nope`)] }), { PrincipalArn: `arn:aws:iam::${s.accountId}:saml-provider/Nope` }),
    'InvalidIdentityTokenException',
    400,
    "Specified provider doesn't exist",
  );
  await rejectsWith(assume(response({ issuer: 'https://other.test/saml' })), 'InvalidIdentityTokenException', 400, 'Issuer not present in specified provider');
  await rejectsWith(assume(response({ audience: 'https://example.com/app' })), 'InvalidIdentityTokenException', 400, 'Response does not contain the required audience.');
  // urn:amazon:webservices is an accepted audience.
  assert.ok((await assume(response({ audience: 'urn:amazon:webservices' }))).Credentials);
  await rejectsWith(assume(b64('<not xml')), 'InvalidIdentityTokenException', 400);
});

test('trust policy conditions on SAML:aud and saml:sub decide (AccessDenied otherwise)', async () => {
  // SamlRole trusts only assertions whose Recipient (SAML:aud) is the AWS sign-in endpoint.
  await rejectsWith(assume(response({ recipient: 'https://evil.example.com/saml' })), 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithSAML');

  // AliceOnly trusts saml:sub = alice@example.com with a persistent NameID.
  const forRole = (o: Partial<AssertionOptions>) => response({ roles: [pair(subRoleArn)], ...o });
  const ok = await assume(forRole({ nameId: 'alice@example.com', sessionName: 'alice' }), { RoleArn: subRoleArn });
  assert.equal(ok.AssumedRoleUser!.Arn, `arn:aws:sts::${s.accountId}:assumed-role/AliceOnly/alice`);
  await rejectsWith(assume(forRole({ nameId: 'bob@example.com', sessionName: 'bob' }), { RoleArn: subRoleArn }), 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithSAML');
  await rejectsWith(
    assume(forRole({ nameId: 'alice@example.com', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }), { RoleArn: subRoleArn }),
    'AccessDenied',
    403,
  );
  // Attribute keys: eduPersonAffiliation (urn:oid:1.3.6.1.4.1.5923.1.1.1.1) is multivalued.
  const staff = (values: string[]) => response({ roles: [pair(staffRoleArn)], attributes: { [ATTR.eduPersonAffiliation]: values } });
  assert.ok((await assume(staff(['member', 'staff']), { RoleArn: staffRoleArn })).Credentials);
  await rejectsWith(assume(staff(['student']), { RoleArn: staffRoleArn }), 'AccessDenied', 403);
  // A role that does not exist is refused the same way.
  const ghost = `arn:aws:iam::${s.accountId}:role/Ghost`;
  await rejectsWith(assume(response({ roles: [pair(ghost)] }), { RoleArn: ghost }), 'AccessDenied', 403, 'Not authorized to perform sts:AssumeRoleWithSAML');
});

test('session duration: DurationSeconds up to the role maximum, the SessionDuration attribute, SessionNotOnOrAfter; session policies', async () => {
  const now = clock.now().getTime();
  const base = now - (now % 1000);
  const a = await assume(response(), { DurationSeconds: 7200 });
  assert.equal(a.Credentials!.Expiration!.getTime(), base + 7200_000);
  await rejectsWith(assume(response(), { DurationSeconds: 7201 }), 'ValidationError', 400, /DurationSeconds exceeds MaxSessionDuration/);
  const b = await assume(response({ attributes: { [ATTR.sessionDuration]: ['900'] } }));
  assert.equal(b.Credentials!.Expiration!.getTime(), base + 900_000);
  const c = await assume(response({ sessionNotOnOrAfter: new Date(now + 1200_000) }));
  assert.ok(c.Credentials!.Expiration!.getTime() <= now + 1200_000);
  assert.ok(c.Credentials!.Expiration!.getTime() > now + 1100_000);

  // A session policy narrows the session below the role's permissions.
  const d = await assume(response({ attributes: { [ATTR.sourceIdentity]: ['alice-src'] } }), {
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }] }),
  });
  assert.equal(d.SourceIdentity, 'alice-src');
  assert.ok(typeof d.PackedPolicySize === 'number');
  const err = await new IAMClient(sdkConfig(s, credsOf(d))).send(new GetRoleCommand({ RoleName: 'SamlRole' })).then(
    () => undefined,
    (e: { $metadata?: { httpStatusCode?: number } }) => e,
  );
  assert.equal(err?.$metadata?.httpStatusCode, 403);
});

test('AWS CLI v2: aws sts assume-role-with-saml', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const ok = await runAwsCli(s, ['sts', 'assume-role-with-saml', '--role-arn', roleArn, '--principal-arn', providerArn, '--saml-assertion', response({ sessionName: 'cli-user' })]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.json.AssumedRoleUser.Arn, `arn:aws:sts::${s.accountId}:assumed-role/SamlRole/cli-user`);
  assert.equal(ok.json.Subject, 'alice@example.com');
  assert.equal(ok.json.Issuer, ENTITY);
  assert.match(ok.json.Credentials.AccessKeyId, /^ASIA/);
  const who = await runAwsCli(s, ['sts', 'get-caller-identity'], {
    accessKeyId: ok.json.Credentials.AccessKeyId,
    secretAccessKey: ok.json.Credentials.SecretAccessKey,
    sessionToken: ok.json.Credentials.SessionToken,
  });
  assert.equal(who.status, 0, who.stderr);
  assert.equal(who.json.Arn, `arn:aws:sts::${s.accountId}:assumed-role/SamlRole/cli-user`);

  const xml = idp.responseXml({ now: clock.now(), roles: [pair()], sessionName: 'cli-user' });
  const bad = await runAwsCli(s, [
    'sts',
    'assume-role-with-saml',
    '--role-arn',
    roleArn,
    '--principal-arn',
    providerArn,
    '--saml-assertion',
    b64(xml.replace('>cli-user<', '>cli-admin<')),
  ]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /InvalidIdentityToken/);
  assert.match(bad.stderr, /Response signature invalid/);
});
