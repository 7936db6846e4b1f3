import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
} from 'discord.js';
import { overridableGate } from '../../../domain/gates.js';
import { formatDuration } from '../../../domain/duration.js';
import type { Approval, Deploy, DeployState } from '../../../domain/model.js';
import { shortSha, userText } from '../../../domain/text.js';
import { customId, type MessageView } from '../command.js';
import { approvalFields, approvalRows, checklistDone } from './approval-section.js';
import { COLORS, discordTime } from './common.js';
import { rolloutButtons, rolloutFields } from './rollout.js';

/** Button actions on deploy cards (custom_id = `<action>:<deploy id>`). */
export const DEPLOY_BUTTONS = {
  approve: 'approve',
  reject: 'reject',
  cancel: 'cancel',
  cancelRun: 'cancel-run',
  rerun: 'rerun',
  rollback: 'rollback',
  verify: 'verify',
  acknowledge: 'acknowledge',
  deployNow: 'deploy-now',
  overrideFreeze: 'override',
} as const;

const STATE_LABEL: Record<DeployState, string> = {
  requested: '📝 Requested — waiting for the requester to go ahead',
  queued: '⏳ Queued — waiting for the way to clear',
  awaiting_approval: '🕐 Awaiting approval by an R5',
  approved: '✅ Approved — dispatching',
  dispatched: '📤 Dispatched — waiting for the workflow run',
  running: '🏃 Running',
  succeeded: '🟢 Succeeded',
  failed: '🔴 Failed',
  cancelled: '⚪ Cancelled',
  rejected: '⛔ Rejected',
  expired: '⌛ Expired — nobody approved in time',
  superseded: '↪️ Superseded by a newer request',
  scheduled: '🗓️ Scheduled — gates and approval are checked when it fires',
  rolling_out: '🟡 Rolling out — a step is live, the next one waits',
};

function color(deploy: Deploy): number {
  if (deploy.verification === 'faulty') return COLORS.failure;
  switch (deploy.state) {
    case 'succeeded':
      return COLORS.success;
    case 'failed':
    case 'rejected':
      return COLORS.failure;
    case 'cancelled':
    case 'expired':
    case 'superseded':
      return COLORS.muted;
    case 'awaiting_approval':
    case 'queued':
    case 'scheduled':
      return COLORS.pending;
    default:
      return COLORS.neutral;
  }
}

export function button(label: string, action: string, id: string, style: ButtonStyle): APIButtonComponent {
  return { type: ComponentType.Button, style, label, custom_id: customId(action, id) } as APIButtonComponent;
}

export interface DeployCardContext {
  readonly repo: string;
  readonly approval?: Approval;
  /** Where commit links point (https://github.com for real GitHub). */
  readonly webBase?: string;
  /** Whether the deploy's env needs an approval (a scheduled request then offers Approve in advance). */
  readonly needsApproval?: boolean;
}

function buttonsFor(deploy: Deploy, needsApproval: boolean): APIButtonComponent[] {
  const id = deploy.id;
  switch (deploy.state) {
    case 'awaiting_approval':
      return [
        button('Approve', DEPLOY_BUTTONS.approve, id, ButtonStyle.Success),
        button('Reject', DEPLOY_BUTTONS.reject, id, ButtonStyle.Danger),
      ];
    case 'scheduled':
      return [
        ...(needsApproval && !deploy.preApproval
          ? [button('Approve in advance', DEPLOY_BUTTONS.approve, id, ButtonStyle.Success)]
          : []),
        button('Cancel', DEPLOY_BUTTONS.cancel, id, ButtonStyle.Secondary),
      ];
    case 'queued':
      return [
        button('Cancel request', DEPLOY_BUTTONS.cancel, id, ButtonStyle.Secondary),
        ...(overridableGate(deploy)
          ? [button('Override freeze', DEPLOY_BUTTONS.overrideFreeze, id, ButtonStyle.Danger)]
          : []),
      ];
    case 'dispatched':
    case 'running':
      return deploy.stuck
        ? [
            button('Cancel run', DEPLOY_BUTTONS.cancelRun, id, ButtonStyle.Danger),
            button('Re-run', DEPLOY_BUTTONS.rerun, id, ButtonStyle.Secondary),
          ]
        : [];
    case 'failed':
      return deploy.previousSha ? [button('Rollback', DEPLOY_BUTTONS.rollback, id, ButtonStyle.Danger)] : [];
    case 'succeeded':
      if (deploy.verification === 'faulty') {
        return deploy.previousSha
          ? [button('Rollback', DEPLOY_BUTTONS.rollback, id, ButtonStyle.Danger)]
          : [];
      }
      if (deploy.verification === 'pending')
        return [button('Verified', DEPLOY_BUTTONS.verify, id, ButtonStyle.Success)];
      return [];
    case 'rolling_out':
      return rolloutButtons(deploy);
    default:
      return [];
  }
}

