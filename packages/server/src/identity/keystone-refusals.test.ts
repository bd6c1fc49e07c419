// A Keystone that answers but refuses Cellar (its service credentials, its token, its right to
// validate tokens) or answers what Cellar does not expect: a 503 naming the reason, never a 500.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { KeystoneValidator } from './keystone.js';

interface Answer {
  readonly status: number;
  readonly token?: string;
}
/** How the fake Keystone answers Cellar's sign-in (POST) and its token validations (GET). */
let answers: { signIn: Answer; validate: Answer[] };
let keystone: Server;
let url = '';

const body = JSON.stringify({
  token: {
    user: { id: 'u1', name: 'alice' },
    project: { id: 'p1', name: 'demo' },
    roles: [{ name: 'member' }],
    issued_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  },
});

before(async () => {
  keystone = createServer((req: IncomingMessage, res) => {
    req.resume();
    const answer =
      req.method === 'POST' ? answers.signIn : (answers.validate.shift() ?? { status: 500 });
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...(answer.token === undefined ? {} : { 'x-subject-token': answer.token }),
    });
    res.end(answer.status < 300 ? body : '{"error":{"message":"refused"}}');
  });
  await new Promise<void>((resolve) => keystone.listen(0, '127.0.0.1', resolve));
  const address = keystone.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v3`;
});
after(() => new Promise((resolve) => keystone.close(resolve)));

const validator = (): KeystoneValidator =>
  new KeystoneValidator({
    url,
    username: 'cellar',
    password: 'wrong-secret',
    projectName: 'service',
    domainName: 'Default',
    cacheSeconds: 10,
    timeoutSeconds: 5,
  });

async function unavailable(reason: RegExp): Promise<void> {
  await assert.rejects(validator().validate('a-user-token'), (e: unknown) => {
    const error = e as { status?: number; message: string };
    assert.equal(error.status, 503, error.message);
    const prefix = `The identity service (Keystone at ${url}) is unavailable: `;
    assert.ok(error.message.startsWith(prefix), error.message);
    assert.match(error.message.slice(prefix.length, -1), reason);
    return true;
  });
}

test("Keystone refusing Cellar's service credentials is a 503 saying which settings to check", async () => {
  answers = { signIn: { status: 401 }, validate: [] };
  await unavailable(
    /^it refused Cellar's service credentials \(HTTP 401\): check \[identity\] keystone_username/,
  );
});

test("Keystone refusing Cellar's service token even after a new one is a 503, not a 500", async () => {
  answers = { signIn: { status: 201, token: 'svc' }, validate: [{ status: 401 }, { status: 401 }] };
  await unavailable(/refused Cellar's service token \(HTTP 401\)/);
});

test("Keystone forbidding Cellar's service user to validate tokens is a 503 naming the role it needs", async () => {
  answers = { signIn: { status: 201, token: 'svc' }, validate: [{ status: 403 }] };
  await unavailable(/\(HTTP 403\).*admin or service role/);
});

test('an answer Keystone should not give to a validation is a 503 naming its status', async () => {
  answers = { signIn: { status: 201, token: 'svc' }, validate: [{ status: 409 }] };
  await unavailable(/^it answered HTTP 409 when asked to validate a token$/);
  answers = { signIn: { status: 201, token: 'svc' }, validate: [{ status: 200 }] };
  assert.equal((await validator().validate('a-user-token')).projectName, 'demo');
});
