import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** Changes when another page is opened, which clears a failure. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * Catches a page that fails to render or to load (a page's chunk gone
 * after a new release was deployed): the frame stays, with the reason and
 * a reload, instead of a blank window.
 */
export class PageErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidUpdate(previous: Props) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) {
      this.setState({ error: null });
    }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('The page failed:', error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) {
      return this.props.children;
    }
    return (
      <section className="panel" role="alert" data-testid="page-error">
        <h2>This page could not be shown</h2>
        <p className="error-text">{error.message}</p>
        <p>
          A new version of the dashboard may have been installed since this window opened.{' '}
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </p>
      </section>
    );
  }
}
