import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { setUnauthorizedHandler } from '../../../api/client';
import { clearSession, readSession, type Session } from '../api/session';
import { SessionContext } from '../hooks/sessionContext';

/** Holds the session; a refused token or an expiry sends the user to login. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => readSession());
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();

  const signOut = useCallback(() => {
    clearSession();
    setSession(null);
    queryClient.clear();
  }, [queryClient]);

  const toLogin = useCallback(() => {
    signOut();
    // Several requests may be refused at once; the first one sets the way back.
    if (location.pathname === '/login') {
      return;
    }
    const next = `${location.pathname}${location.search}`;
    navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
  }, [signOut, navigate, location.pathname, location.search]);

  useEffect(() => {
    setUnauthorizedHandler(toLogin);
  }, [toLogin]);

  // The token is dropped the moment it expires, not at the next request.
  useEffect(() => {
    if (!session) {
      return;
    }
    const left = Date.parse(session.expiresAt) - Date.now();
    const timer = window.setTimeout(toLogin, Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => window.clearTimeout(timer);
  }, [session, toLogin]);

  const value = useMemo(() => ({ session, signIn: setSession, signOut }), [session, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
