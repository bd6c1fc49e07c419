// An instance's guest logs through the API, as the guest-logs tests drive them: act on a log,
// read its published text (no storage credentials), and publish until a mark has reached it.

import assert from 'node:assert/strict';
import type { Json } from '@cellar/server/testing';
import type { LocalCellarOfFile } from './local-cellar.js';
import { waitFor } from './wait-for.js';

export interface GuestLogClient {
  /** POST /instances/{id}/log, asserting 200; answers the log. */
  readonly act: (id: string, body: Json) => Promise<Json>;
  /** GET /instances/{id}/log/{name}[?query]: the published text. */
  readonly read: (id: string, nameAndQuery: string) => Promise<{ status: number; text: string }>;
  /** Publishes until the published text holds `mark` (the server writes its log as it goes). */
  readonly publishedWith: (id: string, log: string, mark: string) => Promise<string>;
}

export function guestLogClient(local: LocalCellarOfFile): GuestLogClient {
  const act = async (id: string, body: Json): Promise<Json> => {
    const answer = await local.api('POST', `/instances/${id}/log`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return answer.json['log'] as Json;
  };
  const read = async (id: string, nameAndQuery: string) => {
    const { project, token } = local.session;
    const answer = await fetch(
      `http://127.0.0.1:${local.port}/v1.0/${project}/instances/${id}/log/${nameAndQuery}`,
      { headers: { 'x-auth-token': token } },
    );
    return { status: answer.status, text: await answer.text() };
  };
  const publishedWith = (id: string, log: string, mark: string): Promise<string> =>
    waitFor(
      async () => {
        await act(id, { name: log, publish: 1 });
        const published = await read(id, log);
        return published.status === 200 && published.text.includes(mark)
          ? published.text
          : undefined;
      },
      { what: `the published ${log} log to hold ${mark}`, timeout: 20_000, interval: 250 },
    );
  return { act, read, publishedWith };
}
