// A stand-in for Keystone v3 in tests: password auth for one user, answering with a token that a
// real Swift accepts (a tempauth token fetched behind the scenes) and a catalog pointing at it.

import { createServer, type Server } from 'node:http';
import type { SwiftAccount } from './swift-aio.js';

export interface FakeKeystone {
  /** `http://127.0.0.1:<port>/v3` */
  readonly authUrl: string;
  close(): Promise<void>;
}

interface PasswordAuth {
  auth?: { identity?: { password?: { user?: { name?: string; password?: string } } } };
}

export async function startFakeKeystone(spec: {
  readonly user: string;
  readonly password: string;
  /** The Swift account whose token and storage URL the fake hands out. */
  readonly swiftAuthUrl: string;
  readonly swiftAccount: SwiftAccount;
}): Promise<FakeKeystone> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        const user = (JSON.parse(body || '{}') as PasswordAuth).auth?.identity?.password?.user;
        if (
          req.url !== '/v3/auth/tokens' ||
          user?.name !== spec.user ||
          user.password !== spec.password
        ) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(
            '{"error": {"code": 401, "message": "The request you have made requires authentication."}}',
          );
        }
        const swift = await fetch(spec.swiftAuthUrl, {
          headers: {
            'x-auth-user': `${spec.swiftAccount.account}:${spec.swiftAccount.user}`,
            'x-auth-key': spec.swiftAccount.key,
          },
        });
        await swift.body?.cancel();
        const catalog = [
          {
            type: 'object-store',
            endpoints: [
              { interface: 'internal', region: 'RegionOne', url: 'http://127.0.0.1:9/v1/unused' },
              { interface: 'public', region: 'RegionOne', url: swift.headers.get('x-storage-url') },
            ],
          },
        ];
        res.writeHead(201, {
          'content-type': 'application/json',
          'x-subject-token': swift.headers.get('x-auth-token') ?? '',
        });
        res.end(JSON.stringify({ token: { catalog } }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    authUrl: `http://127.0.0.1:${port}/v3`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
