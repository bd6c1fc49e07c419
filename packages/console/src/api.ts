// The console's one way to the API: same-origin requests with the session cookie and its
// anti-forgery header, and the API's own error message when it refuses.

/** An API refusal with the message Cellar wrote for it, shown to the user as it is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The session's anti-forgery value: the one cookie scripts may read (the token's is HttpOnly). */
function csrf(): string {
  const pair = document.cookie.split('; ').find((c) => c.startsWith('cellar_csrf='));
  return pair === undefined ? '' : decodeURIComponent(pair.slice('cellar_csrf='.length));
}

/** The message of a Trove fault (`{"badRequest": {"message"}}`) or Keystone error body. */
function faultMessage(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const first: unknown = Object.values(body)[0];
    if (typeof first === 'object' && first !== null && 'message' in first)
      return String(first.message);
  }
  return `The API answered HTTP ${status}.`;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-cellar-csrf': csrf() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The body of a failed answer as the error the user reads. */
function refusal(text: string, status: number): ApiError {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return new ApiError(faultMessage(json, status), status);
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  if (!res.ok) throw refusal(text, res.status);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** A GET answered as plain text (a published guest log), refusals as for `call`. */
export async function callText(path: string): Promise<string> {
  const res = await send('GET', path);
  const text = await res.text();
  if (!res.ok) throw refusal(text, res.status);
  return text;
}

/** A path of the Trove API in the signed-in project. */
export const v1 = (project: string, path: string): string => `/v1.0/${project}${path}`;

export const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
