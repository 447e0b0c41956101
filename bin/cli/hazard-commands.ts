import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { StoredDefinition } from '../../functions/shared/domain/definition.ts';
import { NotFoundError, ValidationError } from '../../functions/shared/domain/errors.ts';
import {
  HAZARD_STATES,
  type HazardCommandInput,
  type HazardRecord,
  type HazardState,
} from '../../functions/shared/domain/hazard.ts';
import { ledgerCsv, ledgerRows, STATE_LABELS } from '../../functions/shared/domain/ledger-export.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { type Instant, instant } from '../../functions/shared/domain/schedule.ts';
import {
  actOnHazard,
  getHazard,
  hazardTrail,
  ledgerCounts,
  listLedger,
  reportHazard,
} from '../../functions/shared/use-cases/hazards.ts';
import { writeLedgerXlsx } from '../local/ledger-xlsx.ts';
import { EXIT, isoInstant, withLocalStore } from './common.ts';

/**
 * `zhili hazard …`: the ledger's commands against the local runtime's table (.zhili/). Each command
 * acts at --at (default now) as --by (default $USER). Refusals exit 1 with the domain's message.
 */

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface Common {
  at?: string;
  by?: string;
  json?: boolean;
}

/** Runs a ledger command on the local runtime's table, at `--at` on the virtual clock (default now). */
const withStore = (opts: Common, act: (store: CampaignStore, at: Instant) => Promise<void>): Promise<never> =>
  withLocalStore(Boolean(opts.json), (store) => act(store, instant(opts.at ?? new Date().toISOString())));

const namesAndZone = async (store: CampaignStore, campaignId: string) => {
  const record = await store.getCampaign(campaignId);
  if (!record) throw new NotFoundError(`no campaign "${campaignId}" on the local runtime`);
  const names = new Map((await store.listUnits(campaignId)).map((u) => [u.id, u.name]));
  return { names, zone: StoredDefinition.parse(record.definition).timeZone };
};

const actor = (opts: Common): string => opts.by ?? process.env.USER ?? 'local-admin';

const printItem = (item: HazardRecord, json: boolean | undefined): void => {
  if (json) console.log(JSON.stringify(item, null, 2));
  else {
    const deadline = item.deadline ? ` · deadline ${item.deadline}` : '';
    console.log(
      `✓ ${item.id} · ${STATE_LABELS[item.state]} (${item.state}) · ${item.responsibleUnit}${deadline}`,
    );
  }
};

const person = (name?: string, phone?: string) => (name ? { name, ...(phone ? { phone } : {}) } : undefined);

const withCommon = (command: Command): Command =>
  command
    .option('--at <instant>', 'when it happens (default: now)', isoInstant)
    .option('--by <name>', 'who acts (default: $USER); the office is its head or staff by name')
    .option('--json', 'machine-readable output');

