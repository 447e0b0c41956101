import { type HttpMethod, ROUTES, type RouteMeta } from './api-routes.ts';

/**
 * Which route a request is for, as API Gateway matches it: each `{param}` is one whole, non-empty
 * path segment, the rest must be equal. The local server and the tests use it; on AWS, API
 * Gateway does this itself and hands the Lambda `routeKey` and `pathParameters`.
 */

export interface RouteMatch {
  route: RouteMeta;
  routeKey: string;
  /** Decoded, as API Gateway passes them. */
  pathParameters: Record<string, string>;
}

const segmentsOf = (path: string): string[] => path.split('/').slice(1);

const matchPath = (template: string, path: string): Record<string, string> | null => {
  const want = segmentsOf(template);
  const got = segmentsOf(path);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i] as string;
    const param = /^\{(\w+)\}$/.exec(part)?.[1];
    if (param) {
      if (actual === '') return null;
      try {
        params[param] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (part !== actual) return null;
  }
  return params;
};

export type MatchResult =
  | ({ kind: 'route' } & RouteMatch)
  /** The path is a route's, the method is not: API Gateway answers 404, we say which methods it takes. */
  | { kind: 'method'; allowed: HttpMethod[] }
  | { kind: 'none' };

export const matchRoute = (
  method: string,
  path: string,
  routes: readonly RouteMeta[] = ROUTES,
): MatchResult => {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) {
      return { kind: 'route', route, routeKey: `${route.method} ${route.path}`, pathParameters: params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'method', allowed } : { kind: 'none' };
};
