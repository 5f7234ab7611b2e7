// ESLint (flat config) with typescript-eslint's type-aware rules; Prettier owns formatting.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Boundaries inside src/ (README, "Boundaries"): each package below may be imported only in its
// home, the domain imports nothing of GraphQL or HTTP, and only src/config.ts reads process.env.
// bench/, scripts/, migrations/ and test/ are entry points or harnesses and are not restricted.
// A new vendor SDK gets an entry here naming its adapter folder.
const packageBoundaries = [
  {
    regex: '^@slack/',
    home: 'src/integrations/slack',
    message:
      'Slack SDKs belong in the Slack adapter, src/integrations/slack/; elsewhere use its port (slack.port.ts).',
  },
  {
    regex: '^jira\\.js(/|$)',
    home: 'src/integrations/jira',
    message:
      'jira.js belongs in the Jira adapter, src/integrations/jira/; elsewhere use its port (jira.port.ts).',
  },
  {
    regex: '^marklassian(/|$)',
    home: 'src/integrations/jira',
    message:
      'marklassian (Markdown to ADF) belongs in the Jira adapter, src/integrations/jira/jira.adf.ts; elsewhere use markdownToJiraDocument.',
  },
  {
    regex: '^nodemailer(/|$)',
    home: 'src/integrations/email',
    message:
      'nodemailer belongs in the email adapter, src/integrations/email/; elsewhere use its port (email.port.ts).',
  },
  {
    regex: '^pg-boss(/|$)',
    home: 'src/integrations/jobs',
    message:
      'pg-boss belongs in the job module, src/integrations/jobs/; import JobQueue, Job and the queue names from job-queue.ts.',
  },
  {
    regex:
      '^(graphql|graphql-[^/]+|type-graphql|@apollo/[^/]+|@as-integrations/[^/]+|@graphql-yoga/[^/]+|@envelop/[^/]+|@escape\\.tech/graphql-armor|express|ws|pino-http)(/|$)',
    only: 'src/domain',
    message:
      'The domain knows no GraphQL or HTTP: GraphQL types belong in src/schema/, resolvers in src/resolvers/, the server in src/http/ (entities in src/entities/ may carry type-graphql decorators).',
  },
  {
    regex: '^\\.\\.?/(.*/)?(schema|resolvers|http|webhooks)(/|$)',
    only: 'src/domain',
    message:
      'The domain does not depend on the GraphQL and HTTP layers (src/schema, src/resolvers, src/http, src/webhooks): they call the domain, not the other way round.',
  },
];
const envMessage =
  'Only src/config.ts reads the environment: add the setting to Config there and pass the typed config on.';

// In src/integrations/ domain events are a union keyed by `type` and effects one keyed by
// `action` (effect-actions.ts), so event data and effect payloads are read narrowed, never cast:
// no `x.payload as T`, `x.data as T`, `x.data.y as T` (or `<T>` assertions, or `as unknown as`).
const typedDataCast = (node) =>
  [
    `${node} > MemberExpression.expression[property.name=/^(payload|data)$/]`,
    `${node} > MemberExpression.expression[object.property.name=/^(payload|data)$/]`,
    `${node} > ChainExpression.expression > MemberExpression[property.name=/^(payload|data)$/]`,
    `${node} > ChainExpression.expression > MemberExpression[object.property.name=/^(payload|data)$/]`,
  ].join(', ');
const castRules = [
  {
    area: 'src/integrations',
    selector: [typedDataCast('TSAsExpression'), typedDataCast('TSTypeAssertion')].join(', '),
    message:
      'Event data and effect payloads are typed: narrow on `event.type` or `effect.action` (handlers get a TypedEffect, effects/effect-actions.ts) instead of casting.',
  },
];

/** The rules for one area of src/: flat config replaces a rule's options, so one block lists them all. */
function boundaryRules(area) {
  const restricted = packageBoundaries.filter((b) => b.home !== area && (!b.only || b.only === area));
  const env = area !== 'src/config.ts';
  const source = (b) => `/${b.regex.replaceAll('/', '\\/')}/`;
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: env
          ? ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: envMessage }))
          : [],
        patterns: restricted.map(({ regex, message }) => ({ regex, message })),
      },
    ],
    // require(), createRequire(...)() and import() load a module without an import declaration.
    'no-restricted-syntax': [
      'error',
      ...castRules
        .filter((c) => area === c.area || area.startsWith(`${c.area}/`))
        .map(({ selector, message }) => ({ selector, message })),
      ...restricted.map((b) => ({
        selector: [
          `CallExpression[callee.name='require'][arguments.0.value=${source(b)}]`,
          `CallExpression[callee.callee.name='createRequire'][arguments.0.value=${source(b)}]`,
          `ImportExpression[source.value=${source(b)}]`,
          `TSImportType[argument.literal.value=${source(b)}]`,
        ].join(', '),
        message: b.message,
      })),
    ],
    'no-restricted-properties': env
      ? ['error', { object: 'process', property: 'env', message: envMessage }]
      : 'off',
  };
}
// Outer areas first: a later block replaces an earlier one's options for the files both match.
const boundaryAreas = [
  'src/integrations',
  'src/integrations/slack',
  'src/integrations/jira',
  'src/integrations/email',
  'src/integrations/jobs',
  'src/domain',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-output/', '.data/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/**/*.ts'], rules: boundaryRules('src') },
  ...boundaryAreas.map((area) => ({ files: [`${area}/**/*.ts`], rules: boundaryRules(area) })),
  { files: ['src/config.ts'], rules: boundaryRules('src/config.ts') },
  {
    files: ['migrations/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        URLSearchParams: 'readonly',
        graphqlWs: 'readonly',
        GraphiQL: 'readonly',
        React: 'readonly',
        ReactDOM: 'readonly',
      },
    },
  },
  prettier,
);
