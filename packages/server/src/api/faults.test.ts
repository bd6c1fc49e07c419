// Which SyntaxErrors are the client's: a request body that is not JSON is a 400, while a JSON.parse
// failing inside Cellar (a stored record, a guest's answer) is Cellar's own 500 with an error id.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installFaults } from './faults.js';

let app: FastifyInstance;
const logged: Record<string, unknown>[] = [];

before(async () => {
  app = Fastify();
  installFaults(app, { bodyLimit: 1024, maxParamLength: 100 }, { error: (f) => logged.push(f) });
  app.post('/echo', (request) => request.body);
  app.get('/stored', () => JSON.parse('{"half": ') as unknown);
  await app.ready();
});
after(() => app.close());

test('a request body that is not JSON is a 400 saying so', async () => {
  const answer = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload: '{"instance": ',
  });
  assert.equal(answer.statusCode, 400);
  assert.match(
    answer.json<{ badRequest: { message: string } }>().badRequest.message,
    /The request body is not valid JSON/,
  );
});

test("a JSON.parse failing inside Cellar is a 500 with an error id, not the client's bad JSON", async () => {
  const answer = await app.inject({ method: 'GET', url: '/stored' });
  assert.equal(answer.statusCode, 500);
  const message = answer.json<{ instanceFault: { message: string } }>().instanceFault.message;
  const id = /\(([0-9a-f-]{36})\)\.$/.exec(message)?.[1];
  assert.ok(id, message);
  assert.ok(
    logged.some((f) => f['id'] === id && f['err'] instanceof SyntaxError),
    'logged with its id',
  );
});
