import type { LocalDiscord, ObservedMessage } from '../../../src/sandbox/discord/index.js';
import type { LocalGitHub } from '../../../src/sandbox/github/index.js';

/**
 * What a user can see of one deploy, read only from the outside: its card and marker in the ops channel,
 * its line in /history, and GitHub's runs, Deployments and tags.
 */

export const DEPLOY_ID = /\b(D[0-9A-Z]{8})\b/;

export const isCardOf =
  (id: string) =>
  (m: ObservedMessage): boolean =>
    m.embeds.some((e) => e.footer?.text.startsWith(`Deploy ${id}`) === true && !e.title?.startsWith('📍'));

export const isMarkerOf =
  (id: string) =>
  (m: ObservedMessage): boolean =>
    m.embeds.some((e) => e.title?.startsWith('📍') === true && e.footer?.text === `Deploy ${id}`);

export function cardOf(discord: LocalDiscord, id: string): ObservedMessage | undefined {
  const found = discord.history().find(isCardOf(id));
  return found ? discord.message(found.id) : undefined;
}

export function markersOf(discord: LocalDiscord, id: string): ObservedMessage[] {
  return discord.history().filter(isMarkerOf(id));
}

export const cardText = (m: ObservedMessage | undefined): string => m?.embeds[0]?.description ?? '';

export const buttonsOf = (m: ObservedMessage | undefined): string[] =>
  (m?.components ?? []).flatMap((row) =>
    'components' in row ? row.components.flatMap((c) => ('label' in c && c.label ? [c.label] : [])) : [],
  );

/** One line of /history: the record's state and verification as the bot reports them. */
export interface HistoryLine {
  readonly id: string;
  readonly shortSha: string;
  readonly state: string;
  readonly verification: string | undefined;
}

const STATES =
  'awaiting approval|requested|queued|approved|dispatched|running|succeeded|failed|cancelled|rejected|expired|superseded';
const HISTORY_LINE = new RegExp(
  `\`([0-9a-f]{7})\` \\S+ · (${STATES})(?: · (pending|verified|faulty))? · .*· (D[0-9A-Z]{8})$`,
);

/** /history service env, as alice sees it (ephemeral); undefined when the bot could not answer. */
export async function historyOf(
  discord: LocalDiscord,
  service: string,
  env: string,
  timeoutMs = 5_000,
): Promise<HistoryLine[] | undefined> {
  try {
    const reply = await discord.runCommand('alice', 'history', { service, env }).response({ timeoutMs });
    const text = reply.embeds[0]?.description ?? '';
    return text.split('\n').flatMap((line) => {
      const m = HISTORY_LINE.exec(line);
      return m?.[1] && m[2] && m[4] ? [{ shortSha: m[1], state: m[2], verification: m[3], id: m[4] }] : [];
    });
  } catch {
    return undefined; // no bot connected (it is being restarted) or no answer in time
  }
}

export interface Tally {
  /** What is missing: the deploy did not keep a promise. */
  readonly lost: string[];
  /** What happened more than once. */
  readonly doubled: string[];
}

/**
 * The end state every successful deploy owes (SPEC §4, §6, §8): one workflow run for its deploy_id, one
 * marker, one GitHub Deployment whose latest status is success, one tag on prod, verification run to its
 * end (verified, since an R4 confirmed), and a card that shows all of it.
 */
export function judgeDeploy(
  view: { discord: LocalDiscord; github: LocalGitHub },
  deploy: {
    readonly id: string | undefined;
    readonly repo: string;
    readonly env: string;
    readonly sha: string;
    readonly prod: boolean;
  },
  history: HistoryLine | undefined,
): Tally {
  const lost: string[] = [];
  const doubled: string[] = [];
  const count = (what: string, n: number): void => {
    if (n === 0) lost.push(`no ${what}`);
    if (n > 1) doubled.push(`${n} ${what}s`);
  };
  const { id } = deploy;
  if (!id) return { lost: ['no deploy record in /history'], doubled };
  count(
    'workflow run',
    view.github.runs(deploy.repo).filter((r) => r.workflow === 'deploy.yml' && r.inputs.deploy_id === id)
      .length,
  );
  count('deploy marker', markersOf(view.discord, id).length);
  const deployments = view.github
    .deployments(deploy.repo)
    .filter((d) => d.sha === deploy.sha && d.environment === deploy.env);
  count('GitHub Deployment', deployments.length);
  const last = deployments.at(-1)?.states.at(-1);
  if (deployments.length > 0 && last !== 'success')
    lost.push(`GitHub Deployment's latest status is ${last ?? 'none'}`);
  if (deploy.prod)
    count(
      'release tag',
      Object.values(view.github.tags(deploy.repo)).filter((sha) => sha === deploy.sha).length,
    );
  if (!history) lost.push('not in /history');
  else if (history.state !== 'succeeded') lost.push(`record ${history.state}`);
  else if (history.verification === undefined) lost.push('verification never started');
  else if (history.verification !== 'verified') lost.push(`verification ${history.verification} at the end`);
  const card = cardText(cardOf(view.discord, id));
  if (!card.startsWith('**🟢 Succeeded**') || !card.includes('✔️ Verified'))
    lost.push(`card shows "${card.split('\n')[0] ?? ''}"`);
  return { lost, doubled };
}
