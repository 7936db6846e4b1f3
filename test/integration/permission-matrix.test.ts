import { ApplicationCommandOptionType } from 'discord.js';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buttons, commands, modals } from '../../commands/index.js';
import { createMemoryRepositories } from '../../src/adapters/memory/repositories.js';
import type { NewDeploy } from '../../src/app/ports/repositories.js';
import { isUserFacingError } from '../../src/domain/errors.js';
import { newId } from '../../src/domain/ids.js';
import { ALL_TARGETS, type Lock } from '../../src/domain/model.js';
import { allows, PERMISSIONS, rankOf, type Action } from '../../src/domain/roles.js';
import { people, ROLES, startAppHarness, type AppHarness } from '../helpers/app-deps.js';

/**
 * Every command and button × who presses it, each cell a real invocation of the registered definition (what
 * the router calls) on a record set up for it, held to the one table in src/domain/roles.ts: refused with
 * NOT_ALLOWED exactly where the table says no. The requester (or a lock's owner) appears as an R4, as an R5,
 * and with the role removed between the request and the click.
 */
const requesterId = '900000000000000006';
const PERSONAS = {
  none: { ...people.dave },
  R4: { id: '900000000000000005', name: 'erin', roleIds: [ROLES.r4] },
  R5: { ...people.carol },
  'requester R4': { id: requesterId, name: 'rita', roleIds: [ROLES.r4] },
  'requester R5': { id: requesterId, name: 'rita', roleIds: [ROLES.r5] },
  'requester, role removed': { id: requesterId, name: 'rita', roleIds: [] as string[] },
};
type Persona = keyof typeof PERSONAS;

/** A record each cell starts from: a deploy by the requester, or a lock the requester owns. */
type Setup =
  { deploy: Partial<NewDeploy>; approval?: boolean } | { lock: 'env' | 'global' } | Record<string, never>;

interface Cell {
  /** `/command subcommand`, or `button:action` / `modal:action`, as registered. */
  readonly entry: string;
  readonly action: Action;
  readonly setup: Setup;
  readonly options?: Record<string, unknown>;
  readonly fields?: Record<string, string>;
  /** What follows the deploy id in the button's custom_id (a checklist item's index). */
  readonly idSuffix?: string;
}

