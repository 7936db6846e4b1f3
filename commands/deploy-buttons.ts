import { defineButton } from '../src/adapters/discord/command.js';
import { APPROVAL_BUTTONS, parseTickId } from '../src/adapters/discord/render/approval-section.js';
import { DEPLOY_BUTTONS } from '../src/adapters/discord/render/deploy-card.js';
import { userText } from '../src/domain/text.js';
import { UserFacingError } from '../src/domain/errors.js';
import { renderProgress } from '../src/adapters/discord/render/progress.js';
import { tickChecklistItem } from '../src/app/deploys/checklist.js';
import { approveDeploy, cancelRequest, rejectDeploy, resumeRequest } from '../src/app/deploys/decide.js';
import { cancelRun, rerunRun } from '../src/app/deploys/run-control.js';

/** The buttons on deploy cards. Who may press is decided from the database and the live roles (§3). */
export const deployButtons = [
  defineButton({
    action: DEPLOY_BUTTONS.approve,
    async run({ id, actor, deps }) {
      return renderProgress(await approveDeploy(deps, actor, id));
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.reject,
    async run({ id, actor, deps }) {
      const deploy = await rejectDeploy(deps, actor, id);
      return { content: `⛔ Rejected ${deploy.service} → ${deploy.env} (${deploy.id}).` };
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.cancel,
    async run({ id, actor, deps }) {
      const deploy = await cancelRequest(deps, actor, id);
      return { content: `⚪ Cancelled ${deploy.service} → ${deploy.env} (${deploy.id}).` };
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.deployNow,
    async run({ id, actor, deps }) {
      return renderProgress(await resumeRequest(deps, actor, id));
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.cancelRun,
    async run({ id, actor, deps }) {
      await cancelRun(deps, actor, id);
      return { content: `Asked GitHub to cancel the run of ${id}.` };
    },
  }),
  defineButton({
    action: DEPLOY_BUTTONS.rerun,
    async run({ id, actor, deps }) {
      await rerunRun(deps, actor, id);
      return { content: `Asked GitHub to re-run ${id}.` };
    },
  }),
  // §16: the requester ticks a checklist item (custom_id `tick:<deploy id>_<n>`).
  defineButton({
    action: APPROVAL_BUTTONS.tick,
    async run({ id, actor, deps }) {
      const target = parseTickId(id);
      if (!target) throw new UserFacingError('BAD_INPUT', 'This checklist button is not valid any more.');
      const { item, approval } = await tickChecklistItem(deps, actor, target.deployId, target.index);
      const items = approval.checklist ?? [];
      const done = items.filter((i) => i.tickedBy).length;
      return {
        content: `☑️ Ticked ${target.index + 1}. ${userText(item.text, 150)} (${done}/${items.length})${done === items.length ? ' — the approvers may approve now.' : '.'}`,
      };
    },
  }),
];
