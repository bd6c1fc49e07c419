// The loopback addresses instances listen on: a pool such as 127.42.0.0/16, each address claimed
// by one instance in its deployment and host-wide, so no two instances on the machine share one.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ComputeDriverNotAvailable } from '@cellar/plugin-api';
import { defaultHostClaimDir, HostClaims } from './host-claims.js';

/** The usable IPv4 addresses of a pool like 127.42.0.0/16: all but the network's own and its broadcast. */
export function parsePool(pool: string): { first: number; last: number } {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(pool.trim());
  const octets = m ? [127, Number(m[1]), Number(m[2]), Number(m[3])] : [];
  const prefix = m ? Number(m[4]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
    throw new Error(
      `[local] address_pool '${pool}' is not a loopback network: expected a CIDR within 127.0.0.0/8 with a prefix of 8 to 30, e.g. 127.42.0.0/16`,
    );
  }
  const base = (octets.reduce((n, o) => n * 256 + o, 0) >>> 0) & ((~0 << (32 - prefix)) >>> 0);
  return { first: base + 1, last: base + 2 ** (32 - prefix) - 2 };
}

const dotted = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** True when nothing listens on the port at that address. */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

export class AddressPool {
  readonly #range: { first: number; last: number };
  readonly #dir: string;
  readonly #host: HostClaims;

  /**
   * `instances` holds the instances' directories and `.addresses/`, one file per address this
   * deployment claimed, naming the instance; `hostDir` is shared by every deployment on the host.
   */
  constructor(
    private readonly instances: string,
    private readonly pool: string,
    options: { hostDir?: string } = {},
  ) {
    this.#range = parsePool(pool);
    this.#dir = join(instances, '.addresses');
    this.#host = new HostClaims(options.hostDir ?? defaultHostClaimDir());
  }

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await this.#host.open();
  }

  /**
   * Claims the lowest free address of the pool: not claimed by this deployment (the exclusive
   * create makes that safe across processes), nor by another deployment on this host (the
   * host-wide claim, made after this deployment's and given up before it), and with the
   * datastore's ports free (anything else on the machine may hold them).
   */
  async claim(id: string, ports: readonly number[]): Promise<string> {
    const taken = new Set(await readdir(this.#dir));
    for (let n = this.#range.first; n <= this.#range.last; n++) {
      const address = dotted(n);
      if ((n & 255) === 0 || (n & 255) === 255 || taken.has(address)) continue;
      try {
        await writeFile(join(this.#dir, address), id, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        continue;
      }
      if (await this.#host.claim(address, join(this.instances, id))) {
        if ((await Promise.all(ports.map((port) => portFree(address, port)))).every(Boolean))
          return address;
        await this.#host.release(address, join(this.instances, id));
      }
      // Held by someone else: keep the claim file out of the way only while this loop runs.
      await rm(join(this.#dir, address), { force: true });
    }
    throw new ComputeDriverNotAvailable({
      driver: 'local',
      reason: `every address of [local] address_pool ${this.pool} is in use`,
    });
  }

  /** Every address this instance claimed (a create interrupted half way may have claimed one). */
  async release(id: string): Promise<void> {
    for (const address of await readdir(this.#dir)) {
      const owner = await readFile(join(this.#dir, address), 'utf8').catch(() => '');
      if (owner !== id) continue;
      await this.#host.release(address, join(this.instances, id));
      await rm(join(this.#dir, address), { force: true });
    }
  }
}
