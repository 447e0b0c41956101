import * as z from 'zod/mini';
import type { JsonService } from '../aws-request.ts';

/**
 * A robot's credentials, kept in Secrets Manager under the name the definition gives
 * (`zhili/robots/…`): DingTalk's access token and signing secret, or WeCom's webhook key.
 * The definition, the logs and the outbox never hold them.
 */
export const RobotCredentials = z.union([
  z.strictObject({
    accessToken: z.string().check(z.minLength(1)),
    secret: z.optional(z.string().check(z.minLength(1))),
  }),
  z.strictObject({ key: z.string().check(z.minLength(1)) }),
]);
export type RobotCredentials = z.infer<typeof RobotCredentials>;

export interface SecretSource {
  robotCredentials(name: string): Promise<RobotCredentials>;
}

/**
 * Secrets Manager, cached per container for five minutes so a rotated token is picked up. One
 * GetSecretValue call (AWS JSON 1.1, the request the SDK's GetSecretValueCommand makes) signed for
 * `secretsmanager`: see aws-request.ts for why not the SDK's client. Its errors keep the SDK's
 * names (ResourceNotFoundException…), which RobotNotifier reads.
 */
export class SecretsManagerSource implements SecretSource {
  private readonly cache = new Map<string, { value: RobotCredentials; until: number }>();
  constructor(
    private readonly secretsManager: JsonService,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async robotCredentials(name: string): Promise<RobotCredentials> {
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now()) return hit.value;
    const out = (await this.secretsManager.post(
      '/',
      { SecretId: name },
      {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
    )) as { SecretString?: string };
    let json: unknown;
    try {
      json = JSON.parse(out.SecretString ?? '');
    } catch {
      // Never echo the value: it is the secret.
      throw new Error(`secret ${name} is not JSON of the form {"accessToken","secret"} or {"key"}`);
    }
    const parsed = RobotCredentials.safeParse(json);
    if (!parsed.success) throw new Error(`secret ${name} has neither {"accessToken"} nor {"key"}`);
    this.cache.set(name, { value: parsed.data, until: Date.now() + this.ttlMs });
    return parsed.data;
  }
}

/** The Secrets Manager API as SecretsManagerSource calls it. */
export const secretsManagerHost = { signingName: 'secretsmanager', hostPrefix: 'secretsmanager' } as const;

/** Local runs and tests: credentials given in memory. */
export class StaticSecretSource implements SecretSource {
  constructor(private readonly values: Record<string, RobotCredentials>) {}

  async robotCredentials(name: string): Promise<RobotCredentials> {
    const value = this.values[name];
    if (!value) throw new Error(`no credentials for robot secret ${name}`);
    return value;
  }
}
