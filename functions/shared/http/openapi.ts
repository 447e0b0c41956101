import * as z from 'zod/mini';
import { Person, Unit } from '../domain/definition.ts';
import { Evidence, HazardEvent, HazardRecord } from '../domain/hazard.ts';
import {
  AuditEvent,
  BulletinRecord,
  InspectionRecord,
  Notification,
  ReportRecord,
  TaskRecord,
} from '../domain/records.ts';
import { ReportContent } from '../domain/report-content.ts';
import { NextStep } from '../domain/state.ts';
import { ControlRequest, ExtendRequest } from '../use-cases/controls.ts';
import { type ApiFunction, ROUTES, type RouteMeta } from './api-routes.ts';
import { ErrorBody, type RouteSchema } from './route-schema.ts';
import { CampaignStatusView, ControlResult, campaignSchemas, DefinitionBody } from './schemas/campaigns.ts';
import { docsSchemas } from './schemas/docs.ts';
import { notificationSchemas } from './schemas/notifications.ts';
import { HAZARD_COMMAND_BODIES, workSchemas } from './schemas/work.ts';

/**
 * The OpenAPI 3.1 document, generated from the route table and the routes' zod schemas:
 * `npm run openapi` writes it to openapi.json, which api-docs serves at /openapi.json and a
 * unit test keeps equal to what this generates. Request schemas are described as zod reads them
 * (`io: 'input'`: defaults optional), answers as they are sent (`io: 'output'`).
 */

const SCHEMAS: Record<string, RouteSchema> = {
  ...campaignSchemas,
  ...workSchemas,
  ...notificationSchemas,
  ...docsSchemas,
};

type JsonSchema = Record<string, unknown>;
type Registry = ReturnType<typeof z.registry<{ id: string }>>;

const FUNCTION_TAGS: Record<ApiFunction, string> = {
  'api-campaigns': 'Definitions, campaigns and their steering, units, the audit trail',
  'api-work': 'Weekly reports, bulletins, inspections, tasks and the hazard ledger',
  'api-notifications': 'The outbox and its dead letters',
  'api-docs': 'This API’s description',
};

/** Records shared by many answers, named once under components/schemas. */
const OUTPUT_COMPONENTS: [z.ZodMiniType, string][] = [
  [ErrorBody, 'Error'],
  [Person, 'Person'],
  [Unit, 'Unit'],
  [AuditEvent, 'AuditEvent'],
  [NextStep, 'NextStep'],
  [ReportRecord, 'ReportRecord'],
  [BulletinRecord, 'BulletinRecord'],
  [InspectionRecord, 'InspectionRecord'],
  [TaskRecord, 'TaskRecord'],
  [HazardRecord, 'HazardRecord'],
  [HazardEvent, 'HazardEvent'],
  [Notification, 'Notification'],
  [CampaignStatusView, 'CampaignStatusView'],
  [ControlResult, 'ControlResult'],
];

/** What requests share; named apart from the answers' versions, since defaults make them differ. */
const INPUT_COMPONENTS: [z.ZodMiniType, string][] = [
  [Person, 'PersonInput'],
  [Evidence, 'EvidenceInput'],
  [ReportContent, 'ReportContentInput'],
  [DefinitionBody, 'DefinitionBody'],
  [ControlRequest, 'ControlRequest'],
  [ExtendRequest, 'ExtendRequest'],
  ...Object.entries(HAZARD_COMMAND_BODIES).map(([action, schema]): [z.ZodMiniType, string] => [
    schema,
    `${action}HazardCommand`,
  ]),
];

const ERRORS = {
  400: ['BadRequest', 'The request is invalid: `message` says what is wrong, `issues` names each field.'],
  401: ['Unauthorized', 'No token, or an invalid or expired one.'],
  403: ['Forbidden', 'The role may not use this route, or the item belongs to another unit.'],
  404: ['NotFound', 'No such campaign or item (or one of another unit, for a liaison or grid worker).'],
  409: ['Conflict', 'The campaign or item is not in a state that takes this request.'],
  413: ['PayloadTooLarge', 'The body is over 256 KB.'],
  415: ['UnsupportedMediaType', 'The body is not sent as application/json.'],
  500: ['InternalServerError', 'A failure on the server side; quote the request id in the message.'],
} as const;

/** Formats whose meaning OpenAPI tools know: zod's long regular expression for them says nothing more. */
const KNOWN_FORMATS = new Set(['date-time', 'date', 'email']);

