import type { CredentialStatus } from '../app/ports/github.js';
import { parseWorkflowFile } from '../adapters/github/workflow-file.js';
import {
  channelPermissions,
  missingPermissions,
  type OverwriteFacts,
  type RoleFacts,
} from './permissions.js';

/** One doctor line: ✅ or ❌, what was checked, and for a failure what to do about it. */
export interface Check {
  readonly ok: boolean;
  readonly label: string;
  readonly fix?: string;
}

const pass = (label: string): Check => ({ ok: true, label });
const fail = (label: string, fix: string): Check => ({ ok: false, label, fix });

export interface DiscordFacts {
  readonly expectedAppId: string;
  /** undefined: Discord refused the token. */
  readonly bot?: { readonly id: string; readonly username: string };
  readonly applicationId?: string;
  readonly botGuildIds: readonly string[];
  readonly guilds: readonly { readonly id: string; readonly name?: string | undefined }[];
  readonly opsChannelId: string;
  readonly opsChannel?: { readonly guildId: string; readonly overwrites: readonly OverwriteFacts[] };
  readonly roles?: readonly RoleFacts[];
  readonly botRoleIds?: readonly string[];
  readonly r4: string;
  readonly r5: string;
}

export function discordChecks(facts: DiscordFacts): Check[] {
  if (!facts.bot) {
    return [
      fail(
        'Discord: the bot token is refused',
        'copy the token from the Developer Portal (Bot → Reset Token) into DISCORD_TOKEN',
      ),
    ];
  }
  const checks: Check[] = [pass(`Discord: token valid (bot ${facts.bot.username})`)];
  checks.push(
    facts.applicationId === facts.expectedAppId
      ? pass(`Discord: application id ${facts.expectedAppId} matches the token`)
      : fail(
          `Discord: DISCORD_APP_ID is ${facts.expectedAppId} but the token belongs to application ${facts.applicationId ?? '?'}`,
          'set DISCORD_APP_ID to the Application ID shown on the Developer Portal for this bot',
        ),
  );
  for (const guild of facts.guilds) {
    const name = guild.name ? `${guild.name} (${guild.id})` : guild.id;
    checks.push(
      facts.botGuildIds.includes(guild.id)
        ? pass(`Discord: the bot is in guild ${name}`)
        : fail(
            `Discord: the bot is not in guild ${name}`,
            'invite it with the URL from docs/setup.md (scopes bot applications.commands)',
          ),
    );
  }
  const channel = facts.opsChannel;
  if (!channel || !facts.roles) {
    checks.push(
      fail(
        `Discord: ops channel ${facts.opsChannelId} not found or not visible to the bot`,
        'set discord.opsChannelId to the channel id (Developer Mode → Copy Channel ID) and let the bot view it',
      ),
    );
    return checks;
  }
  const granted = channelPermissions({
    guildId: channel.guildId,
    userId: facts.bot.id,
    memberRoleIds: facts.botRoleIds ?? [],
    roles: facts.roles,
    overwrites: channel.overwrites,
  });
  const missing = missingPermissions(granted);
  checks.push(
    missing.length === 0
      ? pass(
          `Discord: the bot may view, send, embed, attach, create and send in threads, read history in the ops channel`,
        )
      : fail(
          `Discord: in the ops channel the bot lacks ${missing.join(', ')}`,
          `allow ${missing.join(', ')} for the bot's role in the channel's permissions (or remove the overwrite that denies it)`,
        ),
  );
  const roleIds = new Set(facts.roles.map((r) => r.id));
  for (const [name, id] of [
    ['R4', facts.r4],
    ['R5', facts.r5],
  ] as const) {
    checks.push(
      roleIds.has(id)
        ? pass(`Discord: role ${name} (${id}) exists`)
        : fail(
            `Discord: role ${name} (${id}) does not exist in the guild`,
            `set discord.roles.${name.toLowerCase()} to the role's id (Server Settings → Roles → Copy Role ID)`,
          ),
    );
  }
  return checks;
}

/** What the bot sends each workflow (SPEC §4.5, §8): the workflow must declare exactly these inputs. */
export const CONTRACT_INPUTS = {
  deploy: ['environment', 'sha', 'version', 'deploy_id'],
  smoke: ['environment', 'sha', 'deploy_id'],
} as const;

