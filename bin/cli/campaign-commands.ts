import { type Command, InvalidArgumentError } from 'commander';
import type { Person, Unit } from '../../functions/shared/domain/definition.ts';
import type { AuditEvent } from '../../functions/shared/domain/records.ts';
import type { NextStep } from '../../functions/shared/domain/state.ts';
import { type Answer, ApiError } from './api-client.ts';
import { loadFile } from './common.ts';
import { type ApiOptions, emit, exitWith, withApi, withApiOptions } from './connection.ts';
import { localTime, zoneOf } from './format.ts';

/**
 * `zhili campaigns|launch|status|pause|resume|advance|extend|close|audit|units`: campaigns and
 * their steering through the API (api-campaigns).
 */

const nextLine = (next: NextStep | undefined, zone: string): string =>
  next
    ? `${next.moment} at ${localTime(next.at, zone)}${next.period ? ` (period ${next.period})` : ''}`
    : 'nothing (the workflow has ended)';

/** An audit entry on one line: when, who, what, and why when there is a reason. */
const auditLine = (event: AuditEvent, zone: string): string => {
  const { reason, ...rest } = event.detail as { reason?: unknown };
  const detail = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const why = typeof reason === 'string' ? ` — ${reason}` : '';
  return `${localTime(event.at, zone)}  ${event.actor}  ${event.action}${why}${detail.length > 120 ? `${detail.slice(0, 117)}…` : detail}`;
};

const personLine = (person: Person): string =>
  `${person.name}${person.title ? ` (${person.title})` : ''}${person.phone ? ` ${person.phone}` : ''}`;

const printStatus = (view: Answer<'getCampaign'>): void => {
  const { campaign, timeline, workflow, recent } = view;
  const zone = campaign.timeZone;
  const phase = campaign.phase ? ` · ${campaign.phase} round ${campaign.round}` : '';
  console.log(`${campaign.id} · ${campaign.title} · ${campaign.status}${phase}`);
  console.log(
    `  execution ${campaign.executionName} (generation ${campaign.generation}) · ${campaign.unitCount} units` +
      `${campaign.launchedAt ? ` · launched ${localTime(campaign.launchedAt, zone)}` : ''}` +
      `${campaign.pausedAt ? ` · paused ${localTime(campaign.pausedAt, zone)}` : ''}` +
      `${campaign.closedAt ? ` · closed ${localTime(campaign.closedAt, zone)}` : ''}`,
  );
  console.log(`phases (times in ${zone}):`);
  for (const p of timeline) {
    const planned = `planned ${localTime(p.plannedStart, zone)} → ${p.plannedEnd ? localTime(p.plannedEnd, zone) : 'open'}`;
    const ran = p.startedAt
      ? ` · ran ${localTime(p.startedAt, zone)} → ${p.closedAt ? localTime(p.closedAt, zone) : 'now'}`
      : '';
    console.log(`  ${p.status.padEnd(7)} ${`${p.phase} r${p.round}`.padEnd(12)} ${p.name}  ${planned}${ran}`);
  }
  if (campaign.status === 'running' || campaign.status === 'paused') {
    const waits = campaign.status === 'paused' ? ' (once resumed)' : '';
    console.log(`next: ${nextLine(workflow.next, zone)}${waits}`);
  }
  if (workflow.upcoming.length > 0) {
    console.log('upcoming:');
    for (const tick of workflow.upcoming) {
      console.log(
        `  ${localTime(tick.at, zone)}  ${tick.moment}${tick.period ? `  period ${tick.period}` : ''}`,
      );
    }
  }
  if (recent.length > 0) {
    console.log('recent:');
    for (const event of recent.slice(0, 5)) console.log(`  ${auditLine(event, zone)}`);
  }
};

const days = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new InvalidArgumentError('expected whole days, 1–365');
  return n;
};

const CONTROLS = [
  [
    'pause',
    'pauseCampaign',
    'Pause a running campaign: no reminder or escalation goes out; the schedule is kept',
  ],
  ['resume', 'resumeCampaign', 'Resume a paused campaign: what fell due meanwhile runs at once, in order'],
  ['advance', 'advancePhase', 'End the running phase now and start the next one'],
  ['close', 'closeCampaign', 'End the campaign and its execution (what waits in the outbox still goes out)'],
] as const;

const PAST: Record<string, string> = {
  pause: 'paused',
  resume: 'resumed',
  advance: 'advanced',
  extend: 'extended',
  close: 'closed',
};

const printControl = (verb: string, result: Answer<'pauseCampaign'>, zone: string): void => {
  const phase = result.phase ? ` · ${result.phase} round ${result.round}` : '';
  console.log(
    `✓ ${PAST[verb]} ${result.campaignId}: ${result.status}${phase} · execution ${result.executionName ?? 'stopped'}`,
  );
  console.log(`  recorded: ${auditLine(result.audit, zone)}`);
  if (result.status === 'running' || result.status === 'paused') {
    console.log(
      `  next: ${nextLine(result.next, zone)}${result.status === 'paused' ? ' (once resumed)' : ''}`,
    );
  }
};

