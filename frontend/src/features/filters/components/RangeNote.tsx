import type { useFilters } from '../hooks/useFilters';

/** The days shown, in the lab's calendar, and against which period. */
export function RangeNote({ filters }: { filters: ReturnType<typeof useFilters> }) {
  if (filters.labError) {
    return (
      <p role="alert" className="error-text">
        The lab&apos;s calendar could not be read: {filters.labError.message}
      </p>
    );
  }
  if (!filters.range) {
    return <p className="muted">Reading the lab&apos;s calendar…</p>;
  }
  return (
    <p className="muted" data-testid="range-note">
      Lab days {filters.range.from} to {filters.range.to}
      {filters.previous && ` · compared with ${filters.previous.from} to ${filters.previous.to}`}
    </p>
  );
}
