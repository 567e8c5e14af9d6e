import type { ReactNode } from 'react';

interface PanelProps {
  title: string;
  /** Data is still on its way. */
  loading?: boolean;
  /** The request failed. */
  error?: Error | null;
  /** The answer holds nothing to show. */
  empty?: boolean;
  emptyText?: string;
  /** Shown once the panel has data: exports and the like. */
  actions?: ReactNode;
  /** Shown in every state: inputs the panel's query depends on. */
  controls?: ReactNode;
  className?: string;
  testId?: string;
  children?: ReactNode;
}

/** A titled box that shows loading, error and empty states in one way. */
export function Panel(props: PanelProps) {
  const { title, loading, error, empty, actions, controls, children } = props;
  const id = `panel-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  let body: ReactNode = children;
  if (error) {
    body = (
      <p role="alert" className="state error-text">
        Could not load this panel: {error.message}
      </p>
    );
  } else if (loading) {
    body = (
      <p className="state" aria-live="polite">
        Loading…
      </p>
    );
  } else if (empty) {
    body = <p className="state">{props.emptyText ?? 'Nothing in this range.'}</p>;
  }
  return (
    <section
      className={`panel ${props.className ?? ''}`}
      aria-labelledby={id}
      aria-busy={loading ? true : undefined}
      data-testid={props.testId}
      data-state={error ? 'error' : loading ? 'loading' : empty ? 'empty' : 'ready'}
    >
      <header className="panel-header">
        <h2 id={id}>{title}</h2>
        {(controls || (actions && !loading && !error)) && (
          <div className="panel-actions">
            {controls}
            {!loading && !error && actions}
          </div>
        )}
      </header>
      {body}
    </section>
  );
}