/** Without `$schema` and `$id` (components are not documents) and without the patterns of known formats. */
const stripped = (schema: JsonSchema): JsonSchema =>
  JSON.parse(JSON.stringify(schema), function (this: JsonSchema, key, value) {
    if (key === '$schema' || key === '$id') return undefined;
    if (key === 'pattern' && typeof this.format === 'string' && KNOWN_FORMATS.has(this.format))
      return undefined;
    return value;
  }) as JsonSchema;

/** Every schema of a registry as components, referring to each other by `#/components/schemas/<id>`. */
const componentsOf = (registry: Registry, io: 'input' | 'output'): Record<string, JsonSchema> => {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, stripped(s as JsonSchema)]));
};

/** Path or query parameters from an object schema, one per property. */
const parametersOf = (schema: z.ZodMiniType | undefined, where: 'path' | 'query'): JsonSchema[] => {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: stripped(property),
  }));
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const errorRef = (status: keyof typeof ERRORS) => ({ $ref: `#/components/responses/${ERRORS[status][0]}` });

const rolesText = (route: RouteMeta): string =>
  route.public
    ? 'Public: no token needed.'
    : `Roles: ${route.roles.join(', ')}.${route.roles.some((r) => r === 'liaison' || r === 'gridWorker') ? ' A liaison or grid worker acts for their own unit only.' : ''}`;

/** `ids`: the component names of the route's body and answer (shared schemas keep their own name). */
const operationOf = (route: RouteMeta, schema: RouteSchema, ids: { body?: string; response: string }) => {
  const statuses: (keyof typeof ERRORS)[] = [
    400,
    ...(route.public ? [] : ([401, 403] as const)),
    ...(schema.params ? ([404] as const) : []),
    ...(route.method !== 'GET' ? ([409] as const) : []),
    ...(schema.body ? ([413, 415] as const) : []),
    500,
  ];
  const success = String(schema.status ?? 200);
  return {
    operationId: route.id,
    summary: route.summary,
    description: [schema.description, rolesText(route)].filter(Boolean).join('\n\n'),
    tags: [route.fn],
    'x-roles': route.roles,
    ...(route.public ? { security: [] } : {}),
    parameters: [...parametersOf(schema.params, 'path'), ...parametersOf(schema.query, 'query')],
    ...(schema.body
      ? {
          requestBody: {
            required: !schema.bodyOptional,
            content: { 'application/json': { schema: ref(ids.body ?? `${route.id}Body`) } },
          },
        }
      : {}),
    responses: {
      [success]: {
        description: route.summary,
        content: {
          'application/json': { schema: ref(ids.response) },
          ...Object.fromEntries(
            (schema.produces ?? []).map((type) => [type, { schema: { type: 'string' } }]),
          ),
        },
      },
      ...Object.fromEntries(statuses.map((status) => [String(status), errorRef(status)])),
    },
  };
};

export const openApiDocument = (version: string): JsonSchema => {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  for (const [schema, id] of INPUT_COMPONENTS) inputs.add(schema, { id });
  for (const [schema, id] of OUTPUT_COMPONENTS) outputs.add(schema, { id });
  const idOf = (registry: Registry, schema: z.ZodMiniType, id: string): string => {
    if (!registry.has(schema)) registry.add(schema, { id });
    return registry.get(schema)?.id ?? id;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES as readonly RouteMeta[]) {
    const schema = SCHEMAS[route.id];
    if (!schema) throw new Error(`route ${route.id} has no schemas`);
    const ids = {
      body: schema.body ? idOf(inputs, schema.body, `${route.id}Body`) : undefined,
      response: idOf(outputs, schema.response, `${route.id}Response`),
    };
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operationOf(route, schema, ids),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'zhili',
      version,
      description:
        'Community-governance campaigns (专项整治) as running workflows: campaigns and their steering, weekly reports and bulletins, the hazard ledger (隐患台账), notifications. Every route but /openapi.json needs a bearer token (a Cognito ID token; locally, a dev token from `zhili token` or `zhili serve`). Errors are `{ error, message, issues? }`.',
    },
    servers: [{ url: 'http://127.0.0.1:8787', description: 'zhili serve (local)' }],
    security: [{ bearer: [] }],
    tags: Object.entries(FUNCTION_TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token of the staff user pool: `cognito:groups` holds the role, `custom:unit` the unit of a liaison or grid worker, `name` the person.',
        },
      },
      responses: Object.fromEntries(
        Object.values(ERRORS).map(([name, description]) => [
          name,
          { description, content: { 'application/json': { schema: ref('Error') } } },
        ]),
      ),
      schemas: { ...componentsOf(outputs, 'output'), ...componentsOf(inputs, 'input') },
    },
  };
};

/** The document as committed: two-space JSON with a final newline. */
export const openApiText = (version: string): string =>
  `${JSON.stringify(openApiDocument(version), null, 2)}\n`;
