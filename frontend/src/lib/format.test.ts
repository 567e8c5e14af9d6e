import { describe, expect, it } from 'vitest';
import { formatInstant } from './format';

describe('formatInstant', () => {
  it('shows an instant in the lab zone, named', () => {
    const instant = '2026-03-05T03:00:00Z';
    const inZone = (timeZone: string) =>
      new Date(instant).toLocaleString(undefined, { timeZone, timeZoneName: 'short' });

    const shown = formatInstant(instant, 'America/New_York');

    expect(shown).toBe(inZone('America/New_York'));
    expect(shown).not.toBe(inZone('UTC'));
  });

  it('falls back to the viewer’s zone for a zone the browser does not know', () => {
    const instant = '2026-03-05T03:00:00Z';
    expect(formatInstant(instant, 'Not/AZone')).toBe(
      new Date(instant).toLocaleString(undefined, { timeZoneName: 'short' }),
    );
  });

  it('shows a dash when missing and an unreadable value as it came', () => {
    expect(formatInstant(null, 'UTC')).toBe('–');
    expect(formatInstant('soon', 'UTC')).toBe('soon');
  });
});