export const registerCampaignCommands = (program: Command): void => {
  withApiOptions(program.command('campaigns').description('List the campaigns')).action(
    async (opts: ApiOptions) =>
      withApi(opts, async (api) => {
        const { raw, data } = await api.call('listCampaigns');
        emit(opts, raw, () => {
          for (const c of data.campaigns) {
            console.log(`${c.id.padEnd(24)} ${c.status.padEnd(8)} ${(c.phase ?? '').padEnd(9)} ${c.title}`);
          }
          console.log(`${data.campaigns.length} campaign(s)`);
        });
      }),
  );

  withApiOptions(
    program
      .command('launch')
      .description(
        'Create a campaign from its file (checked here first) and launch it; launching it again starts nothing',
      )
      .argument('<file>', 'campaign definition (YAML)'),
  ).action(async (file: string, opts: ApiOptions) => {
    const definition = await loadFile(file).catch((error: unknown) => exitWith(error, Boolean(opts.json)));
    await withApi(opts, async (api) => {
      let created = true;
      try {
        await api.call('createCampaign', { body: { definition } });
      } catch (error) {
        // The id is taken: the campaign exists, and launching it is what is asked.
        if (!(error instanceof ApiError && error.failure.status === 409)) throw error;
        created = false;
      }
      const launched = await api.call('launchCampaign', { params: { campaignId: definition.id }, body: {} });
      if (opts.json) {
        console.log(JSON.stringify({ created, ...(launched.raw as object) }, null, 2));
        return;
      }
      const { campaignId, executionName, started } = launched.data;
      if (!created) console.log(`${campaignId} exists already: the stored campaign is the one launched`);
      if (!started) {
        console.log(`${campaignId} was launched before (execution ${executionName}); nothing started.`);
        return;
      }
      console.log(`✓ ${created ? 'created and ' : ''}launched ${campaignId} as execution ${executionName}`);
      const { campaign, workflow } = (await api.call('getCampaign', { params: { campaignId } })).data;
      console.log(`  ${campaign.status}; next: ${nextLine(workflow.next, campaign.timeZone)}`);
    });
  });

  withApiOptions(
    program
      .command('status')
      .description(
        'A campaign: its status, the timeline of phases, the coming ticks, the latest audit entries',
      )
      .argument('<campaign>', 'campaign id'),
  ).action(async (campaignId: string, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('getCampaign', { params: { campaignId } });
      emit(opts, raw, () => printStatus(data));
    }),
  );

  for (const [verb, route, description] of CONTROLS) {
    withApiOptions(
      program
        .command(verb)
        .description(`${description} (admin; recorded with who and why)`)
        .argument('<campaign>', 'campaign id')
        .requiredOption('--reason <text>', 'why: kept in the audit trail'),
    ).action(async (campaignId: string, opts: ApiOptions & { reason: string }) =>
      withApi(opts, async (api) => {
        const { raw, data } = await api.call(route, {
          params: { campaignId },
          body: { reason: opts.reason },
        });
        if (opts.json) return emit(opts, raw, () => {});
        printControl(verb, data, await zoneOf(api, campaignId));
      }),
    );
  }

  withApiOptions(
    program
      .command('extend')
      .description('Extend the running phase by whole days; in round 0 the later phases move with it (admin)')
      .argument('<campaign>', 'campaign id')
      .requiredOption('--days <n>', 'how many days, 1–365', days)
      .requiredOption('--reason <text>', 'why: kept in the audit trail'),
  ).action(async (campaignId: string, opts: ApiOptions & { days: number; reason: string }) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('extendPhase', {
        params: { campaignId },
        body: { days: opts.days, reason: opts.reason },
      });
      if (opts.json) return emit(opts, raw, () => {});
      printControl('extend', data, await zoneOf(api, campaignId));
    }),
  );

  withApiOptions(
    program
      .command('audit')
      .description('The audit trail: who did what, when and why (admin, office, leader)')
      .argument('<campaign>', 'campaign id'),
  ).action(async (campaignId: string, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('listAudit', { params: { campaignId } });
      if (opts.json) return emit(opts, raw, () => {});
      const zone = await zoneOf(api, campaignId);
      for (const event of data.events) console.log(auditLine(event, zone));
      console.log(`${data.events.length} entr${data.events.length === 1 ? 'y' : 'ies'}`);
    }),
  );

  withApiOptions(
    program
      .command('units')
      .description('The responsible units with their people, or one unit (a liaison sees their own)')
      .argument('<campaign>', 'campaign id')
      .argument('[unit]', 'one unit id'),
  ).action(async (campaignId: string, unitId: string | undefined, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      if (unitId) {
        const { raw, data } = await api.call('getUnit', { params: { campaignId, unitId } });
        return emit(opts, raw, () => printUnit(data));
      }
      const { raw, data } = await api.call('listUnits', { params: { campaignId } });
      emit(opts, raw, () => {
        for (const u of data.units) {
          console.log(
            `${u.id.padEnd(24)} ${u.kind.padEnd(10)} ${u.name}  liaison ${personLine(u.liaison)}${u.reports ? '' : '  (reports through its parent)'}`,
          );
        }
        console.log(`${data.units.length} unit(s)`);
      });
    }),
  );
};

const printUnit = (unit: Unit): void => {
  console.log(`${unit.id} · ${unit.name} · ${unit.kind}${unit.parent ? ` in ${unit.parent}` : ''}`);
  console.log(`  leader   ${personLine(unit.leader)}`);
  console.log(`  liaison  ${personLine(unit.liaison)}`);
  for (const worker of unit.gridWorkers) console.log(`  grid     ${personLine(worker)}`);
  console.log(`  ${unit.reports ? 'files the periodic report' : 'reports through its parent'}`);
};
