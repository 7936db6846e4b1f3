import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbedField,
} from 'discord.js';
import type { Approval, Deploy } from '../../../domain/model.js';
import { userText } from '../../../domain/text.js';
import { customId } from '../command.js';
import { discordTime } from './common.js';

/** Button actions of the approval part of a deploy card (§16). */
export const APPROVAL_BUTTONS = { tick: 'tick' } as const;

/** Discord allows five buttons in a row. */
const PER_ROW = 5;

/** The custom_id of the tick button of checklist item `index` (0-based): `tick:<deploy id>_<n>`. */
export function tickCustomId(deployId: string, index: number): string {
  return customId(APPROVAL_BUTTONS.tick, `${deployId}_${index + 1}`);
}

/** The deploy id and 0-based item index a tick button carries; undefined when it is not one. */
export function parseTickId(id: string): { deployId: string; index: number } | undefined {
  const match = /^([A-Z0-9]{2,20})_(\d{1,2})$/.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  const index = Number(match[2]) - 1;
  return index >= 0 ? { deployId: match[1], index } : undefined;
}

function approvedLine(approval: Approval): string {
  const votes = approval.votes ?? [];
  const required = approval.required ?? 1;
  const names = votes.map((v) => userText(v.by.name, 60)).join(', ');
  return `${votes.length}/${required} approved${names ? ` — ${names}` : ''}`;
}

function checklistLines(approval: Approval): string {
  return (approval.checklist ?? [])
    .map((item, i) =>
      item.tickedBy
        ? `☑️ ${i + 1}. ${userText(item.text, 150)} — ${userText(item.tickedBy.name, 60)}${item.tickedAt ? ` ${discordTime(item.tickedAt, 'R')}` : ''}`
        : `⬜ ${i + 1}. ${userText(item.text, 150)}`,
    )
    .join('\n');
}

/**
 * The fields of the approval part: how many R5s approved and who (`1/2 approved — bob`), and the checklist
 * with who ticked what and when. Shown while it waits and afterwards, so the approver sees what was ticked.
 */
export function approvalFields(approval: Approval | undefined): APIEmbedField[] {
  if (!approval) return [];
  const fields: APIEmbedField[] = [];
  const required = approval.required ?? 1;
  if (required > 1 || (approval.votes?.length ?? 0) > 0) {
    fields.push({ name: 'Approvals', value: approvedLine(approval), inline: true });
  }
  if ((approval.checklist?.length ?? 0) > 0) {
    fields.push({
      name: 'Checklist (ticked by the requester)',
      value: checklistLines(approval),
      inline: false,
    });
  }
  return fields;
}

/** Whether every checklist item is ticked (an approval without a checklist has nothing to tick). */
export function checklistDone(approval: Approval | undefined): boolean {
  return (approval?.checklist ?? []).every((item) => item.tickedBy !== undefined);
}

/**
 * The rows of a card awaiting approval: Approve (disabled until the checklist is ticked; the server refuses
 * it too) and Reject, then a tick button per unticked item, for the requester.
 */
export function approvalRows(
  deploy: Deploy,
  approval: Approval | undefined,
  decide: readonly APIButtonComponent[],
): APIActionRowComponent<APIButtonComponent>[] {
  const ready = checklistDone(approval);
  const first = decide.map((b) =>
    'custom_id' in b && b.custom_id.startsWith('approve:') && !ready ? { ...b, disabled: true } : b,
  );
  const ticks: APIButtonComponent[] = (approval?.checklist ?? []).flatMap((item, i) =>
    item.tickedBy
      ? []
      : [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Primary,
            label: `Tick ${i + 1}`,
            custom_id: tickCustomId(deploy.id, i),
          },
        ],
  );
  const rows: APIActionRowComponent<APIButtonComponent>[] = [
    { type: ComponentType.ActionRow, components: first },
  ];
  for (let i = 0; i < ticks.length; i += PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: ticks.slice(i, i + PER_ROW) });
  }
  return rows;
}
