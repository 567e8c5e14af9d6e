import { Suspense } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { FilterBar } from '../features/filters/components/FilterBar';
import { useSession } from '../features/auth/hooks/useSession';
import { PageErrorBoundary } from './PageErrorBoundary';
import { ThemeToggle } from './ThemeToggle';

const PAGES = [
  { to: '/', label: 'Overview', end: true },
  { to: '/turnaround', label: 'Turnaround', end: false },
  { to: '/samples', label: 'Samples and tests', end: false },
  { to: '/lookup', label: 'Record lookup', end: false },
  { to: '/sync', label: 'Sync health', end: false },
];

/** The frame of every page: navigation, filters, theme and logout. */
export function Layout() {
  const { session, signOut } = useSession();
  const { search, pathname } = useLocation();
  const filtered = !pathname.startsWith('/lookup') && !pathname.startsWith('/sync');
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">Lab dashboard</div>
        <nav aria-label="Pages">
          {PAGES.map((page) => (
            <NavLink key={page.to} to={{ pathname: page.to, search }} end={page.end}>
              {page.label}
            </NavLink>
          ))}
        </nav>
        <div className="session">
          <span className="muted">{session?.username}</span>
          <ThemeToggle />
          <button type="button" className="secondary" onClick={signOut}>
            Log out
          </button>
        </div>
      </header>
      {filtered && <FilterBar />}
      <main id="main" tabIndex={-1}>
        <PageErrorBoundary resetKey={pathname}>
          <Suspense
            fallback={
              <p className="muted" role="status">
                Loading page…
              </p>
            }
          >
            <Outlet />
          </Suspense>
        </PageErrorBoundary>
      </main>
    </div>
  );
}
