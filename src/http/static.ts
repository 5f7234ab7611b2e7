// Pages served to browsers: GraphiQL, the wallboard and insights, with every script taken from
// installed packages (no CDN), so they work without internet access.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Express } from 'express';
import { packageRoot } from '../package-root';

export function mountBrowserPages(app: Express): void {
  const root = packageRoot();
  const installed = (pkg: string, file: string) =>
    join(dirname(require.resolve(`${pkg}/package.json`)), file);
  // chart.js exports no package.json; its main entry sits in dist/ beside the UMD build.
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  const graphiql = readFileSync(join(root, 'public', 'graphiql.html'));

  // A browser asking for /graphql gets GraphiQL; API clients (JSON) go on to the GraphQL server.
  app.get('/graphql', (req, res, next) => {
    if (req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html') {
      res.type('html').send(graphiql);
      return;
    }
    next();
  });

  const files: Record<string, { path: string; type: string }> = {
    '/board': { path: join(root, 'public', 'board.html'), type: 'html' },
    '/assets/board.js': { path: join(root, 'public', 'board.js'), type: 'js' },
    '/assets/board.css': { path: join(root, 'public', 'board.css'), type: 'css' },
    '/assets/token.js': { path: join(root, 'public', 'token.js'), type: 'js' },
    '/insights': { path: join(root, 'public', 'insights.html'), type: 'html' },
    '/assets/insights.js': { path: join(root, 'public', 'insights.js'), type: 'js' },
    '/assets/insights.css': { path: join(root, 'public', 'insights.css'), type: 'css' },
    '/assets/chart.js': { path: chartJs, type: 'js' },
    '/assets/graphiql-setup.js': { path: join(root, 'public', 'graphiql-setup.js'), type: 'js' },
    '/assets/graphql-ws.js': { path: installed('graphql-ws', 'umd/graphql-ws.min.js'), type: 'js' },
    '/assets/graphiql.min.js': { path: installed('graphiql', 'graphiql.min.js'), type: 'js' },
    '/assets/graphiql.min.css': { path: installed('graphiql', 'graphiql.min.css'), type: 'css' },
    '/assets/react.js': { path: installed('react', 'umd/react.production.min.js'), type: 'js' },
    '/assets/react-dom.js': { path: installed('react-dom', 'umd/react-dom.production.min.js'), type: 'js' },
  };
  for (const [route, file] of Object.entries(files)) {
    const body = readFileSync(file.path);
    app.get(route, (_req, res) => {
      res.type(file.type).setHeader('cache-control', 'no-cache');
      res.send(body);
    });
  }
}
