// The secrets engine's corpus: for each token type of agentgate's pack, true positives built from the
// vendor's documented format, and look-alikes that must stay quiet (placeholders, truncated tokens,
// a wrong character set, the right value under the wrong name). Every token is assembled at run time
// from its prefix and seeded random characters, so no credential-shaped string sits in the repository
// (push protection and scanners would rightly object), and the corpus is the same on every run.

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const B62 = UPPER + LOWER + DIGITS;
const B64URL = `${B62}-_`;
const B64 = `${B62}+/`;
const HEX = '0123456789abcdef';

/** Words and runs the pack treats as placeholders; a random token containing one is drawn again. */
const PLACEHOLDERISH =
  /example|dummy|sample|placeholder|changeme|change_me|your|insert|replace|redacted|lorem|notreal|not_real|xxxxxx|0123456789|123456789|abcdefghij|qwerty|asdfgh|\.{4}|_{6}|-{6}|0{8}|1{8}|9{8}/i;

/** A small seeded generator (mulberry32): the corpus is random-looking but fixed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = generator(0x5ec2e75);

/** n characters drawn from an alphabet, never a placeholder-looking run. */
export function rand(alphabet: string, n: number): string {
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    if (!PLACEHOLDERISH.test(s)) return s;
  }
}

/** Joins parts, so that no prefix and body ever appear together in this file. */
const j = (...parts: string[]) => parts.join('');

export interface CorpusCase {
  /** The file's text. */
  text: string;
  /** The secret a true positive must report (its `secret` contains it). */
  secret?: string;
  /** The file's path, when it matters. */
  path?: string;
}

export interface CorpusType {
  /** The token type, as named in the pack's documentation. */
  type: string;
  /** The rule that must find the positives. */
  rule: string;
  positives: CorpusCase[];
  /** Look-alikes: no rule may fire on them. */
  negatives: CorpusCase[];
  /** Other rules that may also report a positive (a service-account file also holds a private key). */
  also?: string[];
}

/** Three ordinary places a token turns up: a string in code, a .env line, a YAML value. */
function inContexts(make: () => string): CorpusCase[] {
  const [a, b, c] = [make(), make(), make()];
  return [
    { text: `const value = "${a}";\nconsole.log(value);\n`, secret: a, path: 'src/client.ts' },
    { text: `# service settings\nSETTING_ONE=${b}\n`, secret: b, path: '.env.production' },
    { text: `deploy:\n  settings:\n    - '${c}'\n`, secret: c, path: 'deploy/values.yaml' },
  ];
}

const quoted = (t: string): CorpusCase => ({ text: `const value = "${t}";\n`, path: 'src/x.ts' });

/**
 * A type whose tokens are a prefix and a body of one alphabet, with the usual look-alikes: the body all
 * x, cut to `short` characters (below the documented length), and broken early by a character outside
 * the alphabet.
 */
function prefixed(
  type: string,
  rule: string,
  prefix: string,
  alphabet: string,
  length: number,
  wrong: string,
  short = Math.floor(length / 2),
): CorpusType {
  return {
    type,
    rule,
    positives: inContexts(() => j(prefix, rand(alphabet, length))),
    negatives: [
      quoted(j(prefix, 'x'.repeat(length))),
      quoted(j(prefix, rand(alphabet, short))),
      quoted(j(prefix, rand(alphabet, 3), wrong, rand(alphabet, length - 4))),
    ],
  };
}

/** A value assigned to a name: positives under the right names, negatives under a wrong one or a placeholder. */
function assigned(
  type: string,
  rule: string,
  names: [string, string, string],
  make: () => string,
  wrongName: string,
  placeholder: string,
): CorpusType {
  const [a, b, c] = [make(), make(), make()];
  return {
    type,
    rule,
    positives: [
      { text: `${names[0]}=${a}\n`, secret: a, path: '.env' },
      { text: `config:\n  ${names[1]}: "${b}"\n`, secret: b, path: 'config.yml' },
      { text: `{\n  "${names[2]}": "${c}"\n}\n`, secret: c, path: 'settings.json' },
    ],
    negatives: [
      { text: `${wrongName}=${make()}\n`, path: '.env' },
      { text: `${names[0]}=${placeholder}\n`, path: '.env' },
    ],
  };
}

