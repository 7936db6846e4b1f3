import { Routes } from 'discord.js';
import type { REST } from '@discordjs/rest';
import { createRest } from '../adapters/discord/gateway.js';
import { CredentialCheck } from '../adapters/github/credentials.js';
import { createOctokit, type GitHubOctokit } from '../adapters/github/octokit.js';
import { githubCredentialsOf, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import {
  discordChecks,
  githubChecks,
  healthChecks,
  type Check,
  type DiscordFacts,
  type HealthFacts,
  type RepoFacts,
} from './checks.js';
import type { OverwriteFacts, RoleFacts } from './permissions.js';

const HEALTH_TIMEOUT_MS = 5_000;

/** Runs one request; undefined when it fails (the check that needs it then fails with its fix). */
async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch {
    return undefined;
  }
}

async function discordFacts(config: Config, rest: REST): Promise<DiscordFacts> {
  const base = {
    expectedAppId: config.env.DISCORD_APP_ID ?? '',
    guilds: config.discord.guilds,
    opsChannelId: config.discord.opsChannelId,
    r4: config.discord.roles.r4,
    r5: config.discord.roles.r5,
  };
  const bot = (await attempt(() => rest.get(Routes.user('@me')))) as
    { id: string; username: string } | undefined;
  if (!bot) return { ...base, botGuildIds: [] };
  const [application, guilds, channel] = await Promise.all([
    attempt(() => rest.get(Routes.currentApplication())) as Promise<{ id: string } | undefined>,
    attempt(() => rest.get(Routes.userGuilds())) as Promise<{ id: string }[] | undefined>,
    attempt(() => rest.get(Routes.channel(config.discord.opsChannelId))) as Promise<
      { guild_id?: string; permission_overwrites?: OverwriteFacts[] } | undefined
    >,
  ]);
  const guildId = channel?.guild_id;
  const [roles, member] = guildId
    ? await Promise.all([
        attempt(() => rest.get(Routes.guildRoles(guildId))) as Promise<RoleFacts[] | undefined>,
        attempt(() => rest.get(Routes.guildMember(guildId, bot.id))) as Promise<
          { roles: string[] } | undefined
        >,
      ])
    : [undefined, undefined];
  return {
    ...base,
    bot: { id: bot.id, username: bot.username },
    ...(application ? { applicationId: application.id } : {}),
    botGuildIds: (guilds ?? []).map((g) => g.id),
    ...(guildId && roles
      ? {
          opsChannel: { guildId, overwrites: channel.permission_overwrites ?? [] },
          roles,
          botRoleIds: member?.roles ?? [],
        }
      : {}),
  };
}

async function workflowSource(
  octokit: GitHubOctokit,
  repo: string,
  path: string,
  ref: string,
): Promise<string | undefined> {
  const [owner = '', name = ''] = repo.split('/');
  const answer = await attempt(() =>
    octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo: name, path, ref }),
  );
  const data = answer?.data as { content?: unknown; encoding?: unknown } | undefined;
  if (typeof data?.content !== 'string') return undefined;
  return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
}

async function repoFacts(config: Config, octokit: GitHubOctokit): Promise<RepoFacts[]> {
  return Promise.all(
    Object.entries(config.services).map(async ([service, s]) => {
      const [owner = '', name = ''] = s.repo.split('/');
      let unreachable: string | undefined;
      try {
        await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name });
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        unreachable =
          status === 404
            ? 'GitHub answers 404 (no such repository, or no access)'
            : `GitHub answers ${typeof status === 'number' ? status : 'nothing'}`;
      }
      const files = [
        { file: s.workflow, kind: 'deploy' as const },
        ...(s.smokeWorkflow ? [{ file: s.smokeWorkflow, kind: 'smoke' as const }] : []),
      ];
      const workflows = unreachable
        ? []
        : await Promise.all(
            files.map(async (w) => {
              const source = await workflowSource(
                octokit,
                s.repo,
                `.github/workflows/${w.file}`,
                s.defaultRef,
              );
              return { ...w, ...(source === undefined ? {} : { source }) };
            }),
          );
      return {
        service,
        repo: s.repo,
        defaultRef: s.defaultRef,
        workflows,
        ...(unreachable ? { unreachable } : {}),
      };
    }),
  );
}

async function healthFacts(config: Config): Promise<HealthFacts[]> {
  const targets = Object.entries(config.services).flatMap(([service, s]) =>
    s.environments.flatMap((e) => (e.healthUrl ? [{ service, env: e.name, url: e.healthUrl }] : [])),
  );
  return Promise.all(
    targets.map(async (t) => {
      try {
        const response = await fetch(t.url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
        await response.body?.cancel();
        return { ...t, status: response.status };
      } catch (error) {
        return { ...t, error: error instanceof Error ? error.name : 'unreachable' };
      }
    }),
  );
}

/**
 * Checks a configuration against the real Discord and GitHub APIs (or whatever DISCORD_API_URL and
 * GITHUB_API_URL point at) and every health URL. Reads only; prints nothing secret.
 */
export async function runDoctor(config: Config, log: Logger): Promise<{ checks: Check[]; ok: boolean }> {
  const checks: Check[] = [];
  const token = config.env.DISCORD_TOKEN;
  if (!token || !config.env.DISCORD_APP_ID) {
    checks.push({
      ok: false,
      label: 'Discord: no DISCORD_TOKEN / DISCORD_APP_ID',
      fix: 'set both (docs/setup.md, "Discord application")',
    });
  } else {
    const rest = createRest({
      token,
      ...(config.env.DISCORD_API_URL ? { api: config.env.DISCORD_API_URL } : {}),
    });
    checks.push(...discordChecks(await discordFacts(config, rest)));
  }
  const credentials = githubCredentialsOf(config.env);
  if (!credentials) {
    checks.push({
      ok: false,
      label: 'GitHub: no credentials',
      fix: 'set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID (a GitHub App), or GITHUB_TOKEN',
    });
  } else {
    const octokit = createOctokit({
      ...(config.env.GITHUB_API_URL ? { baseUrl: config.env.GITHUB_API_URL } : {}),
      ...(credentials.kind === 'app' ? { app: credentials } : { token: credentials.token }),
      userAgent: 'release-console-doctor',
      log,
      retryAfterUnitMs: 1000,
      backoffUnitMs: 200,
      writeSpacingMs: 0,
    });
    const check = new CredentialCheck(
      octokit,
      credentials.kind,
      credentials.kind === 'app' ? credentials.installationId : undefined,
    );
    const [status, repos] = await Promise.all([check.status(), repoFacts(config, octokit)]);
    checks.push(...githubChecks(status, repos));
  }
  checks.push(...healthChecks(await healthFacts(config)));
  return { checks, ok: checks.every((c) => c.ok) };
}
