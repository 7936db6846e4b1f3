import { afterEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { tickChecklistItem } from '../../src/app/deploys/checklist.js';
import { approveDeploy, rejectDeploy, resumeRequest } from '../../src/app/deploys/decide.js';
import { transition } from '../../src/app/pipeline/transition.js';
import { SYSTEM_ACTOR, type Deploy } from '../../src/domain/model.js';
import { ROLES, people, refusal, startAppHarness, testConfig, type AppHarness } from '../helpers/app-deps.js';
import { prodAwaitingApproval } from '../helpers/deploys.js';

let h: AppHarness;
afterEach(async () => {
  await h.close();
});

/** The harness with api's prod env edited (approvals, checklist …). */
async function start(prod: Record<string, unknown>): Promise<AppHarness> {
  const config = testConfig((raw) => {
    raw.freezeWindows = [];
    const api = (raw.services as Record<string, { environments: Record<string, unknown>[] }>).api;
    const env = api?.environments.find((e) => e.name === 'prod');
    if (env) Object.assign(env, prod);
  });
  h = await startAppHarness({ config });
  return h;
}

/** A prod request for a SHA deployed and verified on staging, awaiting approval. */
const prodRequest = (): Promise<Deploy> => prodAwaitingApproval(h);

const prodRuns = (): number =>
  h.github.runs('example-org/api').filter((r) => r.inputs.environment === 'prod').length;

async function actions(deployId: string): Promise<{ action: string; actor: string }[]> {
  return (await h.deps.repos.audit.find({ deployId, limit: 100 }))
    .reverse()
    .map((e) => ({ action: e.action, actor: e.actor.name }));
}

/** The card as the bot would post it now, from the records. */
async function card(deployId: string): Promise<ReturnType<typeof renderDeployCard>> {
  const deploy = await h.deps.repos.deploys.get(deployId);
  const approval = await h.deps.repos.approvals.get(deployId);
  if (!deploy) throw new Error(`no deploy ${deployId}`);
  return renderDeployCard(deploy, { repo: 'example-org/api', ...(approval ? { approval } : {}) });
}

function buttons(view: ReturnType<typeof renderDeployCard>): { label: string; disabled: boolean }[] {
  return (view.components ?? []).flatMap((row) =>
    row.components.map((b) => ({
      label: 'label' in b ? (b.label ?? '') : '',
      disabled: 'disabled' in b && b.disabled,
    })),
  );
}

const field = (view: ReturnType<typeof renderDeployCard>, name: string): string | undefined =>
  view.embeds?.[0]?.fields?.find((f) => f.name.startsWith(name))?.value;

describe('N-of-M approvals (§16)', () => {
  it('needs two distinct R5s other than the requester; the same approver twice counts once; one dispatch', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    expect((await refusal(approveDeploy(h.deps, people.alice, deploy.id))).code).toBe('NOT_ALLOWED');

    const first = await approveDeploy(h.deps, people.bob, deploy.id);
    expect(first).toMatchObject({ kind: 'approval-counted', approvals: 1, required: 2 });
    expect(field(await card(deploy.id), 'Approvals')).toBe('1/2 approved — bob');
    expect(buttons(await card(deploy.id))).toContainEqual({ label: 'Approve', disabled: false });

    const again = await refusal(approveDeploy(h.deps, people.bob, deploy.id));
    expect(again.code).toBe('ALREADY_DECIDED');
    expect(again.message).toMatch(/already approved .* \(1\/2\); it needs 1 more R5/);
    expect((await h.deps.repos.approvals.get(deploy.id))?.voteCount).toBe(1);
    expect(prodRuns()).toBe(0);

    const second = await approveDeploy(h.deps, people.carol, deploy.id);
    expect(second.kind).toBe('dispatched');
    expect(prodRuns()).toBe(1);
    expect(field(await card(deploy.id), 'Approvals')).toBe('2/2 approved — bob, carol');
    const audit = await actions(deploy.id);
    expect(audit.filter((a) => a.action.startsWith('deploy.approv'))).toEqual([
      { action: 'deploy.approval.counted', actor: 'bob' },
      { action: 'deploy.approve', actor: 'carol' },
    ]);
  });

  it('gives exactly one approve and one dispatch when every approver clicks at once, several times', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    const clicks = [people.bob, people.carol, people.bob, people.carol, people.bob, people.carol];
    const results = await Promise.allSettled(clicks.map((who) => approveDeploy(h.deps, who, deploy.id)));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(prodRuns()).toBe(1);
    const audit = await actions(deploy.id);
    expect(audit.filter((a) => a.action === 'deploy.approve')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'deploy.approval.counted')).toHaveLength(1);
    const approval = await h.deps.repos.approvals.get(deploy.id);
    expect(approval?.status).toBe('approved');
    expect(approval?.votes?.map((v) => v.by.name).sort()).toEqual(['bob', 'carol']);
  });

  it('is ended by a reject of any R5, also after one approval', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    await approveDeploy(h.deps, people.bob, deploy.id);
    const rejected = await rejectDeploy(h.deps, people.carol, deploy.id);
    expect(rejected.state).toBe('rejected');
    expect((await refusal(approveDeploy(h.deps, people.carol, deploy.id))).code).toBe('ALREADY_DECIDED');
    expect(prodRuns()).toBe(0);
  });

  it('voids the votes with the approval; asked again, it starts from 0/2', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    await approveDeploy(h.deps, people.bob, deploy.id);
    // A lock on prod: carol's approval finds the gate closed; the request waits and its approval is void.
    await h.deps.repos.locks.acquire({
      service: 'api',
      env: 'prod',
      kind: 'manual',
      reason: 'db maintenance',
      createdBy: people.carol,
      createdAt: new Date(),
    });
    expect((await refusal(approveDeploy(h.deps, people.carol, deploy.id))).code).toBe('LOCKED');
    expect(await h.deps.repos.approvals.get(deploy.id)).toMatchObject({ status: 'void', voteCount: 1 });
    const queued = await h.deps.repos.deploys.get(deploy.id);
    expect(queued?.state).toBe('queued');

    await h.deps.repos.locks.release('api', 'prod', 'manual');
    await transition(h.deps, queued!, 'release', {}, { actor: SYSTEM_ACTOR });
    const again = await resumeRequest(h.deps, people.alice, deploy.id);
    expect(again.kind).toBe('awaiting_approval');
    expect(await h.deps.repos.approvals.get(deploy.id)).toMatchObject({
      status: 'pending',
      voteCount: 0,
      votes: [],
      required: 2,
    });
    expect(await approveDeploy(h.deps, people.bob, deploy.id)).toMatchObject({
      kind: 'approval-counted',
      approvals: 1,
    });
    expect(prodRuns()).toBe(0);
  });
});

