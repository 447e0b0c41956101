import type { Command } from 'commander';
import * as z from 'zod/mini';
import { ApiError, claimsOf } from './api-client.ts';
import { EXIT, EXIT_CODES_HELP, UsageError } from './common.ts';
import {
  apiUrl,
  credentialsFile,
  exitWith,
  readCredentials,
  type StoredLogin,
  writeCredentials,
} from './connection.ts';

/**
 * `zhili login`: signs in to a deployed API's Cognito user pool with USER_PASSWORD_AUTH over plain
 * fetch and keeps the ID token (it carries the groups and custom:unit the API reads) in
 * `<stateDir>/credentials.json` (0600), keyed by the API's URL. `zhili logout` forgets it.
 * Neither prints a token or a password.
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Cognito's regional endpoint (China's regions are under amazonaws.com.cn); ZHILI_COGNITO_ENDPOINT replaces it in tests. */
const cognitoEndpoint = (region: string): string =>
  process.env.ZHILI_COGNITO_ENDPOINT ??
  `https://cognito-idp.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`;

/** What InitiateAuth and RespondToAuthChallenge answer: tokens, or another step to take. */
const AuthAnswer = z.object({
  AuthenticationResult: z.optional(z.object({ IdToken: z.string(), ExpiresIn: z.optional(z.number()) })),
  ChallengeName: z.optional(z.string()),
  Session: z.optional(z.string()),
  ChallengeParameters: z.optional(z.record(z.string(), z.string())),
});
type AuthAnswer = z.infer<typeof AuthAnswer>;
const CognitoError = z.object({ __type: z.optional(z.string()), message: z.optional(z.string()) });

/** Cognito's errors that mean "these credentials do not sign in": exit 4. */
const DENIED = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
]);

const denied = (message: string, hint?: string) =>
  new ApiError({ error: 'SignInRefused', message, ...(hint ? { hint } : {}) }, EXIT.denied, false);

