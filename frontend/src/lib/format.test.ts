import { describe, expect, it } from 'vitest';
import { formatInstant } from './format';

describe('formatInstant', () => {
  it('shows an instant in the lab zone, named', () => {
    const shown = formatInstant('2026-03-05T03:00:00Z', 'America/New_York');
    expect(shown).toContain('3/4/2026');
    expect(shown).toContain('10:00:00');
    expect(shown).toContain('EST');
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
