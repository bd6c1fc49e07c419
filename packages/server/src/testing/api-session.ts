// A client of a running Cellar as tests and benchmarks use it: a project-scoped token from the
// built-in identity endpoint, calls under /v1.0/{project}, and waiting for an instance's state.

export type Json = Record<string, unknown>;

export interface ApiSession {
  readonly token: string;
  readonly project: string;
  /** A call under `/v1.0/{project}`; the body parsed as JSON (`{}` when empty). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }>;
  /**
   * Polls `GET /instances/{id}` every `intervalMs` until `predicate` holds for the instance (or for
   * `{ gone: true }` once it answers 404); fails naming `what` and the last state after `seconds`.
   */
  untilInstance(
    id: string,
    predicate: (instance: Json) => boolean,
    what: string,
    seconds: number,
    intervalMs?: number,
  ): Promise<Json>;
}

/** Signs in with a password, scoped to a project by name, as OpenStack clients do. */
export async function signIn(
  endpoint: string,
  user: string,
  password: string,
  projectName = 'admin',
): Promise<ApiSession> {
  const res = await fetch(`${endpoint}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password } } },
        scope: { project: { name: projectName } },
      },
    }),
  });
  if (res.status !== 201)
    throw new Error(
      `signing in as ${user} to ${projectName} answered ${res.status}: ${await res.text()}`,
    );
  const token = res.headers.get('x-subject-token') ?? '';
  const project = ((await res.json()) as { token: { project: { id: string } } }).token.project.id;
  const call: ApiSession['call'] = async (method, path, body) => {
    const answer = await fetch(`${endpoint}/v1.0/${project}${path}`, {
      method,
      headers: {
        'x-auth-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await answer.text();
    return { status: answer.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
  };
  return {
    token,
    project,
    call,
    untilInstance: async (id, predicate, what, seconds, intervalMs = 100) => {
      const deadline = Date.now() + seconds * 1000;
      let last: Json = {};
      while (Date.now() < deadline) {
        const shown = await call('GET', `/instances/${id}`);
        last = shown.status === 404 ? { gone: true } : (shown.json['instance'] as Json);
        if (predicate(last)) return last;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
      throw new Error(`instance ${id} never became ${what}: ${JSON.stringify(last)}`);
    },
  };
}