describe('approvals left half-done (a crash between two writes)', () => {
  const erin = { id: '900000000000000005', name: 'erin', roleIds: [ROLES.r5] };

  it('closes an approval whose votes are all in but which was left open, with the next R5 click', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    const guard = { sha: deploy.sha, required: 2 };
    await h.deps.repos.approvals.addVote(deploy.id, { by: people.bob, at: new Date() }, guard);
    await h.deps.repos.approvals.addVote(deploy.id, { by: people.carol, at: new Date() }, guard);
    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).message).toBe(
      `You already approved ${deploy.id}.`,
    );
    const closed = await approveDeploy(h.deps, erin, deploy.id);
    expect(closed.kind).toBe('dispatched');
    expect(closed.deploy.approvedBy?.name).toBe('carol');
    expect(prodRuns()).toBe(1);
    expect((await h.deps.repos.approvals.get(deploy.id))?.status).toBe('approved');
  });

  it('asks afresh when a requeued request kept its approval open', async () => {
    await start({ approvals: 2 });
    const deploy = await prodRequest();
    await approveDeploy(h.deps, people.bob, deploy.id);
    const current = await h.deps.repos.deploys.get(deploy.id);
    const queued = await transition(h.deps, current!, 'requeue', {}, { actor: SYSTEM_ACTOR });
    await transition(h.deps, queued!, 'release', {}, { actor: SYSTEM_ACTOR });
    expect((await resumeRequest(h.deps, people.alice, deploy.id)).kind).toBe('awaiting_approval');
    expect(await h.deps.repos.approvals.get(deploy.id)).toMatchObject({ status: 'pending', voteCount: 0 });
  });
});

