// A control plane for end-to-end tests with the simulated compute driver: the real API,
// taskmanager, conductor and RPC, in-process guests, and a signed-in admin session.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import {
  signIn,
  startTestControlPlane,
  type ApiSession,
  type Json,
  type TestControlPlane,
} from '@cellar/server/testing';
import { repoRoot } from './repo.js';

export interface SimulatedPlane {
  readonly running: TestControlPlane;
  /** The API's base URL. */
  readonly base: string;
  /** Its state directory, for cellar-manage --set DEFAULT.state_path. */
  readonly state: string;
  /** The admin's project id. */
  readonly project: string;
  readonly session: ApiSession;
  readonly api: ApiSession['call'];
  /** Waits up to 15 s for the instance to satisfy `predicate`, failing with `what`. */
  readonly until: (
    id: string,
    predicate: (instance: Json) => boolean,
    what: string,
  ) => Promise<Json>;
}

/** Starts it, with `extra` settings after the tests' own. */
export async function startSimulatedPlane(extra: readonly string[] = []): Promise<SimulatedPlane> {
  const running = await startTestControlPlane(repoRoot, [
    'DEFAULT.compute_driver=simulated',
    'identity.bootstrap_password=admin-secret',
    'simulated.prepare_delay=0.05',
    'simulated.report_interval=0.2',
    'simulated.fail_prepare_names=^broken',
    'postgresql.usage_timeout=20',
    'identity.admin_token=static-admin-token-for-tests',
    // These tests poll; the rate limits have their own test.
    'DEFAULT.http_get_rate=100000',
    'DEFAULT.http_post_rate=100000',
    ...extra,
  ]);
  const base = running.plane.endpoint;
  const session = await signIn(base, 'admin', 'admin-secret');
  return {
    running,
    base,
    state: running.statePath,
    project: session.project,
    session,
    api: (method, path, body) => session.call(method, path, body),
    until: (id, predicate, what) => session.untilInstance(id, predicate, what, 15),
  };
}

/** A create request for a PostgreSQL instance named db1, with `extra` fields over it. */
export const pgInstance = (extra: Json = {}): Json => ({
  instance: {
    name: 'db1',
    flavorRef: '2',
    volume: { size: 1 },
    datastore: { type: 'postgresql' },
    ...extra,
  },
});

/**
 * Registers the file's before and after: a simulated plane with `extra` settings started before
 * its tests and closed after them. Its fields are read once the tests run.
 */
export function simulatedPlaneOfFile(extra: readonly string[] = []): SimulatedPlane {
  let plane: SimulatedPlane | undefined;
  before(async () => {
    plane = await startSimulatedPlane(extra);
  });
  after(async () => {
    // Undefined when the start-up failed: that failure is the one to see.
    await plane?.running.close();
  });
  const started = (): SimulatedPlane => {
    assert.ok(plane, 'the simulated plane did not start');
    return plane;
  };
  return {
    get running() {
      return started().running;
    },
    get base() {
      return started().base;
    },
    get state() {
      return started().state;
    },
    get project() {
      return started().project;
    },
    get session() {
      return started().session;
    },
    api: (method, path, body) => started().api(method, path, body),
    until: (id, predicate, what) => started().until(id, predicate, what),
  };
}
