import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERRIDE_MODAL } from '../../commands/override.js';
import { customId } from '../../src/adapters/discord/command.js';
import { DEPLOY_BUTTONS } from '../../src/adapters/discord/render/deploy-card.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import {
  canApprove,
  canCancel,
  canFreeze,
  canRejectDeploy,
  canRequestDeploy,
  canToggleMaintenance,
  canView,
  type Permission,
  type RoleActor,
  type RoleIds,
} from '../../src/domain/roles.js';
import { people, ROLES, startAppHarness, trackUntilDone, type AppHarness } from '../helpers/app-deps.js';
import { recordFigure } from './figures.js';
import {
  createRouterDriver,
  requiredOptions,
  type Outcome,
  type Person,
  type RouterDriver,
} from './router-driver.js';

/**
 * SPEC §3: the permission matrix of today's commands and buttons, each cell driven through the real router
 * and asserted against the one table (src/domain/roles.ts). A new command or button is one more row.
 */
const requester = people.alice;
const COLUMNS: Record<string, Person> = {
  'no role': people.dave,
  R4: { id: '900000000000000005', name: 'erin', roleIds: [ROLES.r4] },
  R5: people.bob,
  'R5, role removed mid-flow': { ...people.bob, roleIds: [] },
  requester,
  'requester, role removed mid-flow': { ...requester, roleIds: [] },
};

interface Row {
  name: string;
  /** What the one table says for this person. */
  rule: (actor: RoleActor, roles: RoleIds, requesterId: string) => Permission;
  /** Does it, as the person, through the router. */
  act: (driver: RouterDriver, person: Person, deployId: string) => Promise<Outcome>;
  /** Needs a prod deploy by the requester waiting for approval, fresh for each cell. */
  needsPendingDeploy?: boolean;
}

const command =
  (name: string, subcommand?: string, extra: Record<string, string> = {}) =>
  (driver: RouterDriver, person: Person) =>
    driver.command(person, name, { ...requiredOptions(name, subcommand), ...extra }, subcommand);
const button = (action: string) => (driver: RouterDriver, person: Person, deployId: string) =>
  driver.button(person, customId(action, deployId));

const ROWS: Row[] = [
  // Buttons first: a freeze or maintenance switched on by a command row would hold prod requests back.
  { name: 'Approve button', rule: canApprove, act: button(DEPLOY_BUTTONS.approve), needsPendingDeploy: true },
  {
    name: 'Reject button',
    rule: canRejectDeploy,
    act: button(DEPLOY_BUTTONS.reject),
    needsPendingDeploy: true,
  },
  { name: 'Cancel button', rule: canCancel, act: button(DEPLOY_BUTTONS.cancel), needsPendingDeploy: true },
  {
    name: '/deploy staging',
    rule: canRequestDeploy,
    act: command('deploy', undefined, { service: 'web', env: 'staging' }),
  },
  { name: '/history', rule: canView, act: command('history') },
  { name: '/health', rule: canView, act: command('health') },
  { name: '/audit', rule: canView, act: command('audit') },
  { name: '/freeze list', rule: canView, act: command('freeze', 'list') },
  { name: '/freeze start', rule: canFreeze, act: command('freeze', 'start', { env: 'staging' }) },
  { name: '/freeze lift', rule: canFreeze, act: command('freeze', 'lift', { id: 'F7K3F9QXA' }) },
  { name: '/maintenance on', rule: canToggleMaintenance, act: command('maintenance', 'on') },
  { name: '/maintenance off', rule: canToggleMaintenance, act: command('maintenance', 'off') },
];

let h: AppHarness;
let driver: RouterDriver;
const cells = { tried: 0, passing: 0 };

beforeAll(async () => {
  h = await startAppHarness();
  driver = createRouterDriver(h.deps);
  // A verified staging deploy, so prod requests go to approval.
  const staging = await requestDeploy(h.deps, { actor: requester, service: 'api', env: 'staging' });
  const done = await trackUntilDone(h.deps, staging.progress.deploy.id);
  await h.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
});
afterAll(async () => {
  await h.close();
  recordFigure('permission matrix', {
    tried: cells.tried,
    problems: cells.tried - cells.passing,
    detail: { rows: ROWS.length, columns: Object.keys(COLUMNS).length },
  });
});

