// The command environment: an allowlist of names, secrets and the action's own credentials never pass.
import { describe, expect, it } from 'vitest';
import { buildCommandEnv } from '../../action/sandbox/index.js';

const noSecrets = () => false;

describe('buildCommandEnv', () => {
  it('passes only allowlisted names, exact or by prefix glob', () => {
    const base = {
      PATH: '/usr/bin',
      HOME: '/root',
      NPM_CONFIG_CACHE: '/c',
      NPM_TOKEN_X: 'x',
      LANG: 'C',
      OTHER: '1',
    };
    expect(buildCommandEnv(base, ['PATH', 'LANG', 'NPM_CONFIG_*'], noSecrets)).toEqual({
      PATH: '/usr/bin',
      LANG: 'C',
      NPM_CONFIG_CACHE: '/c',
    });
  });

  it("treats '*' as every name and skips unset values", () => {
    expect(buildCommandEnv({ A: '1', B: undefined }, ['*'], noSecrets)).toEqual({ A: '1' });
  });

  it('lets the secret check win over the allowlist', () => {
    const isSecret = (n: string) => /TOKEN|SECRET|PASSWORD|_KEY$/.test(n);
    const base = { MY_API_TOKEN: 't', DB_PASSWORD: 'p', MY_VAR: 'v', AWS_SECRET_ACCESS_KEY: 's' };
    expect(buildCommandEnv(base, ['MY_*', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY'], isSecret)).toEqual({
      MY_VAR: 'v',
    });
  });

  it("never passes the action's credentials, runner tokens or inputs, even when allowed", () => {
    const base = {
      GITHUB_TOKEN: 'g',
      GH_TOKEN: 'g',
      ANTHROPIC_API_KEY: 'k',
      anthropic_api_key: 'k',
      ACTIONS_RUNTIME_TOKEN: 'r',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'o',
      'INPUT_ANTHROPIC-API-KEY': 'k',
      PATH: '/usr/bin',
    };
    expect(buildCommandEnv(base, ['*'], noSecrets)).toEqual({ PATH: '/usr/bin' });
    expect(
      buildCommandEnv(base, ['GITHUB_TOKEN', 'ANTHROPIC_API_KEY', 'ACTIONS_*', 'INPUT_*', 'PATH'], noSecrets),
    ).toEqual({ PATH: '/usr/bin' });
  });

  it('adds extra variables over the base, with the same refusals', () => {
    const env = buildCommandEnv({ HOME: '/root', PATH: '/bin' }, ['HOME', 'PATH'], (n) => n === 'MY_SECRET', {
      HOME: '/tmp/h',
      TMPDIR: '/tmp/t',
      GITHUB_TOKEN: 'g',
      MY_SECRET: 's',
    });
    expect(env).toEqual({ HOME: '/tmp/h', PATH: '/bin', TMPDIR: '/tmp/t' });
  });

  it('does not touch its inputs', () => {
    const base = Object.freeze({ PATH: '/bin' });
    const allow = Object.freeze(['PATH']) as string[];
    expect(buildCommandEnv(base, allow, noSecrets)).toEqual({ PATH: '/bin' });
  });
});
