// Starts the already-built `pix` binary on a free port with a fresh SQLite database (or a fresh
// PostgreSQL database), or, given `node`, another node on the same data as that server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startServer({ demo = false, node = null } = {}) {
  const bin = process.env.PIX_BIN;
  if (!bin) throw new Error('PIX_BIN must point to the built pix binary (scripts/test sets it)');
  const dataDir = node ? node.dataDir : mkdtempSync(join(tmpdir(), 'pix-e2e-'));
  const args = ['serve', '--bind', '127.0.0.1:0', '--data-dir', dataDir];
  // With PIX_E2E_POSTGRES_URL (an admin URL), each server gets a fresh PostgreSQL database.
  const admin = process.env.PIX_E2E_POSTGRES_URL;
  let databaseUrl = null;
  if (node?.databaseUrl) {
    databaseUrl = node.databaseUrl;
    args.push('--database-url', databaseUrl);
  } else if (admin) {
    const name = `e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    const created = spawnSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`cannot create ${name}: ${created.stderr}`);
    databaseUrl = admin.replace(/\/[^/]*$/, `/${name}`);
    args.push('--database-url', databaseUrl);
  }
  if (demo) args.push('--demo');
  const child = spawn(bin, args, {
    env: { ...process.env, PIX_LOG_FORMAT: 'text', PIX_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    const onData = (chunk) => {
      log += chunk.toString();
      const match = log.match(/listening address=(http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${log}`)));
  });
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
  return {
    baseUrl,
    dataDir,
    databaseUrl,
    log: () => log,
    /** Kills the node at once (SIGKILL: no clean-up, no flush), keeping its data. */
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      if (node) return;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