/** A harness of its own with a prod deploy by the requester waiting for approval: each cell starts clean. */
async function pendingDeploy(): Promise<{ harness: AppHarness; id: string }> {
  const harness = await startAppHarness();
  const staging = await requestDeploy(harness.deps, { actor: requester, service: 'api', env: 'staging' });
  const done = await trackUntilDone(harness.deps, staging.progress.deploy.id);
  await harness.deps.repos.deploys.update(done.id, { verification: 'verified' }, new Date());
  const { progress } = await requestDeploy(harness.deps, { actor: requester, service: 'api', env: 'prod' });
  expect(progress.deploy.state).toBe('awaiting_approval');
  return { harness, id: progress.deploy.id };
}

describe('permission matrix: every command and button × none / R4 / R5 / requester / role removed', () => {
  const roles = (): RoleIds => h.deps.config.discord.roles;
  it.each(
    ROWS.flatMap((row) =>
      Object.entries(COLUMNS).map(([column, person]) => [row.name, column, row, person] as const),
    ),
  )('%s as %s: what src/domain/roles.ts says', async (_row, _column, row, person) => {
    cells.tried += 1;
    const pending = row.needsPendingDeploy ? await pendingDeploy() : undefined;
    const expected = row.rule(person, roles(), requester.id);
    try {
      const outcome = await row.act(
        pending ? createRouterDriver(pending.harness.deps) : driver,
        person,
        pending?.id ?? '',
      );
      expect(outcome.problems).toEqual([]);
      expect(outcome.pings).toBe(0);
      // Every reason this row's rule gives anyone: an allowed person sees none of them.
      const reasons = Object.values(COLUMNS).flatMap((p) => {
        const verdict = row.rule(p, roles(), requester.id);
        return verdict.ok ? [] : [verdict.reason];
      });
      if (expected.ok) for (const reason of reasons) expect(outcome.text).not.toContain(reason);
      else {
        expect(outcome.text).toContain(expected.reason);
        expect(outcome.ephemeral).toBe(true);
        // Refused: the deploy is exactly where it was.
        if (pending)
          expect((await pending.harness.deps.repos.deploys.get(pending.id))?.state).toBe('awaiting_approval');
      }
      cells.passing += 1;
    } finally {
      await pending?.harness.close();
      if (row.name === '/maintenance on' && expected.ok)
        await command('maintenance', 'off')(driver, people.bob);
    }
  });
});

describe('forged and replayed custom_ids, and interactions with fields missing', () => {
  it('a forged custom_id on a button or a form is refused plainly, ephemeral, and changes nothing', async () => {
    let tried = 0;
    const before = await h.deps.repos.audit.find({ limit: 1_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.constantFrom(...Object.values(DEPLOY_BUTTONS)).map((action) => `${action}:D00000000`),
          fc
            .tuple(fc.constantFrom(...Object.values(DEPLOY_BUTTONS)), fc.string({ maxLength: 120 }))
            .map(([a, id]) => `${a}:${id}`),
          fc.constant(`${DEPLOY_BUTTONS.approve}:${'9'.repeat(200)}`),
          fc.constant('__proto__:constructor'),
        ),
        fc.constantFrom(people.bob, people.dave),
        async (id, person) => {
          tried += 2;
          for (const outcome of [
            await driver.button(person, id),
            await driver.modal(person, id, { reason: 'x', rollback_plan: 'y' }),
          ]) {
            expect(outcome.problems).toEqual([]);
            expect(outcome.sent.length).toBeGreaterThan(0);
            expect(outcome.ephemeral).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(await h.deps.repos.audit.find({ limit: 1_000 })).toEqual(before);
    recordFigure('forged custom_ids', { tried, problems: 0 });
  });

  it('a replayed Approve (the same click twice) approves once, and dispatches one run', async () => {
    const { harness, id } = await pendingDeploy();
    try {
      const own = createRouterDriver(harness.deps);
      const first = await own.button(people.bob, customId(DEPLOY_BUTTONS.approve, id));
      const replay = await own.button(people.carol, customId(DEPLOY_BUTTONS.approve, id));
      expect(first.problems).toEqual([]);
      expect(replay.problems).toEqual([]);
      expect(harness.github.runs('example-org/api').filter((r) => r.inputs.deploy_id === id)).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('an interaction without a member (a DM, or a forged one) is answered, never a crash', async () => {
    const outcome = await driver.command(
      { id: '900000000000000009', name: 'mallory', roleIds: [] },
      'deploy',
      {
        service: 'api',
        env: 'prod',
      },
    );
    expect(outcome.problems).toEqual([]);
    const form = await driver.modal(people.bob, customId(OVERRIDE_MODAL, 'D00000000'), {});
    expect(form.problems).toEqual([]);
    expect(form.ephemeral).toBe(true);
  });
});
