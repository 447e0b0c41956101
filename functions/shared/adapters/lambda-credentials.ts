import { fromEnv } from '@aws-sdk/credential-provider-env';
import { type FromHttpOptions, fromHttp } from '@aws-sdk/credential-provider-http';
import { chain, memoize } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild alias in
 * `BUNDLING`, lib/project-function.ts); the local runtime and the tests load the SDK's own chain.
 *
 * Why: the Lambda runtime gives a function its role's credentials in environment variables (with
 * SnapStart, through the container credentials endpoint). The rest of the SDK's default chain — SSO,
 * shared ini files, credential_process, web identity, instance metadata, and the STS/SSO clients they
 * carry — can never answer there, yet is about 90 KB of every bundle. The order of the two that can
 * is the default chain's, and so is the refresh rule (five minutes before expiry).
 */

const EXPIRY_MARGIN_MS = 300_000;

const treatedAsExpired = (c: AwsCredentialIdentity): boolean =>
  c.expiration !== undefined && c.expiration.getTime() - Date.now() < EXPIRY_MARGIN_MS;
const willNeedRefresh = (c: AwsCredentialIdentity): boolean => c.expiration !== undefined;

export const defaultProvider = (
  init: FromHttpOptions & { logger?: Logger } = {},
): AwsCredentialIdentityProvider =>
  memoize(
    // fromHttp throws at construction when no endpoint is set, so it is built only when reached.
    chain(fromEnv(init), () => fromHttp(init)()),
    treatedAsExpired,
    willNeedRefresh,
  );
