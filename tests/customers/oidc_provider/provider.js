// A real OpenID Connect provider (node-oidc-provider) for the customers app's tests.
//
// Started by tests/customers/conftest.py: `node provider.js CONFIG.json`. The config file holds
// the clients (`clients`, as oidc-provider's client metadata) and the accounts (`accounts`:
// {accountId: {email, email_verified, given_name, family_name}}). The provider listens on a free
// loopback port and prints one line `READY http://127.0.0.1:PORT` once it answers.
//
// Interactions are oidc-provider's own devInteractions: a login form that takes the account id
// (`login`) and a consent form, both plain HTML forms a test's HTTP client can submit.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: config.clients,
    // Random keys per run: the tests read them from the JWKS endpoint like any relying party.
    cookies: { keys: [Math.random().toString(36).slice(2) + Date.now().toString(36)] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name'],
    },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
    async findAccount(ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...account };
        },
      };
    },
  });
  // Plain HTTP on loopback: oidc-provider would otherwise insist on TLS-only cookies for non-localhost.
  provider.proxy = true;
  provider.on('server_error', (ctx, error) => console.error('server_error', error));

  server.on('request', provider.callback());
  console.log(`READY ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
