import { type Command, Option } from 'commander';
import { NotificationStatus } from '../../functions/shared/domain/records.ts';
import { type ApiOptions, emit, withApi, withApiOptions } from './connection.ts';
import { localTime, zoneOf } from './format.ts';

/** `zhili outbox [list]` and `zhili outbox retry`: a campaign's notifications through the API (admin, office). */

export const registerOutboxCommands = (program: Command): void => {
  const outbox = program
    .command('outbox')
    .description("A campaign's notifications: what was sent, what waits, what was given up (dead letters)");

  withApiOptions(
    outbox
      .command('list', { isDefault: true })
      .description('List notifications with their channel, status, attempts and last error')
      .argument('<campaign>', 'campaign id')
      .addOption(new Option('--status <status>', 'only these').choices([...NotificationStatus.options])),
  ).action(async (campaignId: string, opts: ApiOptions & { status?: string }) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('listNotifications', {
        params: { campaignId },
        query: { status: opts.status },
      });
      if (opts.json) return emit(opts, raw, () => {});
      const all = data.notifications;
      const zone = await zoneOf(api, campaignId);
      const byStatus = new Map<string, number>();
      for (const n of all) byStatus.set(n.status, (byStatus.get(n.status) ?? 0) + 1);
      const counts = [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ');
      console.log(`${campaignId}: ${all.length} notification(s)${counts ? ` — ${counts}` : ''}`);
      for (const n of all) {
        const waits =
          n.status === 'pending' && n.notBefore
            ? ` not before ${localTime(n.notBefore, zone)} (${n.deferredBy ?? 'new'})`
            : '';
        console.log(
          `  ${n.id}  ${n.status.padEnd(7)} ${n.channel.padEnd(5)} ${n.kind.padEnd(19)} ${n.recipient.person.name}  attempts ${n.attempts}${waits}${n.lastError ? `  ✗ ${n.lastError}` : ''}`,
        );
      }
    }),
  );

  withApiOptions(
    outbox
      .command('retry')
      .description(
        "Put dead letters (all, or the ids given) back in the outbox; they go out at the campaign's next step",
      )
      .argument('<campaign>', 'campaign id')
      .argument('[ids...]', 'notification ids (default: every dead letter)'),
  ).action(async (campaignId: string, ids: string[], opts: ApiOptions) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('retryNotifications', {
        params: { campaignId },
        body: ids.length > 0 ? { ids } : {},
      });
      emit(opts, raw, () => {
        console.log(`${data.retried.length} dead letter(s) back in the outbox of ${campaignId}`);
        for (const id of data.retried) console.log(`  ${id}`);
        if (data.retried.length > 0) console.log("  they go out at the campaign's next step");
      });
    }),
  );
};
