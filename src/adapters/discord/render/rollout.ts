import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbedField } from 'discord.js';
import { formatValue, lastMeasurement } from '../../../domain/analysis.js';
import type { Deploy, ProgressEvent } from '../../../domain/model.js';
import { isFinalStep, trafficOf } from '../../../domain/rollout.js';
import { userText } from '../../../domain/text.js';
import { customId } from '../command.js';
import { discordTime } from './common.js';

/** Button actions on a rolling-out card (custom_id = `<action>:<deploy id>`), handled in commands/rollout-buttons.ts. */
export const ROLLOUT_BUTTONS = {
  promote: 'rollout-promote',
  pause: 'rollout-pause',
  resume: 'rollout-resume',
  abort: 'rollout-abort',
} as const;

function rolloutButton(label: string, action: string, id: string, style: ButtonStyle): APIButtonComponent {
  return { type: ComponentType.Button, style, label, custom_id: customId(action, id) } as APIButtonComponent;
}

/** Promote, Pause/Resume and Abort while a step is live and the next one waits. */
export function rolloutButtons(deploy: Deploy): APIButtonComponent[] {
  if (deploy.state !== 'rolling_out' || !deploy.rollout) return [];
  const id = deploy.id;
  return [
    rolloutButton('Promote', ROLLOUT_BUTTONS.promote, id, ButtonStyle.Success),
    deploy.rollout.paused
      ? rolloutButton('Resume', ROLLOUT_BUTTONS.resume, id, ButtonStyle.Primary)
      : rolloutButton('Pause', ROLLOUT_BUTTONS.pause, id, ButtonStyle.Secondary),
    rolloutButton('Abort', ROLLOUT_BUTTONS.abort, id, ButtonStyle.Danger),
  ];
}

/** The rollout's fields on the card: step, traffic share, each query's last value, the next step's time. */
export function rolloutFields(deploy: Deploy): APIEmbedField[] {
  const rollout = deploy.rollout;
  if (!rollout) return [];
  const fields: APIEmbedField[] = [
    {
      name: 'Rollout',
      value: `Step ${rollout.step + 1}/${rollout.steps.length} · ${trafficOf(rollout)} % of traffic (${rollout.steps.join(' → ')})`,
      inline: false,
    },
  ];
  const measured = rollout.measurements ?? [];
  const queries = [...new Set(measured.map((m) => m.query))];
  if (queries.length > 0 && deploy.state === 'rolling_out') {
    const lines = queries.map((name) => {
      const last = lastMeasurement(measured, name);
      const count = measured.filter((m) => m.query === name).length;
      const value =
        last?.value !== undefined ? formatValue(last.value) : (last?.detail ?? 'not measured yet');
      const mark = !last ? '⏳' : last.phase === 'successful' ? '✅' : last.phase === 'failed' ? '❌' : '❔';
      return `${mark} ${userText(name, 60)}: ${userText(value, 100)} (${count} measured)`;
    });
    fields.push({ name: 'Analysis', value: lines.join('\n'), inline: false });
  }
  if (deploy.state === 'rolling_out' && !isFinalStep(rollout)) {
    const next = rollout.steps[rollout.step + 1] ?? 100;
    const when = rollout.paused
      ? `paused by ${userText(rollout.paused.by, 60)}: ${userText(rollout.paused.reason, 200)}`
      : rollout.promotedBy
        ? 'now (promoted)'
        : rollout.nextAt
          ? `${discordTime(rollout.nextAt, 'R')} once the analysis passes`
          : 'once the analysis passes';
    fields.push({ name: `Next: ${next} %`, value: when, inline: false });
  }
  return fields;
}

/** The thread lines of a rollout; undefined for the other progress events. */
export function renderRolloutProgress(deploy: Deploy, event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'stepDispatched':
      return `📤 Step dispatched: ${event.traffic} % of traffic to ${deploy.version ?? ''}.`;
    case 'stepLive':
      return `🟡 ${event.traffic} % of traffic is on ${deploy.version ?? ''}; the analysis runs before the next step.`;
    case 'rolloutPaused':
      return `⏸️ Rollout paused by ${userText(event.by, 100)}: ${userText(event.reason, 300)}`;
    case 'rolloutResumed':
      return `▶️ Rollout resumed by ${userText(event.by, 100)}.`;
    case 'rolloutPromoted':
      return `⏩ ${userText(event.by, 100)} promoted the rollout: the next step goes now.`;
    case 'rolloutAborted':
      return `🛑 Rollout aborted: ${userText(event.reason, 500)} Rolling back to the last verified version; ${deploy.env} is locked.`;
    default:
      return undefined;
  }
}
