// Trove's rate limits: per project and verb (and POST under /mgmt), a number of requests per
// minute as a leaky bucket in this process; past it, 413 with Retry-After and the overLimit body.

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
}

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

  /** Leaks the bucket to now; returns its level. */
  #level(key: string, value: number, now: number): Bucket {
    const bucket = this.#buckets.get(key) ?? { level: 0, at: now };
    bucket.level = Math.max(0, bucket.level - ((now - bucket.at) / 60_000) * value);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    return bucket;
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
        bucket: this.#level(`${project} ${rule.verb} ${rule.uri}`, rule.value, now),
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
      const bucket = this.#level(`${project} ${verb} ${uri}`, value, now);
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