function awsKeyIds(): CorpusType[] {
  const prefixes = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'APKA'];
  return prefixes.map((p) => {
    const body = `${UPPER}234567`;
    return {
      type: `AWS ${p}… identifier`,
      rule: 'aws-access-key-id',
      positives: inContexts(() => j(p.slice(0, 2), p.slice(2), rand(body, 16))),
      negatives: [
        quoted(j(p.slice(0, 2), p.slice(2), 'XXXXXXXXXXXXXXXX')),
        quoted(j(p.slice(0, 2), p.slice(2), rand(body, 12))),
        quoted(j(p.slice(0, 2), p.slice(2), rand(LOWER, 16))),
      ],
    };
  });
}

function pem(kind: string, body: string[], headers: string[] = []): string {
  const label = kind === 'PGP' ? 'PGP PRIVATE KEY BLOCK' : `${kind ? `${kind} ` : ''}PRIVATE KEY`;
  return [`-----BEGIN ${label}-----`, ...headers, ...body, `-----END ${label}-----`].join('\n');
}

function keyBody(lines: number): string[] {
  return Array.from({ length: lines }, () => rand(B64, 64));
}

function privateKeys(): CorpusType[] {
  const kinds: [string, string][] = [
    ['', 'PKCS#8'],
    ['RSA', 'RSA'],
    ['EC', 'EC'],
    ['DSA', 'DSA'],
    ['OPENSSH', 'OpenSSH'],
    ['ENCRYPTED', 'encrypted PKCS#8'],
    ['PGP', 'PGP'],
  ];
  return kinds.map(([kind, name]) => {
    const headers = kind === 'PGP' ? ['Version: GnuPG v2', ''] : [];
    const tail = kind === 'PGP' ? [`=${rand(B64, 4)}`] : [];
    const a = pem(kind, [...keyBody(12), ...tail], headers);
    const b = pem(kind, [...keyBody(8), ...tail], headers).replace(/\n/g, '\r\n');
    const c = pem(kind, keyBody(6));
    const escaped = JSON.stringify(c).slice(1, -1);
    const label = kind === 'PGP' ? 'PGP PRIVATE KEY BLOCK' : `${kind ? `${kind} ` : ''}PRIVATE KEY`;
    const publicLabel = kind === 'PGP' ? 'PGP PUBLIC KEY BLOCK' : 'PUBLIC KEY';
    return {
      type: `private key (${name})`,
      rule: 'private-key',
      positives: [
        { text: `${a}\n`, path: `keys/${kind || 'pkcs8'}.pem` },
        { text: `${b}\r\n`, path: 'keys/crlf.key' },
        { text: `{"key": "${escaped}\\n"}\n`, path: 'config/key.json' },
      ],
      negatives: [
        { text: `-----BEGIN ${label}-----\n...\n-----END ${label}-----\n`, path: 'docs/keys.md' },
        {
          text: `-----BEGIN ${label}-----\n<your key here>\n-----END ${label}-----\n`,
          path: 'docs/setup.md',
        },
        { text: `-----BEGIN ${publicLabel}-----\n${keyBody(6).join('\n')}\n-----END ${publicLabel}-----\n` },
      ],
    };
  });
}

function jwtOf(payload: object): string {
  const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}.${rand(B64URL, 43)}`;
}

function serviceAccount(keyId: string, type = 'service_account', key = pem('', keyBody(10))): string {
  return `${JSON.stringify(
    {
      type,
      project_id: `proj-${rand(LOWER, 6)}`,
      private_key_id: keyId,
      private_key: `${key}\n`,
      client_email: `svc@proj-${rand(LOWER, 6)}.iam.gserviceaccount.com`,
      client_id: rand(DIGITS, 21),
    },
    null,
    2,
  )}\n`;
}

function sasUrl(sig: string): string {
  return `https://acct${rand(LOWER, 4)}.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=${sig}`;
}

