import { ApiError, apiPost } from '../../../api/client';
import type { LoginResponse } from '../../../api/types';
import { saveSession, type Session } from './session';

/** What the login page says when a login is refused, whatever the reason. */
export const LOGIN_REFUSED = 'The username or password is not right, or the account is locked.';

/** Logs in and keeps the session; throws an Error with a message for people. */
export async function login(username: string, password: string): Promise<Session> {
  let answer: LoginResponse;
  try {
    answer = await apiPost<LoginResponse>('/api/auth/login', { username, password });
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      throw new Error(LOGIN_REFUSED);
    }
    throw new Error('The server could not be reached. Try again in a moment.');
  }
  const session = {
    token: answer.access_token,
    username: answer.user.username,
    expiresAt: answer.expires_at,
  };
  saveSession(session);
  return session;
}