export const hazardCommand = (): Command => {
  // Set before the subcommands are made, so that they inherit it: usage errors exit 2, as everywhere.
  const hazard = new Command('hazard')
    .description('The hazard ledger (隐患台账): report, rectify, verify, list, export')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

  withCommon(
    hazard
      .command('report')
      .description('Report a hazard (上报); --fixed closes it at once as fixed on the spot')
      .argument('<campaign>', 'campaign id')
      .requiredOption('--unit <id>', 'unit where it was found')
      .requiredOption('--location <text>', 'where exactly')
      .requiredOption('--category <text>', 'e.g. 消防器材, 消防通道, 燃气安全')
      .requiredOption('--description <text>', 'what is wrong')
      .addOption(
        new Option('--urgency <grade>', 'red 2 h, yellow 24 h, blue 72 h').choices(['red', 'yellow', 'blue']),
      )
      .option('--fixed <evidence>', 'fixed on the spot: what was done')
      .option('--photo <ref>', 'photo reference (repeatable)', collect),
  ).action(
    async (
      campaignId: string,
      opts: Common & {
        unit: string;
        location: string;
        category: string;
        description: string;
        urgency?: 'red' | 'yellow' | 'blue';
        fixed?: string;
        photo?: string[];
      },
    ) =>
      withStore(opts, async (store, at) => {
        const item = await reportHazard(
          store,
          {
            campaignId,
            actor: actor(opts),
            report: {
              unitId: opts.unit,
              location: opts.location,
              category: opts.category,
              description: opts.description,
              urgency: opts.urgency,
              reportedBy: actor(opts),
              fixedOnSpot: opts.fixed ? { text: opts.fixed, photos: opts.photo ?? [] } : undefined,
            },
          },
          at,
        );
        printItem(item, opts.json);
      }),
  );

  /** A subcommand that turns its options into one ledger command. */
  const transition = (
    name: string,
    description: string,
    configure: (c: Command) => Command,
    toCommand: (opts: Record<string, unknown>) => HazardCommandInput,
  ) =>
    withCommon(
      configure(hazard.command(name).description(description).argument('<campaign>').argument('<item>')),
    ).action(async (campaignId: string, hazardId: string, opts: Common & Record<string, unknown>) =>
      withStore(opts, async (store, at) => {
        const item = await actOnHazard(
          store,
          { campaignId, hazardId, actor: actor(opts), command: toCommand(opts) },
          at,
        );
        printItem(item, opts.json);
      }),
    );

  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const photos = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

  transition(
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
      action: 'order',
      measures: str(o.measures) ?? '',
      responsibleUnit: str(o.unit),
      responsiblePerson: person(str(o.person), str(o.phone)),
      deadline: str(o.deadline),
    }),
  );
  transition(
    'accept',
    'The responsible unit takes the notice (签收): rectifying',
    (c) => c,
    () => ({ action: 'accept' }),
  );
  transition(
    'update',
    'Change details; moving the deadline needs --reason',
    (c) =>
      c
        .option('--location <text>')
        .option('--category <text>')
        .option('--description <text>')
        .option('--measures <text>')
        .addOption(new Option('--urgency <grade>').choices(['red', 'yellow', 'blue']))
        .option('--deadline <instant>', 'new deadline', isoInstant)
        .option('--reason <text>'),
    (o) => ({
      action: 'update',
      location: str(o.location),
      category: str(o.category),
      description: str(o.description),
      measures: str(o.measures),
      urgency: str(o.urgency) as 'red' | 'yellow' | 'blue' | undefined,
      deadline: str(o.deadline),
      reason: str(o.reason),
    }),
  );
  transition(
    'submit',
    'Submit the fix for verification, with evidence (整改凭证)',
    (c) =>
      c
        .requiredOption('--evidence <text>', 'what was done')
        .option('--photo <ref>', 'photo reference (repeatable)', collect),
    (o) => ({ action: 'submit', evidence: { text: str(o.evidence) ?? '', photos: photos(o.photo) } }),
  );
  transition(
    'verify',
    'Verify a submitted fix (复查): --pass closes it (销号); --fail needs --reason and --deadline',
    (c) =>
      c
        .option('--pass', 'the fix holds')
        .option('--fail', 'the fix does not hold')
        .option('--reason <text>')
        .option('--deadline <instant>', 'new deadline after a failed verification', isoInstant),
    (o) => {
      if (Boolean(o.pass) === Boolean(o.fail)) {
        throw new ValidationError('give exactly one of --pass and --fail', [
          { path: 'passed', message: 'required' },
        ]);
      }
      return { action: 'verify', passed: Boolean(o.pass), reason: str(o.reason), deadline: str(o.deadline) };
    },
  );
  transition(
    'decline',
    'Decline the item as not the unit’s responsibility (退单)',
    (c) => c.requiredOption('--reason <text>'),
    (o) => ({ action: 'decline', reason: str(o.reason) ?? '' }),
  );
  transition(
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
      action: 'reassign',
      responsibleUnit: str(o.unit) ?? '',
      responsiblePerson: person(str(o.person), str(o.phone)),
      measures: str(o.measures),
      deadline: str(o.deadline),
      reason: str(o.reason),
    }),
  );
  transition(
    'close',
    'The office closes an item without a fix (closed, not fixed)',
    (c) => c.requiredOption('--reason <text>'),
    (o) => ({ action: 'close', reason: str(o.reason) ?? '' }),
  );
  transition(
    'reopen',
    'Reopen a closed item: --reason required',
    (c) => c.option('--reason <text>').option('--deadline <instant>', 'new deadline', isoInstant),
    (o) => ({ action: 'reopen', reason: str(o.reason) ?? '', deadline: str(o.deadline) }),
  );

  withCommon(
    hazard
      .command('show')
      .description('One item and its trail (who, when, from, to, why)')
      .argument('<campaign>')
      .argument('<item>'),
  ).action(async (campaignId: string, hazardId: string, opts: Common) =>
    withStore(opts, async (store) => {
      const item = await getHazard(store, campaignId, hazardId);
      const trail = await hazardTrail(store, campaignId, hazardId);
      if (opts.json) return console.log(JSON.stringify({ item, trail }, null, 2));
      printItem(item, false);
      for (const e of trail) {
        console.log(
          `  ${e.seq}. ${e.at} ${e.actor}: ${e.action} ${e.from ?? '—'} → ${e.to}${e.reason ? ` (${e.reason})` : ''}`,
        );
      }
    }),
  );

  withCommon(
    hazard
      .command('list')
      .description('The ledger (台账), by unit, state or overdue; with the counts per unit')
      .argument('<campaign>')
      .option('--unit <id>', 'responsible unit')
      .addOption(new Option('--state <state>').choices([...HAZARD_STATES]))
      .option('--overdue', 'only items overdue at --at')
      .option('--open', 'only open items'),
  ).action(
    async (
      campaignId: string,
      opts: Common & { unit?: string; state?: HazardState; overdue?: boolean; open?: boolean },
    ) =>
      withStore(opts, async (store, at) => {
        const items = await listLedger(
          store,
          campaignId,
          { unitId: opts.unit, state: opts.state, overdue: opts.overdue, open: opts.open },
          at,
        );
        if (opts.json) {
          return console.log(
            JSON.stringify({ items, counts: await ledgerCounts(store, campaignId, at) }, null, 2),
          );
        }
        // The export's columns, in local time with unit names: id, state, responsible unit, where, what, deadline, overdue.
        const { names, zone } = await namesAndZone(store, campaignId);
        for (const row of ledgerRows(items, (id) => names.get(id) ?? id, zone, at)) {
          const [id, , location, , description, , , , state, unit, , , deadline, overdue] = row;
          console.log(
            `${id}  ${state}  ${unit}  ${location}  ${description}${deadline ? `  限${deadline}` : ''}${overdue === '是' ? '  逾期' : ''}`,
          );
        }
        console.log(`${items.length} item(s)`);
      }),
  );

  withCommon(
    hazard
      .command('export')
      .description('Export the ledger as CSV or XLSX (by the file extension)')
      .argument('<campaign>')
      .option('--out <file>', 'ledger.csv or ledger.xlsx', 'ledger.csv'),
  ).action(async (campaignId: string, opts: Common & { out: string }) =>
    withStore(opts, async (store, at) => {
      const items = await listLedger(store, campaignId, {}, at);
      const { names, zone } = await namesAndZone(store, campaignId);
      const rows = ledgerRows(items, (id) => names.get(id) ?? id, zone, at);
      const file = resolve(opts.out);
      await mkdir(dirname(file), { recursive: true });
      if (file.endsWith('.xlsx')) await writeLedgerXlsx(rows, file);
      else await writeFile(file, ledgerCsv(rows), 'utf8');
      if (opts.json) console.log(JSON.stringify({ ok: true, file, items: rows.length }));
      else console.log(`✓ ${rows.length} item(s) written to ${file}`);
    }),
  );

  return hazard;
};
