import { createContext } from 'react';
import type { Session } from '../api/session';

export interface SessionState {
  session: Session | null;
  signIn: (session: Session) => void;
  signOut: () => void;
}

export const SessionContext = createContext<SessionState | null>(null);
