import type { Filters } from '../hooks/useFilters';

/** The days shown, in the lab's calendar, and against which period. */
export function RangeNote({ filters }: { filters: Filters }) {
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
    <>
      {filters.ignored.length > 0 && (
        <p role="status" className="error-text" data-testid="ignored-params">
          Not understood in the address, so not applied: {filters.ignored.join(', ')}.
        </p>
      )}
      <p className="muted" data-testid="range-note">
        Lab days {filters.range.from} to {filters.range.to}
        {filters.previous && ` · compared with ${filters.previous.from} to ${filters.previous.to}`}
      </p>
    </>
  );
}
