// The guest protocol is read off the one operation declaration in @cellar/plugin-api: the schemas
// and the served table name the same operations, and every GuestClient call reaches its method.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import {
  GuestError,
  guestOperationNames,
  guestOperations,
  type BaseDatastoreManager,
  type GuestOperation,
} from '@cellar/plugin-api';
import { GuestClient, guestArgs, guestMethods, guestTopic } from './guest-protocol.js';
import { serve } from './rpc.js';
import type { MessageHandler, Transport } from './transport.js';

/** A transport inside one process: a call goes straight to the topic's handler. */
function memoryTransport(): Transport {
  const handlers = new Map<string, MessageHandler>();
  const deliver = async (topic: string, message: Buffer): Promise<Buffer | undefined> => {
    const handler = handlers.get(topic);
    if (!handler) throw new Error(`nobody serves ${topic}`);
    return handler(message);
  };
  return {
    competingConsumers: false,
    listen: async (topic, handler) => {
      handlers.set(topic, handler);
      return { close: async () => void handlers.delete(topic) };
    },
    request: async (topic, message) => (await deliver(topic, message)) ?? Buffer.alloc(0),
    send: async (topic, message) => void (await deliver(topic, message)),
    close: async () => handlers.clear(),
  };
}

interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Each method's answer: the simplest value of its operation's declared result. */
const answers = new Map<string, unknown>(
  guestOperationNames.map((op) => [
    guestOperations[op].method,
    Value.Create(guestOperations[op].result),
  ]),
);

/** A manager that records every method called on it and answers `answer(method)`. */
function recordingManager(
  calls: Call[],
  answer = (method: string) => answers.get(method),
): BaseDatastoreManager<unknown> {
  return new Proxy(
    {},
    {
      get: (_t, method) =>
        typeof method === 'string'
          ? async (...args: unknown[]) => {
              calls.push({ method, args });
              return answer(method);
            }
          : undefined,
    },
  ) as BaseDatastoreManager<unknown>;
}

async function servedGuest(manager: BaseDatastoreManager<unknown>) {
  const transport = memoryTransport();
  const refused: unknown[] = [];
  const listener = await serve({
    transport,
    topic: guestTopic('i-1'),
    keyFor: () => 'instance-key',
    methods: guestMethods(manager),
    onError: (error) => refused.push(error),
  });
  const client = new GuestClient(transport, 'i-1', 'instance-key', { low: 5, high: 5 });
  return { client, refused, close: () => listener.close() };
}

test('the argument schemas and the served table name exactly the declared operations', () => {
  const calls: Call[] = [];
  assert.deepEqual(Object.keys(guestArgs), guestOperationNames);
  assert.deepEqual(Object.keys(guestMethods(recordingManager(calls))), guestOperationNames);
});

test("a served operation hands its checked wire arguments to the manager's method in order", async () => {
  const calls: Call[] = [];
  const methods = guestMethods(recordingManager(calls));
  for (const operation of guestOperationNames) {
    const args = Value.Create(guestArgs[operation]) as Record<string, unknown>;
    const handle = methods[operation].handle as (a: unknown, r: unknown) => Promise<unknown>;
    await handle(args, {});
    const names = guestOperations[operation].params.map(([name]) => name);
    assert.deepEqual(
      calls.at(-1),
      { method: guestOperations[operation].method, args: names.map((n) => args[n]) },
      operation,
    );
  }
  assert.equal(calls.length, guestOperationNames.length);
});

test("every GuestClient call passes the guest's argument checks and reaches its method", async () => {
  const calls: Call[] = [];
  const { client, refused, close } = await servedGuest(recordingManager(calls));
  const context = { requestId: 'req-1' };
  const user = { name: 'u', host: '%' };
  const sent: [GuestOperation, () => Promise<unknown>][] = [
    ['prepare', () => client.prepare({ memoryMb: 512, databases: [], users: [] }, context)],
    ['restart', () => client.restart(context)],
    ['stop_db', () => client.stopDb(context)],
    ['get_service_status', () => client.serviceStatus(context)],
    ['apply_access', () => client.applyAccess(['10.0.0.0/8'], context)],
    ['rpc_ping', () => client.ping(context)],
    ['get_filesystem_stats', () => client.filesystemStats(context)],
    ['create_database', () => client.createDatabases([{ name: 'd' }], context)],
    ['list_databases', () => client.listDatabases({ limit: 5 }, context)],
    ['delete_database', () => client.deleteDatabase('d', context)],
    ['create_user', () => client.createUsers([{ name: 'u', password: 'p' }], context)],
    ['list_users', () => client.listUsers({}, context)],
    ['get_user', () => client.getUser('u', '%', context)],
    ['delete_user', () => client.deleteUser('u', undefined, context)],
    ['change_passwords', () => client.changePasswords([{ name: 'u', password: 'q' }], context)],
    ['update_attributes', () => client.updateAttributes(user, { password: 'r' }, context)],
    ['grant_access', () => client.grantAccess(user, ['d'], context)],
    ['revoke_access', () => client.revokeAccess(user, 'd', context)],
    ['list_access', () => client.listAccess(user, context)],
    ['enable_root', () => client.enableRoot(undefined, context)],
    ['enable_root_with_password', () => client.enableRoot('s3cret', context)],
    ['disable_root', () => client.disableRoot(context)],
  ];
  try {
    for (const [operation, call] of sent) {
      await call();
      assert.equal(calls.at(-1)?.method, guestOperations[operation].method, operation);
    }
    assert.deepEqual(refused, []);
    assert.deepEqual(calls.find((c) => c.method === 'grantAccess')?.args, [user, ['d']]);
  } finally {
    await close();
  }
});

test('an answer that is not what its operation returns is refused as a guest error', async () => {
  const wrong: Record<string, unknown> = {
    listDatabases: { items: 'all of them' },
    getServiceStatus: 'on fire',
    rpcPing: 'pong',
  };
  const { client, close } = await servedGuest(recordingManager([], (m) => wrong[m]));
  const context = { requestId: 'req-2' };
  try {
    for (const [operation, call] of [
      ['list_databases', () => client.listDatabases({}, context)],
      ['get_service_status', () => client.serviceStatus(context)],
      ['rpc_ping', () => client.ping(context)],
    ] as const) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof GuestError, String(error));
        assert.match(error.message, new RegExp(`its answer to ${operation} is not what`));
        return true;
      });
    }
  } finally {
    await close();
  }
});