describe('the checklist (§16)', () => {
  it('ticks an item once when the requester double-clicks', async () => {
    await start({ checklist: ['Migrations applied'] });
    const deploy = await prodRequest();
    const clicks = await Promise.allSettled(
      [1, 2, 3].map(() => tickChecklistItem(h.deps, people.alice, deploy.id, 0)),
    );
    expect(clicks.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    const lost = clicks.find((c) => c.status === 'rejected');
    expect(lost?.status === 'rejected' && String(lost.reason)).toMatch(/already ticked by alice/);
    const audit = await actions(deploy.id);
    expect(audit.filter((a) => a.action === 'deploy.checklist.ticked')).toHaveLength(1);
  });

  const checklist = ['Migrations applied to staging and green', 'Feature flag ready'];

  it('keeps Approve disabled and refused until the requester ticked every item; who ticked is shown and audited', async () => {
    await start({ checklist });
    const deploy = await prodRequest();
    const before = await card(deploy.id);
    expect(buttons(before)).toEqual([
      { label: 'Approve', disabled: true },
      { label: 'Reject', disabled: false },
      { label: 'Tick 1', disabled: false },
      { label: 'Tick 2', disabled: false },
    ]);
    expect(field(before, 'Checklist')).toBe(
      '⬜ 1. Migrations applied to staging and green\n⬜ 2. Feature flag ready',
    );

    const early = await refusal(approveDeploy(h.deps, people.bob, deploy.id));
    expect(early.code).toBe('CHECKLIST_INCOMPLETE');
    expect(early.message).toMatch(/alice has 2 checklist items to tick/);
    expect((await refusal(tickChecklistItem(h.deps, people.bob, deploy.id, 0))).code).toBe('NOT_ALLOWED');
    expect((await refusal(tickChecklistItem(h.deps, people.alice, deploy.id, 7))).code).toBe('BAD_INPUT');

    const ticked = await tickChecklistItem(h.deps, people.alice, deploy.id, 0);
    expect(ticked.item.tickedBy?.name).toBe('alice');
    expect((await refusal(tickChecklistItem(h.deps, people.alice, deploy.id, 0))).message).toMatch(
      /already ticked by alice/,
    );
    expect((await refusal(approveDeploy(h.deps, people.bob, deploy.id))).code).toBe('CHECKLIST_INCOMPLETE');
    await tickChecklistItem(h.deps, people.alice, deploy.id, 1);

    const after = await card(deploy.id);
    expect(buttons(after)).toEqual([
      { label: 'Approve', disabled: false },
      { label: 'Reject', disabled: false },
    ]);
    expect(field(after, 'Checklist')).toMatch(
      /^☑️ 1\. Migrations applied to staging and green — alice <t:\d+:R>\n☑️ 2\. Feature flag ready — alice <t:\d+:R>$/,
    );
    expect((await approveDeploy(h.deps, people.bob, deploy.id)).kind).toBe('dispatched');
    const audit = await actions(deploy.id);
    expect(audit.filter((a) => a.action === 'deploy.checklist.ticked')).toEqual([
      { action: 'deploy.checklist.ticked', actor: 'alice' },
      { action: 'deploy.checklist.ticked', actor: 'alice' },
    ]);
    expect((await refusal(tickChecklistItem(h.deps, people.alice, deploy.id, 0))).code).toBe(
      'ALREADY_DECIDED',
    );
  });
});