const sasSig = () => encodeURIComponent(`${rand(B64, 43)}=`);

const uuid = () => `${rand(HEX, 8)}-${rand(HEX, 4)}-${rand(HEX, 4)}-${rand(HEX, 4)}-${rand(HEX, 12)}`;

/** A password with letters, digits and a symbol, as a generator makes them. */
const password = () => `${rand(B62, 8)}${rand(DIGITS, 2)}!${rand(B62, 7)}`;

export function secretsCorpus(): CorpusType[] {
  const corpus: CorpusType[] = [
    ...awsKeyIds(),
    assigned(
      'AWS secret access key',
      'aws-secret-access-key',
      ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key', 'SecretAccessKey'],
      () => rand(B64, 40),
      'AWS_REGION_HASH',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ),
    prefixed('GitHub classic PAT (ghp_)', 'github-pat', j('gh', 'p_'), B62, 36, '-'),
    prefixed('GitHub OAuth token (gho_)', 'github-oauth-token', j('gh', 'o_'), B62, 36, '-'),
    prefixed('GitHub user-to-server token (ghu_)', 'github-app-token', j('gh', 'u_'), B62, 36, '-'),
    prefixed('GitHub installation token (ghs_)', 'github-app-token', j('gh', 's_'), B62, 36, '-'),
    prefixed('GitHub refresh token (ghr_)', 'github-refresh-token', j('gh', 'r_'), B62, 36, '-'),
    {
      type: 'GitHub fine-grained PAT (github_pat_)',
      rule: 'github-fine-grained-pat',
      positives: inContexts(() => j('github', '_pat_', rand(B62, 22), '_', rand(B62, 59))),
      negatives: [
        quoted(j('github', '_pat_', 'x'.repeat(22), '_', 'x'.repeat(59))),
        quoted(j('github', '_pat_', rand(B62, 22), '_', rand(B62, 20))),
      ],
    },
    ...(
      [
        ['personal access token (glpat-)', 'gitlab-pat', 'glpat-'],
        ['deploy token (gldt-)', 'gitlab-deploy-token', 'gldt-'],
        ['runner authentication token (glrt-)', 'gitlab-runner-token', 'glrt-'],
        ['pipeline trigger token (glptt-)', 'gitlab-pipeline-trigger-token', 'glptt-'],
        ['SCIM token (glsoat-)', 'gitlab-scim-token', 'glsoat-'],
        ['CI/CD job token (glcbt-)', 'gitlab-ci-job-token', 'glcbt-'],
        ['incoming mail token (glimt-)', 'gitlab-incoming-mail-token', 'glimt-'],
        ['feed token (glft-)', 'gitlab-feed-token', 'glft-'],
        ['agent token (glagent-)', 'gitlab-agent-token', 'glagent-'],
        ['OAuth application secret (gloas-)', 'gitlab-oauth-app-secret', 'gloas-'],
        ['runner registration token (GR1348941)', 'gitlab-runner-registration-token', 'GR1348941'],
      ] as const
    ).map(([what, rule, prefix]) =>
      prefixed(`GitLab ${what}`, rule, j(prefix.slice(0, 3), prefix.slice(3)), B62, 20, '!'),
    ),
    {
      type: 'GitLab routable token (glpat-….01.…)',
      rule: 'gitlab-pat',
      positives: inContexts(() => j('gl', 'pat-', rand(B64URL, 27), '.01.', rand(LOWER + DIGITS, 9))),
      negatives: [
        quoted(j('gl', 'pat-', 'x'.repeat(27), '.01.', 'x'.repeat(9))),
        quoted(j('gl', 'pat-', rand(B62, 12))),
      ],
    },
    {
      type: 'Slack bot token (xoxb-)',
      rule: 'slack-bot-token',
      positives: inContexts(() =>
        j('xo', 'xb-', rand(DIGITS, 11), '-', rand(DIGITS, 13), '-', rand(B62, 24)),
      ),
      negatives: [
        quoted(j('xo', 'xb-', 'x'.repeat(11), '-', 'x'.repeat(13), '-', 'x'.repeat(24))),
        quoted(j('xo', 'xb-', rand(DIGITS, 11), '-', rand(DIGITS, 13), '-', rand(B62, 8))),
      ],
    },
    {
      type: 'Slack user token (xoxp-)',
      rule: 'slack-user-token',
      positives: inContexts(() =>
        j('xo', 'xp-', rand(DIGITS, 11), '-', rand(DIGITS, 11), '-', rand(DIGITS, 12), '-', rand(HEX, 32)),
      ),
      negatives: [
        quoted(j('xo', 'xp-', 'x'.repeat(11), '-', 'x'.repeat(11), '-', 'x'.repeat(12), '-', 'x'.repeat(32))),
        quoted(j('xo', 'xp-', rand(DIGITS, 11), '-', rand(DIGITS, 11), '-', rand(HEX, 32))),
      ],
    },
    ...(['a', 'r', 's'] as const).map((k) => ({
      type: `Slack legacy token (xox${k}-)`,
      rule: 'slack-legacy-token',
      positives: inContexts(() =>
        j('xo', `x${k}-`, rand(DIGITS, 11), '-', rand(DIGITS, 11), '-', rand(DIGITS, 12), '-', rand(HEX, 64)),
      ),
      negatives: [
        quoted(j('xo', `x${k}-`, 'x'.repeat(11), '-', 'x'.repeat(40))),
        quoted(j('xo', `x${k}-`, rand(DIGITS, 11), '-', rand(HEX, 6))),
      ],
    })),
    {
      type: 'Slack refresh / configuration token (xoxe-, xoxe.xoxp-)',
      rule: 'slack-refresh-or-config-token',
      positives: [
        quoted(j('xo', 'xe-1-', rand(B62, 146))),
        { text: `SLACK_CONFIG=${j('xo', 'xe.xo', 'xp-1-', rand(B62, 160))}\n` },
        quoted(j('xo', 'xe.xo', 'xb-1-', rand(B62, 160))),
      ].map((c) => ({ ...c, secret: /xox[^"\n]+/.exec(c.text)?.[0] ?? '' })),
      negatives: [quoted(j('xo', 'xe-1-', 'x'.repeat(146))), quoted(j('xo', 'xe-1-', rand(B62, 20)))],
    },
    {
      type: 'Slack app-level token (xapp-)',
      rule: 'slack-app-token',
      positives: inContexts(() =>
        j('xa', 'pp-1-A', rand(UPPER + DIGITS, 10), '-', rand(DIGITS, 13), '-', rand(HEX, 64)),
      ),
      negatives: [
        quoted(j('xa', 'pp-1-', 'X'.repeat(11), '-', 'x'.repeat(13), '-', 'x'.repeat(64))),
        quoted(j('xa', 'pp-1-A', rand(UPPER, 10), '-', rand(DIGITS, 13), '-', rand(HEX, 12))),
      ],
    },
    {
      type: 'Slack webhook URL',
      rule: 'slack-webhook-url',
      positives: [
        ...inContexts(() =>
          j(
            'https://hooks.',
            'slack.com/services/T',
            rand(UPPER + DIGITS, 9),
            '/B',
            rand(UPPER + DIGITS, 10),
            '/',
            rand(B62, 24),
          ),
        ),
        {
          text: `url = "${j('https://hooks.', 'slack.com/workflows/T', rand(UPPER + DIGITS, 9), '/A', rand(UPPER + DIGITS, 10), '/', rand(DIGITS, 18), '/', rand(B62, 32))}"\n`,
        },
      ],
      negatives: [
        quoted(j('https://hooks.', 'slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX')),
        quoted(
          j(
            'https://hooks.',
            'slack.com/services/T',
            rand(UPPER, 9),
            '/B',
            rand(UPPER, 10),
            '/',
            rand(B62, 10),
          ),
        ),
      ],
    },
    ...(['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'] as const).map((p) =>
      prefixed(`Stripe key (${p})`, 'stripe-api-key', j(p.slice(0, 3), p.slice(3)), B62, 99, '-', 12),
    ),
    {
      type: 'Stripe webhook secret (whsec_)',
      rule: 'stripe-webhook-secret',
      positives: inContexts(() => j('wh', 'sec_', rand(B62, 32))),
      negatives: [quoted(j('wh', 'sec_', 'x'.repeat(32))), quoted(j('wh', 'sec_', rand(B62, 16)))],
    },
    prefixed('Google API key (AIza)', 'google-api-key', j('AI', 'za'), B64URL, 35, '!'),
    {
      type: 'Google service-account key file',
      rule: 'gcp-service-account-key',
      also: ['private-key'],
      positives: [
        { text: serviceAccount(rand(HEX, 40)), path: 'sa.json' },
        { text: serviceAccount(rand(HEX, 40)), path: 'deploy/credentials.json' },
        { text: serviceAccount(rand(HEX, 40)).replace(/\n\s*/g, ''), path: 'min.json' },
      ].map((c) => ({ ...c, secret: /"private_key_id": ?"([0-9a-f]{40})"/.exec(c.text)?.[1] ?? '' })),
      negatives: [
        { text: serviceAccount(rand(HEX, 40), 'authorized_user', '<your key>'), path: 'adc.json' },
        { text: serviceAccount('x'.repeat(40), 'service_account', '<your key>'), path: 'sa.example.json' },
      ],
    },
    {
      type: 'Azure AD client secret',
      rule: 'azure-ad-client-secret',
      positives: inContexts(() => j(rand(B62, 3), rand(DIGITS, 1), 'Q', '~', rand(`${B62}_~.-`, 34))),
      negatives: [
        quoted(j('abc', '8Q', '~', 'x'.repeat(34))),
        quoted(j(rand(B62, 3), '8Q', '~', rand(B62, 20))),
      ],
    },
    {
      type: 'Azure storage account key',
      rule: 'azure-storage-account-key',
      positives: [0, 1, 2].map(() => {
        const key = `${rand(B64, 86)}==`;
        return {
          text: `conn = "DefaultEndpointsProtocol=https;AccountName=acct${rand(LOWER, 4)};AccountKey=${key};EndpointSuffix=core.windows.net"\n`,
          secret: key,
        };
      }),
      negatives: [
        quoted(
          'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=<your-key>;EndpointSuffix=core.windows.net',
        ),
        quoted(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${rand(B64, 40)}==`),
      ],
    },
    {
      type: 'Azure SAS token',
      rule: 'azure-sas-token',
      positives: [0, 1, 2].map(() => {
        const sig = sasSig();
        return { text: `const url = "${sasUrl(sig)}";\n`, secret: sig };
      }),
      negatives: [
        quoted(sasUrl('<signature>')),
        quoted(`https://example.net/cb?state=${rand(B62, 8)}&sig=${sasSig()}`),
      ],
    },
    {
      type: 'JSON Web Token',
      rule: 'jwt',
      positives: inContexts(() => jwtOf({ sub: rand(DIGITS, 10), name: rand(LOWER, 8), iat: 1700000000 })),
      negatives: [
        quoted(jwtOf({ sub: '1' }).split('.').slice(0, 2).join('.')),
        quoted(`eyJ${'x'.repeat(20)}.eyJ${'x'.repeat(20)}.${'x'.repeat(20)}`),
      ],
    },
    ...privateKeys(),
    prefixed('npm access token (npm_)', 'npm-access-token', j('np', 'm_'), B62, 36, '-'),
    {
      type: 'PyPI API token (pypi-AgEIcHlwaS5vcmc…)',
      rule: 'pypi-upload-token',
      positives: inContexts(() => j('pypi-', 'AgEIcHlwaS5vcmc', rand(B64URL, 160))),
      negatives: [
        quoted(j('pypi-', rand(B64URL, 80))),
        quoted(j('pypi-', 'AgEIcHlwaS5vcmc', rand(B64URL, 20))),
      ],
    },
    ...(['proj', 'svcacct', 'admin'] as const).map((k) => ({
      type: `OpenAI key (sk-${k}-)`,
      rule: 'openai-api-key',
      positives: inContexts(() => j('sk', `-${k}-`, rand(B64URL, 74), 'T3Blbk', 'FJ', rand(B64URL, 74))),
      negatives: [quoted(j('sk', `-${k}-`, 'x'.repeat(100))), quoted(j('sk', `-${k}-`, rand(B62, 20)))],
    })),
    {
      type: 'OpenAI legacy key (sk-…T3BlbkFJ…)',
      rule: 'openai-api-key',
      positives: inContexts(() => j('sk', '-', rand(B62, 20), 'T3Blbk', 'FJ', rand(B62, 20))),
      negatives: [
        quoted(j('sk', '-', rand(B62, 48))),
        quoted(j('sk', '-', rand(B62, 10), 'T3Blbk', 'FJ', rand(B62, 10))),
      ],
    },
    {
      type: 'Anthropic API key (sk-ant-api03-)',
      rule: 'anthropic-api-key',
      positives: inContexts(() => j('sk-', 'ant-api03-', rand(B64URL, 93), 'AA')),
      negatives: [
        quoted(j('sk-', 'ant-api03-', 'x'.repeat(93), 'AA')),
        quoted(j('sk-', 'ant-api03-', rand(B64URL, 40))),
      ],
    },
    {
      type: 'Anthropic Admin API key (sk-ant-admin01-)',
      rule: 'anthropic-admin-key',
      positives: inContexts(() => j('sk-', 'ant-admin01-', rand(B64URL, 93), 'AA')),
      negatives: [
        quoted(j('sk-', 'ant-admin01-', 'x'.repeat(93), 'AA')),
        quoted(j('sk-', 'ant-admin01-', rand(B64URL, 40))),
      ],
    },
    prefixed('Twilio API key SID (SK)', 'twilio-api-key', j('S', 'K'), HEX, 32, 'Z'),
    prefixed('Twilio account SID (AC)', 'twilio-account-sid', j('A', 'C'), HEX, 32, 'Z'),
    assigned(
      'Twilio auth token',
      'twilio-auth-token',
      ['TWILIO_AUTH_TOKEN', 'twilio_auth_token', 'twilioAuthToken'],
      () => rand(HEX, 32),
      'BUILD_HASH',
      '<twilio auth token>',
    ),
    {
      type: 'SendGrid API key (SG.)',
      rule: 'sendgrid-api-key',
      positives: inContexts(() => j('S', 'G.', rand(B64URL, 22), '.', rand(B64URL, 43))),
      negatives: [
        quoted(j('S', 'G.', 'x'.repeat(22), '.', 'x'.repeat(43))),
        quoted(j('S', 'G.', rand(B64URL, 22), '.', rand(B64URL, 20))),
      ],
    },
    ...(['shpat_', 'shpca_', 'shppa_', 'shpss_'] as const).map((p) =>
      prefixed(`Shopify (${p})`, 'shopify-token', j(p.slice(0, 3), p.slice(3)), HEX, 32, 'z'),
    ),
    prefixed('Square access token (EAAA)', 'square-access-token', j('EA', 'AA'), B64URL, 60, '!'),
    prefixed('Square access token (sq0atp-)', 'square-access-token', j('sq0', 'atp-'), B64URL, 22, '!'),
    prefixed('Square application secret (sq0csp-)', 'square-oauth-secret', j('sq0', 'csp-'), B64URL, 43, '!'),
    assigned(
      'Datadog API key',
      'datadog-api-key',
      ['DD_API_KEY', 'datadog_api_key', 'ddApiKey'],
      () => rand(HEX, 32),
      'DD_SITE_HASH',
      '<DATADOG_API_KEY>',
    ),
    assigned(
      'Datadog application key',
      'datadog-api-key',
      ['DD_APP_KEY', 'datadog_application_key', 'ddAppKey'],
      () => rand(HEX, 40),
      'GIT_COMMIT_SHA',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder the pack must ignore, not a template
      '${DD_APP_KEY}',
    ),
    prefixed('Heroku API key (HRKU-)', 'heroku-api-key', j('HR', 'KU-'), B64URL, 60, '!'),
    assigned(
      'Heroku API key (UUID)',
      'heroku-api-key-uuid',
      ['HEROKU_API_KEY', 'heroku_api_key', 'herokuApiKey'],
      uuid,
      'REQUEST_ID',
      '00000000-0000-0000-0000-000000000000',
    ),
    ...(['dop_v1_', 'doo_v1_', 'dor_v1_'] as const).map((p) =>
      prefixed(`DigitalOcean (${p})`, 'digitalocean-token', j(p.slice(0, 2), p.slice(2)), HEX, 64, 'Z'),
    ),
    prefixed('Vault service token (hvs.)', 'vault-token', j('hv', 's.'), B64URL, 91, '!', 12),
    prefixed('Vault batch token (hvb.)', 'vault-token', j('hv', 'b.'), B64URL, 138, '!', 12),
    assigned(
      'Vault token (s.)',
      'vault-token-legacy',
      ['VAULT_TOKEN', 'vault_token', 'vaultToken'],
      () => j('s', '.', rand(B62, 24)),
      'SESSION_NAME',
      's.xxxxxxxxxxxxxxxxxxxxxxxx',
    ),
    {
      type: 'Terraform Cloud token (….atlasv1.…)',
      rule: 'terraform-cloud-token',
      positives: inContexts(() => j(rand(B62, 14), '.atlas', 'v1.', rand(B64URL, 67))),
      negatives: [
        quoted(j('x'.repeat(14), '.atlas', 'v1.', 'x'.repeat(67))),
        quoted(j(rand(B62, 14), '.atlas', 'v1.', rand(B62, 20))),
      ],
    },
    prefixed('Databricks token (dapi)', 'databricks-token', j('da', 'pi'), HEX, 32, 'z'),
    {
      type: 'credentials in a URL',
      rule: 'generic-url-credentials',
      positives: [
        ['postgres://app:', '@db.internal:5432/app'],
        ['amqp://svc:', '@mq.internal:5672/'],
        ['https://deploy:', '@git.internal.corp/repo.git'],
      ].map(([a = '', b = '']) => {
        const pw = password();
        return { text: `DATABASE_URL="${a}${pw}${b}"\n`, secret: pw };
      }),
      negatives: [
        { text: 'DATABASE_URL="postgres://postgres:postgres@localhost:5432/app"\n' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder the pack must ignore, not a template
        { text: 'DATABASE_URL="postgres://app:${DB_PASSWORD}@db:5432/app"\n' },
        { text: 'REPO="https://user:s3cr3tpw@example.com/repo.git"\n' },
      ],
    },
    {
      type: 'high-entropy value assigned to a secret-named key',
      rule: 'generic-secret',
      positives: [
        ['DB_PASSWORD=', ''],
        ['  "client_secret": "', '",'],
        ["api_key = '", "'"],
      ].map(([a = '', b = '']) => {
        const value = password();
        return { text: `${a}${value}${b}\n`, secret: value };
      }),
      negatives: [
        { text: 'password = "your_password_here"\n' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder the pack must ignore, not a template
        { text: 'token: ${{ secrets.GITHUB_TOKEN }}\n' },
        { text: `secret_name = "${password()}"\n` },
        { text: 'api_key = process.env.API_KEY2\n' },
        { text: 'password = "hunter2"\n' },
      ],
    },
  ];
  return corpus;
}