/** "1st in line", "2nd in line", "11th in line" … */
export function inLine(position: number): string {
  const tens = position % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][position % 10] ?? 'th');
  return `${position}${suffix} in line`;
}

/** The deploy card (§4.2): a pure function of the deploy record, re-rendered whenever its state moves. */
export function renderDeployCard(deploy: Deploy, context: DeployCardContext): MessageView {
  const webBase = context.webBase ?? 'https://github.com';
  const shaLink = `[\`${shortSha(deploy.sha)}\`](${webBase}/${context.repo}/commit/${deploy.sha})`;
  const kind = deploy.kind === 'rollback' ? '⏪ Rollback' : '🚀 Deploy';
  const lines: string[] = [`**${STATE_LABEL[deploy.state]}**`];
  if (deploy.verification === 'faulty') lines.push('**❌ Verification failed — env locked; roll back?**');
  if (deploy.verification === 'verified')
    lines.push(`**✔️ Verified**${deploy.verifiedBy ? ` by ${userText(deploy.verifiedBy.name, 100)}` : ''}`);
  if (deploy.verification === 'pending')
    lines.push('Verification pending: an R4 confirms one real workflow with **Verified**.');
  if (deploy.outcomeReason) lines.push(userText(deploy.outcomeReason, 500));
  if (deploy.state === 'awaiting_approval' && context.approval && !checklistDone(context.approval))
    lines.push(
      `☐ ${userText(deploy.requestedBy.name, 100)} ticks the checklist first; Approve opens once every item is ticked.`,
    );
  if (deploy.waitingFor && deploy.state === 'queued')
    lines.push(`Waiting for: ${deploy.waitingFor.code} — ${userText(deploy.waitingFor.reason, 300)}`);
  // the place in the FIFO queue of the service+env.
  if (deploy.queuePosition && deploy.state === 'queued') lines.push(`**${inLine(deploy.queuePosition)}**`);

  const fields: NonNullable<APIEmbed['fields']> = [
    { name: 'Service', value: `${deploy.service} → **${deploy.env}**`, inline: true },
    {
      name: 'SHA',
      value: `${shaLink}${deploy.ref !== deploy.sha ? ` (${userText(deploy.ref, 60)})` : ''}`,
      inline: true,
    },
    { name: 'Requested by', value: userText(deploy.requestedBy.name, 100), inline: true },
  ];
  if (deploy.reason) fields.push({ name: 'Reason', value: userText(deploy.reason, 1000), inline: false });
  if (deploy.commits && deploy.commits.length > 0) {
    const shown = deploy.commits.slice(0, 10).map((c) => `\`${shortSha(c.sha)}\` ${userText(c.title, 80)}`);
    const more = deploy.commits.length > 10 ? `\n…and ${deploy.commits.length - 10} more` : '';
    const since = deploy.previousVersion ? ` since ${deploy.previousVersion}` : '';
    fields.push({
      name: `Commits${since} (${deploy.commits.length})`,
      value: shown.join('\n') + more,
      inline: false,
    });
  }
  if (deploy.ciState) fields.push({ name: 'CI', value: deploy.ciState, inline: true });
  if (deploy.gates && deploy.gates.length > 0) {
    fields.push({
      name: 'Gates',
      value: deploy.gates
        .map((g) => `${g.ok ? '✅' : '❌'} ${g.label}${g.ok ? '' : ` — ${userText(g.reason, 200)}`}`)
        .join('\n'),
      inline: false,
    });
  }
  if (context.approval?.status === 'pending') {
    fields.push({ name: 'Expires', value: discordTime(context.approval.expiresAt, 'R'), inline: true });
  }
  // §16: who approved so far (N of M) and the requester's checklist.
  fields.push(...approvalFields(context.approval));
  if (deploy.approvedBy)
    fields.push({ name: 'Approved by', value: userText(deploy.approvedBy.name, 100), inline: true });
  // Scheduled deploys (§15).
  if (deploy.scheduledFor)
    fields.push({ name: 'Scheduled for', value: discordTime(deploy.scheduledFor, 'F'), inline: true });
  if (deploy.preApproval) {
    const bound = deploy.preApproval.sha === deploy.sha;
    fields.push({
      name: bound ? 'Approved in advance' : 'Approval in advance (void)',
      value: `${userText(deploy.preApproval.by.name, 100)} for \`${shortSha(deploy.preApproval.sha)}\`${bound ? '' : ' — the ref moved'}`,
      inline: true,
    });
  }
  if (deploy.promotionOf)
    fields.push({ name: 'Promotion of', value: `staging deploy ${deploy.promotionOf}`, inline: true });
  if (deploy.override) {
    fields.push({
      name: '🚨 Freeze override',
      value: `by ${userText(deploy.override.by.name, 100)}: ${userText(deploy.override.reason, 300)}\nRollback plan: ${userText(deploy.override.rollbackPlan, 500)}`,
      inline: false,
    });
  }
  if (deploy.version) fields.push({ name: 'Version', value: deploy.version, inline: true });
  if (deploy.runUrl) fields.push({ name: 'Run', value: `[workflow run](${deploy.runUrl})`, inline: true });
  if (deploy.dispatchedAt && deploy.finishedAt) {
    fields.push({
      name: 'Duration',
      value: formatDuration(deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime()),
      inline: true,
    });
  }

  fields.push(...rolloutFields(deploy));

  const embed: APIEmbed = {
    title: `${kind} ${deploy.service} → ${deploy.env}`,
    description: lines.join('\n'),
    color: color(deploy),
    fields,
    footer: { text: `Deploy ${deploy.id}${deploy.emergency ? ' · emergency' : ''}` },
    timestamp: deploy.updatedAt.toISOString(),
  };
  const row = buttonsFor(deploy, context.needsApproval ?? false);
  // An emergency rollback dispatched without approval is owed an R5's acknowledgement (its approver).
  if (
    deploy.emergency &&
    !deploy.approvedBy &&
    ['dispatched', 'running', 'succeeded', 'failed'].includes(deploy.state)
  )
    row.push(button('Acknowledge', DEPLOY_BUTTONS.acknowledge, deploy.id, ButtonStyle.Primary));
  const components: APIActionRowComponent<APIButtonComponent>[] =
    deploy.state === 'awaiting_approval'
      ? approvalRows(deploy, context.approval, row)
      : row.length
        ? [{ type: ComponentType.ActionRow, components: row }]
        : [];
  return { embeds: [embed], components };
}

