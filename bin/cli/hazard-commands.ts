import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { HAZARD_STATES, type HazardRecord, type HazardState } from '../../functions/shared/domain/hazard.ts';
import { ledgerCsv, ledgerRows, STATE_LABELS } from '../../functions/shared/domain/ledger-export.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import type { HazardCommandAction } from '../../functions/shared/http/schemas/work.ts';
import { writeLedgerXlsx } from '../local/ledger-xlsx.ts';
import type { ApiClient } from './api-client.ts';
import { isoInstant, UsageError } from './common.ts';
import { type ApiOptions, emit, withApi, withApiOptions } from './connection.ts';
import { localTime, serverNow, zoneOf } from './format.ts';

/**
 * `zhili hazard …`: the hazard ledger (隐患台账) through the API. The actor is the token's person
 * (the office's rules go by role: office and admin speak for the office); the time is the server's.
 */

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const URGENCIES = ['red', 'yellow', 'blue'];

const printItem = (item: HazardRecord, zone: string): void => {
  const deadline = item.deadline ? ` · deadline ${localTime(item.deadline, zone)}` : '';
  console.log(
    `✓ ${item.id} · ${STATE_LABELS[item.state]} (${item.state}) · ${item.responsibleUnit}${deadline}`,
  );
};

const person = (name?: string, phone?: string) => (name ? { name, ...(phone ? { phone } : {}) } : undefined);

/** The ledger as rows in local time with unit names, at the server's clock (for its overdue column). */
const ledgerTable = async (api: ApiClient, campaignId: string, items: HazardRecord[]) => {
  const [zone, units, now] = await Promise.all([
    zoneOf(api, campaignId),
    api.call('listUnits', { params: { campaignId } }),
    serverNow(api),
  ]);
  const names = new Map(units.data.units.map((u) => [u.id, u.name]));
  return ledgerRows(items, (id) => names.get(id) ?? id, zone, instant(now));
};

