// bench/backup --trace: where a Cellar restore's time goes, per run: the create's steps (the
// taskmanager's timeline) and the restored guest's log lines, as seconds since the request.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiSession } from '@cellar/server/testing';
import { postmasterOf } from '../pg-instance.js';

interface Step {
  readonly name: string;
  readonly started: string | null;
  readonly ended: string | null;
}

const since = (t0: number, at: string | null | undefined): string =>
  at ? `${((Date.parse(at) - t0) / 1000).toFixed(2).padStart(6)}s` : '     -';

/** The create's steps as [start, end] offsets from t0 (the request's wall-clock time). */
async function printSteps(api: ApiSession, id: string, t0: number): Promise<void> {
  const answer = await api.call('GET', `/instances/${id}/operations`);
  const operations = (answer.json['operations'] ?? []) as { kind: string; steps: Step[] }[];
  const create = operations.find((o) => o.kind === 'create');
  for (const step of create?.steps ?? [])
    console.log(`      step ${since(t0, step.started)} .. ${since(t0, step.ended)}  ${step.name}`);
}

/** The guest log's lines with a time, as offsets from t0; the instance's directory from its postmaster. */
async function printGuestLog(id: string, t0: number): Promise<void> {
  const { dataDir } = await postmasterOf(id);
  const home = dataDir.slice(0, dataDir.indexOf(`/${id}/`) + id.length + 1);
  const text = await readFile(join(home, 'log', 'guest.log'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const at = /"(?:time|ts|timestamp)":"([^"]+)"/.exec(line)?.[1] ?? /^(\S+Z)\s/.exec(line)?.[1];
    if (at === undefined) continue;
    const msg = /"(?:msg|message)":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 160);
    console.log(`      guest ${since(t0, at)}  ${msg}`);
  }
}

export async function printRestoreTrace(api: ApiSession, id: string, t0: number): Promise<void> {
  await printSteps(api, id, t0);
  await printGuestLog(id, t0).catch((e: unknown) =>
    console.log(`      (no guest log: ${String(e)})`),
  );
}
