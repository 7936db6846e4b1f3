import { afterEach, describe, expect, it } from 'vitest';
import { runVerificationCheck, verificationKey, type VerificationState } from '../../src/app/verification.js';
import {
  checkUntil,
  deployAndFinish,
  startVerifyHarness,
  type VerifyHarness,
} from './verification-helpers.js';

/** Post-deploy verification (§8) when its parts do not simply answer. */
let h: VerifyHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const REPO = 'example-org/api';
const stateOf = (h: VerifyHarness, id: string) =>
  h.deps.repos.settings.get<VerificationState>(verificationKey(id));

describe('verification edges', () => {
  it('a smoke workflow GitHub will not start counts as red: the deploy is faulty at the first check', async () => {
    h = await startVerifyHarness();
    h.github.failNextRequest({ method: 'POST', path: /\/workflows\/smoke\.yml\/dispatches$/ }, 422);

    const done = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(done.id);
    expect((await stateOf(h, done.id))?.smoke).toEqual({ state: 'red' });

    const { deploy } = await checkUntil(h, done.id, () => false);
    expect(deploy.verification).toBe('faulty');
  });

  it('a smoke run GitHub fails to read is read again on the next check', async () => {
    h = await startVerifyHarness();
    const done = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(done.id);
    h.github.failNextRequest({ method: 'GET', path: /\/actions\/runs\/\d+$/ }, 404);

    await runVerificationCheck(h.deps, done.id, 1);
    expect((await h.deps.repos.deploys.get(done.id))?.verification).toBe('pending');
    expect((await stateOf(h, done.id))?.checks).toBe(1);

    const { state } = await checkUntil(h, done.id, (s) => s.smoke?.state === 'green');
    expect(state.smoke).toMatchObject({ state: 'green', runId: expect.any(Number) });
  });

  it('a service without a smoke workflow is verified on its health alone', async () => {
    h = await startVerifyHarness((raw) => {
      delete (raw.services as Record<string, Record<string, unknown>>).api!.smokeWorkflow;
    });
    const done = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(done.id);

    const { state } = await checkUntil(h, done.id, (s) => s.health?.ok === true);

    expect(state.smoke).toBeUndefined();
    expect(h.github.runs(REPO).filter((r) => r.workflow === 'smoke.yml')).toHaveLength(0);
    expect(h.told.progress.some((p) => p.deployId === done.id && /Verifying/i.test(p.text))).toBe(true);
  });

  it('stops verifying a deploy that a newer one replaced, and ignores checks of one no longer pending', async () => {
    h = await startVerifyHarness();
    const first = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(first.id);
    const second = await deployAndFinish(h, 'staging');
    await h.deps.outbox.drain(second.id);

    expect(await runVerificationCheck(h.deps, first.id, 1)).toEqual({
      outcome: 'pending',
      reason: 'replaced',
    });
    await h.deps.outbox.drain(first.id);
    expect(h.told.progress.some((p) => p.deployId === first.id && p.text.includes(second.id))).toBe(true);
    expect(await runVerificationCheck(h.deps, 'D-nobody', 1)).toEqual({
      outcome: 'pending',
      reason: 'not pending',
    });
  });
});
