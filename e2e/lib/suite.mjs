// The set-up every browser suite shares, so that each test file holds only its journeys.
import { after, before } from 'node:test';
import { startServer } from './server.mjs';
import { launch } from './browser.mjs';

/**
 * Before the suite's tests: a server (with the demo content unless `demo` is false) and a browser.
 * After them: the browser closed, then every server stopped, those the suite started through
 * `suite.startServer` first (latest first) and the first one last, since they may share its data.
 * Read `suite.server` and `suite.browser` inside tests: they are set once `before` has run.
 */
export function serverAndBrowser({ demo = true } = {}) {
  const others = [];
  const suite = {
    server: undefined,
    browser: undefined,
    async startServer(options) {
      const server = await startServer(options);
      others.push(server);
      return server;
    },
  };
  before(async () => {
    suite.server = await startServer({ demo });
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    for (const server of others.reverse()) await server.stop();
    await suite.server?.stop();
  });
  return suite;
}
