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

/** An instant in the viewer's locale and zone; a dash when missing. */
export function formatInstant(value: string | null | undefined): string {
  if (!value) {
    return '–';
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
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