const inFlight = { state: 'running' as const, runId: 4242, dispatchedAt: new Date() };
const CELLS: Cell[] = [
  { entry: '/deploy', action: 'deploy', setup: {}, options: { service: 'api', env: 'staging' } },
  {
    entry: '/approve',
    action: 'approve',
    setup: { deploy: { state: 'awaiting_approval', env: 'prod' }, approval: true },
  },
  {
    entry: 'button:approve',
    action: 'approve',
    setup: { deploy: { state: 'awaiting_approval', env: 'prod' }, approval: true },
  },
  {
    entry: 'button:reject',
    action: 'reject',
    setup: { deploy: { state: 'awaiting_approval', env: 'prod' }, approval: true },
  },
  { entry: 'button:cancel', action: 'cancel', setup: { deploy: { state: 'queued' } } },
  { entry: 'button:deploy-now', action: 'deployNow', setup: { deploy: { state: 'requested' } } },
  { entry: 'button:cancel-run', action: 'controlRun', setup: { deploy: inFlight } },
  { entry: 'button:rerun', action: 'controlRun', setup: { deploy: inFlight } },
  {
    entry: 'button:cancel-run',
    action: 'controlApprovedRun',
    setup: { deploy: { ...inFlight, env: 'prod' } },
  },
  { entry: 'button:rerun', action: 'controlApprovedRun', setup: { deploy: { ...inFlight, env: 'prod' } } },
  {
    entry: 'button:verify',
    action: 'verify',
    setup: { deploy: { state: 'succeeded', verification: 'pending' } },
  },
  {
    entry: 'button:rollback',
    action: 'rollback',
    setup: { deploy: { state: 'succeeded', verification: 'faulty', previousSha: 'b'.repeat(40) } },
  },
  {
    entry: 'button:acknowledge',
    action: 'acknowledge',
    setup: { deploy: { ...inFlight, kind: 'rollback', emergency: true } },
  },
  {
    entry: 'button:override',
    action: 'override',
    setup: { deploy: { state: 'queued', env: 'prod', waitingFor: { code: 'FROZEN', reason: 'frozen' } } },
  },
  {
    entry: 'modal:override-plan',
    action: 'override',
    setup: { deploy: { state: 'queued', env: 'prod', waitingFor: { code: 'FROZEN', reason: 'frozen' } } },
    fields: { reason: 'customers are down', rollback_plan: 'roll back to the last verified version' },
  },
  { entry: '/rollback', action: 'rollback', setup: {}, options: { service: 'api', env: 'staging' } },
  { entry: '/freeze start', action: 'freeze', setup: {}, options: { duration: '1h', reason: 'game night' } },
  {
    entry: '/freeze schedule',
    action: 'freeze',
    setup: {},
    options: { start: 'in 2h', duration: '1h', reason: 'game night' },
  },
  { entry: '/freeze lift', action: 'freeze', setup: {}, options: { id: 'F7K3F9QXA' } },
  { entry: '/freeze list', action: 'view', setup: {}, options: {} },
  { entry: '/maintenance on', action: 'maintenance', setup: {}, options: { reason: 'db upgrade' } },
  { entry: '/maintenance off', action: 'maintenance', setup: {}, options: { reason: 'db upgrade' } },
  { entry: '/smoke run', action: 'smokeRun', setup: {}, options: {} },
  { entry: '/history', action: 'view', setup: {}, options: { service: 'api' } },
  { entry: '/audit', action: 'view', setup: {}, options: {} },
  { entry: '/health', action: 'view', setup: {}, options: {} },
  { entry: '/status', action: 'view', setup: {}, options: {} },
  {
    entry: '/lock service',
    action: 'lock',
    setup: {},
    options: { service: 'api', env: 'staging', reason: 'db work', ttl: '1h' },
  },
  { entry: '/lock all', action: 'lockAll', setup: {}, options: { reason: 'incident' } },
  {
    entry: '/unlock service',
    action: 'unlock',
    setup: { lock: 'env' },
    options: { service: 'api', env: 'staging' },
  },
  { entry: '/unlock all', action: 'unlockAll', setup: { lock: 'global' }, options: {} },
  {
    entry: 'button:tick',
    action: 'tickChecklist',
    setup: { deploy: { state: 'awaiting_approval', env: 'prod' }, approval: true },
    idSuffix: '_1',
  },
  { entry: 'button:rollout-promote', action: 'controlRollout', setup: { deploy: { state: 'rolling_out' } } },
  { entry: 'button:rollout-pause', action: 'controlRollout', setup: { deploy: { state: 'rolling_out' } } },
  { entry: 'button:rollout-resume', action: 'controlRollout', setup: { deploy: { state: 'rolling_out' } } },
  { entry: 'button:rollout-abort', action: 'controlRollout', setup: { deploy: { state: 'rolling_out' } } },
  { entry: '/schedule list', action: 'view', setup: {}, options: {} },
  { entry: '/schedule cancel', action: 'cancel', setup: { deploy: { state: 'scheduled' } }, options: {} },
  { entry: '/stats', action: 'view', setup: {}, options: {} },
];

let h: AppHarness;
beforeAll(async () => {
  h = await startAppHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  // Each cell starts from empty repositories (the harness's GitHub stays).
  Object.assign(h.deps.repos, createMemoryRepositories());
});

const log = pino({ level: 'silent' });

async function prepare(setup: Setup): Promise<string> {
  const id = newId('D');
  const requester = { id: requesterId, name: 'rita' };
  if ('deploy' in setup) {
    const now = new Date();
    await h.deps.repos.deploys.create({
      id,
      kind: 'deploy',
      service: 'api',
      env: 'staging',
      ref: 'main',
      sha: 'a'.repeat(40),
      state: 'requested',
      reason: '',
      requestedBy: requester,
      createdAt: now,
      ...setup.deploy,
    });
    if (setup.approval) {
      await h.deps.repos.approvals.create({
        deployId: id,
        service: 'api',
        env: setup.deploy.env ?? 'staging',
        sha: 'a'.repeat(40),
        status: 'pending',
        requestedBy: requester,
        requestedAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        repingAt: new Date(now.getTime() + 1_800_000),
        repinged: false,
        checklist: [{ text: 'Migrations applied to staging and green' }],
      });
    }
  }
  if ('lock' in setup) {
    const global = setup.lock === 'global';
    const lock: Lock = {
      service: global ? ALL_TARGETS : 'api',
      env: global ? ALL_TARGETS : 'staging',
      kind: 'manual',
      reason: 'owned by the requester',
      createdBy: requester,
      createdAt: new Date(),
    };
    await h.deps.repos.locks.acquire(lock);
  }
  return id;
}

