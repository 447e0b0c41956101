import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/shared/http/api-routes.ts';
import { openApiDocument, openApiText } from '../../functions/shared/http/openapi.ts';
import packageJson from '../../package.json' with { type: 'json' };

/** The OpenAPI document: generated from the route table and the zod schemas, committed, and complete. */

const committed = readFileSync(join(import.meta.dirname, '../../openapi.json'), 'utf8');

type Operation = {
  operationId: string;
  description: string;
  security?: unknown[];
  'x-roles': string[];
  requestBody?: { required: boolean };
  responses: Record<string, unknown>;
};

describe('openapi.json', () => {
  it('is what the schemas generate (run `npm run openapi` after changing a route or a schema)', () => {
    // Act
    const generated = openApiText(packageJson.version);

    // Assess: compared as text, so that the first differing line shows.
    expect(committed).toBe(generated);
  });

  it('has one operation per route, with its roles, its security and its error answers', () => {
    // Act
    const doc = openApiDocument(packageJson.version) as { paths: Record<string, Record<string, Operation>> };

    // Assess
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.operationId).toBe(route.id);
      expect(operation?.['x-roles']).toEqual(route.roles);
      if ('public' in route) {
        expect(operation?.security).toEqual([]);
        expect(operation?.description).toContain('Public: no token needed.');
      } else {
        expect(operation?.security).toBeUndefined();
        expect(operation?.description).toContain(`Roles: ${route.roles.join(', ')}.`);
        expect(Object.keys(operation?.responses ?? {})).toEqual(
          expect.arrayContaining(['400', '401', '403', '500']),
        );
      }
    }
    expect(Object.values(doc.paths).flatMap((item) => Object.keys(item))).toHaveLength(ROUTES.length);
  });

  it('refers only to components it defines', () => {
    // Prepare
    const doc = openApiDocument(packageJson.version) as {
      components: Record<string, Record<string, unknown>>;
    };
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([\w.]+)"/g)];

    // Assess
    expect(refs.length).toBeGreaterThan(50);
    for (const [, kind, name] of refs)
      expect(doc.components[kind as string], `${kind}/${name}`).toHaveProperty([name as string]);
  });

  it('describes request bodies as zod reads them and answers as they are sent', () => {
    // Act
    const doc = openApiDocument(packageJson.version) as {
      components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
    };
    const { schemas } = doc.components;

    // Assess: urgency has a default, so a report may leave it out, and an answer always has it.
    expect(schemas.reportHazardBody?.required).toEqual(['unitId', 'location', 'category', 'description']);
    expect(schemas.reportHazardBody?.properties).not.toHaveProperty('reportedBy');
    expect(schemas.HazardRecord?.required).toContain('urgency');
    expect(schemas.submitReportBody?.properties?.content).toEqual({
      $ref: '#/components/schemas/ReportContentInput',
    });
  });
});