export const registerHazardCommands = (program: Command): void => {
  const hazard = program
    .command('hazard')
    .description('The hazard ledger (隐患台账): report, rectify, verify, list, export');

  withApiOptions(
    hazard
      .command('report')
      .description('Report a hazard (上报); --fixed closes it at once as fixed on the spot')
      .argument('<campaign>', 'campaign id')
      .requiredOption('--unit <id>', 'unit where it was found')
      .requiredOption('--location <text>', 'where exactly')
      .requiredOption('--category <text>', 'e.g. 消防器材, 消防通道, 燃气安全')
      .requiredOption('--description <text>', 'what is wrong')
      .addOption(new Option('--urgency <grade>', 'red 2 h, yellow 24 h, blue 72 h').choices(URGENCIES))
      .option('--fixed <evidence>', 'fixed on the spot: what was done')
      .option('--photo <ref>', 'photo reference of the fix (repeatable)', collect),
  ).action(
    async (
      campaignId: string,
      opts: ApiOptions & {
        unit: string;
        location: string;
        category: string;
        description: string;
        urgency?: string;
        fixed?: string;
        photo?: string[];
      },
    ) =>
      withApi(opts, async (api) => {
        if (opts.photo && !opts.fixed)
          throw new UsageError('--photo goes with --fixed (the evidence of the fix)');
        const { raw, data } = await api.call('reportHazard', {
          params: { campaignId },
          body: {
            unitId: opts.unit,
            location: opts.location,
            category: opts.category,
            description: opts.description,
            urgency: opts.urgency,
            fixedOnSpot: opts.fixed ? { text: opts.fixed, photos: opts.photo ?? [] } : undefined,
          },
        });
        if (opts.json) return emit(opts, raw, () => {});
        printItem(data, await zoneOf(api, campaignId));
      }),
  );

  /** A subcommand that sends one ledger command: its options become the body. */
  const transition = (
    action: HazardCommandAction,
    name: string,
    description: string,
    configure: (c: Command) => Command,
    toBody: (opts: Record<string, unknown>) => Record<string, unknown>,
  ) =>
    withApiOptions(
      configure(
        hazard
          .command(name)
          .description(description)
          .argument('<campaign>', 'campaign id')
          .argument('<item>', 'hazard id'),
      ),
    ).action(async (campaignId: string, hazardId: string, opts: ApiOptions & Record<string, unknown>) =>
      withApi(opts, async (api) => {
        const { raw, data } = await api.call('actOnHazard', {
          params: { campaignId, hazardId, action },
          body: toBody(opts),
        });
        if (opts.json) return emit(opts, raw, () => {});
        printItem(data, await zoneOf(api, campaignId));
      }),
    );

  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const photos = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

  transition(
    'order',
    'order',
    'Issue the rectification notice (整改通知): measures, responsible unit/person, deadline',
    (c) =>
      c
        .requiredOption('--measures <text>', 'rectification measures')
        .option('--unit <id>', 'responsible unit (default: where it was found)')
        .option('--person <name>', 'responsible person')
        .option('--phone <number>', "responsible person's phone")
        .option('--deadline <instant>', 'rectification deadline (default: by urgency)', isoInstant),
    (o) => ({
      measures: str(o.measures),
      responsibleUnit: str(o.unit),
      responsiblePerson: person(str(o.person), str(o.phone)),
      deadline: str(o.deadline),
    }),
  );
  transition(
    'accept',
    'accept',
    'The responsible unit takes the notice (签收): rectifying',
    (c) => c,
    () => ({}),
  );
  transition(
    'fixOnSpot',
    'fix',
    'A reported item fixed on the spot after all (当场整改): closed with the evidence',
    (c) =>
      c
        .requiredOption('--evidence <text>', 'what was done')
        .option('--photo <ref>', 'photo reference (repeatable)', collect),
    (o) => ({ evidence: { text: str(o.evidence), photos: photos(o.photo) } }),
  );
  transition(
    'update',
    'update',
    'Change details of an open item; moving the deadline needs --reason',
    (c) =>
      c
        .option('--location <text>')
        .option('--category <text>')
        .option('--description <text>')
        .option('--measures <text>')
        .addOption(new Option('--urgency <grade>').choices(URGENCIES))
        .option('--person <name>', 'responsible person')
        .option('--phone <number>', "responsible person's phone")
        .option('--deadline <instant>', 'new deadline', isoInstant)
        .option('--reason <text>'),
    (o) => ({
      location: str(o.location),
      category: str(o.category),
      description: str(o.description),
      measures: str(o.measures),
      urgency: str(o.urgency),
      responsiblePerson: person(str(o.person), str(o.phone)),
      deadline: str(o.deadline),
      reason: str(o.reason),
    }),
  );
  transition(
    'submit',
    'submit',
    'Submit the fix for verification, with evidence (整改凭证)',
    (c) =>
      c
        .requiredOption('--evidence <text>', 'what was done')
        .option('--photo <ref>', 'photo reference (repeatable)', collect),
    (o) => ({ evidence: { text: str(o.evidence), photos: photos(o.photo) } }),
  );
  transition(
    'verify',
    'verify',
    'Verify a submitted fix (复查; the reporter or the office): --pass closes it (销号); --fail needs --reason and --deadline',
    (c) =>
      c
        .option('--pass', 'the fix holds')
        .option('--fail', 'the fix does not hold')
        .option('--reason <text>')
        .option('--deadline <instant>', 'new deadline after a failed verification', isoInstant),
    (o) => {
      if (Boolean(o.pass) === Boolean(o.fail)) throw new UsageError('give exactly one of --pass and --fail');
      return { passed: Boolean(o.pass), reason: str(o.reason), deadline: str(o.deadline) };
    },
  );
  transition(
    'decline',
    'decline',
    'Decline the item as not the unit’s responsibility (退单)',
    (c) => c.requiredOption('--reason <text>'),
    (o) => ({ reason: str(o.reason) }),
  );
  transition(
    'reassign',
    'reassign',
    'The office reassigns a declined item (改派)',
    (c) =>
      c
        .requiredOption('--unit <id>', 'new responsible unit')
        .option('--person <name>')
        .option('--phone <number>')
        .option('--measures <text>')
        .option('--deadline <instant>', 'deadline (default: by urgency)', isoInstant)
        .option('--reason <text>'),
    (o) => ({
      responsibleUnit: str(o.unit),
      responsiblePerson: person(str(o.person), str(o.phone)),
      measures: str(o.measures),
      deadline: str(o.deadline),
      reason: str(o.reason),
    }),
  );
  transition(
    'close',
    'close',
    'The office closes an item without a fix (closed, not fixed)',
    (c) => c.requiredOption('--reason <text>'),
    (o) => ({ reason: str(o.reason) }),
  );
  transition(
    'reopen',
    'reopen',
    'Reopen a closed item',
    (c) => c.requiredOption('--reason <text>').option('--deadline <instant>', 'new deadline', isoInstant),
    (o) => ({ reason: str(o.reason), deadline: str(o.deadline) }),
  );

  withApiOptions(
    hazard
      .command('show')
      .description('One item and its trail (who, when, from, to, why)')
      .argument('<campaign>', 'campaign id')
      .argument('<item>', 'hazard id'),
  ).action(async (campaignId: string, hazardId: string, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('getHazard', { params: { campaignId, hazardId } });
      if (opts.json) return emit(opts, raw, () => {});
      const zone = await zoneOf(api, campaignId);
      printItem(data.item, zone);
      console.log(`  ${data.item.location} · ${data.item.category} · ${data.item.description}`);
      for (const e of data.trail) {
        console.log(
          `  ${e.seq}. ${localTime(e.at, zone)} ${e.actor}: ${e.action} ${e.from ?? '—'} → ${e.to}${e.reason ? ` (${e.reason})` : ''}`,
        );
      }
    }),
  );

  withApiOptions(
    hazard
      .command('list')
      .description('The ledger (台账), by unit, state or overdue; --json adds the counts per unit')
      .argument('<campaign>', 'campaign id')
      .option('--unit <id>', 'responsible unit')
      .addOption(new Option('--state <state>').choices([...HAZARD_STATES]))
      .option('--overdue', "only items overdue at the server's clock")
      .option('--open', 'only open items'),
  ).action(
    async (
      campaignId: string,
      opts: ApiOptions & { unit?: string; state?: HazardState; overdue?: boolean; open?: boolean },
    ) =>
      withApi(opts, async (api) => {
        const { raw, data } = await api.call('listHazards', {
          params: { campaignId },
          query: { unit: opts.unit, state: opts.state, overdue: opts.overdue, open: opts.open },
        });
        if (opts.json) return emit(opts, raw, () => {});
        // The export's columns: id, state, responsible unit, where, what, deadline, overdue.
        for (const row of await ledgerTable(api, campaignId, data.items)) {
          const [id, , location, , description, , , , state, unit, , , deadline, overdue] = row;
          console.log(
            `${id}  ${state}  ${unit}  ${location}  ${description}${deadline ? `  限${deadline}` : ''}${overdue === '是' ? '  逾期' : ''}`,
          );
        }
        console.log(`${data.items.length} item(s)`);
      }),
  );

  withApiOptions(
    hazard
      .command('export')
      .description('Export the ledger as CSV or XLSX (by the file extension), as the API lists it')
      .argument('<campaign>', 'campaign id')
      .option('--out <file>', 'ledger.csv or ledger.xlsx', 'ledger.csv'),
  ).action(async (campaignId: string, opts: ApiOptions & { out: string }) =>
    withApi(opts, async (api) => {
      const { data } = await api.call('listHazards', { params: { campaignId } });
      const rows = await ledgerTable(api, campaignId, data.items);
      const file = resolve(opts.out);
      await mkdir(dirname(file), { recursive: true });
      if (file.endsWith('.xlsx')) await writeLedgerXlsx(rows, file);
      else await writeFile(file, ledgerCsv(rows), 'utf8');
      emit(opts, { file, items: rows.length }, () =>
        console.log(`✓ ${rows.length} item(s) written to ${file}`),
      );
    }),
  );
};
