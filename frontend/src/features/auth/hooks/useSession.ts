import { useContext } from 'react';
import { SessionContext, type SessionState } from './sessionContext';

/** The current session and the ways to change it. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) {
    throw new Error('useSession outside SessionProvider');
  }
  return state;
}
