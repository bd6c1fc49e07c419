// The guest operation declaration is the only list: the capability gates and the base manager's
// refusals are read off it, so an operation added there is gated and refused with nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { capabilityNames } from '../capabilities.js';
import { DatastoreOperationNotSupported } from '../errors/catalog.js';
import { BaseDatastoreManager } from './base-datastore-manager.js';
import {
  guestOperationNames,
  operationArgsSchema,
  operationsFor,
  positionalArgs,
} from './guest-operation-views.js';
import { guestOperations } from './guest-operations.js';
import type { ServiceStatus } from './guest-types.js';

class Minimal extends BaseDatastoreManager {
  async prepare(): Promise<void> {}
  async restart(): Promise<void> {}
  async stopDb(): Promise<void> {}
  async getServiceStatus(): Promise<ServiceStatus> {
    return 'healthy';
  }
}

const quiet = (): void => undefined;
const manager = new Minimal({
  datastore: 'minimal',
  guestId: 'g-1',
  options: {},
  mountPoint: '/',
  address: '127.0.0.1',
  runDir: '/',
  logDir: '/',
  log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
});

test('the base manager refuses every declared optional operation, naming it and the datastore', async () => {
  const optional = guestOperationNames.filter((op) => guestOperations[op].capability !== 'core');
  assert.ok(optional.length > 40, `only ${optional.length} optional operations declared`);
  for (const operation of optional) {
    const method = (manager as unknown as Record<string, () => Promise<unknown>>)[
      guestOperations[operation].method
    ];
    assert.equal(typeof method, 'function', `${operation}: the base has no method`);
    await assert.rejects(
      () => method!.call(manager),
      (error: unknown) =>
        error instanceof DatastoreOperationNotSupported &&
        error.details['operation'] === operation &&
        error.details['datastore'] === 'minimal',
      operation,
    );
  }
});

test('every capability brings operations, and every operation needs a capability or is core', () => {
  for (const capability of capabilityNames) {
    const brought = operationsFor([capability]).filter(
      (op) => guestOperations[op].capability === capability,
    );
    assert.ok(brought.length > 0, `capability '${capability}' brings no operation`);
  }
  const core = operationsFor([]);
  assert.deepEqual(core, [
    'prepare',
    'restart',
    'stop_db',
    'get_service_status',
    'get_filesystem_stats',
    'rpc_ping',
    'apply_access',
  ]);
  assert.deepEqual(operationsFor([...capabilityNames]), guestOperationNames);
});

test("an operation's wire arguments are one object, handed to its method in the declared order", () => {
  for (const operation of guestOperationNames) {
    const schema = operationArgsSchema(operation);
    const names = guestOperations[operation].params.map(([name]) => name);
    assert.deepEqual(Object.keys(schema.properties), names, operation);
    const args = Value.Create(schema);
    assert.ok(TypeCompiler.Compile(schema).Check(args), `${operation}: its own defaults fail`);
  }
  const revoke = TypeCompiler.Compile(operationArgsSchema('revoke_access'));
  assert.equal(revoke.Check({ user: { name: 'u' }, database: 'd' }), true);
  assert.equal(revoke.Check({ user: { name: 'u' }, database: 7 }), false);
  assert.deepEqual(positionalArgs('grant_access', { databases: ['a'], user: { name: 'u' } }), [
    { name: 'u' },
    ['a'],
  ]);
});

test("a user's datastore rules travel with create_user and come back from get_user, typed as strings", () => {
  const create = TypeCompiler.Compile(guestOperations.create_user.params[0][1]);
  assert.ok(create.Check([{ name: 'app', password: 'pw', rules: '~app:* +@read' }]));
  assert.ok(!create.Check([{ name: 'app', password: 'pw', rules: ['~app:*'] }]));
  const shown = TypeCompiler.Compile(guestOperations.get_user.result);
  assert.ok(shown.Check({ name: 'app', databases: [], rules: '~app:* +@read' }));
  const update = TypeCompiler.Compile(guestOperations.update_attributes.params[1][1]);
  assert.ok(update.Check({ rules: '~other:* +@read' }));
  assert.ok(!update.Check({ rules: 7 }));
});
