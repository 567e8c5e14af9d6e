// Numbers and instants as the dashboard shows them.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** A count, e.g. `1,234`; a dash when missing. */
export function formatCount(value: number | null | undefined): string {
  return value == null ? '–' : integer.format(value);
}

/** Hours with one decimal, e.g. `36.4 h`; a dash when missing. */
export function formatHours(value: number | null | undefined): string {
  return value == null ? '–' : `${decimal.format(value)} h`;
}

/**
 * An instant in the viewer's locale, in `timeZone` (the lab's) with the
 * zone's short name; in the viewer's zone while the lab's is unknown or
 * unknown to this browser. A dash when missing.
 */
export function formatInstant(value: string | null | undefined, timeZone?: string): string {
  if (!value) {
    return '–';
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return value;
  }
  try {
    return date.toLocaleString(undefined, { timeZone, timeZoneName: 'short' });
  } catch {
    return date.toLocaleString(undefined, { timeZoneName: 'short' });
  }
}

/** A duration in seconds as the largest sensible unit, e.g. `3 h 12 min`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) {
    return '–';
  }
  const minutes = Math.floor(Math.abs(seconds) / 60);
  if (minutes < 1) {
    return `${Math.abs(Math.round(seconds))} s`;
  }
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours} h ${minutes % 60} min`;
  }
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
