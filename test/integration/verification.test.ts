import { afterEach, describe, expect, it } from 'vitest';
import { renderDeployCard } from '../../src/adapters/discord/render/deploy-card.js';
import { requestDeploy } from '../../src/app/deploys/request.js';
import { confirmVerification, VERIFY_JOB } from '../../src/app/verification.js';
import { UserFacingError } from '../../src/domain/errors.js';
import type { Deploy } from '../../src/domain/model.js';
import { people } from '../helpers/app-deps.js';
import {
  checksPass,
  checkUntil,
  deployAndFinish,
  deployVerified,
  startVerifyHarness,
  type VerifyHarness,
} from './verification-helpers.js';

let h: VerifyHarness;
afterEach(async () => {
  await h.close();
});

function buttonLabels(deploy: Deploy): string[] {
  const view = renderDeployCard(deploy, { repo: 'example-org/api' });
  return (view.components ?? []).flatMap((row) =>
    row.components.map((c) => ('label' in c ? (c.label ?? '') : '')),
  );
}

describe('post-deploy verification (app layer, sandbox health services)', () => {
  it('starts after a success: pending, the smoke workflow dispatched, and a check job scheduled', async () => {
    h = await startVerifyHarness();
    const done = await deployAndFinish(h, 'staging');
    const deploy = await h.deps.repos.deploys.get(done.id);
    expect(deploy?.verification).toBe('pending');
    expect(buttonLabels(deploy!)).toEqual(['Verified']);
    const smoke = h.github.runs('example-org/api').filter((r) => r.workflow === 'smoke.yml');
    expect(smoke.map((r) => r.inputs)).toEqual([
      { environment: 'staging', sha: done.sha, deploy_id: done.id },
    ]);
    expect(h.jobs.scheduled.filter((j) => j.name === VERIFY_JOB).map((j) => j.data)).toEqual([
      { deployId: done.id, tick: 1 },
    ]);
  });

  it('verifies when an R4 clicks Verified once the checks pass; a person without a role cannot', async () => {
    h = await startVerifyHarness();
    const done = await deployAndFinish(h, 'staging');
    await expect(confirmVerification(h.deps, people.dave, done.id)).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    await checkUntil(h, done.id, checksPass);
    const { deploy, outcome } = await confirmVerification(h.deps, people.alice, done.id);
    expect(outcome).toBe('verified');
    expect(deploy).toMatchObject({ verification: 'verified', verifiedBy: { name: 'alice' } });
    expect(buttonLabels(deploy)).toEqual([]);
    expect(h.told.progress.filter((p) => p.deployId === done.id).at(-1)?.text).toMatch(/Verified/);
    const history = await h.deps.repos.deploys.history({ service: 'api', env: 'staging', limit: 1 });
    expect(history[0]?.verification).toBe('verified');
    await expect(confirmVerification(h.deps, people.alice, done.id)).rejects.toBeInstanceOf(UserFacingError);
  });

  it('marks a deploy reporting the wrong version faulty: env locked, LOCKED blocks the next deploy, Rollback offered', async () => {
    h = await startVerifyHarness();
    await deployVerified(h, 'staging', h.github.history('example-org/api')[1]);
    h.services.reportWrongVersion('api', 'staging', 'v1999.01.01');
    const done = await deployAndFinish(h, 'staging');
    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy.verification).toBe('faulty');
    expect(deploy.outcomeReason).toMatch(/reports v1999\.01\.01 instead of/);
    expect(buttonLabels(deploy)).toEqual(['Rollback']);
    // The card turns red: the same colour as a failed deploy's.
    const { verification: _faulty, ...asFailed } = { ...deploy, state: 'failed' as const };
    expect(renderDeployCard(deploy, { repo: 'example-org/api' }).embeds?.[0]?.color).toBe(
      renderDeployCard(asFailed, { repo: 'example-org/api' }).embeds?.[0]?.color,
    );
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toMatchObject([
      { kind: 'faulty', deployId: done.id },
    ]);
    const next = await requestDeploy(h.deps, { actor: people.alice, service: 'api', env: 'staging' });
    expect(next.progress).toMatchObject({ kind: 'queued', code: 'LOCKED' });
  });

  it('makes a healthy deploy nobody confirmed faulty when the window ends (autoVerify off)', async () => {
    h = await startVerifyHarness();
    const done = await deployAndFinish(h, 'staging');
    await checkUntil(h, done.id, checksPass);
    h.advance(h.deps.config.verification.window);
    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy.verification).toBe('faulty');
    expect(deploy.outcomeReason).toMatch(/Nobody confirmed/);
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toHaveLength(1);
  });

  it('verifies a healthy deploy by its automatic checks alone at the end of the window with autoVerify', async () => {
    h = await startVerifyHarness((raw) => {
      raw.verification = { window: '15m', checkInterval: '30s', autoVerify: true };
    });
    const done = await deployAndFinish(h, 'staging');
    await checkUntil(h, done.id, checksPass);
    expect((await h.deps.repos.deploys.get(done.id))?.verification).toBe('pending');
    h.advance(h.deps.config.verification.window);
    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy).toMatchObject({ verification: 'verified', verifiedBy: { id: 'system' } });
    expect(await h.deps.repos.locks.list({ service: 'api', env: 'staging' })).toEqual([]);
  });

  it('marks the deploy faulty at once when its smoke workflow fails, even after a confirmation', async () => {
    h = await startVerifyHarness();
    h.github.failNext('example-org/api', 'smoke.yml');
    const done = await deployAndFinish(h, 'staging');
    const confirmed = await confirmVerification(h.deps, people.alice, done.id);
    expect(confirmed.outcome).not.toBe('verified');
    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy.verification).toBe('faulty');
    expect(deploy.outcomeReason).toMatch(/smoke workflow failed/);
  });
});
