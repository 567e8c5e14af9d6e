import { describe, expect, it } from 'vitest';
import { ignoredParams, positiveInt, slaParam } from './params';

describe('positiveInt', () => {
  it('reads QBench ids only', () => {
    expect(positiveInt('42')).toBe(42);
    expect(positiveInt('2147483647')).toBe(2_147_483_647);
    expect(positiveInt('2147483648')).toBeUndefined();
    expect(positiveInt('0')).toBeUndefined();
    expect(positiveInt('4.5')).toBeUndefined();
    expect(positiveInt('-3')).toBeUndefined();
    expect(positiveInt(null)).toBeUndefined();
  });
});

describe('slaParam', () => {
  it('reads positive hours', () => {
    expect(slaParam('24')).toBe(24);
    expect(slaParam('0.5')).toBe(0.5);
    expect(slaParam('0')).toBeUndefined();
    expect(slaParam('lots')).toBeUndefined();
    expect(slaParam('Infinity')).toBeUndefined();
    expect(slaParam('8760')).toBe(8760);
    expect(slaParam('8761')).toBeUndefined();
    expect(slaParam('')).toBeUndefined();
  });
});

describe('ignoredParams', () => {
  const ignored = (query: string) => ignoredParams(new URLSearchParams(query));

  it('names nothing when every parameter reads', () => {
    expect(ignored('')).toEqual([]);
    expect(ignored('from=2026-01-01&to=2026-01-31&customer=3&order=9&sla=24&state=X')).toEqual([]);
    expect(ignored('range=90d')).toEqual([]);
  });

  it('names days that are not days, or out of order', () => {
    expect(ignored('from=2026-02-30&to=2026-03-05')).toEqual(['from', 'to']);
    expect(ignored('from=2026-03-05&to=2026-03-01')).toEqual(['from', 'to']);
    expect(ignored('from=2026-03-05')).toEqual(['from']);
  });

  it('names an unknown preset and bad ids and hours', () => {
    expect(ignored('range=week&customer=acme&order=0&batch=99999999999&sla=-4')).toEqual([
      'range',
      'customer',
      'order',
      'batch',
      'sla',
    ]);
  });

  it('takes an empty value for no filter', () => {
    expect(ignored('customer=&order=&sla=&range=&from=&to=')).toEqual([]);
  });
});
