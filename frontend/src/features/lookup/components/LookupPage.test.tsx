import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { LookupPage } from './LookupPage';

/** The lookup page at `address`, without a server to answer it. */
function renderAt(address: string) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, enabled: false } },
  });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[address]}>
        <Routes>
          <Route path="/lookup" element={<LookupPage />} />
          <Route path="/lookup/:kind/:id" element={<LookupPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('LookupPage', () => {
  it.each(['/lookup/test/abc', '/lookup/test/99999999999', '/lookup/test/0', '/lookup/foo/1'])(
    'says that %s names no record',
    (address) => {
      renderAt(address);
      expect(screen.getByRole('alert')).toHaveTextContent('This address names no record');
      expect(screen.queryByText(/^Sample 1$/)).toBeNull();
    },
  );

  it('asks nothing of a good address', () => {
    renderAt('/lookup/test/42');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('Test 42')).toBeInTheDocument();
  });

  it('starts empty without an address', () => {
    renderAt('/lookup');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