/** Runs the registered command, button or modal; the error it was refused with, if any. */
async function invoke(cell: Cell, persona: Persona, id: string): Promise<unknown> {
  const actor = PERSONAS[persona];
  const context = {
    id: `${id}${cell.idSuffix ?? ''}`,
    actor,
    deps: h.deps,
    log,
    channelId: 'ops',
    messageId: 'm1',
  };
  const [kind, name] = cell.entry.startsWith('/')
    ? ['command', cell.entry.slice(1)]
    : (cell.entry.split(':') as [string, string]);
  const work = async () => {
    if (kind === 'command') {
      const [command, subcommand] = name.split(' ');
      const definition = commands.find((c) => c.data.name === command)!;
      const raw = {
        ...(subcommand ? { subcommand } : {}),
        ...(cell.options ?? {}),
        ...(command === 'approve' || (command === 'schedule' && subcommand === 'cancel') ? { id } : {}),
      };
      return definition.run({
        options: definition.options.parse(raw),
        actor,
        deps: h.deps,
        log,
        channelId: 'ops',
      });
    }
    if (kind === 'modal') {
      return modals.find((m) => m.action === name)!.run({ ...context, fields: cell.fields ?? {} });
    }
    const button = buttons.find((b) => b.action === name)!;
    return button.modal ? button.modal(context) : button.run(context);
  };
  return work().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('the permission matrix', () => {
  it('has a cell for every registered command, subcommand, button and modal', () => {
    const registered = [
      ...commands.flatMap((c) => {
        const subs = (c.data.options ?? [])
          .filter((o) => o.type === ApplicationCommandOptionType.Subcommand)
          .map((o) => `/${c.data.name} ${o.name}`);
        return subs.length ? subs : [`/${c.data.name}`];
      }),
      ...buttons.map((b) => `button:${b.action}`),
      ...modals.map((m) => `modal:${m.action}`),
    ];
    expect([...new Set(CELLS.map((c) => c.entry))].sort()).toEqual([...new Set(registered)].sort());
  });

  it('matches SPEC §3 where the spec names the rule', () => {
    expect(allows('approve', 'R5', true)).toBe(false); // four-eyes
    expect(allows('approve', 'R4', false)).toBe(false);
    expect(allows('deploy', 'R4', false)).toBe(true);
    expect(allows('deploy', 'none', false)).toBe(false);
    expect(allows('freeze', 'R4', false)).toBe(false);
    expect(allows('unlock', 'R4', true)).toBe(true); // the owner
    expect(allows('unlock', 'R4', false)).toBe(false);
    expect(allows('unlock', 'R5', false)).toBe(true);
    expect(allows('lockAll', 'R4', false)).toBe(false);
    expect(allows('view', 'none', false)).toBe(true);
    expect(allows('deployNow', 'R5', false)).toBe(false);
    expect(Object.keys(PERMISSIONS)).toEqual(expect.arrayContaining(CELLS.map((c) => c.action)));
  });

  const rows = CELLS.flatMap((cell) =>
    (Object.keys(PERSONAS) as Persona[]).map((persona) => {
      const actor = PERSONAS[persona];
      const allowed = allows(cell.action, rankOf(actor, ROLES), actor.id === requesterId);
      return { ...cell, persona, allowed, label: `${cell.entry} (${cell.action}) × ${persona}` };
    }),
  );
  it.each(rows)('$label', async ({ persona, allowed, ...cell }) => {
    const id = await prepare(cell.setup);
    const error = await invoke(cell, persona, id);
    const refused = isUserFacingError(error) && error.code === 'NOT_ALLOWED';
    expect(refused, `${allowed ? 'refused' : 'let through'}: ${String(error)}`).toBe(!allowed);
  });
});