/** A line typed at the terminal without echoing it. */
const promptHidden = (label: string): Promise<string> => {
  const { stdin, stderr } = process;
  stderr.write(label);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (finish: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      finish();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(() => resolve(typed));
        if (char === '\u0003') return done(() => reject(new UsageError('sign-in cancelled')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
};

/** A password from its environment variable, or typed at a prompt that does not echo it. */
const readSecret = async (variable: string, label: string): Promise<string> => {
  const value = process.env[variable];
  if (value) return value;
  if (!process.stdin.isTTY)
    throw new UsageError(`no ${label}: set ${variable}, or run zhili login in a terminal`);
  return promptHidden(`${label}: `);
};

/** One call to Cognito's API over fetch; its answer, or the ApiError its refusal means. */
const cognito = async (
  region: string,
  action: string,
  body: Record<string, unknown>,
): Promise<AuthAnswer> => {
  const endpoint = cognitoEndpoint(region);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
        'Content-Type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ApiError(
      {
        error: 'Unreachable',
        message: `cannot reach Cognito at ${endpoint} (${cause})`,
        hint: 'check --region and your network',
      },
      EXIT.runtime,
      false,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as unknown;
  if (!response.ok) {
    const parsed = CognitoError.safeParse(answer);
    const type = (parsed.success ? (parsed.data.__type ?? '') : '').split('#').pop() ?? '';
    const message = `Cognito refused the sign-in: ${(parsed.success && parsed.data.message) || `HTTP ${response.status}`}${type ? ` (${type})` : ''}`;
    if (DENIED.has(type)) throw denied(message, 'check --user and the password');
    if (response.status >= 500) throw new ApiError({ error: 'CognitoFailed', message }, EXIT.runtime, false);
    throw new ApiError(
      {
        error: 'CognitoRefused',
        message,
        hint:
          type === 'InvalidPasswordException'
            ? 'choose a password the pool accepts (at least 12 characters of all four kinds, not one of your last five)'
            : 'check --client-id and --region; the app client must allow USER_PASSWORD_AUTH and have no secret',
      },
      EXIT.badInput,
      false,
    );
  }
  const parsed = AuthAnswer.safeParse(answer);
  if (!parsed.success) {
    throw new ApiError(
      { error: 'BadAnswer', message: `Cognito at ${endpoint} answered ${action} with an unexpected body` },
      EXIT.runtime,
      false,
    );
  }
  return parsed.data;
};

interface LoginInput {
  clientId: string;
  region: string;
  user: string;
}

/**
 * USER_PASSWORD_AUTH; at the first sign-in Cognito asks for a new password (the temporary one came
 * by mail), which is answered with ZHILI_NEW_PASSWORD or a prompt. The ID token and when it expires.
 */
const signIn = async (input: LoginInput): Promise<{ idToken: string; expiresAt: string }> => {
  let answer = await cognito(input.region, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: input.clientId,
    AuthParameters: {
      USERNAME: input.user,
      PASSWORD: await readSecret('ZHILI_PASSWORD', `password for ${input.user}`),
    },
  });
  if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) {
    const newPassword = await readSecret('ZHILI_NEW_PASSWORD', 'Cognito asks for a new password; type it');
    if (!process.env.ZHILI_NEW_PASSWORD && (await promptHidden('again: ')) !== newPassword)
      throw new UsageError('the two new passwords differ; nothing was changed');
    answer = await cognito(input.region, 'RespondToAuthChallenge', {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      ClientId: input.clientId,
      Session: answer.Session,
      ChallengeResponses: {
        USERNAME: answer.ChallengeParameters?.USER_ID_FOR_SRP ?? input.user,
        NEW_PASSWORD: newPassword,
      },
    });
  }
  const result = answer.AuthenticationResult;
  if (!result) {
    throw denied(
      `Cognito asks for ${answer.ChallengeName ?? 'another step'} before it signs you in, which zhili login does not answer`,
      'sign in once where that step can be done (the AWS CLI: aws cognito-idp respond-to-auth-challenge), then try again',
    );
  }
  return {
    idToken: result.IdToken,
    expiresAt: new Date(Date.now() + (result.ExpiresIn ?? 3600) * 1000).toISOString(),
  };
};

export const registerLoginCommands = (program: Command): void => {
  program
    .command('login')
    .description('Sign in to a deployed zhili API (Cognito user name and password); keeps the ID token')
    .option('--api <url>', 'the deployed API (default: $ZHILI_API)')
    .requiredOption('--client-id <id>', "the user pool's app client id (USER_PASSWORD_AUTH, no secret)")
    .requiredOption('--region <region>', "the user pool's region, e.g. cn-north-1")
    .requiredOption('--user <name>', 'your user name or email')
    .option('--json', 'print who signed in and until when (never the token)')
    .addHelpText(
      'after',
      `\nThe password comes from ZHILI_PASSWORD or a prompt that does not echo it; at the first sign-in the
new password Cognito asks for from ZHILI_NEW_PASSWORD or a prompt. The ID token is kept in
<stateDir>/credentials.json (mode 0600), keyed by the API's URL; later commands to that API use it.${EXIT_CODES_HELP}`,
    )
    .action(
      async (opts: { api?: string; clientId: string; region: string; user: string; json?: boolean }) => {
        try {
          if (!opts.api && !process.env.ZHILI_API)
            throw new UsageError('give --api <url> (or ZHILI_API): the API to sign in to');
          const api = apiUrl(opts.api);
          if (!REGION.test(opts.region)) throw new UsageError(`--region ${opts.region}: e.g. cn-north-1`);
          const { idToken, expiresAt } = await signIn(opts);
          const login: StoredLogin = {
            idToken,
            expiresAt,
            user: opts.user,
            clientId: opts.clientId,
            region: opts.region,
          };
          await writeCredentials({ ...(await readCredentials()), [api]: login });
          const who = claimsOf(idToken);
          if (opts.json) {
            console.log(JSON.stringify({ api, user: opts.user, ...who, expiresAt }, null, 2));
          } else {
            const as = who.role
              ? ` (${who.role}${who.unit ? ` of ${who.unit}` : ''})`
              : ' (no zhili role yet)';
            console.log(`✓ signed in to ${api} as ${who.name ?? opts.user}${as} until ${expiresAt}`);
            console.log(`  the ID token is kept in ${credentialsFile()}; \`zhili logout\` forgets it`);
          }
        } catch (error) {
          exitWith(error, Boolean(opts.json));
        }
        process.exit(EXIT.ok);
      },
    );

  program
    .command('logout')
    .description('Forget the token `zhili login` kept for an API')
    .option('--api <url>', 'the API (default: $ZHILI_API)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { api?: string }) => {
      try {
        const api = apiUrl(opts.api);
        const { [api]: forgotten, ...rest } = await readCredentials();
        if (forgotten) await writeCredentials(rest);
        console.log(forgotten ? `✓ signed out of ${api}` : `not signed in to ${api}; nothing to forget`);
      } catch (error) {
        exitWith(error, false);
      }
      process.exit(EXIT.ok);
    });
};
