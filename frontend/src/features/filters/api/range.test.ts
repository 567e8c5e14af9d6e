import { describe, expect, it } from 'vitest';
import { labToday, presetRange, previousRange, resolveRange } from './range';

describe('presetRange', () => {
  it('ends every preset on the lab day given', () => {
    expect(presetRange('7d', '2026-03-10')).toEqual({ from: '2026-03-04', to: '2026-03-10' });
    expect(presetRange('30d', '2026-03-10')).toEqual({ from: '2026-02-09', to: '2026-03-10' });
    expect(presetRange('month', '2026-03-10')).toEqual({ from: '2026-03-01', to: '2026-03-10' });
  });
});

describe('resolveRange', () => {
  it('prefers explicit days, then the preset, then 30 days', () => {
    const explicit = new URLSearchParams('from=2026-01-01&to=2026-01-31&range=7d');
    expect(resolveRange(explicit, '2026-03-10')).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(resolveRange(new URLSearchParams('range=7d'), '2026-03-10')?.from).toBe('2026-03-04');
    expect(resolveRange(new URLSearchParams('from=junk&to=2026-01-31'), '2026-03-10')?.from).toBe(
      '2026-02-09',
    );
    expect(resolveRange(new URLSearchParams(''), null)).toBeNull();
  });
});

describe('previousRange', () => {
  it('is as long as the range and ends the day before it', () => {
    expect(previousRange({ from: '2026-03-01', to: '2026-03-10' })).toEqual({
      from: '2026-02-19',
      to: '2026-02-28',
    });
  });
});

describe('labToday', () => {
  it('counts the day in the lab zone, not the viewer’s', () => {
    // New York in winter is UTC-5: its 5 March starts at 05:00 UTC.
    expect(labToday('America/New_York', Date.parse('2026-03-05T03:00:00Z'))).toBe('2026-03-04');
    expect(labToday('America/New_York', Date.parse('2026-03-05T06:00:00Z'))).toBe('2026-03-05');
    // Summer time: UTC-4, so 04:30 UTC is already the next day.
    expect(labToday('America/New_York', Date.parse('2026-07-05T04:30:00Z'))).toBe('2026-07-05');
    expect(labToday('Pacific/Kiritimati', Date.parse('2026-03-04T11:00:00Z'))).toBe('2026-03-05');
  });

  it('falls back to the viewer’s day for a zone the browser does not know', () => {
    const now = Date.parse('2026-03-05T12:00:00Z');
    const own = new Date(now);
    const expected = [
      own.getFullYear(),
      String(own.getMonth() + 1).padStart(2, '0'),
      String(own.getDate()).padStart(2, '0'),
    ].join('-');
    expect(labToday('Not/AZone', now)).toBe(expected);
  });
});
