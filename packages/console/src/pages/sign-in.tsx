// The sign-in page: a Cellar (or Keystone) user, password and project, or a token; a refusal is
// shown as the API words it, next to the form.

import { useState, type FormEvent } from 'react';
import { call, errorText } from '../api';
import { field } from '../form-data';
import type { SessionView } from '../types';

interface Props {
  readonly onSignedIn: (view: SessionView) => void;
  readonly notice?: string;
}

export function SignIn({ onSignedIn, notice }: Props) {
  const [withToken, setWithToken] = useState(false);
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => field(form, name).trim();
    const body = withToken
      ? { token: text('token') }
      : {
          username: text('username'),
          password: field(form, 'password'),
          project: text('project'),
        };
    setBusy(true);
    try {
      onSignedIn(await call<SessionView>('POST', '/dashboard/api/session', body));
    } catch (refused) {
      setError(errorText(refused));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Cellar</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'sign-in-error' : undefined}>
        {withToken ? (
          <label>
            Token
            <input name="token" type="password" autoComplete="off" required />
          </label>
        ) : (
          <>
            <label>
              User name
              <input name="username" autoComplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
            <label>
              Project
              <input name="project" defaultValue="admin" autoComplete="organization" />
            </label>
          </>
        )}
        {error && (
          <p id="sign-in-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <button type="button" className="link" onClick={() => setWithToken(!withToken)}>
          {withToken ? 'Sign in with a user name and password' : 'Sign in with a token'}
        </button>
      </form>
    </main>
  );
}
