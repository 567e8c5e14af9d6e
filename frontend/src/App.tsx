import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ApiError } from './api/client';
import { Layout } from './components/Layout';
import { LoginPage } from './features/auth/components/LoginPage';
import { RequireSession } from './features/auth/components/RequireSession';
import { SessionProvider } from './features/auth/components/SessionProvider';
import { LookupPage } from './features/lookup/components/LookupPage';
import { OverviewPage } from './features/overview/components/OverviewPage';
import { SamplesPage } from './features/samples/components/SamplesPage';
import { SyncPage } from './features/sync/components/SyncPage';
import { TurnaroundPage } from './features/turnaround/components/TurnaroundPage';

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 60 * 1000,
        refetchOnWindowFocus: false,
        // A refused token or a bad parameter will not get better by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}

const queryClient = createQueryClient();

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '')}>
        <SessionProvider>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route
              element={
                <RequireSession>
                  <Layout />
                </RequireSession>
              }
            >
              <Route index element={<OverviewPage />} />
              <Route path="turnaround" element={<TurnaroundPage />} />
              <Route path="samples" element={<SamplesPage />} />
              <Route path="lookup" element={<LookupPage />} />
              <Route path="lookup/:kind/:id" element={<LookupPage />} />
              <Route path="sync" element={<SyncPage />} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        </SessionProvider>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
