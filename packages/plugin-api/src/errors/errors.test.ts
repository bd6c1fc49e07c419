import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DatastoreOperationNotSupported,
  errorCatalog,
  InstanceBusy,
  InternalError,
  NotFound,
} from './catalog.js';
import { CellarError, defineError, faultNameFor, isCellarError } from './cellar-error.js';
import { asCellarError, fromWire, toFaultBody, toWire } from './wire.js';

test('a catalog error renders its template, status and Trove fault name', () => {
  const e = new DatastoreOperationNotSupported({ operation: 'create_backup', datastore: 'redis' });
  assert.equal(
    e.message,
    "The 'create_backup' operation is not supported for the 'redis' datastore.",
  );
  assert.equal(e.status, 501);
  assert.equal(e.fault, 'notImplemented');
  assert.equal(e.code, 'CELLAR_DATASTORE_OPERATION_NOT_SUPPORTED');
  assert.deepEqual(toFaultBody(e), { notImplemented: { code: 501, message: e.message } });
  assert.ok(e instanceof CellarError && e instanceof Error);
  assert.ok(!(e instanceof NotFound));
});

test('busy instances answer 422 unprocessableEntity with the task status', () => {
  const e = new InstanceBusy({ id: 'abc', taskStatus: 'RESIZING' });
  assert.equal(toFaultBody(e).unprocessableEntity?.code, 422);
  assert.match(e.message, /task status was RESIZING/);
});

test('an error keeps its class, code, details and cause across the wire', () => {
  const cause = new NotFound({ resource: 'Database', id: 'db1' });
  const sent = new DatastoreOperationNotSupported(
    { operation: 'list_users', datastore: 'redis' },
    { cause },
  );
  const wire = JSON.parse(JSON.stringify(toWire(sent))) as ReturnType<typeof toWire>;
  const received = fromWire(wire);
  assert.ok(received instanceof DatastoreOperationNotSupported);
  assert.equal(received.name, 'DatastoreOperationNotSupported');
  assert.deepEqual(received.details, { operation: 'list_users', datastore: 'redis' });
  assert.equal(received.message, sent.message);
  assert.ok(received.cause instanceof NotFound);
});

test('identity survives a second copy of the contract package (same code, other class)', () => {
  const copy = defineError('DatastoreOperationNotSupported', DatastoreOperationNotSupported.spec);
  const fromCopy = new copy({ operation: 'x', datastore: 'y' });
  assert.ok(fromCopy instanceof DatastoreOperationNotSupported);
  assert.ok(isCellarError(fromCopy));
});

test('an unknown error is wrapped as InternalError keeping its cause; codes unknown to the receiver keep their status', () => {
  const boom = new TypeError('boom');
  const wrapped = asCellarError(boom);
  assert.ok(wrapped instanceof InternalError);
  assert.equal(wrapped.cause, boom);
  assert.deepEqual(toWire(boom).cause, { name: 'TypeError', message: 'boom' });
  const foreign = fromWire({
    code: 'CELLAR_FROM_THE_FUTURE',
    status: 409,
    fault: 'conflict',
    message: 'later',
    details: {},
  });
  assert.equal(foreign.status, 409);
  assert.equal(foreign.code, 'CELLAR_FROM_THE_FUTURE');
});

test('the catalog has unique codes, documented entries and Trove fault names', () => {
  const codes = errorCatalog.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const e of errorCatalog) {
    assert.match(e.code, /^CELLAR_[A-Z_]+$/);
    assert.ok(e.spec.description.length > 10, `${e.code} has a description`);
  }
  assert.equal(faultNameFor(404), 'itemNotFound');
  assert.equal(faultNameFor(413), 'overLimit');
});