export interface WorkflowFacts {
  readonly file: string;
  readonly kind: keyof typeof CONTRACT_INPUTS;
  /** The YAML on the default ref; undefined when it is not there. */
  readonly source?: string;
}

export interface RepoFacts {
  readonly service: string;
  readonly repo: string;
  readonly defaultRef: string;
  /** undefined when reachable; otherwise why not. */
  readonly unreachable?: string;
  readonly workflows: readonly WorkflowFacts[];
}

/** The workflow contract (§14): workflow_dispatch, the bot's inputs, a run-name carrying deploy_id. */
export function workflowProblems(source: string, kind: keyof typeof CONTRACT_INPUTS): string[] {
  let file;
  try {
    file = parseWorkflowFile(source);
  } catch (error) {
    return [`it is not valid YAML (${(error as Error).message.split('\n')[0] ?? ''})`];
  }
  if (!file.dispatchInputs) return ['it has no `on: workflow_dispatch` trigger'];
  const problems: string[] = [];
  const declared = new Set(file.dispatchInputs.map((i) => i.name));
  const wanted: readonly string[] = CONTRACT_INPUTS[kind];
  const missing = wanted.filter((name) => !declared.has(name));
  if (missing.length > 0)
    problems.push(`workflow_dispatch does not declare the input(s) ${missing.join(', ')}`);
  const extra = file.dispatchInputs.filter(
    (i) => i.required && i.default === undefined && !wanted.includes(i.name),
  );
  if (extra.length > 0)
    problems.push(`it requires input(s) the bot never sends: ${extra.map((i) => i.name).join(', ')}`);
  if (!/\$\{\{\s*(?:github\.event\.)?inputs\.deploy_id\s*\}\}/.test(file.runName ?? '')) {
    problems.push('its run-name does not carry deploy_id (the bot finds the run by it)');
  }
  return problems;
}

export function githubChecks(credentials: CredentialStatus, repos: readonly RepoFacts[]): Check[] {
  const checks: Check[] = credentials.ok
    ? [pass('GitHub: credentials valid and allowed to dispatch workflows, create deployments and tags')]
    : credentials.problems.map((problem) => fail(`GitHub: ${problem.split(':')[0] ?? problem}`, problem));
  for (const repo of repos) {
    if (repo.unreachable) {
      checks.push(
        fail(
          `GitHub: ${repo.repo} (service ${repo.service}) is not reachable: ${repo.unreachable}`,
          'check services.<name>.repo, and give the App installation (or the token) access to this repository',
        ),
      );
      continue;
    }
    checks.push(pass(`GitHub: ${repo.repo} is reachable`));
    for (const workflow of repo.workflows) {
      const where = `${repo.repo} .github/workflows/${workflow.file} on ${repo.defaultRef}`;
      if (workflow.source === undefined) {
        checks.push(
          fail(
            `GitHub: ${where} does not exist`,
            `commit it (examples/workflows/${workflow.kind}.yml is a start)`,
          ),
        );
        continue;
      }
      const problems = workflowProblems(workflow.source, workflow.kind);
      checks.push(
        problems.length === 0
          ? pass(`GitHub: ${where} follows the workflow contract`)
          : fail(
              `GitHub: ${where}: ${problems.join('; ')}`,
              `compare it with examples/workflows/${workflow.kind}.yml (see "Your deploy workflow" in the README)`,
            ),
      );
    }
  }
  return checks;
}

export interface HealthFacts {
  readonly service: string;
  readonly env: string;
  readonly url: string;
  readonly status?: number;
  readonly error?: string;
}

export function healthChecks(facts: readonly HealthFacts[]): Check[] {
  return facts.map((f) =>
    f.status !== undefined && f.status >= 200 && f.status < 300
      ? pass(`Health: ${f.service}/${f.env} ${f.url} answers ${f.status}`)
      : fail(
          `Health: ${f.service}/${f.env} ${f.url} ${f.status === undefined ? `does not answer (${f.error ?? 'no answer'})` : `answers ${f.status}`}`,
          `make the service answer 200 with {"version": …} there, or fix services.${f.service}.environments[].healthUrl`,
        ),
  );
}

/** The doctor's report: one line per check, the fix after a failure. */
export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => (c.ok ? `✅ ${c.label}` : `❌ ${c.label}\n   → ${c.fix ?? ''}`)).join('\n');
}
