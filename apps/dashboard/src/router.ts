// Hash routes: everything after "#" stays in the browser, so no address the dashboard shows ever
// reaches a server log (the API key never is in one anyway: it lives in sessionStorage).

export type Route =
  | { readonly page: 'live' }
  | { readonly page: 'usage' }
  | { readonly page: 'by-container' }
  | { readonly page: 'invoices' }
  | { readonly page: 'invoice'; readonly id: string }
  | { readonly page: 'containers' }
  | { readonly page: 'logs'; readonly id: string }
  | { readonly page: 'not-found'; readonly path: string };

const INVOICE_ID = /^\d{4}-(0[1-9]|1[0-2])$/;
/** Container ids and names: letters, digits, "_", "." and "-". */
const CONTAINER_REF = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The route of a location hash ("#/invoices/2026-11"); "", "#" and "#/" are the live meter. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '' || path === '/live') return { page: 'live' };
  if (path === '/usage') return { page: 'usage' };
  if (path === '/by-container') return { page: 'by-container' };
  if (path === '/invoices') return { page: 'invoices' };
  if (path === '/containers') return { page: 'containers' };
  const invoice = /^\/invoices\/([^/]+)$/.exec(path);
  if (invoice?.[1] !== undefined) {
    const id = decode(invoice[1]);
    if (id !== null && INVOICE_ID.test(id)) return { page: 'invoice', id };
  }
  const logs = /^\/containers\/([^/]+)\/logs$/.exec(path);
  if (logs?.[1] !== undefined) {
    const id = decode(logs[1]);
    if (id !== null && CONTAINER_REF.test(id)) return { page: 'logs', id };
  }
  return { page: 'not-found', path };
}

/** The href of a route, for real links: "#/containers/ctr_123/logs". */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'invoice':
      return `#/invoices/${encodeURIComponent(route.id)}`;
    case 'logs':
      return `#/containers/${encodeURIComponent(route.id)}/logs`;
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.page}`;
  }
}

/** The page's name, for its heading and the document title. */
export function titleOf(route: Route): string {
  switch (route.page) {
    case 'live':
      return 'Live meter';
    case 'usage':
      return 'Usage over time';
    case 'by-container':
      return 'Usage by container';
    case 'invoices':
      return 'Invoices';
    case 'invoice':
      return `Invoice ${route.id}`;
    case 'containers':
      return 'Containers';
    case 'logs':
      return `Logs of ${route.id}`;
    case 'not-found':
      return 'Page not found';
  }
}

/** The top-level section a route belongs to, for the navigation's current link. */
export function sectionOf(route: Route): Route['page'] {
  switch (route.page) {
    case 'invoice':
      return 'invoices';
    case 'logs':
      return 'containers';
    default:
      return route.page;
  }
}
