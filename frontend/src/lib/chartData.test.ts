import { describe, expect, it } from 'vitest';
import {
  alignPreviousPeriod,
  formatChange,
  movingAverage,
  percentChange,
  zeroFillDays,
} from './chartData';

describe('zeroFillDays', () => {
  it('adds a zero row for every day the API left out', () => {
    const rows = [
      { date: '2026-02-01', samples: 3, tests: 9 },
      { date: '2026-02-04', samples: 1, tests: 2 },
    ];

    const filled = zeroFillDays(rows, '2026-02-01', '2026-02-04', ['samples', 'tests']);

    expect(filled).toEqual([
      { date: '2026-02-01', samples: 3, tests: 9 },
      { date: '2026-02-02', samples: 0, tests: 0 },
      { date: '2026-02-03', samples: 0, tests: 0 },
      { date: '2026-02-04', samples: 1, tests: 2 },
    ]);
  });

  it('drops rows outside the span and crosses month and leap-day ends', () => {
    const rows = [
      { date: '2028-02-27', tests: 5 },
      { date: '2028-02-29', tests: 4 },
    ];

    const filled = zeroFillDays(rows, '2028-02-28', '2028-03-01', ['tests']);

    expect(filled).toEqual([
      { date: '2028-02-28', tests: 0 },
      { date: '2028-02-29', tests: 4 },
      { date: '2028-03-01', tests: 0 },
    ]);
  });

  it('gives nothing for a reversed span', () => {
    expect(zeroFillDays([], '2026-02-05', '2026-02-01', ['tests'])).toEqual([]);
  });
});

describe('alignPreviousPeriod', () => {
  const current = [
    { date: '2026-02-08', tests: 10 },
    { date: '2026-02-09', tests: 11 },
    { date: '2026-02-10', tests: 12 },
  ];

  it('puts the n-th previous day beside the n-th current day', () => {
    const previous = [
      { date: '2026-02-05', tests: 1 },
      { date: '2026-02-07', tests: 3 },
    ];

    const aligned = alignPreviousPeriod(current, previous, ['tests']);

    expect(aligned).toEqual([
      { date: '2026-02-08', previousDate: '2026-02-05', tests: 10, previous_tests: 1 },
      { date: '2026-02-09', previousDate: '2026-02-06', tests: 11, previous_tests: 0 },
      { date: '2026-02-10', previousDate: '2026-02-07', tests: 12, previous_tests: 3 },
    ]);
  });

  it('leaves the previous values null when there is no previous period', () => {
    const aligned = alignPreviousPeriod(current.slice(0, 1), null, ['tests']);

    expect(aligned).toEqual([
      { date: '2026-02-08', previousDate: '2026-02-07', tests: 10, previous_tests: null },
    ]);
  });

  it('aligns across a month end', () => {
    const aligned = alignPreviousPeriod(
      [
        { date: '2026-03-01', tests: 2 },
        { date: '2026-03-02', tests: 2 },
      ],
      [{ date: '2026-02-27', tests: 7 }],
      ['tests'],
    );

    expect(aligned.map((row) => [row.previousDate, row.previous_tests])).toEqual([
      ['2026-02-27', 7],
      ['2026-02-28', 0],
    ]);
  });
});

describe('movingAverage', () => {
  it('averages the trailing window, shorter at the start', () => {
    expect(movingAverage([2, 4, 6, 8], 3)).toEqual([2, 3, 4, 6]);
  });

  it('skips days without data and gives null when a window has none', () => {
    expect(movingAverage([null, 4, null, null, null, 10], 2)).toEqual([null, 4, 4, null, null, 10]);
  });

  it('treats a window below one as one', () => {
    expect(movingAverage([5, 7], 0)).toEqual([5, 7]);
  });
});

describe('percentChange', () => {
  it('gives the change in percent of the previous figure', () => {
    expect(percentChange(150, 100)).toEqual({ kind: 'percent', value: 50 });
    expect(percentChange(75, 100)).toEqual({ kind: 'percent', value: -25 });
  });

  it('has no percentage over a zero base', () => {
    expect(percentChange(12, 0)).toEqual({ kind: 'new' });
    expect(percentChange(0, 0)).toEqual({ kind: 'none' });
  });

  it('is unknown when a figure is missing', () => {
    expect(percentChange(null, 4)).toEqual({ kind: 'unknown' });
    expect(percentChange(4, undefined)).toEqual({ kind: 'unknown' });
  });

  it('reads as short text', () => {
    expect(formatChange({ kind: 'percent', value: 12.345 })).toBe('+12.3%');
    expect(formatChange({ kind: 'percent', value: -3 })).toBe('-3.0%');
    expect(formatChange({ kind: 'percent', value: 0.01 })).toBe('±0%');
    expect(formatChange({ kind: 'new' })).toBe('new');
    expect(formatChange({ kind: 'unknown' })).toBe('–');
  });
});
