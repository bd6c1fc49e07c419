// Direct Swift requests for tests, behind a storage's back: list what a project holds (segments
// included) and flip a byte of an object, as a disk fault would.

import type { SwiftAccount } from './swift-aio.js';

export class SwiftAdmin {
  #token: string | undefined;

  constructor(
    private readonly authUrl: string,
    private readonly account: SwiftAccount,
  ) {}

  async #auth(): Promise<string> {
    if (this.#token) return this.#token;
    const response = await fetch(this.authUrl, {
      headers: {
        'x-auth-user': `${this.account.account}:${this.account.user}`,
        'x-auth-key': this.account.key,
      },
    });
    await response.body?.cancel();
    this.#token = response.headers.get('x-auth-token') ?? undefined;
    if (!this.#token) throw new Error(`tempauth answered ${response.status}`);
    return this.#token;
  }

  async request(method: string, url: string, body?: Buffer): Promise<Response> {
    return fetch(url, {
      method,
      headers: { 'x-auth-token': await this.#auth() },
      ...(body ? { body } : {}),
    });
  }

  /** Object names in a container (`[]` when it does not exist). */
  async names(containerUrl: string): Promise<string[]> {
    const response = await this.request('GET', `${containerUrl}?format=json`);
    if (response.status === 404) return [];
    if (response.status !== 200) throw new Error(`listing ${containerUrl}: ${response.status}`);
    return ((await response.json()) as { name: string }[]).map((o) => o.name);
  }

  /** Rewrites a (single, small) object with one byte flipped. */
  async flipByte(url: string, at = 1000): Promise<void> {
    const response = await this.request('GET', url);
    if (response.status !== 200) throw new Error(`reading ${url}: ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    const put = await this.request('PUT', url, bytes);
    if (put.status !== 201) throw new Error(`rewriting ${url}: ${put.status}`);
  }
}
