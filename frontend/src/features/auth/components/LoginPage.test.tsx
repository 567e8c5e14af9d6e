import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGIN_REFUSED } from '../api/login';
import { readSession } from '../api/session';
import { LoginPage } from './LoginPage';
import { SessionProvider } from './SessionProvider';

function renderLogin(path: string) {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <SessionProvider>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route path="/turnaround" element={<p>turnaround page</p>} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

async function submit(username: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username'), username);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Log in' }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('LoginPage', () => {
  it('says the same thing whatever part of the login was wrong', async () => {
    const body = { code: 'invalid_credentials', message: 'invalid username or password' };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify(body), { status: 401 })),
    );
    renderLogin('/login');

    await submit('alice', 'wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent(LOGIN_REFUSED);
    expect(readSession()).toBeNull();
  });

  it('keeps the token until it expires and returns to the page asked for', async () => {
    const answer = {
      access_token: 'token-1',
      token_type: 'bearer',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      expires_in: 3600,
      user: { username: 'alice' },
    };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify(answer), { status: 200 })),
    );
    renderLogin(`/login?next=${encodeURIComponent('/turnaround')}`);

    await submit('alice', 'Right-pass-1');

    expect(await screen.findByText('turnaround page')).toBeInTheDocument();
    expect(readSession()?.token).toBe('token-1');
    expect(readSession(Date.now() + 3_700_000)).toBeNull();
  });
});