/** The deploy marker (§6): posted once per successful deploy. */
export function renderDeployMarker(deploy: Deploy, context: { repo: string; webBase?: string }): MessageView {
  const webBase = context.webBase ?? 'https://github.com';
  const duration =
    deploy.dispatchedAt && deploy.finishedAt
      ? formatDuration(deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime())
      : '—';
  const embed: APIEmbed = {
    title: `📍 ${deploy.service} ${deploy.version ?? ''} is live on ${deploy.env}`,
    color: COLORS.success,
    fields: [
      { name: 'Version', value: deploy.version ?? '—', inline: true },
      {
        name: 'SHA',
        value: `[\`${shortSha(deploy.sha)}\`](${webBase}/${context.repo}/commit/${deploy.sha})`,
        inline: true,
      },
      { name: 'Build time', value: deploy.finishedAt ? discordTime(deploy.finishedAt) : '—', inline: true },
      { name: 'Requested by', value: userText(deploy.requestedBy.name, 100), inline: true },
      {
        name: 'Approved by',
        value: deploy.approvedBy ? userText(deploy.approvedBy.name, 100) : 'not needed',
        inline: true,
      },
      { name: 'Duration', value: duration, inline: true },
      { name: 'Previous version', value: deploy.previousVersion ?? 'none', inline: true },
      { name: 'Run', value: deploy.runUrl ? `[workflow run](${deploy.runUrl})` : '—', inline: true },
      // The GitHub Release of the tag (§17), once it exists.
      ...(deploy.releaseUrl
        ? [{ name: 'Release', value: `[release notes](${deploy.releaseUrl})`, inline: true }]
        : []),
    ],
    footer: { text: `Deploy ${deploy.id}` },
  };
  return { embeds: [embed] };
}

export function deployDurationMs(deploy: Deploy): number | undefined {
  return deploy.dispatchedAt && deploy.finishedAt
    ? deploy.finishedAt.getTime() - deploy.dispatchedAt.getTime()
    : undefined;
}
