// A third-party OIDC provider for the bind backend tests: panva's oidc-provider
// (the certified Node.js implementation) with one confidential client, users
// from the environment and a small login form of our own (its dev interactions
// accept any password, which would make a wrong-password test meaningless).
//
// Environment: CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, USERS ("name:password,…"), and
// optionally PUBLIC_CLIENT_ID: a native public client (PKCE, loopback redirects on any port,
// the device flow, refresh tokens) for klutch-tui's own logins.
// Prints "listening <issuer URL>" once it accepts requests; stops on SIGTERM or
// when stdin closes (so it never outlives the test that started it).

import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.js: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const users = new Map(
  env('USERS').split(',').map((pair) => {
    const at = pair.indexOf(':');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-rs256' };

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginPage = (uid, error) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in (oidc-provider)</h1>${error ? `<p class="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<input name="username" autocomplete="username"><input name="password" type="password">
<button type="submit">Sign in</button></form></body></html>`;

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

let provider;

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://localhost');
    const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) {
      provider.callback()(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== match[1]) {
      res.writeHead(400).end('interaction mismatch');
      return;
    }
    if (req.method === 'GET' && !match[2] && details.prompt.name === 'consent') {
      // Native clients are always asked for consent: this test user gives it.
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope('openid email profile offline_access');
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'GET' && !match[2]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(details.uid));
      return;
    }
    if (req.method === 'POST' && match[2]) {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      if (!users.has(username) || users.get(username) !== (form.get('password') ?? '')) {
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
          .end(loginPage(details.uid, 'Invalid username or password'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(405).end();
  } catch (err) {
    console.error('provider.js:', err);
    if (!res.headersSent) res.writeHead(500).end(String(err));
  }
});

const publicClient = process.env.PUBLIC_CLIENT_ID;
const publicClients = publicClient ? [{
  client_id: publicClient,
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
  response_types: ['code'],
}] : [];

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: [...publicClients, {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: [env('REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['klutch-sandbox-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: false }, deviceFlow: { enabled: Boolean(publicClient) } },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    // Refresh tokens for the public client whether or not the login asked for consent.
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      if (!users.has(id)) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.org`, email_verified: true, name: id, preferred_username: id };
        },
      };
    },
    // No consent screen: this test client is trusted with the scopes it asks for.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile offline_access');
      await grant.save();
      return grant;
    },
  });
  console.log(`listening ${issuer}`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
