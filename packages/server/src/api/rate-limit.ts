// Trove's rate limits: per project and verb (and POST under /mgmt), a number of requests per
// minute as a leaky bucket in this process; past it, 413 with Retry-After and the overLimit body.
// A bucket that has leaked empty is the same as none, so idle ones are dropped as buckets grow.

import type { FastifyInstance } from 'fastify';

export interface RateLimits {
  readonly get: number;
  readonly post: number;
  readonly put: number;
  readonly delete: number;
  readonly mgmtPost: number;
}

interface Bucket {
  level: number;
  at: number;
  /** Requests per minute: how fast the bucket leaks. */
  readonly value: number;
}

/** Below this many buckets nothing is pruned; above it, pruning runs as the count doubles. */
const PRUNE_FLOOR = 1024;

export interface RateEntry {
  readonly verb: string;
  readonly uri: string;
  readonly regex: string;
  readonly value: number;
  readonly remaining: number;
  readonly unit: 'MINUTE';
  readonly nextAvailable: string;
}

interface Rule {
  readonly verb: string;
  readonly uri: string;
  readonly regex: string;
  readonly value: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #pruneAt = PRUNE_FLOOR;
  readonly #rules: readonly (Rule & { readonly pattern: RegExp })[];

  constructor(limits: RateLimits) {
    const rules: Rule[] = [
      { verb: 'POST', uri: '*', regex: '.*', value: limits.post },
      { verb: 'PUT', uri: '*', regex: '.*', value: limits.put },
      { verb: 'DELETE', uri: '*', regex: '.*', value: limits.delete },
      { verb: 'GET', uri: '*', regex: '.*', value: limits.get },
      { verb: 'POST', uri: '*/mgmt', regex: '^/mgmt', value: limits.mgmtPost },
    ];
    this.#rules = rules.map((rule) => ({ ...rule, pattern: new RegExp(rule.regex) }));
  }

  /** How many buckets are kept. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Leaks the bucket to now; a new one is kept only when `keep` (a request is filling it). */
  #level(key: string, value: number, now: number, keep: boolean): Bucket {
    const bucket = this.#buckets.get(key) ?? { level: 0, at: now, value };
    bucket.level = Math.max(0, bucket.level - ((now - bucket.at) / 60_000) * value);
    bucket.at = now;
    if (keep && !this.#buckets.has(key)) {
      if (this.#buckets.size >= this.#pruneAt) this.#prune(now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * Drops the buckets that have leaked empty. Run when the count reaches twice what the last run
   * kept, it costs O(1) per request and bounds memory by the projects active within a minute.
   */
  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets)
      if (bucket.level <= ((now - bucket.at) / 60_000) * bucket.value) this.#buckets.delete(key);
    this.#pruneAt = Math.max(PRUNE_FLOOR, 2 * this.#buckets.size);
  }

  /** Seconds to wait when the request is over a limit; undefined when it may go ahead. */
  take(
    project: string,
    verb: string,
    path: string,
    now = Date.now(),
  ): { retryAfter: number; rule: string } | undefined {
    const applicable = this.#rules
      .filter((rule) => rule.verb === verb && rule.pattern.test(path))
      .map((rule) => ({
        rule,
        bucket: this.#level(`${project} ${rule.verb} ${rule.uri}`, rule.value, now, true),
      }));
    // A refused request takes nothing from any of its limits.
    for (const { rule, bucket } of applicable) {
      if (bucket.level + 1 > rule.value) {
        return {
          retryAfter: Math.ceil(((bucket.level + 1 - rule.value) / rule.value) * 60),
          rule: `Only ${rule.value} ${rule.verb} request(s) can be made to ${rule.uri} every minute.`,
        };
      }
    }
    for (const { bucket } of applicable) bucket.level += 1;
    return undefined;
  }

  /** The state GET /limits shows. */
  entries(project: string, now = Date.now()): RateEntry[] {
    return this.#rules.map(({ verb, uri, regex, value }) => {
      const bucket = this.#level(`${project} ${verb} ${uri}`, value, now, false);
      const remaining = Math.max(0, Math.floor(value - bucket.level));
      const wait = remaining > 0 ? 0 : ((bucket.level + 1 - value) / value) * 60_000;
      return {
        verb,
        uri,
        regex,
        value,
        remaining,
        unit: 'MINUTE',
        nextAvailable: `${new Date(now + wait).toISOString().slice(0, 19)}Z`,
      };
    });
  }
}

export function installRateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('preHandler', async (request, reply) => {
    const project = request.auth?.projectId;
    if (project === undefined) return;
    const path = request.url.replace(/^\/v1\.0\/[^/]+/, '').split('?')[0] ?? '';
    const over = limiter.take(project, request.method, path);
    if (!over) return;
    return reply
      .status(413)
      .header('retry-after', String(over.retryAfter))
      .send({
        overLimit: {
          code: 413,
          message: 'This request was rate-limited.',
          details: over.rule,
          retryAfter: String(over.retryAfter),
        },
      });
  });
}
