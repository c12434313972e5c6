/**
 * `--queue redis://HOST:PORT`: the Redis server that holds the queue, checked before anything is
 * written or started — a URL that cannot be read, or a server that cannot be reached within a few
 * seconds (refused, unknown host, silent, a password wanted), is one line and exit 2, not a hang
 * and not a directory left behind.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../errors.js';

export interface RedisTarget {
  /** For messages: the URL with any password masked. */
  readonly shown: string;
  /** For BullMQ's and ioredis' connections. */
  readonly options: RedisOptions;
}

const ALLOWED = 'allowed: redis://HOST:PORT[/DB], or rediss://… for TLS, with an optional USER:PASSWORD@ before HOST';

/** How long a first connection and PING may take before the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 5000;

export function parseRedisUrl(text: string): RedisTarget {
  const bad = (why: string) => new UserError(`--queue: "${text}" is not valid (${why}); ${ALLOWED}`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`the scheme is ${url.protocol.replace(/:$/, '') || 'missing'}`);
  if (url.hostname === '') throw bad('no host');
  if (url.search !== '' || url.hash !== '') throw bad('options after ? or # are not read');
  const port = url.port === '' ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw bad('the port is not 1 to 65535');
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,2}$/.test(path)) throw bad(`the database "${path}" is not a number`);
  // URL keeps an IPv6 host in brackets; ioredis wants it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = {
    host,
    port,
    ...(path !== '' ? { db: Number(path) } : {}),
    ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
  const auth = url.username !== '' || url.password !== '' ? `${url.username}${url.password !== '' ? ':***' : ''}@` : '';
  const shown = `${url.protocol}//${auth}${url.host}${path !== '' ? `/${path}` : ''}`;
  return { shown, options };
}

/**
 * Connects once and sends PING, within `timeoutMs`; throws a UserError naming the server and why
 * (ECONNREFUSED, ENOTFOUND, a timeout, NOAUTH …) otherwise. Leaves no connection open.
 */
export async function checkRedisReachable(target: RedisTarget, timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // One try, no reconnection and no offline queue: a server that is not there is an answer, not something to wait for.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // A socket that does not close when asked (a silent server) is destroyed after this long.
    disconnectTimeout: 500,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND …): connect() rejects only with "Connection is closed".
  let socketError: NodeJS.ErrnoException | null = null;
  client.on('error', (err: NodeJS.ErrnoException) => (socketError ??= err));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([
      (async () => {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
      })(),
      timeout,
    ]);
  } catch (err) {
    const e = (socketError ?? err) as NodeJS.ErrnoException;
    const why = e.code ?? e.message.split('\n')[0];
    throw new UserError(`--queue ${target.shown}: cannot reach Redis there (${why}); start redis-server, or check the host, port and password`);
  } finally {
    clearTimeout(timer);
    // (An ended client's disconnect() would still arm its timer for a socket long closed: a needless wait before exit.)
    if (client.status !== 'end') client.disconnect();
  }
}
