import { lazy } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ApiError } from './api/client';
import { Layout } from './components/Layout';
import { LoginPage } from './features/auth/components/LoginPage';
import { RequireSession } from './features/auth/components/RequireSession';
import { SessionProvider } from './features/auth/components/SessionProvider';

// Each page is its own chunk, fetched when first opened: the login page and
// the frame do not wait for the chart library, and no chunk grows past what a
// phone on a slow link should download at once.
const OverviewPage = lazy(() =>
  import('./features/overview/components/OverviewPage').then((m) => ({ default: m.OverviewPage })),
);
const TurnaroundPage = lazy(() =>
  import('./features/turnaround/components/TurnaroundPage').then((m) => ({
    default: m.TurnaroundPage,
  })),
);
const SamplesPage = lazy(() =>
  import('./features/samples/components/SamplesPage').then((m) => ({ default: m.SamplesPage })),
);
const LookupPage = lazy(() =>
  import('./features/lookup/components/LookupPage').then((m) => ({ default: m.LookupPage })),
);
const SyncPage = lazy(() =>
  import('./features/sync/components/SyncPage').then((m) => ({ default: m.SyncPage })),
);

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
