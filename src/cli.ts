// `npm start`: the real bot when DISCORD_TOKEN is set, otherwise the sandbox (local stand-ins and a console).
// The only other place besides main.ts that reads process.env: it hands the environment on as a value.

async function cli(): Promise<void> {
  if (process.env.DISCORD_TOKEN) {
    const { runMain } = await import('./main.js');
    await runMain(process.env);
    return;
  }
  const { runSandbox } = await import('./sandbox/run.js');
  const controller = new AbortController();
  const onSignal = (): void => {
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await runSandbox(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  // Libraries may leave timers behind after a clean stop; the exit code is decided here.
  process.stdout.write('', () => process.exit(code));
}

cli().catch((error: unknown) => {
  console.error(
    `Release Console: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
