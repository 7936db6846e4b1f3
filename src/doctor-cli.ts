/**
 * `npm run doctor`: checks the configuration (CONFIG_FILE and the environment) against the Discord and GitHub
 * APIs and every health URL, and prints one ✅/❌ line per check, each failure with its fix (§14).
 * Exit codes: 0 all good, 1 any ❌, 2 the configuration itself is invalid. Never prints a secret.
 */
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { formatChecks } from './doctor/checks.js';
import { runDoctor } from './doctor/run.js';
import { createLogger } from './logger.js';

export async function doctor(env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(`❌ configuration: invalid\n${error.problems.map((p) => `   ${p}`).join('\n')}`);
    return 2;
  }
  const log = createLogger({ level: 'fatal' }, pino.destination(2));
  out(`Release Console doctor — ${config.configFile}`);
  const { checks, ok } = await runDoctor(config, log);
  out(formatChecks(checks));
  const failed = checks.filter((c) => !c.ok).length;
  out(ok ? `\nAll ${checks.length} checks passed.` : `\n${failed} of ${checks.length} checks failed.`);
  return ok ? 0 : 1;
}

if (process.argv[1]?.endsWith('doctor-cli.ts') || process.argv[1]?.endsWith('doctor-cli.js')) {
  doctor(process.env, (text) => process.stdout.write(`${text}\n`)).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (error: unknown) => {
      process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
