import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StringAttribute,
  UserPool,
  UserPoolEmail,
  type UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../functions/shared/http/api-routes.ts';

/** The custom attribute that ties a liaison or grid worker to their unit (`custom:unit` in the ID token). */
export const UNIT_ATTRIBUTE = 'unit';

const GROUP_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Campaign administrators: launch and steer campaigns',
  office: 'Street-office staff: follow the ledger, reports and bulletins',
  liaison: 'Unit liaisons: reports and fixes for their own unit',
  gridWorker: 'Grid workers: hazards and tasks of their own unit',
  leader: 'Leaders: read only',
};

/**
 * The people who use the HTTP API: a Cognito user pool with one group per role. It holds people
 * and their memberships, so it lives in the stateful stack, retained and protected from deletion.
 *
 * - Administrators create every account (no self sign-up); the e-mail address is the user name,
 *   matched case-insensitively, and the way back in when a password is lost.
 * - A liaison's or grid worker's unit is the custom attribute `unit`, which only administrators
 *   set (AdminUpdateUserAttributes); the app client cannot write it (see campaign-api.ts).
 * - Changing the sign-in attributes or removing the custom attribute would replace the pool, that
 *   is lose every account: those properties are fixed here for good.
 */
export class StaffDirectory extends Construct {
  readonly userPool: UserPool;
  readonly groups: Record<Role, UserPoolGroup>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: 'zhili-staff',
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed address takes effect only once verified; until then the old one still signs in.
      keepOriginal: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      customAttributes: {
        [UNIT_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      // Cognito's own mail: enough for invitations and password resets of a street office's staff.
      email: UserPoolEmail.withCognito(),
      userInvitation: {
        emailSubject: 'zhili: your account',
        emailBody:
          'An administrator created your zhili account. User name: {username}. Temporary password: {####} (valid for 3 days; you choose your own at the first sign-in).',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Role names exactly as the route table's ROLES: the handlers read them from `cognito:groups`.
    this.groups = Object.fromEntries(
      ROLES.map((role, precedence) => {
        const group = this.userPool.addGroup(`Group-${role}`, {
          groupName: role,
          description: GROUP_DESCRIPTIONS[role],
          precedence,
        });
        group.applyRemovalPolicy(RemovalPolicy.RETAIN);
        return [role, group];
      }),
    ) as Record<Role, UserPoolGroup>;
  }
}
