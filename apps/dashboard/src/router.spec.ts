import { describe, expect, it } from '@jest/globals';
import { hrefOf, parseHash, sectionOf, titleOf, type Route } from './router';

describe('parseHash', () => {
  it.each<[string, Route]>([
    ['', { page: 'live' }],
    ['#', { page: 'live' }],
    ['#/', { page: 'live' }],
    ['#/live', { page: 'live' }],
    ['#/usage', { page: 'usage' }],
    ['#/by-container/', { page: 'by-container' }],
    ['#/invoices', { page: 'invoices' }],
    ['#/invoices/2026-11', { page: 'invoice', id: '2026-11' }],
    ['#/containers', { page: 'containers' }],
    ['#/containers/ctr_01jd8x/logs', { page: 'logs', id: 'ctr_01jd8x' }],
    ['#/invoices/2026-13', { page: 'not-found', path: '/invoices/2026-13' }],
    ['#/containers/%E0%A4%A/logs', { page: 'not-found', path: '/containers/%E0%A4%A/logs' }],
    ['#/containers/..%2Fadmin/logs', { page: 'not-found', path: '/containers/..%2Fadmin/logs' }],
    ['#main', { page: 'not-found', path: 'main' }],
  ])('%p', (hash, route) => {
    expect(parseHash(hash)).toEqual(route);
  });

  it('round-trips every route through its href', () => {
    const routes: Route[] = [
      { page: 'live' },
      { page: 'usage' },
      { page: 'by-container' },
      { page: 'invoices' },
      { page: 'invoice', id: '2026-01' },
      { page: 'containers' },
      { page: 'logs', id: 'web-1' },
    ];
    for (const r of routes) expect(parseHash(hrefOf(r))).toEqual(r);
  });

  it('titles and sections', () => {
    expect(titleOf({ page: 'invoice', id: '2026-11' })).toBe('Invoice 2026-11');
    expect(sectionOf({ page: 'logs', id: 'x' })).toBe('containers');
    expect(sectionOf({ page: 'usage' })).toBe('usage');
  });
});
