// The login's token, kept in the browser until it expires and no longer.

const KEY = 'qbench-dashboard.session';

/** A logged-in user's token and when it stops being valid. */
export interface Session {
  token: string;
  username: string;
  expiresAt: string;
}

/** The stored session, or null when there is none or it has expired. */
export function readSession(now: number = Date.now()): Session | null {
  const text = localStorage.getItem(KEY);
  if (!text) {
    return null;
  }
  try {
    const session = JSON.parse(text) as Partial<Session>;
    if (
      typeof session.token !== 'string' ||
      typeof session.username !== 'string' ||
      typeof session.expiresAt !== 'string' ||
      !(Date.parse(session.expiresAt) > now)
    ) {
      clearSession();
      return null;
    }
    return session as Session;
  } catch {
    clearSession();
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
