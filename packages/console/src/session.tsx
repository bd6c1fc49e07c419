// The signed-in session as the console knows it (who, which project, which others it may
// switch to); the token itself stays in the HttpOnly cookie, out of every script's reach.

import { createContext, useContext } from 'react';
import type { SessionView } from './types';

export interface Session extends SessionView {
  /** Rescopes the session to another project the user holds a role on. */
  switchProject(project: string): Promise<void>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
