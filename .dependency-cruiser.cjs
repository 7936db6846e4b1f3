/**
 * The layers' rules (STYLE.md "Shape" and "Ports are leaves"), checked by `npm run lint`:
 * dependencies point inwards (commands/jobs → app → domain; adapters implement the app's ports), ports
 * import only the domain, and no module reaches itself again through its imports (types included).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (also through type-only imports) tangles two modules into one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ports-are-leaves',
      severity: 'error',
      comment: 'A port file imports the domain and the other ports only (and the config and logger types).',
      from: { path: '^src/app/ports/' },
      to: { pathNot: ['^src/app/ports/', '^src/domain/', '^src/config\\.ts$', '^src/logger\\.ts$'] },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain is pure rules: no app, adapters, sandbox, Discord, MongoDB or HTTP.',
      from: { path: '^src/domain/' },
      to: {
        path: [
          '^src/(app|adapters|sandbox)/',
          '^commands/',
          '^jobs/',
          'node_modules/(discord\\.js|mongoose|mongodb|@octokit|agenda|pino)/',
        ],
      },
    },
    {
      name: 'app-does-not-know-adapters',
      severity: 'error',
      comment: 'Use-cases speak to ports; adapters, the sandbox, commands and jobs are wired by main.ts.',
      from: { path: '^src/app/' },
      to: {
        path: [
          '^src/adapters/',
          '^src/sandbox/',
          '^commands/',
          '^jobs/',
          'node_modules/(discord\\.js|mongoose|mongodb|@octokit|agenda)/',
        ],
      },
    },
    {
      name: 'adapters-do-not-call-sandbox',
      severity: 'error',
      comment: 'The product never depends on the stand-ins; only the sandbox runner and tests do.',
      from: { path: '^src/(app|domain|adapters)/' },
      to: { path: '^src/sandbox/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
