// Real instances on the local compute driver when something goes wrong: an agent that cannot start
// again says why and is brought back once it can.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Json } from '@cellar/server/testing';
import { localCellarOfFile, settled as ready } from './support/local-cellar.js';
import { noPostgresql as skip, processesNaming } from './support/local-postgresql.js';
import { waitFor } from './support/wait-for.js';

const local = localCellarOfFile(skip, ['local.standby_agents=0']);

const { api } = local;
const until = (id: string, predicate: (instance: Json) => boolean, what: string, seconds = 90) =>
  local.session.untilInstance(id, predicate, what, seconds, 200);

test(
  'an agent that died and cannot start again: the instance says why, and Cellar brings it back once it can',
  { skip },
  async () => {
    const created = await api('POST', '/instances', {
      instance: {
        name: 'pg-revived',
        flavorRef: '1',
        volume: { size: 1 },
        datastore: { type: 'postgresql', version: local.version },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const id = String((created.json['instance'] as Json)['id']);
    assert.equal((await until(id, ready, 'ACTIVE'))['status'], 'ACTIVE');

    // Its configuration broken, then its agent killed: the next agent refuses to start.
    const conf = join(local.state, 'instances', id, 'cellar-guest.conf');
    const good = await readFile(conf, 'utf8');
    await writeFile(conf, good.replace(/^report_interval = .*$/m, 'report_interval = never'));
    process.kill(
      Number((await readFile(join(local.state, 'instances', id, 'guest.pid'), 'utf8')).trim()),
      'SIGKILL',
    );
    const faultOf = (i: Json): string => {
      const message = (i['fault'] as Json | undefined)?.['message'];
      return typeof message === 'string' ? message : '';
    };
    const faulted = await until(
      id,
      (i) => /could not be started again/.test(faultOf(i)),
      'a fault',
      30,
    );
    assert.match(faultOf(faulted), /report_interval/);

    // Mended: a later attempt (the delay doubles from 1 s) starts it, and the guest answers again.
    await writeFile(conf, good);
    await waitFor(async () => (await api('GET', `/instances/${id}/databases`)).status === 200, {
      timeout: 30_000,
      what: 'the mended agent to answer',
    });

    assert.equal((await api('DELETE', `/instances/${id}`)).status, 202);
    await until(id, (i) => 'gone' in i, 'deleted', 60);
    assert.deepEqual(await processesNaming(id), []);
  },
);
