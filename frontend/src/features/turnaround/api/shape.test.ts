import { describe, expect, it } from 'vitest';
import { tatDays } from './shape';

describe('tatDays', () => {
  const points = [
    { date: '2026-02-01', average_hours: 10 },
    { date: '2026-02-03', average_hours: 30 },
  ];

  it('fills days without reports with null and computes the moving average', () => {
    expect(tatDays(points, null, '2026-02-01', '2026-02-04', 2)).toEqual([
      { date: '2026-02-01', average_hours: 10, moving_average: 10 },
      { date: '2026-02-02', average_hours: null, moving_average: 10 },
      { date: '2026-02-03', average_hours: 30, moving_average: 30 },
      { date: '2026-02-04', average_hours: null, moving_average: 30 },
    ]);
  });

  it("takes the API's moving average when it gives one", () => {
    const api = [{ period_start: '2026-02-03', value: 20 }];

    const days = tatDays(points, api, '2026-02-01', '2026-02-03', 7);

    expect(days.map((day) => day.moving_average)).toEqual([null, null, 20]);
  });
});
